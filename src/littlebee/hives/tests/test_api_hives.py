"""GET /hives, GET /hives/{id} and the keeper's and admin's operations."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import UserFactory, staff
from littlebee.core.api_answers import assert_answer_fits
from littlebee.hives.models import Event, Hive, OpeningException, OpeningInterval
from littlebee.hives.schemas import HiveList
from littlebee.hives.services import service_catalogue_ensure

from .factories import AnnualServiceItemFactory, HiveFactory, OpeningIntervalFactory

pytestmark = pytest.mark.django_db

# one statement: the stations' version (selectors.nearby answers from the stations kept in
# memory); the first search after any change of the stations reads them again: the version, the
# service catalogue, the hours, the exceptions, the services' links and the stations
NEAREST_QUERIES = 1
READ_AGAIN_QUERIES = 6


@pytest.fixture
def catalogue():
    return {s.code: s for s in service_catalogue_ensure()}


@pytest.fixture
def station(city, catalogue):  # noqa: F811
    """西厂口社区's station, managed by the community's party organisation."""
    return HiveFactory(
        name="西厂口社区蜂巢驿站",
        community=city.community,
        managing_unit=city.party_org(city.community),
        lat=30.5475,
        lng=114.3000,
        services=[catalogue["rest_charging"], catalogue["shelter"]],
    )


# --- GET /hives ---------------------------------------------------------------------------------
def test_stations_are_listed_nearest_first_with_distance_and_status(api, station, catalogue):
    # given a second station about 1.1 km north, closed all week
    far = HiveFactory(lat=30.5575, lng=114.3000, always_open=False)

    # when
    response = api.get("/hives", {"lat": 30.5475, "lng": 114.3000})

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["id"], second["id"]) == (station.pk, far.pk)
    assert first["distance_m"] == 0 and 1100 < second["distance_m"] < 1125
    assert first["open_now"] is True and first["closes_at"] is None
    assert second["open_now"] is False and second["opens_at"] is None
    assert first["opening_hours"]["always_open"] is True
    assert {s["code"] for s in first["services"]} == {"rest_charging", "shelter"}
    assert first["managing_unit"]["id"] == station.managing_unit_id
    assert first["contact_phone"] == "027-88886666"


def test_open_now_and_service_filters(api, station, catalogue):
    # given a nearer station with charging that is closed, and one open without charging
    closed = HiveFactory(lat=30.5476, lng=114.3, always_open=False, services=[catalogue["rest_charging"]])
    HiveFactory(lat=30.5474, lng=114.3, services=[catalogue["reading"]])

    # when
    response = api.get("/hives", {"lat": 30.5476, "lng": 114.3, "open_now": "true", "service": "rest_charging"})

    # then
    assert [i["id"] for i in response.json()["items"]] == [station.pk]
    assert closed.pk not in [
        i["id"] for i in api.get("/hives", {"lat": 30.5, "lng": 114.3, "open_now": True}).json()["items"]
    ]


def test_closing_time_is_shown_for_an_open_station(api, station):
    # given a station open every day 00:00-23:00 Shanghai time, except now would be 23:xx
    station.always_open = False
    station.save()
    for day in range(7):
        OpeningInterval.objects.create(hive=station, weekday=day, opens=time(0), closes=time(23))
    now = timezone.localtime(timezone.now(), timezone=None)

    # when
    item = api.get("/hives", {"lat": 30.5475, "lng": 114.3}).json()["items"][0]

    # then
    if now.hour < 23:
        assert item["open_now"] is True
        assert item["closes_at"].startswith(now.date().isoformat()) and "T23:00:00+08:00" in item["closes_at"]
    assert item["opening_hours"]["mon"] == [["00:00", "23:00"]]


def test_radius_limits_the_search_and_limit_is_clamped(api, station):
    # given a station about 11 km away
    HiveFactory(lat=30.6475, lng=114.3)

    # then
    assert api.get("/hives", {"lat": 30.5475, "lng": 114.3, "radius_km": 5}).json()["count"] == 1
    assert api.get("/hives", {"lat": 30.5475, "lng": 114.3, "radius_km": 20}).json()["count"] == 2
    assert len(api.get("/hives", {"lat": 30.5475, "lng": 114.3, "limit": 0}).json()["items"]) == 1
    assert len(api.get("/hives", {"lat": 30.5475, "lng": 114.3, "limit": 1000}).json()["items"]) == 2


def test_count_is_every_station_that_matches_not_the_page(api: Any, station: Any, catalogue: Any) -> None:
    # given four more stations nearby: three offering rest and charging, one closed offering nothing
    for lat in (30.548, 30.549, 30.550):
        HiveFactory(lat=lat, lng=114.3, services=[catalogue["rest_charging"]])
    HiveFactory(lat=30.551, lng=114.3, always_open=False)
    near: dict[str, Any] = {"lat": 30.5475, "lng": 114.3, "radius_km": 5, "limit": 1}

    # when a client asks for one station at a time
    page = api.get("/hives", near).json()
    with_service = api.get("/hives", {**near, "service": "rest_charging"}).json()
    open_now = api.get("/hives", {**near, "open_now": "true"}).json()

    # then count says how many match: all five, the four with the service, the four open
    assert (len(page["items"]), page["count"]) == (1, 5)
    assert (len(with_service["items"]), with_service["count"]) == (1, 4)
    assert (len(open_now["items"]), open_now["count"]) == (1, 4)


def test_without_a_radius_the_search_widens_to_far_stations(api, station):
    # given a station about 100 km away
    far = HiveFactory(lat=31.45, lng=114.3)

    # then
    assert far.pk in [i["id"] for i in api.get("/hives", {"lat": 30.5475, "lng": 114.3}).json()["items"]]


def test_inactive_stations_are_not_listed(api, station):
    Hive.objects.filter(pk=station.pk).update(is_active=False)
    assert api.get("/hives", {"lat": 30.5475, "lng": 114.3}).json()["count"] == 0
    assert api.get(f"/hives/{station.pk}").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 114}, "lat"),
        ({"lat": 30, "lng": -181}, "lat"),
        ({"lat": "nan", "lng": 114}, "lat"),
        ({"lat": "abc", "lng": 114}, "lat"),
        ({"lng": 114}, "lat"),
        ({"lat": 30, "lng": 114, "radius_km": 0}, "radius_km"),
        ({"lat": 30, "lng": 114, "radius_km": 50.1}, "radius_km"),
        ({"lat": 30, "lng": 114, "radius_km": -3}, "radius_km"),
        ({"lat": 30, "lng": 114, "service": "massage"}, "service"),
        ({"lat": 30, "lng": 114, "open_now": "maybe"}, "open_now"),
    ],
)
def test_bad_search_input_is_a_400_with_the_field(api, catalogue, params, field):
    response = api.get("/hives", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    assert field in [e["field"] for e in body["errors"]]


def _count(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _populate(n: int, catalogue, station) -> None:
    for i in range(n):
        hive: Any = HiveFactory(
            lat=30.5475 + i * 0.001,
            lng=114.3,
            always_open=False,
            community=station.community,
            managing_unit=station.managing_unit,
            services=[catalogue["rest_charging"], catalogue["reading"]],
        )
        for day in range(7):
            OpeningInterval.objects.create(hive=hive, weekday=day, opens=time(0), closes=time(23, 59))
        OpeningException.objects.create(hive=hive, date=timezone.localdate() + timedelta(days=1), closed=True)


@pytest.mark.parametrize("open_now", [False, True])
def test_the_search_costs_the_same_queries_for_5_and_30_stations(api, station, catalogue, open_now):
    # given
    params = {"lat": 30.5475, "lng": 114.3, "limit": 100, "service": "rest_charging", "radius_km": 10}
    if open_now:
        params["open_now"] = "true"
    _populate(5, catalogue, station)
    few = [_count(lambda: api.get("/hives", params)) for _ in range(2)]

    # when
    _populate(25, catalogue, station)
    many = [_count(lambda: api.get("/hives", params)) for _ in range(2)]

    # then the stations are read again after the change only, in as many statements
    assert few == many == [READ_AGAIN_QUERIES, NEAREST_QUERIES]


# --- GET /hives/{id} ------------------------------------------------------------------------------
def test_the_station_page_has_services_hours_annual_items_and_upcoming_events(api, station):
    # given
    now = timezone.now()
    AnnualServiceItemFactory(hive=station, year=timezone.localdate().year, title="电动车安全检修日")
    AnnualServiceItemFactory(hive=station, year=timezone.localdate().year - 1, title="去年的项目")
    OpeningException.objects.create(hive=station, date=timezone.localdate() + timedelta(days=3), closed=True)
    common = {"organiser": station.managing_unit, "place": "黄鹤楼", "capacity": 50, "checkin_code": "X1"}
    later = Event.objects.create(
        title="小哥集体生日会",
        hive=station,
        starts_at=now + timedelta(days=9),
        ends_at=now + timedelta(days=9, hours=2),
        **common,
    )
    Event.objects.create(
        title="过去的活动",
        hive=station,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-2),
        **common,
    )
    Event.objects.create(
        title="已取消", hive=station, status="cancelled", starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2), **common,
    )  # fmt: skip

    # when
    response = api.get(f"/hives/{station.pk}")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "西厂口社区蜂巢驿站"
    assert body["open_now"] is True
    assert [i["title"] for i in body["annual_items"]] == ["电动车安全检修日"]
    assert len(body["exceptions"]) == 1 and body["exceptions"][0]["closed"] is True
    assert [e["id"] for e in body["events"]] == [later.pk]
    assert set(body["events"][0]) == {"id", "title", "starts_at", "capacity", "registered_count", "waitlisted_count"}
    assert {s["code"] for s in body["services"]} == {"rest_charging", "shelter"}


def test_an_unknown_station_is_404(api):
    assert api.get("/hives/999999").json()["code"] == "not_found"


# --- Keeper and admin operations -----------------------------------------------------------------
def test_the_keeper_edits_their_own_station(api_as, city, station):  # noqa: F811
    # given the community party organisation's keeper
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)

    # when
    response = api_as(keeper).patch(
        f"/hives/{station.pk}",
        {"contact_phone": "13800001111", "services": ["rest_charging", "canteen"], "address": "解放路 1 号"},
    )

    # then
    assert response.status_code == 200, response.content
    station.refresh_from_db()
    assert station.contact_phone == "13800001111" and station.address == "解放路 1 号"
    assert {s["code"] for s in response.json()["services"]} == {"rest_charging", "canteen"}


def test_a_keeper_cannot_edit_another_station(api_as, city, station):  # noqa: F811
    # given a keeper of the neighbouring community
    keeper = staff(city.party_org(city.neighbour), role=Role.KEEPER)

    # when
    response = api_as(keeper).patch(f"/hives/{station.pk}", {"contact_phone": "13800001111"})

    # then
    assert response.status_code == 404
    station.refresh_from_db()
    assert station.contact_phone == "027-88886666"


def test_a_keeper_cannot_change_the_demonstration_flag(api_as, city, station):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    response = api_as(keeper).patch(f"/hives/{station.pk}", {"demonstration": True})
    assert response.status_code == 403
    assert Hive.objects.get(pk=station.pk).demonstration is False


@pytest.mark.parametrize("region", ["street", "district", "city"])
def test_admins_of_the_region_edit_the_station(api_as, city, station, region):  # noqa: F811
    role = Role.CITY_ADMIN if region == "city" else Role.ADMIN
    admin = staff(city.party_org(getattr(city, region)), role=role)
    response = api_as(admin).patch(f"/hives/{station.pk}", {"demonstration": True})
    assert response.status_code == 200, response.content
    assert Hive.objects.get(pk=station.pk).demonstration is True


@pytest.mark.parametrize("who", ["other_district_admin", "street_handler", "worker"])
def test_others_cannot_edit_the_station(api_as, city, station, who):  # noqa: F811
    user = {
        "other_district_admin": lambda: staff(
            city.party_org(city.other_district_community.parent.parent), role=Role.ADMIN
        ),
        "street_handler": lambda: staff(city.party_org(city.street), role=Role.HANDLER),
        "worker": lambda: UserFactory(),
    }[who]()
    response = api_as(user).patch(f"/hives/{station.pk}", {"name": "改名"})
    assert response.status_code == 404


def test_anonymous_cannot_edit(api, station):
    assert api.patch(f"/hives/{station.pk}", {"name": "改名"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 95}, "lat"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"services": ["massage"]}, "services"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(api_as, city, station, body, field):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    response = api_as(keeper).patch(f"/hives/{station.pk}", body)
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Hive.objects.get(pk=station.pk).name == "西厂口社区蜂巢驿站"


def _put(client, path, data):
    return client.client.put(f"/api/v1{path}", data, content_type="application/json", headers=client._headers())


def test_the_keeper_sets_the_weekly_schedule(api_as, city, station):  # noqa: F811
    # given
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    OpeningIntervalFactory(hive=station, weekday=3)

    # when
    response = _put(
        api_as(keeper), f"/hives/{station.pk}/hours", {"mon": [["08:00", "20:00"]], "fri": [["22:00", "02:00"]]}
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["opening_hours"]["fri"] == [["22:00", "02:00"]]
    station.refresh_from_db()
    assert station.always_open is False
    assert sorted((i.weekday, i.opens) for i in station.intervals.all()) == [(0, time(8)), (4, time(22))]


def test_a_malformed_schedule_changes_nothing(api_as, city, station):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    response = _put(api_as(keeper), f"/hives/{station.pk}/hours", {"mon": [["08:00", "26:00"]], "always_open": False})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "mon.0"
    assert Hive.objects.get(pk=station.pk).always_open is True


def test_another_keeper_cannot_set_hours_or_exceptions(api_as, city, station):  # noqa: F811
    keeper = staff(city.party_org(city.neighbour), role=Role.KEEPER)
    client = api_as(keeper)
    assert _put(client, f"/hives/{station.pk}/hours", {"mon": [["08:00", "20:00"]]}).status_code == 404
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.post(f"/hives/{station.pk}/exceptions", {"date": tomorrow}).status_code == 404
    assert not station.exceptions.exists()


def test_the_keeper_closes_the_station_for_a_day_and_the_list_shows_it(api_as, api, city, station):  # noqa: F811
    # given
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    today = timezone.localdate().isoformat()

    # when
    response = api_as(keeper).post(f"/hives/{station.pk}/exceptions", {"date": today, "note": "设备检修"})

    # then
    assert response.status_code == 201, response.content
    assert response.json()["closed"] is True
    item = api.get("/hives", {"lat": 30.5475, "lng": 114.3}).json()["items"][0]
    assert item["open_now"] is False


def test_special_hours_need_both_times(api_as, city, station):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api_as(keeper).post(
        f"/hives/{station.pk}/exceptions", {"date": tomorrow, "closed": False, "opens": "09:00"}
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["closes"]


def test_an_exception_in_the_past_is_refused(api_as, city, station):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    response = api_as(keeper).post(f"/hives/{station.pk}/exceptions", {"date": "2020-01-01"})
    assert response.status_code == 400


def test_widening_the_search_costs_a_bounded_number_of_queries(api, station, catalogue):
    # given 30 stations nearby and a request for more than exist, so the box widens to its limit
    _populate(30, catalogue, station)

    # when
    search = {"lat": 30.5475, "lng": 114.3, "limit": 100, "open_now": "true"}
    queries = [_count(lambda: api.get("/hives", search)) for _ in range(2)]

    # then the search does not widen step by step: its only statement is the stations' version
    assert queries == [READ_AGAIN_QUERIES, NEAREST_QUERIES]


def test_the_search_answer_fits_its_schema_exactly(api, station, catalogue):
    # given stations with hours, services and an exception (GET /hives is rendered without ninja's check)
    _populate(3, catalogue, station)

    # when
    response = api.get("/hives", {"lat": 30.5475, "lng": 114.3, "limit": 10})

    # then
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["count"] == 4
    assert_answer_fits(HiveList, body)
    assert body["items"][0]["services"]
