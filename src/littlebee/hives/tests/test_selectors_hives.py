"""hives_nearest on larger sets, and the stations' permission rule (hives_managed_by) for every role."""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import MembershipFactory, UserFactory, staff, worker
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.geo import haversine_m
from littlebee.hives import selectors
from littlebee.hives.models import Hive, OpeningException, OpeningInterval, Service
from littlebee.orgs.models import DepartmentType, OrgKind
from littlebee.orgs.tests.factories import CommunityFactory, OrganisationFactory, StreetFactory

from .factories import HiveFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_nearest_matches_a_brute_force_ordering(city):  # noqa: F811
    # given 200 stations scattered over 60 km, half of them open only at night
    rng = random.Random(7)
    hives = []
    for i in range(200):
        hive = HiveFactory(
            lat=30.3 + rng.random() * 0.6, lng=113.9 + rng.random() * 0.8, always_open=i % 2 == 0,
            community=city.community, managing_unit=city.party_org(city.community),
        )  # fmt: skip
        if i % 2:
            OpeningInterval.objects.create(hive=hive, weekday=4, opens=time(22), closes=time(2))
        hives.append(hive)
    at = datetime(2026, 12, 5, 1, 0, tzinfo=SH)  # Saturday 01:00: the Friday night shift is open
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=SH)
    lat, lng = 30.6, 114.3

    # when
    rows = selectors.hives_nearest(lat=lat, lng=lng, limit=15, at=at)
    open_rows = selectors.hives_nearest(lat=lat, lng=lng, limit=15, open_now=True, at=noon)

    # then
    expected = sorted(hives, key=lambda h: (haversine_m(lat, lng, h.lat, h.lng), h.pk))[:15]
    assert [r.hive.id for r in rows] == [h.pk for h in expected]
    assert all(r.open_now for r in rows)
    expected_open = [
        h for h in sorted(hives, key=lambda h: (haversine_m(lat, lng, h.lat, h.lng), h.pk)) if h.always_open
    ]
    assert [r.hive.id for r in open_rows] == [h.pk for h in expected_open[:15]]
    night = next(r for r in rows if not r.hive.always_open)
    assert night.closes_at == datetime(2026, 12, 5, 2, 0, tzinfo=SH)


def test_open_stations_beyond_the_first_read_cost_one_more_round_trip_and_match_brute_force(city):  # noqa: F811
    # given 50 stations open only at night close by, and 10 always open farther out
    rng = random.Random(11)
    unit = city.party_org(city.community)
    night, day = [], []
    for i in range(60):
        far = i >= 50
        hive = HiveFactory(
            lat=30.6 + (0.05 + rng.random() * 0.05 if far else rng.random() * 0.02), lng=114.3 + rng.random() * 0.02,
            always_open=far, community=city.community, managing_unit=unit,
        )  # fmt: skip
        if not far:
            OpeningInterval.objects.create(hive=hive, weekday=4, opens=time(22), closes=time(2))
        (day if far else night).append(hive)
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=SH)
    connection.queries_log.clear()

    # when
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.hives_nearest(lat=30.6, lng=114.3, limit=5, open_now=True, at=noon)

    # then the first read (40 nearest, all closed) was not enough, the second read the rest
    assert len(ctx.captured_queries) == 2
    expected = sorted(day, key=lambda h: (haversine_m(30.6, 114.3, h.lat, h.lng), h.pk))[:5]
    assert [r.hive.id for r in rows] == [h.pk for h in expected]
    assert all(r.open_now for r in rows)


