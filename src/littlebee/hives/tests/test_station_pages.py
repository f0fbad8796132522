"""Pages: the station finder (list, filters, search), the station page, and the map's box API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.hives.models import Service

from .event_factories import EventFactory as _EventFactory
from .factories import AnnualServiceItemFactory, OpeningIntervalFactory
from .factories import HiveFactory as _HiveFactory
from .factories import ServiceFactory as _ServiceFactory

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
EventFactory: Any = _EventFactory
ServiceFactory: Any = _ServiceFactory

CENTRE: Any = (30.5928, 114.3055)
FINDER = "/hives/"


def charging() -> Service:
    found: Service = ServiceFactory(code="rest_charging", name="休息充电", is_base=True)
    return found


def closed_station(**kwargs: Any) -> Any:
    """A station whose only opening hours are a minute long at 03:00 on some other weekday."""
    hive = HiveFactory(always_open=False, **kwargs)
    other_day = (timezone.localtime().weekday() + 3) % 7
    OpeningIntervalFactory(hive=hive, weekday=other_day, opens=dt.time(3, 0), closes=dt.time(3, 1))
    return hive


# --- Finder ---------------------------------------------------------------------------------
def test_the_finder_lists_stations_nearest_first_with_distance_and_open_status() -> None:
    # given two stations, one 300 m and one about 2 km from the worker
    near = HiveFactory(name="近处驿站", lat=CENTRE[0] + 0.0027, lng=CENTRE[1])
    far = HiveFactory(name="远处驿站", lat=CENTRE[0] + 0.018, lng=CENTRE[1])

    # when the worker shares a position
    response = Client().get(FINDER, {"lat": CENTRE[0], "lng": CENTRE[1]})

    # then the list is ordered by distance and shows it, with the open status
    assert response.status_code == 200
    html = response.content.decode()
    assert [item.id for item in response.context["items"]] == [near.pk, far.pk]
    assert "300 米" in html
    assert "2.0 公里" in html
    assert "24 小时营业" in html
    assert html.index("近处驿站") < html.index("远处驿站")
    assert f'href="/hives/{near.pk}/"' in html


def test_without_a_position_the_finder_lists_stations_near_the_city_centre_without_distances() -> None:
    # given a station in the city
    HiveFactory(name="市中心驿站", lat=CENTRE[0], lng=CENTRE[1])

    # when someone opens the finder with no position
    response = Client().get(FINDER)

    # then the station is listed, with a hint to locate, and no distance is claimed
    html = response.content.decode()
    assert "市中心驿站" in html
    assert "定位我" in html
    assert response.context["items"][0].distance_m is None
    assert " 米" not in html.split("市中心驿站")[1].split("</li>")[0]


def test_the_open_now_and_service_filters_narrow_the_list() -> None:
    # given an open station with charging, an open one without, and a closed one with charging
    service = charging()
    with_charging = HiveFactory(name="充电驿站", services=[service])
    HiveFactory(name="无充电驿站")
    closed_station(name="打烊驿站", services=[service])

    # when the worker filters by open now and charging
    params: Any = {"lat": CENTRE[0], "lng": CENTRE[1], "open_now": "on", "service": service.code}
    response = Client().get(FINDER, params)

    # then only the open station with charging is left, and the chips show the active filters
    assert [item.id for item in response.context["items"]] == [with_charging.pk]
    html = response.content.decode()
    assert "filter-chip--active" in html
    assert html.count('aria-pressed="true"') == 2


def test_searching_by_words_matches_name_address_and_community() -> None:
    # given stations with different names and addresses
    jian = HiveFactory(name="机安社区爱心驿站", address="武昌区中山路 100 号")
    xichang = HiveFactory(name="西厂口社区驿站", address="江汉区西厂口 8 号")

    # when a worker searches
    by_name = Client().get(FINDER, {"q": "爱心"}).context["items"]
    by_address = Client().get(FINDER, {"q": "西厂口"}).context["items"]
    two_words = Client().get(FINDER, {"q": "武昌区 中山路"}).context["items"]
    nothing = Client().get(FINDER, {"q": "不存在的驿站"})

    # then each search finds what matches, and a miss says so
    assert [i.id for i in by_name] == [jian.pk]
    assert [i.id for i in by_address] == [xichang.pk]
    assert [i.id for i in two_words] == [jian.pk]
    assert "没有找到符合条件的驿站" in nothing.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"service": "no-such-service"},
        {"lat": "91", "lng": "114"},
        {"lat": "nan", "lng": "inf"},
        {"lat": "30.5"},
        {"q": "x" * 80},
        {"open_now": "maybe", "lat": "abc"},
    ],
)
def test_bad_finder_input_answers_a_page_never_a_500(params: dict[str, str]) -> None:
    # given a station
    HiveFactory()

    # when the finder gets nonsense
    response = Client().get(FINDER, params)

    # then it still answers with the finder's page
    assert response.status_code == 200
    assert "hives/finder.html" in [t.name for t in response.templates]


def test_an_unknown_service_is_explained() -> None:
    response = Client().get(FINDER, {"service": "no-such-service"})
    assert "未知的服务项目" in response.content.decode()


def test_the_finder_costs_the_same_queries_for_2_or_20_stations(django_assert_max_num_queries: Any) -> None:
    # given twenty stations with services near the centre
    service = charging()
    for n in range(20):
        HiveFactory(lat=CENTRE[0] + n * 0.001, lng=CENTRE[1], services=[service])

    # when the finder lists them (open now, charging) then the number of queries stays bounded
    with django_assert_max_num_queries(12):
        response = Client().get(
            FINDER, {"lat": CENTRE[0], "lng": CENTRE[1], "open_now": "on", "service": "rest_charging"}
        )
    assert len(response.context["items"]) == 20
    with django_assert_max_num_queries(8):
        Client().get(FINDER, {"q": "测试"})


@override_settings(
    HIVES_MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
    HIVES_MAP_TILE_SUBDOMAINS="1234",
    HIVES_MAP_COORDINATES="gcj02",
)
def test_the_map_is_configured_from_settings() -> None:
    response = Client().get(FINDER)
    config = json.loads(response.context["map_config"] and json.dumps(response.context["map_config"]))
    assert config["coordinates"] == "gcj02"
    assert "autonavi" in config["tileUrl"]
    assert 'id="hive-map-config"' in response.content.decode()
    assert "vendor/leaflet/leaflet.js" in response.content.decode()


# --- Station page ---------------------------------------------------------------------------
def test_the_station_page_shows_hours_services_events_and_contact() -> None:
    # given a demonstration station open 08:00–20:00 on weekdays, with an event and an annual item
    service = charging()
    hive: Any = HiveFactory(
        name="武昌区机安社区爱心驿站",
        always_open=False,
        demonstration=True,
        responsible_person="王站长",
        contact_phone="027-88886666",
        services=[service],
    )
    for weekday in range(5):
        OpeningIntervalFactory(hive=hive, weekday=weekday, opens=dt.time(8), closes=dt.time(20))
    OpeningIntervalFactory(hive=hive, weekday=5, opens=dt.time(22), closes=dt.time(2))
    event = EventFactory(hive=hive, title="小哥集体生日会", starts_at=timezone.now() + dt.timedelta(days=3))
    AnnualServiceItemFactory(hive=hive, year=timezone.localdate().year, title="夏季防暑降温")

    # when anyone opens it
    response = Client().get(reverse("hives:station", args=[hive.pk]))

    # then every section is there
    assert response.status_code == 200
    html = response.content.decode()
    assert "武昌区机安社区爱心驿站" in html
    assert "示范驿站" in html
    assert "08:00–20:00" in html
    assert "22:00–02:00（次日）" in html
    assert "休息充电" in html
    assert 'href="tel:027-88886666"' in html
    assert "uri.amap.com/navigation?to=114.300000,30.590000," in html
    assert "小哥集体生日会" in html
    assert f'href="/hives/events/{event.pk}/"' in html
    assert "夏季防暑降温" in html
    assert "王站长" in html


def test_an_inactive_or_missing_station_is_404() -> None:
    hive: Any = HiveFactory(is_active=False)
    assert Client().get(reverse("hives:station", args=[hive.pk])).status_code == 404
    assert Client().get(reverse("hives:station", args=[999999])).status_code == 404


def test_only_the_stations_staff_see_the_keeper_tools() -> None:
    # given a station, its keeper, another station's keeper and a worker
    hive: Any = HiveFactory()
    url = reverse("hives:station", args=[hive.pk])
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    other = staff(HiveFactory().managing_unit, role=Role.KEEPER)

    # when each opens the page, then only the keeper gets the poster and scan links
    poster = reverse("hives:poster", args=[hive.pk])
    assert poster in client_for(keeper).get(url).content.decode()
    assert poster not in client_for(other).get(url).content.decode()
    worker_page = client_for(worker()).get(url).content.decode()
    assert poster not in worker_page
    assert reverse("hives:member_code") in worker_page


# --- Map API --------------------------------------------------------------------------------
MAP = "/hives/map"
BOX = {"south": 30.4, "west": 114.1, "north": 30.8, "east": 114.5}


def test_the_map_answers_every_station_in_the_box_with_its_open_status(api: Any) -> None:
    # given two stations inside the box (one closed) and one outside
    inside = HiveFactory(lat=30.6, lng=114.3)
    closed = closed_station(lat=30.5, lng=114.2)
    HiveFactory(lat=31.5, lng=114.3)

    # when the map asks for the box
    response = api.get(MAP, BOX)

    # then it gets both inside stations with their status
    assert response.status_code == 200
    body = response.json()
    assert {i["id"]: i["open_now"] for i in body["items"]} == {inside.pk: True, closed.pk: False}
    assert body["truncated"] is False
    assert {i["id"] for i in api.get(MAP, {**BOX, "open_now": "true"}).json()["items"]} == {inside.pk}


def test_the_map_filters_by_service(api: Any) -> None:
    service = charging()
    with_it = HiveFactory(services=[service])
    HiveFactory()
    body = api.get(MAP, {**BOX, "service": service.code}).json()
    assert [i["id"] for i in body["items"]] == [with_it.pk]


def test_a_map_of_no_size_is_answered_not_refused(api: Any) -> None:
    # given a station, and the box a map asks for before it has a size (the page's first load)
    station = HiveFactory(lat=30.6, lng=114.3)
    point = {"south": 30.6, "west": 114.3, "north": 30.6, "east": 114.3}

    # when / then: a box of no size is an answer (the stations on that point), not a 400
    response = api.get(MAP, point)
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [station.pk]
    assert api.get(MAP, {**point, "north": 30.7}).json()["items"][0]["id"] == station.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({**BOX, "south": 31.0}, "south"),
        ({**BOX, "west": 115.0}, "south"),
        ({**BOX, "north": 95}, "south"),
        ({"south": 0, "west": 90, "north": 30, "east": 130}, "south"),
        ({**BOX, "service": "nope"}, "service"),
    ],
)
def test_a_bad_map_box_is_refused(api: Any, params: dict[str, Any], field: str) -> None:
    response = api.get(MAP, params)
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


def test_the_map_costs_three_queries_for_any_number_of_stations(api: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        HiveFactory(lat=30.5 + n * 0.001, lng=114.3)
    with django_assert_max_num_queries(3):
        body = api.get(MAP, BOX).json()
    assert body["count"] == 30
