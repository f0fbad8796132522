"""orgs.services: creating regions, organisations, enterprises and outlets."""

from __future__ import annotations

import pytest

from littlebee.core.errors import InvalidInput
from littlebee.orgs import services
from littlebee.orgs.models import Industry, Organisation, OrgKind, Outlet, Region, RegionLevel

from .factories import CityFactory, EnterpriseFactory, IndustryCommitteeFactory, OutletFactory

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[114.29, 30.54], [114.31, 30.54], [114.31, 30.56], [114.29, 30.56], [114.29, 30.54]]],
}


def _fields(raised: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {e.field for e in raised.value.errors}


@pytest.fixture
def wuhan(db) -> Region:
    return services.region_create(code="4201", name="武汉市", level=RegionLevel.CITY, lat=30.59, lng=114.30)


@pytest.fixture
def wuchang(wuhan) -> Region:
    return services.region_create(
        code="420106", name="武昌区", level=RegionLevel.DISTRICT, lat=30.55, lng=114.31, parent=wuhan
    )


# --- region_create --------------------------------------------------------------------------
def test_region_create_sets_the_path_below_the_parent(wuhan, wuchang):
    # when
    street = services.region_create(
        code="420106001", name="积玉桥街道", level=RegionLevel.STREET, lat=30.56, lng=114.31, parent=wuchang
    )

    # then
    assert wuhan.path == "4201/"
    assert wuchang.path == "4201/420106/"
    assert street.path == "4201/420106/420106001/"


def test_region_create_sets_the_bounding_box_of_the_boundary(wuhan, wuchang):
    # when
    street = services.region_create(
        code="420106001",
        name="积玉桥街道",
        level=RegionLevel.STREET,
        lat=30.55,
        lng=114.30,
        parent=wuchang,
        boundary=SQUARE,
    )

    # then
    street.refresh_from_db()
    assert street.boundary == SQUARE
    assert (street.min_lat, street.max_lat, street.min_lng, street.max_lng) == (30.54, 30.56, 114.29, 114.31)


def test_region_create_without_boundary_leaves_no_bounding_box(wuhan):
    assert (wuhan.boundary, wuhan.min_lat, wuhan.max_lng) == (None, None, None)


@pytest.mark.parametrize(
    ("level", "parent_name"),
    [
        (RegionLevel.STREET, "wuhan"),  # a street directly under the city
        (RegionLevel.COMMUNITY, "wuchang"),  # a community directly under a district
        (RegionLevel.DISTRICT, "wuchang"),  # a district under a district
        (RegionLevel.DISTRICT, None),  # a district without a city
    ],
)
def test_region_create_rejects_a_parent_of_the_wrong_level(wuhan, wuchang, level, parent_name):
    # given
    parent = {"wuhan": wuhan, "wuchang": wuchang, None: None}[parent_name]
    before = Region.objects.count()

    # when
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="X1", name="错层", level=level, lat=30.5, lng=114.3, parent=parent)

    # then
    assert _fields(raised) == {"parent"}
    assert Region.objects.count() == before


def test_region_create_rejects_a_city_with_a_parent(wuhan):
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="X1", name="市", level=RegionLevel.CITY, lat=30.5, lng=114.3, parent=wuhan)
    assert _fields(raised) == {"parent"}


def test_region_create_rejects_an_unknown_level(db):
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="X1", name="省", level="province", lat=30.5, lng=114.3)
    assert _fields(raised) == {"level"}


@pytest.mark.parametrize(
    ("lat", "lng", "fields"),
    [
        (91, 114.3, {"lat"}),
        (-91, 114.3, {"lat"}),
        (30.5, 181, {"lng"}),
        (30.5, -181, {"lng"}),
        (float("nan"), 114.3, {"lat"}),
        (30.5, float("inf"), {"lng"}),
        (100, 200, {"lat", "lng"}),
    ],
)
def test_region_create_rejects_an_out_of_range_centroid(db, lat, lng, fields):
    # when
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="X1", name="市", level=RegionLevel.CITY, lat=lat, lng=lng)

    # then
    assert _fields(raised) == fields
    assert not Region.objects.exists()


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Polygon", "coordinates": "nonsense"},
        {"type": "Polygon", "coordinates": []},
        {"type": "Point", "coordinates": [114.3, 30.5]},
        {"type": "LineString", "coordinates": [[114.3, 30.5], [114.4, 30.6]]},
        {"type": "Circle", "coordinates": [114.3, 30.5]},
        {"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        # a bow-tie: self-intersecting, so not a valid polygon
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        # written (lat, lng) by mistake far enough to leave the globe
        {"type": "Polygon", "coordinates": [[[30.5, 114.3], [30.6, 114.3], [30.6, 114.4], [30.5, 114.3]]]},
        # projected metres instead of degrees
        {
            "type": "Polygon",
            "coordinates": [[[500000, 3300000], [500100, 3300000], [500100, 3300100], [500000, 3300000]]],
        },
        [1, 2, 3],
        "POLYGON((0 0, 1 0, 1 1, 0 0))",
    ],
)
def test_region_create_rejects_a_bad_geojson_boundary(db, boundary):
    # when
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="X1", name="市", level=RegionLevel.CITY, lat=30.5, lng=114.3, boundary=boundary)

    # then
    assert _fields(raised) == {"boundary"}
    assert not Region.objects.exists()


