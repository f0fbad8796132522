"""The report form on a phone when the phone will not say where it is: the worker chooses the
street and community, or the photo's own GPS places the report; the map's pin is a real icon
even when static files have hashed names."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.conftest import log_in
from littlebee.hives.tests.photo_files import jpeg_bytes
from littlebee.reports.models import LocationSource, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"https://tile\.openstreetmap\.org/.*")
# The pin's image arrived and decoded (a 404 leaves naturalWidth at 0).
PIN_LOADED = "() => { const i = document.querySelector('img.leaflet-marker-icon'); return i && i.naturalWidth > 0; }"
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8+/9/PQAJYgN4Kf0PRAAAAABJRU5ErkJggg=="
)


def hashed_static(page: Any) -> None:
    """leaflet.css as ManifestStaticFilesStorage serves it in production: its image URLs carry a
    content hash (marker-icon.1a2b3c4d5e6f.png), which is what defeats Leaflet's own guess of
    where its icons are. Tiles come from the test, not the internet."""

    def css(route: Any) -> None:
        body = route.fetch().text().replace("images/marker-icon.png", "images/marker-icon.1a2b3c4d5e6f.png")
        route.fulfill(status=200, content_type="text/css", body=body)

    page.context.route("**/static/vendor/leaflet/leaflet.css", css)
    page.context.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG))


def failures(page: Any) -> list[str]:
    """Every response of 400 or more the page receives, as "status url"."""
    seen: list[str] = []
    page.on("response", lambda r: seen.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return seen


def plain_photo(tmp_path: Path) -> Path:
    path = tmp_path / "no-gps.jpg"
    Image.new("RGB", (800, 600), (90, 140, 60)).save(path, "JPEG")
    return path


def gps_photo(tmp_path: Path) -> Path:
    path = tmp_path / "with-gps.jpg"
    path.write_bytes(jpeg_bytes((800, 600), gps=True))  # 30°35′N 114°18′E, inside the test city
    return path


def test_location_refused_and_no_gps_the_worker_files_by_choosing_the_community(
    w: World, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given a courier whose phone refuses to give its position
    courier = worker()
    page = new_phone_page(permissions=[])
    hashed_static(page)
    bad = failures(page)
    log_in(page, courier.phone, "/reports/new/")

    # when the form has tried to locate, they attach a photo without GPS and pick a category
    page.locator("[data-locate-text]", has_text="没能获取手机定位").wait_for()
    page.locator("[data-photo-input]").set_input_files(str(plain_photo(tmp_path)))
    page.locator("label.category-chip", has_text="垃圾堆放").click()

    # then the street and community picker is open; they choose the community
    area = page.locator("[data-area]")
    expect(area).to_be_visible()
    assert page.locator("[data-manual-position]").is_hidden()
    page.select_option("select[name=district]", str(w.district.pk))
    page.locator(f"select[name=street] option[value='{w.street.pk}']").wait_for(state="attached")
    page.select_option("select[name=street]", str(w.street.pk))
    page.locator(f"select[name=community] option[value='{w.community.pk}']").wait_for(state="attached")
    page.select_option("select[name=community]", str(w.community.pk))
    page.locator("[data-locate-text]", has_text="大致位置（社区中心）：西厂口社区（黄鹤楼街道）").wait_for()
    page.get_by_label("地址（选填）").fill("西厂口菜场后门")
    screenshot(page, "reports-new-community")
    page.get_by_role("button", name="提交").click()

    # then the report is filed at the community's centre, routed to it, and its page says so
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    assert report.location_source == LocationSource.COMMUNITY
    assert report.case.region == w.community and report.case.organisation == w.community_org
    assert report.address == "西厂口菜场后门"
    assert "西厂口社区（黄鹤楼街道）" in page.locator("[data-report-place]").inner_text()
    expect(page.locator("[data-location-approximate]")).to_be_visible()
    screenshot(page, "reports-detail-community")
    assert bad == []


def test_a_photo_with_gps_places_the_pin_and_the_status_names_the_place(
    w: World, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given a courier whose phone refuses to give its position, on a server with hashed static names
    courier = worker(community=w.community)  # no other community near the photo's point
    page = new_phone_page(permissions=[])
    hashed_static(page)
    bad = failures(page)
    log_in(page, courier.phone, "/reports/new/")
    page.locator("[data-locate-text]", has_text="没能获取手机定位").wait_for()

    # when they attach a photo that carries GPS
    page.locator("[data-photo-input]").set_input_files(str(gps_photo(tmp_path)))

    # then the status stops saying locating failed and names the community and street
    status = page.locator("[data-locate-text]")
    status.filter(has_text="已使用照片中的位置 · 西厂口社区（黄鹤楼街道）").wait_for()
    assert "没能获取" not in status.inner_text()
    # and the pin is Leaflet's marker image, loaded from its real address
    pin = page.locator("[data-report-map] img.leaflet-marker-icon")
    pin.wait_for()
    page.wait_for_function(PIN_LOADED)
    assert "/static/vendor/leaflet/images/marker-icon" in (pin.get_attribute("src") or "")
    screenshot(page, "reports-new-photo-gps")

    # when they send it
    page.locator("label.category-chip", has_text="垃圾堆放").click()
    page.get_by_role("button", name="提交").click()

    # then the server placed it where the photo was taken
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    assert report.location_source == LocationSource.PHOTO
    assert report.case.lat == pytest.approx(30 + 35 / 60)
    assert bad == []
