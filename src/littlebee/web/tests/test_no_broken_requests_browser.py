"""On a phone, the main pages of a worker and of a handler ask for nothing that fails: every
stylesheet, script, image, icon, API call and map tile they request answers below 400 (a
missing Leaflet marker image, a map box refused as empty, a worker script the page forgot)."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World, world
from littlebee.conftest import log_in
from littlebee.hives.models import Hive
from littlebee.hives.tests.factories import HiveFactory
from littlebee.reports import services as report_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"https://tile\.openstreetmap\.org/.*")
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8+/9/PQAJYgN4Kf0PRAAAAABJRU5ErkJggg=="
)


@pytest.fixture
def city(settings: Any) -> World:
    """The test city with its report categories, a report and a station by the map's centre."""
    settings.HIVES_MAP_CENTER = (30.55, 114.30)
    w = world()
    w.community.lat, w.community.lng = 30.55, 114.30
    w.community.save(update_fields=["lat", "lng"])
    report_services.report_categories_ensure()
    HiveFactory(
        community=w.community, managing_unit=w.community_org, lat=30.551, lng=114.301, name="西厂口社区蜂巢驿站"
    )
    return w


def visit_all(page: Any, paths: list[str]) -> list[str]:
    """Open each page, let its scripts settle, and return every response >= 400 as "status url"."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    return failed


def test_a_workers_main_pages_request_nothing_that_fails(city: World, new_phone_page: Any, screenshot: Any) -> None:
    # given a courier with a report and a phone that knows where it is
    courier = worker(community=city.community)
    report = report_services.report_submit(
        reporter=courier, category_code="garbage", description="路口垃圾", lat=30.5505, lng=114.3005
    )
    page = new_phone_page(permissions=["geolocation"], geolocation={"latitude": 30.5501, "longitude": 114.3002})
    log_in(page, courier.phone)

    # when they go through the pages they use
    station = Hive.objects.get()
    failed = visit_all(
        page,
        [
            "/",
            "/reports/new/",
            "/reports/",
            f"/reports/{report.pk}/",
            "/reports/map/",
            "/hives/",
            f"/hives/{station.pk}/",
            "/hives/events/",
            "/points/",
            "/points/leaderboard/",
            "/rewards/",
            "/rewards/vouchers/",
            "/inbox/",
            "/appeals/",
            "/appeals/new/",
            "/me/",
            "/privacy/",
        ],
    )
    screenshot(page, "no-broken-requests-worker-last")

    # then nothing they asked for failed
    assert failed == []


def test_a_handlers_pages_request_nothing_that_fails(city: World, new_phone_page: Any) -> None:
    # given a report waiting at the community and its handler on a phone
    report = report_services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=30.5505, lng=114.3005
    )
    page = new_phone_page()
    log_in(page, city.community_handler.phone)

    # when the handler opens the console, the queue and the case
    failed = visit_all(page, ["/", "/staff/", "/staff/cases/", f"/staff/cases/{report.pk}/", "/staff/cases/figures/"])

    # then nothing failed
    assert failed == []