def test_region_create_accepts_a_multipolygon(db):
    # given
    boundary = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}

    # when
    region = services.region_create(
        code="X1", name="市", level=RegionLevel.CITY, lat=30.55, lng=114.30, boundary=boundary
    )

    # then
    assert region.min_lat == 30.54


def test_region_create_rejects_a_duplicate_code_as_invalid_input(wuhan):
    # when
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="4201", name="又一个武汉", level=RegionLevel.CITY, lat=30.5, lng=114.3)

    # then
    assert _fields(raised) == {"code"}


def test_region_create_rejects_a_slash_in_the_code(db):
    with pytest.raises(InvalidInput) as raised:
        services.region_create(code="42/01", name="市", level=RegionLevel.CITY, lat=30.5, lng=114.3)
    assert _fields(raised) == {"code"}


def test_region_set_boundary_replaces_and_clears_the_bounding_box(wuhan):
    # when
    services.region_set_boundary(region=wuhan, boundary=SQUARE)
    wuhan.refresh_from_db()
    boxed = (wuhan.min_lat, wuhan.max_lng)
    services.region_set_boundary(region=wuhan, boundary=None)
    wuhan.refresh_from_db()

    # then
    assert boxed == (30.54, 114.31)
    assert (wuhan.boundary, wuhan.min_lat, wuhan.max_lat, wuhan.min_lng, wuhan.max_lng) == (None,) * 5


# --- organisation_create --------------------------------------------------------------------
@pytest.mark.parametrize("kind", [OrgKind.ENTERPRISE, OrgKind.INDUSTRY_COMMITTEE])
@pytest.mark.parametrize("industry", ["", "mining"])
def test_organisation_create_requires_an_industry(wuhan, kind, industry):
    with pytest.raises(InvalidInput) as raised:
        services.organisation_create(code="x", kind=kind, name="无行业", region=wuhan, industry=industry)
    assert _fields(raised) == {"industry"}
    assert not Organisation.objects.exists()


def test_organisation_create_requires_an_enterprise_for_an_enterprise_party_org(wuhan):
    # given
    committee = IndustryCommitteeFactory(region=wuhan)

    # when
    with pytest.raises(InvalidInput) as raised:
        services.organisation_create(
            code="x",
            kind=OrgKind.ENTERPRISE_PARTY_ORG,
            name="党委",
            region=wuhan,
            industry=Industry.EXPRESS,
            enterprise=committee,
        )

    # then
    assert _fields(raised) == {"enterprise"}


def test_organisation_create_requires_a_department_type_for_a_department(wuhan):
    # when
    with pytest.raises(InvalidInput) as raised:
        services.organisation_create(code="x", kind=OrgKind.DEPARTMENT, name="交警", region=wuhan)

    # then
    assert raised.value.errors
    assert not Organisation.objects.exists()


def test_organisation_create_rejects_a_duplicate_code(wuhan):
    # given
    services.organisation_create(code="wuhan-party", kind=OrgKind.PARTY_ORG, name="市委", region=wuhan)

    # when
    with pytest.raises(InvalidInput) as raised:
        services.organisation_create(
            code="wuhan-party", kind=OrgKind.DEPARTMENT, name="又一个", region=wuhan, department_type="traffic_police"
        )

    # then
    assert "code" in _fields(raised)


def test_organisation_create_rejects_a_second_party_org_for_a_region(wuhan):
    # given
    services.organisation_create(code="a", kind=OrgKind.PARTY_ORG, name="市委", region=wuhan)

    # when / then
    with pytest.raises(InvalidInput):
        services.organisation_create(code="b", kind=OrgKind.PARTY_ORG, name="另一个市委", region=wuhan)
    assert Organisation.objects.count() == 1


