"""The public map on a phone: markers over the tiles, and the list when the tiles cannot load."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import world
from littlebee.reports import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"https://tile\.openstreetmap\.org/.*")
# A 1×1 honey-coloured PNG: what a tile server would send, served by the test instead.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8+/9/PQAJYgN4Kf0PRAAAAABJRU5ErkJggg=="
)


@pytest.fixture
def reports(settings: Any) -> None:
    """A few public reports in the middle of the map, one resolved, and a confidential clue."""
    settings.HIVES_MAP_CENTER = (30.55, 114.30)
    city = world()
    city.community.lat, city.community.lng = 30.55, 114.30
    city.community.save(update_fields=["lat", "lng"])
    services.report_categories_ensure()
    points = [("road_damage", 30.551, 114.301), ("garbage", 30.548, 114.296), ("street_light", 30.553, 114.305)]
    made = [
        services.report_submit(reporter=worker(), category_code=c, description="", lat=lat, lng=lng)
        for c, lat, lng in points
    ]
    case_services.case_accept(case_id=made[1].pk, actor=city.community_handler, points=10)
    case_services.case_resolve(case_id=made[1].pk, actor=city.community_handler, note="已清理")
    services.report_submit(
        reporter=worker(), category_code="public_security_clue", description="", lat=30.552, lng=114.302
    )


def test_the_map_shows_markers_of_public_reports_on_a_phone(
    reports: None, new_phone_page: Any, screenshot: Any
) -> None:
    # given a phone reaching the tile server
    page = new_phone_page()
    page.context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))

    # when anyone opens the public map
    page.goto("/reports/map/")
    page.locator("[data-report-map][data-report-count]").wait_for()

    # then the map shows the three public reports (as pins or clusters), and the list below
    assert page.locator("[data-report-map]").get_attribute("data-report-count") == "3"
    assert page.locator(".report-pin:not(.reports-map__legend *), .marker-cluster").count() >= 1
    assert page.locator(".reports-map__row").count() == 3
    assert page.locator("[data-map-failed]").is_hidden()
    assert "治安线索" not in page.content()
    screenshot(page, "reports-map")

    # and in English
    english = new_phone_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    english.context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))
    english.goto("/reports/map/")
    english.locator("[data-report-map][data-report-count]").wait_for()
    screenshot(english, "reports-map-en")


def test_without_tiles_the_list_remains(reports: None, new_phone_page: Any, screenshot: Any) -> None:
    # given a phone that cannot reach the tile server
    page = new_phone_page()
    page.context.route(TILES, lambda route: route.abort())

    # when it opens the public map
    page.goto("/reports/map/")
    page.locator("[data-report-map][data-map-state=failed]").wait_for(state="attached")

    # then the map gives way to a notice and the list
    assert page.locator("[data-map-wrap]").is_hidden()
    expect(page.locator("[data-map-failed]")).to_be_visible()
    assert page.locator(".reports-map__row").count() == 3
    expect(page.locator(".reports-map__row").first).to_be_visible()
    screenshot(page, "reports-map-no-tiles")


def test_a_report_without_a_real_point_is_listed_not_pinned(
    reports: None, new_phone_page: Any, screenshot: Any
) -> None:
    # given a fourth public report placed at its community's centre (no point given)
    from littlebee.orgs.models import Region

    community = Region.objects.get(name="西厂口社区")
    services.report_submit(
        reporter=worker(), category_code="flooding", description="", lat=None, lng=None, community_id=community.pk
    )
    page = new_phone_page()
    page.context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))

    # when anyone opens the public map
    page.goto("/reports/map/")
    page.locator("[data-report-map][data-report-count]").wait_for()

    # then the map pins the three with a point; the list has all four, the fourth by its community
    assert page.locator("[data-report-map]").get_attribute("data-report-count") == "3"
    assert page.locator(".reports-map__row").count() == 4
    row = page.locator(".reports-map__row", has=page.locator("[data-approximate]"))
    expect(row).to_have_count(1)
    expect(row).to_be_visible()
    assert "道路积水" in row.inner_text() and "西厂口社区" in row.inner_text()
    assert "大致位置，未标在地图上" in row.inner_text()
    screenshot(page, "reports-map-approximate")
