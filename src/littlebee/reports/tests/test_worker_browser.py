"""Browser journeys on a phone: a worker reports a pile of garbage with a photo and the phone's
position, then finds it in "my reports"; a report sent with no network waits on the phone and
arrives when the network returns; the pages in English."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from littlebee.accounts.tests.factories import PASSWORD, worker
from littlebee.cases.tests.factories import World
from littlebee.conftest import log_in
from littlebee.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 30.5501, "longitude": 114.3002}


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.jpg"
    Image.new("RGB", (800, 600), (90, 140, 60)).save(path, "JPEG")
    return path


def phone(new_phone_page: Any, **options: Any) -> Any:
    return new_phone_page(permissions=["geolocation"], geolocation=HERE, **options)


def wait_until(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_a_worker_reports_garbage_from_home_and_finds_it_in_my_reports(
    w: World, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given a courier on their phone, signed in, the phone knowing where it is
    courier = worker(user__name="李小哥")
    page = phone(new_phone_page)
    log_in(page, courier.phone)

    # when they tap 随手拍 on the home page
    screenshot(page, "reports-home")
    page.locator("a.report-cta").click()
    page.wait_for_url("**/reports/new/")

    # and attach a photo, pick 垃圾堆放, wait for the position and send
    page.locator("[data-photo-input]").set_input_files(str(photo_file(tmp_path)))
    page.locator("[data-previews] img").first.wait_for()
    page.locator("label.category-chip", has_text="垃圾堆放").click()
    page.locator("[data-locate-text]", has_text="已定位").wait_for()
    page.get_by_label("问题描述（选填）").fill("路口垃圾堆了三天，有异味")
    screenshot(page, "reports-new")
    page.get_by_role("button", name="提交").click()

    # then they see the report's page: waiting to be accepted, the photo processing or ready
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    assert report.case.reporter == courier
    assert report.case.lat == pytest.approx(HERE["latitude"], abs=1e-5)
    assert report.case.lng == pytest.approx(HERE["longitude"], abs=1e-5)
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert page.locator("[data-status]").inner_text().startswith("待受理")
    assert page.locator("[data-photo-processing], [data-photo-ready]").count() == 1
    page.locator(".toast", has_text=f"随手拍 #{report.pk} 已提交").wait_for()
    screenshot(page, "reports-detail")

    # and my reports lists it
    page.goto("/reports/")
    assert page.locator(".report-row").count() == 1
    assert "垃圾堆放" in page.locator(".report-row").inner_text()
    screenshot(page, "reports-mine")


def test_a_report_sent_offline_waits_on_the_phone_and_arrives_when_online(
    w: World, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given a courier with the form open and a position
    courier = worker()
    page = phone(new_phone_page)
    log_in(page, courier.phone, "/reports/new/")
    page.locator("[data-locate-text]", has_text="已定位").wait_for()
    page.locator("[data-photo-input]").set_input_files(str(photo_file(tmp_path)))
    page.locator("label.category-chip", has_text="道路积水").click()

    # when the network drops and they send
    page.context.set_offline(True)
    page.get_by_role("button", name="提交").click()

    # then the report is kept on the phone, and nothing reached the server
    page.locator("[data-queued]", has_text="已保存在手机上，联网后自动提交").wait_for()
    page.locator("[data-outbox][data-outbox-count='1']").wait_for()
    assert not Report.objects.exists()
    screenshot(page, "reports-offline-queued")

    # when the network returns
    page.context.set_offline(False)

    # then the report arrives once, with its photo, and the waiting count clears
    wait_until(lambda: Report.objects.exists())
    page.locator("[data-outbox][data-outbox-count='0']").wait_for(state="attached")
    time.sleep(1)  # a second sender (the service worker's sync) must not file it again
    report = Report.objects.get()
    assert report.category.code == "flooding"
    assert report.case.reporter == courier
    assert report.photos.count() == 1


def test_the_form_offers_me_too_for_the_same_problem_nearby(w: World, new_phone_page: Any, screenshot: Any) -> None:
    # given another rider's open garbage report 30 m away
    from littlebee.cases.models import CaseFollower
    from littlebee.reports import services

    other = services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=30.5503, lng=114.3002, address="中山路口"
    )
    courier = worker()
    page = phone(new_phone_page)
    log_in(page, courier.phone, "/reports/new/")

    # when the courier picks 垃圾堆放 where they stand
    page.locator("[data-locate-text]", has_text="已定位").wait_for()
    page.locator("label.category-chip", has_text="垃圾堆放").click()

    # then the form says the problem is already reported, and "me too" follows it
    page.locator("[data-nearby]", has_text="附近已有 1 条相同问题").wait_for()
    assert "中山路口" in page.locator("[data-nearby-list]").inner_text()
    screenshot(page, "reports-nearby")
    page.get_by_role("button", name="我也遇到").click()
    page.wait_for_url(f"**/reports/{other.pk}/")
    assert CaseFollower.objects.filter(case_id=other.pk, user=courier).exists()
    assert Report.objects.count() == 1


def test_the_reporter_rates_a_resolved_report_with_stars(w: World, new_phone_page: Any, screenshot: Any) -> None:
    # given a courier's report, resolved by the community with a note
    from littlebee.cases import services as case_services
    from littlebee.cases.models import CaseStatus
    from littlebee.reports import services

    courier = worker()
    report = services.report_submit(
        reporter=courier, category_code="garbage", description="垃圾", lat=30.55, lng=114.30
    )
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=20)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已安排环卫清运完毕")
    page = phone(new_phone_page)
    log_in(page, courier.phone, f"/reports/{report.pk}/")

    # when they give four stars and say it is fixed
    assert "已安排环卫清运完毕" in page.locator(".report-outcome").inner_text()
    page.locator("label.star-rating__star[for$='_1']").click()  # the DOM runs 5…1: the second is 4
    screenshot(page, "reports-rate")
    page.get_by_role("button", name="问题已解决").click()

    # then the case is closed with their rating, and the page says so
    page.locator(".toast", has_text="感谢评价").wait_for()
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.CLOSED and report.case.rating == 4
    assert page.locator(".report-star--on").count() == 4


def test_the_pages_in_english(w: World, new_phone_page: Any, screenshot: Any) -> None:
    # given a courier's report, and their phone set to English
    from littlebee.reports import services

    courier = worker()
    services.report_submit(
        reporter=courier, category_code="road_damage", description="Pothole", lat=30.55, lng=114.30, urgent=True
    )
    page = phone(new_phone_page, locale="en-US", extra_http_headers={"Accept-Language": "en"})
    log_in_en(page, courier.phone)

    # when they open the form, my reports and the report
    page.goto("/reports/new/")
    page.locator("[data-locate-status]").wait_for()
    screenshot(page, "reports-new-en")
    page.goto("/reports/")
    screenshot(page, "reports-mine-en")
    page.locator(".report-row").first.click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    screenshot(page, "reports-detail-en")

    # then the page speaks English
    assert page.locator("html").get_attribute("lang") == "en"

    # and once resolved, the rating form fits the phone's width
    from littlebee.cases import services as case_services
    from littlebee.reports.models import Report

    report = Report.objects.get()
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="Filled in")
    page.reload()
    page.get_by_role("button", name=re.compile("not solved", re.IGNORECASE)).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "reports-rate-en")


def log_in_en(page: Any, phone_number: str) -> None:
    page.goto("/login/?next=/")
    page.locator("#panel-password input[name=phone], #panel-password input[type=tel]").first.fill(phone_number)
    page.locator("#panel-password input[type=password]").fill(PASSWORD)
    page.locator("#panel-password button[type=submit]").click()
    page.wait_for_url("**/")


def test_a_queued_report_the_server_refuses_stays_on_the_phone_with_the_reason(
    w: World, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given a courier whose phone puts him far outside the city (Beijing), with the form open
    courier = worker()
    page = new_phone_page(permissions=["geolocation"], geolocation={"latitude": 39.9087, "longitude": 116.3975})
    log_in(page, courier.phone, "/reports/new/")
    page.locator("[data-locate-text]", has_text="已定位").wait_for()
    page.locator("[data-photo-input]").set_input_files(str(photo_file(tmp_path)))
    page.locator("label.category-chip", has_text="道路积水").click()

    # when he sends it without a network, and the network returns
    page.context.set_offline(True)
    page.get_by_role("button", name="提交").click()
    page.locator("[data-queued]").wait_for()
    page.context.set_offline(False)

    # then the server refuses it, nothing is stored, and the phone says why instead of losing it
    refused = page.locator("[data-outbox-refused]")
    refused.wait_for()
    assert "该位置不在本市范围内" in refused.inner_text()
    assert not Report.objects.exists()
    screenshot(page, "reports-offline-refused")

    # and once he has read it, it is gone from the phone
    refused.get_by_role("button", name="知道了").click()
    page.locator("[data-outbox-refused][data-refused-count='0']").wait_for(state="attached")
