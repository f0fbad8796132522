from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from shapely.geometry import Point, shape

from littlebee.accounts.models import (
    CheckinStatus,
    EmploymentStatus,
    Membership,
    ProfileEventAction,
    Role,
    User,
    WorkerProfile,
    WorkerType,
)
from littlebee.accounts.selectors import checkins_reviewable_by
from littlebee.accounts.services import login_with_password
from littlebee.demo import wuhan_data
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.demo.wuhan import load_wuhan, region_bbox
from littlebee.orgs.models import DepartmentType, Organisation, OrgKind, Outlet, Region, RegionLevel
from littlebee.orgs.selectors import community_at_point

pytestmark = pytest.mark.django_db

WUHAN_DISTRICTS = {
    "420102": "江岸区",
    "420103": "江汉区",
    "420104": "硚口区",
    "420105": "汉阳区",
    "420106": "武昌区",
    "420107": "青山区",
    "420111": "洪山区",
    "420112": "东西湖区",
    "420113": "汉南区",
    "420114": "蔡甸区",
    "420115": "江夏区",
    "420116": "黄陂区",
    "420117": "新洲区",
}
DEMO_ROLES = {
    "13900000000": ("中共武汉市委组织部", Role.CITY_ADMIN),
    "13900000001": ("中共黄鹤楼街道西厂口社区委员会", Role.HANDLER),
    "13900000002": ("中共武昌区黄鹤楼街道工作委员会", Role.ADMIN),
    "13900000003": ("中共武汉市武昌区委员会", Role.ADMIN),
    "13900000004": ("顺丰党委", Role.ADMIN),
    "13900000005": ("武汉市快递行业党委", Role.ADMIN),
    "13900000006": ("武汉市公安局交通管理局武昌大队", Role.HANDLER),
    "13900000007": ("中共黄鹤楼街道西厂口社区委员会", Role.KEEPER),
    "13900000008": ("中共中华路街道机安社区委员会", Role.KEEPER),
    "13900000009": ("饿了么党委", Role.ADMIN),
    "13900000010": ("武汉市外卖行业党委", Role.ADMIN),
}
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _region(*names: str) -> Region:
    region = Region.objects.get(level=RegionLevel.CITY, code="4201")
    for name in names:
        region = region.children.get(name=name)
    return region


def test_first_load_creates_the_city(wuhan):
    # given the package's first load (how long it takes is measured by `littlebee demo_load`,
    # not asserted here)
    # then it reports what it made
    assert not wuhan.already_loaded
    assert wuhan.created["regions"] == Region.objects.count()


def test_wuhan_has_its_thirteen_districts_with_real_codes():
    # when
    districts = Region.objects.filter(level=RegionLevel.DISTRICT, parent__code="4201")

    # then
    assert {d.code: d.name for d in districts} == WUHAN_DISTRICTS
    assert Region.objects.get(code="4201").name == "武汉市"


def test_the_seed_communities_sit_where_the_article_puts_them():
    # when
    xichangkou = _region("武昌区", "黄鹤楼街道", "西厂口社区")
    jian = Region.objects.get(level=RegionLevel.COMMUNITY, name="机安社区")

    # then
    assert xichangkou.full_name() == "武昌区 黄鹤楼街道 西厂口社区"
    assert jian.parent is not None and jian.parent.parent is not None
    assert jian.parent.parent.name == "武昌区"
    assert _region("东西湖区", "径河街道").level == RegionLevel.STREET
    assert _region("东西湖区", "吴家山街道").level == RegionLevel.STREET


