"""Browser journeys on a phone: find the nearest open station with charging, open it, register
for its event, scan its QR and see the visit; a full event's waiting list moving up; the map
with its tiles, and the list when the tiles cannot load."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import log_in
from littlebee.hives.models import EventRegistration, HiveVisit, RegistrationStatus
from littlebee.hives.visit_tokens import token_for

from .event_factories import EventFactory as _EventFactory
from .factories import HiveFactory as _HiveFactory
from .factories import OpeningIntervalFactory as _OpeningIntervalFactory
from .factories import ServiceFactory as _ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory
EventFactory: Any = _EventFactory
OpeningIntervalFactory: Any = _OpeningIntervalFactory
ServiceFactory: Any = _ServiceFactory

HERE = {"latitude": 30.5440, "longitude": 114.3000}
# A 1×1 honey-coloured PNG: what a tile server would send, served by the test instead.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8+/9/PQAJYgN4Kf0PRAAAAABJRU5ErkJggg=="
)


def serve_tiles(page: Any) -> None:
    page.context.route(
        re.compile(r"https://tile\.openstreetmap\.org/.*"),
        lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG),
    )


def stations_around_here() -> dict[str, Any]:
    """Closest first: a closed station with charging, an open one without, then the one to find."""
    charging = ServiceFactory(code="rest_charging", name="休息充电", is_base=True)
    lat, lng = HERE["latitude"], HERE["longitude"]
    closed = HiveFactory(name="已打烊驿站", lat=lat + 0.001, lng=lng, always_open=False, services=[charging])
    other_day = (timezone.localtime().weekday() + 3) % 7
    OpeningIntervalFactory(hive=closed, weekday=other_day, opens=dt.time(3, 0), closes=dt.time(3, 1))
    no_charging = HiveFactory(name="无充电驿站", lat=lat + 0.002, lng=lng)
    target = HiveFactory(
        name="武昌区机安社区爱心驿站",
        address="武昌区机安路1号",
        lat=lat + 0.004,
        lng=lng,
        services=[charging],
        contact_phone="027-88886666",
    )
    return {"closed": closed, "no_charging": no_charging, "target": target}


def test_a_rider_finds_the_nearest_open_station_with_charging_registers_and_visits(
    new_phone_page: Any, screenshot: Any
) -> None:
    # given stations around the rider and a birthday party at the one he needs
    stations = stations_around_here()
    target = stations["target"]
    party = EventFactory(
        hive=target, title="小哥集体生日会", place="黄鹤楼公园", starts_at=timezone.now() + dt.timedelta(days=2)
    )
    rider = worker(user__name="王小哥")
    page = new_phone_page(geolocation=HERE, permissions=["geolocation"])
    serve_tiles(page)
    log_in(page, rider.phone)

    # when he opens the stations tab and asks for open stations with charging near him
    page.get_by_role("link", name="驿站").first.click()
    page.wait_for_url("**/hives/")
    page.get_by_role("button", name="定位我").click()
    page.wait_for_url(re.compile(r".*lat=30\.544.*"))
    page.get_by_role("link", name="营业中").click()
    page.wait_for_url(re.compile(r".*open_now=on.*"))
    page.get_by_role("link", name="休息充电").click()
    page.wait_for_url(re.compile(r".*service=rest_charging.*"))
    page.locator("[data-hive-map][data-station-count]").wait_for()
    screenshot(page, "hives-finder-open-charging")

    # then the first station listed is the open one with charging, with its distance
    first = page.locator(".hive-row").first
    assert "武昌区机安社区爱心驿站" in first.inner_text()
    assert "营业" in first.inner_text()
    assert page.locator(".hive-row").count() == 1

    # when he opens it
    first.click()
    page.wait_for_url(f"**/hives/{target.pk}/")
    screenshot(page, "hives-station")

    # then he can call or navigate, and sees the party
    expect(page.locator('a[href="tel:027-88886666"]').first).to_be_visible()
    assert "uri.amap.com/navigation" in (page.locator("[data-navigate]").get_attribute("href") or "")

    # when he registers for the party
    page.get_by_role("link", name=re.compile("小哥集体生日会")).click()
    page.get_by_role("button", name=re.compile("立即报名")).click()
    page.get_by_text("报名成功").wait_for()
    screenshot(page, "hives-event-registered")
    assert EventRegistration.objects.get(event=party, worker=rider).status == RegistrationStatus.REGISTERED

    # when he arrives and scans the station's QR (the test opens the URL the QR carries)
    page.goto(f"/hives/{target.pk}/visit/#{urlencode({'t': token_for(target, timezone.now())})}")

    # then the visit is recorded and he sees it with his member code
    page.get_by_text("签到成功").wait_for()
    assert HiveVisit.objects.filter(worker=rider, hive=target).count() == 1
    page.goto("/hives/member-code/")
    expect(page.locator(".row__title", has_text="武昌区机安社区爱心驿站")).to_be_visible()


def test_a_full_event_waitlists_the_next_rider_and_promotes_him_when_someone_cancels(
    new_phone_page: Any, screenshot: Any
) -> None:
    # given an event with one place, taken by the first rider
    event = EventFactory(title="骑手安全培训", capacity=1, starts_at=timezone.now() + dt.timedelta(days=1))
    first, second = worker(user__name="张三"), worker(user__name="李四")
    first_page, second_page = new_phone_page(), new_phone_page()
    log_in(first_page, first.phone, f"/hives/events/{event.pk}/")
    first_page.get_by_role("button", name=re.compile("立即报名")).click()
    first_page.get_by_text("报名成功").wait_for()

    # when the second rider registers
    log_in(second_page, second.phone, f"/hives/events/{event.pk}/")
    second_page.get_by_role("button", name="名额已满，加入候补").click()

    # then he is on the waiting list
    second_page.get_by_text("候补名单第 1 位").wait_for()
    screenshot(second_page, "hives-event-waitlisted")

    # when the first rider cancels (and confirms)
    first_page.once("dialog", lambda dialog: dialog.accept())
    first_page.get_by_role("button", name="取消报名").click()
    first_page.get_by_text("已取消报名").wait_for()

    # then the second rider holds the place
    second_page.reload()
    expect(second_page.locator("[data-my-registration]").get_by_text("已报名")).to_be_visible()
    screenshot(second_page, "hives-event-promoted")
    assert EventRegistration.objects.get(event=event, worker=second).status == RegistrationStatus.REGISTERED


def test_the_map_clusters_stations_and_the_list_stays_when_tiles_fail(new_phone_page: Any, screenshot: Any) -> None:
    # given forty stations in the city centre
    for n in range(40):
        HiveFactory(lat=30.59 + (n % 8) * 0.002, lng=114.30 + (n // 8) * 0.002, name=f"江滩驿站{n:02d}")

    # when the map's tiles load
    page = new_phone_page()
    serve_tiles(page)
    page.goto("/hives/")
    page.locator("[data-hive-map][data-station-count='40']").wait_for()

    # then the stations are drawn in clusters
    assert page.locator(".marker-cluster").count() >= 1
    screenshot(page, "hives-map")

    # when the tile server cannot be reached
    offline = new_phone_page()
    offline.context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    offline.goto("/hives/")

    # then the map gives way to a notice, and the list and search still work
    offline.get_by_text("地图底图暂时无法加载").wait_for()
    expect(offline.locator("[data-map-wrap]")).to_be_hidden()
    assert offline.locator(".hive-row").count() == 20
    offline.get_by_placeholder("驿站名称、地址或社区").fill("江滩驿站1")
    offline.get_by_role("button", name="搜索").click()
    offline.wait_for_url(re.compile(r".*q=.*"))
    assert offline.locator(".hive-row").count() == 10
    screenshot(offline, "hives-finder-offline")


def test_gcj02_conversion_matches_the_published_algorithm(new_phone_page: Any) -> None:
    # given the finder page (it carries the conversion)
    page = new_phone_page()
    page.context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page.goto("/hives/")

    # when Tiananmen (a widely published reference pair) and a point outside China are converted
    beijing = page.evaluate("() => LittleBeeGeo.wgs84ToGcj02(39.908692, 116.397477)")
    paris = page.evaluate("() => LittleBeeGeo.wgs84ToGcj02(48.8566, 2.3522)")
    back = page.evaluate("() => LittleBeeGeo.gcj02ToWgs84(...LittleBeeGeo.wgs84ToGcj02(30.5928, 114.3055))")

    # then Beijing lands on the published GCJ-02 pair (39.910092, 116.403718), Paris does not
    # move, and the inverse comes back within a metre
    assert beijing[0] == pytest.approx(39.910092, abs=1e-5)
    assert beijing[1] == pytest.approx(116.403718, abs=1e-5)
    assert paris == [48.8566, 2.3522]
    assert back[0] == pytest.approx(30.5928, abs=1e-5)
    assert back[1] == pytest.approx(114.3055, abs=1e-5)
