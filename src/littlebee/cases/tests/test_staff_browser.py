"""Browser journeys of the casework console: a traffic police handler, on his phone, accepts a
report about a broken signal with points and a reply template, then resolves it with a photo;
and the overdue tab. Screenshots in Chinese and English, on a phone and on a desktop."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case, CaseAttachment, CaseStatus, ResponseTemplate
from littlebee.conftest import log_in
from littlebee.points.models import LedgerEntry

from .test_pages import report_city, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 812}}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False, "device_scale_factor": 1}


def to_english(page: Any) -> None:
    page.get_by_role("button", name="EN").first.click()
    page.wait_for_load_state()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_a_traffic_police_handler_accepts_and_resolves_a_report(
    new_phone_page: Any, screenshot: Any, media: Path
) -> None:
    # given a broken signal reported by a courier (routed to the district's traffic police),
    # and a reply template for accepting it
    w = report_city()
    courier = worker(user__name="王小哥")
    report = submit("traffic_signal", reporter=courier, description="中山路口红绿灯不亮", address="中山路与解放路口")
    assert report.case.organisation_id == w.traffic_police.pk
    ResponseTemplate.objects.create(
        kind="report", category="traffic_signal", action="accept", title="已派员", body="已派民警到场指挥交通。"
    )
    submit("garbage")  # the community's, not his
    photo = media / "fixed.jpg"
    Image.new("RGB", (320, 240), "green").save(photo, "JPEG")

    # when the handler opens his queue on his phone
    page = new_phone_page(**PHONE)
    log_in(page, w.police_handler.phone, "/staff/cases/")
    rows = page.locator("[data-case-row]")
    assert rows.count() == 1
    assert "信号灯故障" in rows.first.inner_text()
    screenshot(page, "cases-queue-phone")

    # and opens the report
    page.get_by_role("link", name=re.compile("信号灯故障")).click()
    page.wait_for_url(f"**/staff/cases/{report.pk}/")
    assert "中山路口红绿灯不亮" in page.locator("[data-report-panel]").inner_text()
    assert courier.phone in page.content()
    screenshot(page, "cases-detail-phone")

    # and accepts it, picking the template and 20 points
    accept = page.locator("[data-case-action=accept]")
    accept.locator("summary").click()
    accept.get_by_role("button", name="已派员").click()
    assert accept.get_by_label("受理说明（小哥会看到）").input_value() == "已派民警到场指挥交通。"
    accept.get_by_label("奖励积分").fill("20")
    screenshot(page, "cases-accept-phone")
    accept.get_by_role("button", name="受理", exact=True).click()

    # then the case is accepted and the courier has his points
    page.locator(".toast", has_text="已受理").wait_for()
    assert page.locator("[data-case-status]").get_attribute("data-case-status") == "accepted"
    assert Case.objects.get(pk=report.pk).status == CaseStatus.ACCEPTED
    assert LedgerEntry.objects.get(worker=courier).amount == 20

    # when he resolves it with a note and a photo
    resolve = page.locator("[data-case-action=resolve]")
    resolve.locator("summary").click()
    resolve.get_by_label("办理结果（小哥会看到）").fill("信号灯已修复，恢复正常。")
    resolve.get_by_label("现场照片").set_input_files(str(photo))
    resolve.get_by_role("button", name="办结", exact=True).click()

    # then the timeline shows the resolution with its photo
    page.locator(".toast", has_text="已办结").wait_for()
    timeline = page.locator("[data-timeline]")
    assert "信号灯已修复，恢复正常。" in timeline.inner_text()
    assert timeline.locator("[data-event=resolve] img").count() == 1
    assert Case.objects.get(pk=report.pk).status == CaseStatus.RESOLVED
    assert CaseAttachment.objects.filter(event__case_id=report.pk).count() == 1
    screenshot(page, "cases-resolved-phone")

    # and the same page reads well in English, and on a desktop
    to_english(page)
    assert "Timeline" in page.content() or "timeline" in page.content().lower()
    screenshot(page, "cases-resolved-phone-en")
    desk = new_phone_page(**DESKTOP)
    log_in(desk, w.police_handler.phone, f"/staff/cases/{report.pk}/")
    screenshot(desk, "cases-detail-desktop")
    desk.goto("/staff/cases/")
    screenshot(desk, "cases-queue-desktop")
    desk.goto("/staff/cases/figures/?period=all")
    screenshot(desk, "cases-figures-desktop")
    to_english(desk)
    screenshot(desk, "cases-figures-desktop-en")


def test_the_overdue_tab_shows_only_late_cases(new_phone_page: Any, screenshot: Any, media: Path) -> None:
    # given three reports at the community, one of them overdue
    w = report_city()
    submit("garbage")
    late = submit("road_damage")
    submit("street_light")
    Case.objects.filter(pk=late.pk).update(overdue=True)

    # when the community handler opens the overdue tab
    page = new_phone_page(**PHONE)
    log_in(page, w.community_handler.phone, "/staff/cases/")
    assert page.locator("[data-case-row]").count() == 3
    page.get_by_role("link", name="已超期").click()
    page.wait_for_url(re.compile(r".*queue=overdue.*"))

    # then only the late one is listed, marked
    rows = page.locator("[data-case-row]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-case-row") == str(late.pk)
    assert "超期" in rows.first.inner_text()
    screenshot(page, "cases-queue-overdue-phone")

    # and a status filter applies on change, and clears
    page.get_by_role("link", name="本单位").click()
    page.get_by_label("类别").select_option("garbage")
    page.wait_for_url(re.compile(r".*category=garbage.*"))
    assert page.locator("[data-case-row]").count() == 1
    screenshot(page, "cases-queue-filtered-phone")
    to_english(page)
    screenshot(page, "cases-queue-filtered-phone-en")
    page.goto("/staff/cases/?queue=urgent")
    screenshot(page, "cases-queue-empty-phone-en")