def test_codes_paths_and_boundaries_nest():
    # given
    regions = list(Region.objects.filter(code__startswith="4201").select_related("parent"))

    # then every code extends its parent's by three digits and the path is the chain of codes
    for region in regions:
        parent = region.parent
        if parent is None:
            assert region.path == "4201/"
            continue
        assert region.code.startswith(parent.code)
        if region.level != RegionLevel.DISTRICT:
            assert len(region.code) == len(parent.code) + 3
        assert region.path == f"{parent.path}{region.code}/"
        # the bounding box is what region_set_boundary would store
        assert region.boundary is not None
        assert (region.min_lat, region.max_lat, region.min_lng, region.max_lng) == region_bbox(region.boundary)
    communities = [r for r in regions if r.level == RegionLevel.COMMUNITY]
    streets = {r.pk for r in regions if r.level == RegionLevel.STREET}
    assert len(streets) >= 13 * 3
    assert all(c.parent_id in streets for c in communities)
    per_street = Counter(c.parent_id for c in communities)
    assert min(per_street.values()) >= 3
    assert max(per_street.values()) <= 6


def test_every_community_contains_its_centroid_and_lies_near_wuhan():
    # given
    communities = Region.objects.filter(level=RegionLevel.COMMUNITY)

    # then
    for community in communities:
        assert community.boundary is not None
        assert shape(community.boundary).contains(Point(community.lng, community.lat))
        assert 29.9 < community.lat < 31.4
        assert 113.6 < community.lng < 115.1


def test_community_at_point_finds_xichangkou_by_its_boundary():
    # given
    xichangkou = _region("武昌区", "黄鹤楼街道", "西厂口社区")

    # when
    match = community_at_point(xichangkou.lat, xichangkou.lng)

    # then
    assert match is not None
    assert match.community == xichangkou
    assert match.approximate is False


def test_each_region_has_a_party_org_answering_to_the_one_above():
    # given
    orgs = {o.region_id: o for o in Organisation.objects.filter(kind=OrgKind.PARTY_ORG, code__startswith="wh-")}

    # then
    for region in Region.objects.filter(code__startswith="4201"):
        org = orgs[region.pk]
        if region.parent_id is None:
            assert org.parent_id is None
        else:
            assert org.parent == orgs[region.parent_id]


def test_each_district_has_the_four_departments_under_its_party_org():
    # given
    expected = {
        DepartmentType.TRAFFIC_POLICE,
        DepartmentType.URBAN_MANAGEMENT,
        DepartmentType.PUBLIC_SECURITY,
        DepartmentType.MARKET_REGULATION,
    }

    # then
    for district in Region.objects.filter(level=RegionLevel.DISTRICT):
        departments = Organisation.objects.filter(kind=OrgKind.DEPARTMENT, region=district)
        assert {d.department_type for d in departments} == expected
        party_org = Organisation.objects.get(kind=OrgKind.PARTY_ORG, region=district)
        assert all(d.parent == party_org for d in departments)


def test_committees_regulators_and_enterprises():
    # given
    city_party = Organisation.objects.get(kind=OrgKind.PARTY_ORG, region__code="4201")
    committees = {o.industry: o for o in Organisation.objects.filter(kind=OrgKind.INDUSTRY_COMMITTEE)}

    # then the three industry committees answer to the city
    assert set(committees) == {"express", "food_delivery", "ride_hailing"}
    assert all(c.parent == city_party for c in committees.values())
    regulators = Organisation.objects.filter(kind=OrgKind.REGULATOR)
    assert {r.name for r in regulators} == {"武汉市邮政管理局", "武汉市商务局", "武汉市交通运输局"}
    # and every enterprise has its party organisation under its industry's committee
    enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE)
    assert {"顺丰速运", "饿了么", "美团外卖", "滴滴出行"} <= {e.name for e in enterprises}
    for enterprise in enterprises:
        party_org = Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=enterprise)
        assert party_org.parent == committees[enterprise.industry]
    assert Organisation.objects.filter(kind=OrgKind.ALLIANCE_UNIT, name="黄鹤楼公园").exists()


def test_shunfeng_has_the_seed_outlets():
    # when
    dongwu = Outlet.objects.select_related("parent", "region").get(enterprise__name="顺丰速运", name="东吴网点")

    # then
    assert dongwu.parent is not None
    assert dongwu.parent.name == "东西湖汉西分部"
    assert dongwu.region is not None
    assert dongwu.region.path.startswith(_region("东西湖区").path)