# --- enterprise_create ----------------------------------------------------------------------
def test_enterprise_create_makes_the_party_org_under_the_industry_committee(wuhan):
    # given
    committee = IndustryCommitteeFactory(region=wuhan, industry=Industry.EXPRESS)

    # when
    enterprise = services.enterprise_create(
        code="sf",
        name="顺丰速运",
        short_name="顺丰",
        industry=Industry.EXPRESS,
        region=wuhan,
        industry_committee=committee,
    )

    # then
    assert enterprise.kind == OrgKind.ENTERPRISE
    party_org = enterprise.party_orgs.get()
    assert party_org.kind == OrgKind.ENTERPRISE_PARTY_ORG
    assert party_org.parent == committee
    assert party_org.industry == Industry.EXPRESS
    assert party_org.name == "顺丰党委"
    assert party_org.code == "sf-party"


def test_enterprise_create_without_committee_leaves_the_party_org_without_parent(wuhan):
    # when
    enterprise = services.enterprise_create(
        code="sf", name="顺丰速运", short_name="", industry=Industry.EXPRESS, region=wuhan, industry_committee=None
    )

    # then
    party_org = enterprise.party_orgs.get()
    assert party_org.parent is None
    assert party_org.name == "顺丰速运党委"


def test_enterprise_create_rejects_a_committee_of_another_industry(wuhan):
    # given
    food_committee = IndustryCommitteeFactory(region=wuhan, industry=Industry.FOOD_DELIVERY)

    # when
    with pytest.raises(InvalidInput) as raised:
        services.enterprise_create(
            code="sf",
            name="顺丰速运",
            short_name="顺丰",
            industry=Industry.EXPRESS,
            region=wuhan,
            industry_committee=food_committee,
        )

    # then
    assert _fields(raised) == {"industry_committee"}
    assert not Organisation.objects.filter(kind__in=[OrgKind.ENTERPRISE, OrgKind.ENTERPRISE_PARTY_ORG]).exists()


def test_enterprise_create_is_all_or_nothing(wuhan):
    # given the party organisation's code is taken, so its creation fails
    services.organisation_create(code="sf-party", kind=OrgKind.PARTY_ORG, name="占用", region=wuhan)

    # when
    with pytest.raises(InvalidInput):
        services.enterprise_create(
            code="sf",
            name="顺丰速运",
            short_name="顺丰",
            industry=Industry.EXPRESS,
            region=wuhan,
            industry_committee=None,
        )

    # then the enterprise was not left behind without its party organisation
    assert not Organisation.objects.filter(code="sf").exists()


# --- outlet_create --------------------------------------------------------------------------
def test_outlet_create_under_a_parent_of_the_same_enterprise(db):
    # given
    enterprise = EnterpriseFactory()
    branch = services.outlet_create(enterprise=enterprise, name="汉西分部")

    # when
    outlet = services.outlet_create(enterprise=enterprise, name="东吴网点", parent=branch, lat=30.6, lng=114.2)

    # then
    assert outlet.parent == branch
    assert str(outlet) == "汉西分部 东吴网点"


def test_outlet_create_rejects_a_parent_of_another_enterprise(db):
    # given
    enterprise = EnterpriseFactory()
    foreign_parent = OutletFactory(enterprise=EnterpriseFactory())

    # when
    with pytest.raises(InvalidInput) as raised:
        services.outlet_create(enterprise=enterprise, name="网点", parent=foreign_parent)

    # then
    assert _fields(raised) == {"parent"}
    assert not Outlet.objects.filter(enterprise=enterprise).exists()


def test_outlet_create_rejects_an_organisation_that_is_not_an_enterprise(db):
    # given
    committee = IndustryCommitteeFactory()

    # when / then
    with pytest.raises(InvalidInput) as raised:
        services.outlet_create(enterprise=committee, name="网点")
    assert _fields(raised) == {"enterprise"}


@pytest.mark.parametrize(("lat", "lng"), [(91, 114.0), (30.0, None), (None, 114.0), (float("nan"), 114.0)])
def test_outlet_create_rejects_bad_coordinates(db, lat, lng):
    with pytest.raises(InvalidInput):
        services.outlet_create(enterprise=EnterpriseFactory(), name="网点", lat=lat, lng=lng)


def test_outlet_create_rejects_a_duplicate_name_under_one_parent(db):
    # given
    enterprise = EnterpriseFactory()
    branch = services.outlet_create(enterprise=enterprise, name="汉西分部")
    services.outlet_create(enterprise=enterprise, name="东吴网点", parent=branch)

    # when / then
    with pytest.raises(InvalidInput):
        services.outlet_create(enterprise=enterprise, name="东吴网点", parent=branch)


def test_services_leave_the_city_factory_usable(db):
    # the factories and the services agree on how a path is written
    city = CityFactory(code="9901")
    district = services.region_create(
        code="990101", name="区", level=RegionLevel.DISTRICT, lat=30.0, lng=114.0, parent=city
    )
    assert district.path == "9901/990101/"