def test_the_search_counts_every_station_that_matches_in_at_most_two_round_trips(city):  # noqa: F811
    # given 60 stations within 3 km, one in three open only at night, and 5 beyond 10 km
    rng = random.Random(5)
    unit = city.party_org(city.community)
    near = []
    for i in range(65):
        far = i >= 60
        hive = HiveFactory(
            lat=30.6 + (0.1 if far else rng.random() * 0.02), lng=114.3 + rng.random() * 0.02,
            always_open=i % 3 != 0, community=city.community, managing_unit=unit,
        )  # fmt: skip
        if i % 3 == 0:
            OpeningInterval.objects.create(hive=hive, weekday=4, opens=time(22), closes=time(2))
        if not far:
            near.append(hive)
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=SH)

    # when a page of 5 is asked for within 5 km, all of them and the open ones
    with CaptureQueriesContext(connection) as plain:
        everything = selectors.hives_search(lat=30.6, lng=114.3, radius_km=5, limit=5, at=noon)
    with CaptureQueriesContext(connection) as opened:
        open_only = selectors.hives_search(lat=30.6, lng=114.3, radius_km=5, limit=5, open_now=True, at=noon)

    # then the counts are the matching stations', not the page's: one statement, two when open
    assert (len(everything.items), everything.count) == (5, 60)
    assert (len(open_only.items), open_only.count) == (5, len([h for h in near if h.always_open]))
    assert len(plain.captured_queries) == 1
    assert len(opened.captured_queries) == 2


def test_an_unknown_service_is_refused_by_the_search_itself(city):  # noqa: F811
    # given a station
    HiveFactory(lat=30.6, lng=114.3, community=city.community, managing_unit=city.party_org(city.community))

    # when / then
    with pytest.raises(InvalidInput) as caught:
        selectors.hives_nearest(lat=30.6, lng=114.3, service="massage")
    assert [e.field for e in caught.value.errors] == ["service"]


@pytest.mark.parametrize("n", [3, 30])
def test_the_map_box_and_the_word_search_are_one_round_trip(city, n):  # noqa: F811
    # given n stations offering a service, each with weekly hours and an exception tomorrow
    unit = city.party_org(city.community)
    charging = Service.objects.create(code="charging", name="充电", is_base=True, order=2)
    water = Service.objects.create(code="water", name="饮水", is_base=True, order=1)
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=SH)
    for i in range(n):
        hive = HiveFactory(
            name=f"爱心驿站{i:02d}", lat=30.6 + i * 0.001, lng=114.3, always_open=False,
            community=city.community, managing_unit=unit,
        )  # fmt: skip
        hive.services.set([charging, water])
        for day in range(7):
            OpeningInterval.objects.create(hive=hive, weekday=day, opens=time(8), closes=time(20))
        OpeningException.objects.create(hive=hive, date=noon.date() + timedelta(days=1), closed=True)
    connection.queries_log.clear()

    # when
    with CaptureQueriesContext(connection) as box:
        points, truncated = selectors.hives_in_box(
            south=30.5, west=114.2, north=30.7, east=114.4, open_now=True, service="charging", at=noon
        )
    with CaptureQueriesContext(connection) as words:
        items = selectors.hives_matching(words="爱心 驿站", lat=30.6, lng=114.3, service="charging", at=noon)

    # then
    assert (len(box.captured_queries), len(words.captured_queries)) == (1, 1)
    assert (len(points), truncated) == (n, False) and all(p.open_now for p in points)
    assert [i.id for i in items] == [p.id for p in points][: selectors.SEARCH_LIMIT]  # nearest first
    assert items[0].services == [("water", "饮水"), ("charging", "充电")]  # in the services' order
    assert items[0].closes_at == datetime(2026, 12, 5, 20, 0, tzinfo=SH)


def test_the_word_search_without_a_position_keeps_the_databases_name_order(city):  # noqa: F811
    unit = city.party_org(city.community)
    for name in ("驿站乙", "驿站甲", "驿站丙"):
        HiveFactory(name=name, community=city.community, managing_unit=unit)

    items = selectors.hives_matching(words="驿站")

    assert [i.name for i in items] == list(Hive.objects.order_by("name", "id").values_list("name", flat=True))


@pytest.mark.parametrize("search", ["box", "words"])
def test_the_finders_refuse_an_unknown_service(city, search):  # noqa: F811
    HiveFactory(lat=30.6, lng=114.3, community=city.community, managing_unit=city.party_org(city.community))

    with pytest.raises(InvalidInput) as caught:
        if search == "box":
            selectors.hives_in_box(south=30.5, west=114.2, north=30.7, east=114.4, service="massage")
        else:
            selectors.hives_matching(words="驿站", service="massage")
    assert [e.field for e in caught.value.errors] == ["service"]