def test_second_load_changes_nothing(second_load: SecondLoad) -> None:
    # given the city, loaded a second time on top of itself (the package's one second load)
    # then it said so and no table has a row more or less
    assert second_load.result.already_loaded
    changed = {
        table: (n, second_load.rows_after[table])
        for table, n in second_load.rows_before.items()
        if second_load.rows_after[table] != n
    }
    assert changed == {}
    assert second_load.points_mismatches == []


def test_a_missing_piece_is_put_back():
    # given a demo worker deleted since the last load
    User.objects.filter(phone="13800000003").delete()

    # when
    result = load_wuhan()

    # then only that worker is created again, as he was
    assert result.created == {"users": 1, "worker profiles": 1, "profile events": 2}
    profile = WorkerProfile.objects.get(user__phone="13800000003")
    assert profile.checkin_status == CheckinStatus.PENDING


@pytest.mark.parametrize("phone", [w.phone for w in wuhan_data.DEMO_WORKERS] + [s.phone for s in wuhan_data.DEMO_STAFF])
def test_every_demo_account_logs_in_with_the_demo_password(phone):
    # when
    user = login_with_password(phone=phone, password="Bee-demo-2021")

    # then
    assert user.phone == phone
    assert user.name


def test_demo_staff_hold_the_listed_roles():
    for phone, (org_name, role) in DEMO_ROLES.items():
        # when
        memberships = list(Membership.objects.filter(user__phone=phone).select_related("organisation"))

        # then
        assert [(m.organisation.name, m.role) for m in memberships] == [(org_name, role)]
    assert User.objects.get(phone="13900000000").is_staff


def test_demo_workers_are_as_described():
    # when
    courier = WorkerProfile.objects.select_related("outlet", "community", "enterprise").get(user__phone="13800000001")
    rider = WorkerProfile.objects.select_related("community", "enterprise").get(user__phone="13800000002")
    driver = WorkerProfile.objects.select_related("community", "enterprise").get(user__phone="13800000003")

    # then
    assert (courier.user.name, courier.enterprise.name, courier.outlet.name) == ("朱涛", "顺丰速运", "东吴网点")
    assert (courier.community.name, courier.checkin_status) == ("西厂口社区", CheckinStatus.CONFIRMED)
    assert courier.checkin_decided_by == User.objects.get(phone="13900000001")
    assert (rider.worker_type, rider.enterprise.name) == (WorkerType.FOOD_DELIVERY, "饿了么")
    assert (rider.community.name, rider.checkin_status) == ("机安社区", CheckinStatus.CONFIRMED)
    assert (driver.worker_type, driver.enterprise.name) == (WorkerType.RIDE_HAILING, "滴滴出行")
    assert (driver.community.name, driver.checkin_status) == ("西厂口社区", CheckinStatus.PENDING)
    # and the 西厂口 handler finds the driver in the queue
    handler = User.objects.get(phone="13900000001")
    assert checkins_reviewable_by(handler).filter(pk=driver.pk).exists()


def test_workers_look_like_a_city():
    # given
    profiles = list(WorkerProfile.objects.select_related("enterprise", "outlet"))
    industry_of = {
        WorkerType.COURIER: "express",
        WorkerType.FOOD_DELIVERY: "food_delivery",
        WorkerType.RIDE_HAILING: "ride_hailing",
    }

    # then a few hundred of all kinds, about one in eight a party member
    assert len(profiles) >= 300
    assert {p.worker_type for p in profiles} == set(WorkerType.values)
    party_share = sum(p.party_member for p in profiles) / len(profiles)
    assert 0.10 <= party_share <= 0.15
    # each with an enterprise of the matching industry, and outlets of that enterprise
    for profile in profiles:
        if profile.worker_type in industry_of:
            assert profile.enterprise is not None
            assert profile.enterprise.industry == industry_of[profile.worker_type]
        if profile.outlet is not None:
            assert profile.outlet.enterprise_id == profile.enterprise_id
    # mostly confirmed, some pending, a few rejected with a reason
    statuses = [p.checkin_status for p in profiles]
    assert statuses.count(CheckinStatus.CONFIRMED) > len(profiles) * 0.7
    assert statuses.count(CheckinStatus.PENDING) >= 10
    assert statuses.count(CheckinStatus.REJECTED) >= 3
    assert all(p.checkin_note for p in profiles if p.checkin_status == CheckinStatus.REJECTED)
    employment = [p.employment_status for p in profiles if p.enterprise_id]
    assert employment.count(EmploymentStatus.CONFIRMED) > len(employment) * 0.7
    # registrations spread over the last year
    dates = sorted(p.created_at for p in profiles)
    assert (dates[-1] - dates[0]).days > 300