def test_nearest_validates_its_input():
    with pytest.raises(InvalidInput) as caught:
        selectors.hives_nearest(lat=100, lng=114, radius_km=60, service="massage")
    assert {e.field for e in caught.value.errors} == {"lat", "radius_km", "service"}


def _alliance_unit(region):
    return OrganisationFactory(kind=OrgKind.ALLIANCE_UNIT, region=region)


def _managed(user, **kwargs):
    return set(selectors.hives_managed_by(user, **kwargs).values_list("pk", flat=True))


def test_managed_by_each_role(city):  # noqa: F811
    # given a station in 西厂口社区 run by an alliance unit, one run by the community, one in another district
    unit = _alliance_unit(city.community)
    here = HiveFactory(community=city.community, managing_unit=unit)
    community_run = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    there = HiveFactory(community=city.other_district_community)
    everything = {here.pk, community_run.pk, there.pk}

    # then the managing unit's keepers and admins run its station
    assert _managed(staff(unit, role=Role.KEEPER)) == {here.pk}
    assert _managed(staff(unit, role=Role.ADMIN)) == {here.pk}
    # party-organisation admins run every station of their region, whoever manages it
    assert _managed(staff(city.party_org(city.community), role=Role.ADMIN)) == {here.pk, community_run.pk}
    assert _managed(staff(city.party_org(city.street), role=Role.ADMIN)) == {here.pk, community_run.pk}
    assert _managed(staff(city.party_org(city.district), role=Role.ADMIN)) == {here.pk, community_run.pk}
    # city admins (and superusers) run all of them
    assert _managed(staff(city.party_org(city.city), role=Role.CITY_ADMIN)) == everything
    assert _managed(UserFactory(is_superuser=True)) == everything
    assert Hive.objects.count() == 3


@pytest.mark.parametrize(
    "who",
    [
        "unit_handler",
        "community_keeper",
        "street_keeper",
        "street_handler",
        "neighbour_admin",
        "other_street_admin",
        "other_district_admin",
        "district_department_admin",
        "other_units_keeper",
        "worker",
        "anonymous",
    ],
)
def test_others_manage_no_station(city, who):  # noqa: F811
    # given a station in 西厂口社区 run by an alliance unit
    unit = _alliance_unit(city.community)
    station = HiveFactory(community=city.community, managing_unit=unit)
    other_district = city.other_district_community.parent.parent
    user = {
        "unit_handler": lambda: staff(unit, role=Role.HANDLER),
        "community_keeper": lambda: staff(city.party_org(city.community), role=Role.KEEPER),
        "street_keeper": lambda: staff(city.party_org(city.street), role=Role.KEEPER),
        "street_handler": lambda: staff(city.party_org(city.street), role=Role.HANDLER),
        "neighbour_admin": lambda: staff(city.party_org(city.neighbour), role=Role.ADMIN),
        "other_street_admin": lambda: staff(city.party_org(city.other_street_community.parent), role=Role.ADMIN),
        "other_district_admin": lambda: staff(city.party_org(other_district), role=Role.ADMIN),
        "district_department_admin": lambda: staff(
            OrganisationFactory(
                kind=OrgKind.DEPARTMENT, department_type=DepartmentType.URBAN_MANAGEMENT, region=city.district
            ),
            role=Role.ADMIN,
        ),
        "other_units_keeper": lambda: staff(HiveFactory().managing_unit, role=Role.KEEPER),
        "worker": lambda: worker(),
        "anonymous": lambda: AnonymousUser(),
    }[who]()

    # then
    managed = _managed(user)
    assert station.pk not in managed
    assert len(managed) == (1 if who == "other_units_keeper" else 0)  # that keeper runs only their own
    with pytest.raises(NotFound):
        selectors.hive_managed(user, station.pk)


def test_a_keeper_of_the_managing_unit_manages_a_station_in_another_community(city):  # noqa: F811
    # given a station in 得胜桥社区 run by 西厂口社区's party organisation: its keepers run it, 得胜桥's do not
    station = HiveFactory(community=city.neighbour, managing_unit=city.party_org(city.community))
    assert list(selectors.hives_managed_by(staff(city.party_org(city.community), role=Role.KEEPER))) == [station]
    assert list(selectors.hives_managed_by(staff(city.party_org(city.neighbour), role=Role.KEEPER))) == []


@pytest.mark.parametrize(("admins_code", "stations_code"), [("S42", "S421"), ("S_1", "SX1"), ("S%", "S9")])
def test_a_region_is_an_ancestor_by_whole_path_segments_only(city, admins_code, stations_code):  # noqa: F811
    # given two streets whose codes share a prefix, or would match as LIKE wildcards
    admins_street = StreetFactory(parent=city.district, code=admins_code)
    stations_street = StreetFactory(parent=city.district, code=stations_code)
    station = HiveFactory(community=CommunityFactory(parent=stations_street))

    # when
    admin = staff(city.party_org(admins_street), role=Role.ADMIN)

    # then
    assert _managed(admin) == set()
    assert _managed(staff(city.party_org(stations_street), role=Role.ADMIN)) == {station.pk}


def test_through_membership_leaves_out_the_city_admins_reach(city):  # noqa: F811
    # given a city admin who also keeps one station
    station = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    HiveFactory(community=city.other_district_community)
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)
    MembershipFactory(user=admin, organisation=station.managing_unit, role=Role.KEEPER)

    # then
    assert len(_managed(admin)) == 2
    assert _managed(admin, through_membership=True) == {station.pk}


def test_hive_managed_answers_the_station_or_not_found(city):  # noqa: F811
    # given a deactivated station and its keeper
    station = HiveFactory(community=city.community, managing_unit=city.party_org(city.community), is_active=False)
    keeper = staff(station.managing_unit, role=Role.KEEPER)

    # when / then: editing still reaches it (an admin may reactivate it), the counter does not
    assert selectors.hive_managed(keeper, station.pk) == station
    with pytest.raises(NotFound):
        selectors.hive_managed(keeper, station.pk, active_only=True)
    with pytest.raises(NotFound):
        selectors.hive_managed(keeper, 999_999)


@pytest.mark.parametrize(
    ("who", "administers"),
    [
        ("keeper", False),
        ("unit_admin", False),
        ("community_admin", True),
        ("street_admin", True),
        ("neighbour_admin", False),
        ("city_admin", True),
    ],
)
def test_administered_by_is_the_narrower_rule_for_admin_fields(city, who, administers):  # noqa: F811
    # given a station run by an alliance unit: its own staff manage it but only region admins administer it
    unit = _alliance_unit(city.community)
    station = HiveFactory(community=city.community, managing_unit=unit)
    user = {
        "keeper": lambda: staff(unit, role=Role.KEEPER),
        "unit_admin": lambda: staff(unit, role=Role.ADMIN),
        "community_admin": lambda: staff(city.party_org(city.community), role=Role.ADMIN),
        "street_admin": lambda: staff(city.party_org(city.street), role=Role.ADMIN),
        "neighbour_admin": lambda: staff(city.party_org(city.neighbour), role=Role.ADMIN),
        "city_admin": lambda: staff(city.party_org(city.city), role=Role.CITY_ADMIN),
    }[who]()

    # then
    assert selectors.hive_administered_by(user, station) is administers


@pytest.mark.postgres
def test_the_nearest_search_reads_positions_from_the_active_stations_index(city):  # noqa: F811
    # given active and inactive stations, and the search's statement as a prepared statement's
    # generic plan sees it (its parameters unknown), every read but an index-only scan priced out
    from littlebee.hives.selectors.stations import _nearest_params, _nearest_statement

    for i in range(5):
        HiveFactory(
            lat=30.5 + i * 0.01,
            lng=114.3,
            community=city.community,
            managing_unit=city.party_org(city.community),
            is_active=i != 2,
        )
    sql = _nearest_statement(False)
    numbered = sql.split("%s")
    sql = "".join(f"{part}${i + 1}" for i, part in enumerate(numbered[:-1])) + numbered[-1]

    # when PostgreSQL plans it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Only index-only scans left: on this test's few rows a plain scan of the (lat, lng) index
        # costs the same, and which of two equal plans PostgreSQL takes depended on what the tests
        # before had left in the table's statistics (it failed after the rest of this file). What
        # is asked is whether the partial index alone can answer the statement.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"PREPARE nearest AS {sql}")
        try:
            values = [*_nearest_params(30.5, 114.3, 200_000.0, None, limit=25, offset=0), "2026-12-05", "2026-12-16"]
            cursor.execute(f"EXPLAIN EXECUTE nearest({', '.join(repr(v) for v in values)})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE nearest")

    # then the circle is read from the partial index of active stations' positions alone
    assert "Index Only Scan using hive_active_position_idx" in plan, plan