def test_timeline_matches_the_statuses():
    # given
    profiles = WorkerProfile.objects.select_related("community").prefetch_related("events")

    # then
    for profile in profiles:
        actions = [e.action for e in profile.events.all()]
        assert actions[0] == ProfileEventAction.REGISTERED
        assert profile.events.all()[0].actor_id == profile.user_id
        decisions = [e for e in profile.events.all() if e.action.startswith("checkin_")]
        if profile.checkin_status == CheckinStatus.PENDING:
            assert decisions == []
            continue
        (decision,) = decisions
        assert decision.to_status == profile.checkin_status
        assert decision.actor_id == profile.checkin_decided_by_id
        assert decision.at == profile.checkin_decided_at
        assert decision.organisation is not None
        assert decision.organisation.region_id == profile.community_id
        assert Membership.objects.filter(
            user_id=decision.actor_id, organisation=decision.organisation, role=Role.HANDLER
        ).exists()


def test_generated_phones_stay_out_of_the_demo_accounts_range():
    # given
    demo = {w.phone for w in wuhan_data.DEMO_WORKERS} | {s.phone for s in wuhan_data.DEMO_STAFF}

    # then
    # (an Open311 partner's own account has no phone number at all: "P" and ten digits)
    phones = set(User.objects.exclude(open311_partner__isnull=False).values_list("phone", flat=True))
    assert demo <= phones
    assert all(p.startswith("17700") for p in phones - demo)


def test_command_prints_summary_and_accounts(demo_load_printed: str) -> None:
    # given the command run over the loaded city
    text = demo_load_printed

    # then
    assert "already loaded" in text
    assert "13 districts" in text
    assert "Bee-demo-2021" in text
    for phone in DEMO_ROLES:
        assert phone in text


def test_quiet_command_prints_only_the_accounts():
    # given
    out = StringIO()

    # when
    call_command("demo_load", "--print-accounts", "--quiet", stdout=out)

    # then
    assert "already loaded" not in out.getvalue()
    assert "13800000001" in out.getvalue()


def test_a_load_that_adds_nothing_computes_no_figures_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the loaded city with its figures computed, and the whole-history rebuild then watched
    from littlebee.analytics.models import ActivityDay, OfficeMonthTotal
    from littlebee.analytics.rollups import rollups_rebuild
    from littlebee.demo import points as demo_points
    from littlebee.demo.management.commands import demo_load

    rollups_rebuild()
    rebuilds: list[object] = []
    awards: list[object] = []
    monkeypatch.setattr(demo_load, "rollups_rebuild", lambda: rebuilds.append(1))
    monkeypatch.setattr(demo_points, "points_award", lambda **kwargs: awards.append(kwargs))

    # when the command runs again (as at every `make run` after the first)
    call_command("demo_load", "--quiet", stdout=StringIO())

    # then it neither computed the statistics' history again nor asked for an award already given
    assert rebuilds == [] and awards == []

    # and when the rate table's month rollup is empty, as migration 0007 leaves it on a database
    # that had figures before, it computes them (the past months' rates would read as zero)
    OfficeMonthTotal.objects.all().delete()
    call_command("demo_load", "--quiet", stdout=StringIO())
    assert rebuilds == [1]

    # and when there are no figures yet (a city loaded before the statistics), it computes them
    ActivityDay.objects.all().delete()
    call_command("demo_load", "--quiet", stdout=StringIO())
    assert rebuilds == [1, 1]