@pytest.mark.parametrize("limit", [1, 9, 10, 11, 20, 31, 100])
def test_the_nearest_of_a_small_circle_are_the_nearest_of_the_whole_circle(city, limit):  # noqa: F811
    # given stations on and around the circles the search looks in first (5 and 15 km: just
    # inside, on, just outside), more in the city and far away, so that the small circles hold
    # fewer, as many and more stations than asked for
    rng = random.Random(limit)
    centre = (30.5, 114.3)
    for km in (0.3, 1, 2, 4.999, 5.0, 5.001, 5.0, 7, 14.999, 15.0, 15.001, 16, 40, 120, 199.9):
        bearing = rng.uniform(0, 360)
        lat = centre[0] + km / 111.2 * math.cos(math.radians(bearing))
        lng = centre[1] + km / (111.2 * math.cos(math.radians(centre[0]))) * math.sin(math.radians(bearing))
        HiveFactory(lat=lat, lng=lng, community=city.community, managing_unit=city.party_org(city.community))
    hives = list(Hive.objects.all())
    at = datetime(2026, 12, 4, 10, tzinfo=SH)

    for radius_km in (None, 50.0, 9.0, 1.5):
        # when searching from the centre and from a station on the 5 km circle
        for lat, lng in (centre, (hives[4].lat, hives[4].lng)):
            found = selectors.hives_search(lat=lat, lng=lng, radius_km=radius_km, limit=limit, at=at)

            # then the page and the count are the whole circle's, nearest first
            radius_m = (radius_km or 200.0) * 1000
            inside = sorted((haversine_m(lat, lng, h.lat, h.lng), h.pk) for h in hives)
            inside = [pk for distance, pk in inside if distance <= radius_m]
            assert [row.hive.id for row in found.items] == inside[:limit], (radius_km, lat, lng)
            assert found.count == len(inside)


@pytest.mark.postgres
def test_a_city_wide_search_computes_distances_for_a_small_circles_stations_only(city):  # noqa: F811
    # given 30 stations within 2 km and 170 more over the city, all in the default 200 km circle
    from littlebee.hives.selectors.stations import _nearest_params, _nearest_statement

    rng = random.Random(3)
    for i in range(200):
        spread = 0.015 if i < 30 else 0.4
        HiveFactory(
            lat=30.5 + rng.uniform(-spread, spread), lng=114.3 + rng.uniform(-spread, spread),
            community=city.community, managing_unit=city.party_org(city.community),
        )  # fmt: skip
    values = [*_nearest_params(30.5, 114.3, 200_000.0, None, limit=25, offset=0), "2026-12-05", "2026-12-16"]

    # when PostgreSQL runs the search's statement
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {_nearest_statement(False)}", values)
        plan = [row[0] for row in cursor.fetchall()]

    # then the haversine term is computed for the stations of the 5 km circle's box, not the
    # city's 200 (the circle's count reads the index alone: every station lies in its inner box)
    keyed = 0
    for i, line in enumerate(plan):
        found = re.search(r"Subquery Scan on \S+ \(actual rows=(\d+)", line)
        if found:
            removed = re.search(r"Rows Removed by Filter: (\d+)", " ".join(plan[i + 1 : i + 3]))
            keyed += int(found[1]) + (int(removed[1]) if removed else 0)
    assert 30 <= keyed < 100, "\n".join(plan)
