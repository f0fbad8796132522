"""Browser journey on a phone: a courier finds a task near 西厂口社区, claims it, checks in by
scanning the organiser's QR (the test opens the URL the QR carries), checks out by position; the
community certifies the hours; the courier sees hours and points, asks for a certificate and
opens its verification page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.conftest import log_in
from littlebee.points.models import PointsAccount
from littlebee.volunteering.models import ClaimStatus, ServiceRecord

from .conftest import Scene
from .factories import LAT, LNG, a_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_claim_check_in_and_out_then_hours_points_and_certificate(
    new_phone_page: Any, screenshot: Any, scene: Scene
) -> None:
    # given a task of the community that began five minutes ago, 300 m from the courier (a task
    # starting later would date the service record at its start: after midnight, when this runs
    # late in the evening, outside the certificate's period that ends today)
    start = timezone.now() - timedelta(minutes=5)
    task = a_task(
        organiser=scene.community_org,
        title="帮助独居老人上下楼",
        lat=LAT + 0.0027,
        points=20,
        radius_m=400,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    phone = new_phone_page(geolocation={"latitude": LAT, "longitude": LNG}, permissions=["geolocation"])
    log_in(phone, scene.worker.phone, "/volunteering/")

    # when the courier looks for tasks near where the phone is and claims this one
    phone.get_by_role("button", name="找我附近的任务").click()
    phone.wait_for_url("**/volunteering/?lat=*")
    phone.locator(".row__title", has_text="帮助独居老人上下楼").click()
    screenshot(phone, "volunteering-task")
    phone.get_by_role("button", name="认领任务（余 2 个名额）").click()
    phone.get_by_text("认领成功").wait_for()

    # and scans the organiser's rotating QR code
    screen = new_phone_page()
    log_in(screen, scene.handler.phone, f"/volunteering/manage/tasks/{task.pk}/qr/")
    expect(screen.locator(".qr svg")).to_be_visible()
    screenshot(screen, "volunteering-qr")
    qr_url = screen.locator("[data-checkin-url]").get_attribute("data-checkin-url")
    phone.goto(qr_url)
    phone.get_by_text("已读取组织方二维码。").wait_for()
    phone.get_by_role("button", name="现场签到").click()
    phone.get_by_text("签到成功").wait_for()
    assert "#" not in phone.url

    # and checks out by position
    phone.get_by_role("button", name="签退").click()
    phone.get_by_text("签退成功").wait_for()
    screenshot(phone, "volunteering-checked-out")

    # when the community certifies the hour (the courier left early: the organiser says so)
    screen.goto(f"/volunteering/manage/tasks/{task.pk}/")
    screen.get_by_label("认证时长（分钟）").fill("60")
    screen.get_by_label("调整理由").fill("现场核实，全程参与")
    screen.get_by_role("button", name="认证", exact=True).click()
    screen.get_by_text("已审核。").wait_for()
    screenshot(screen, "volunteering-reviewed")

    # then the courier sees the hour and the points
    assert ServiceRecord.objects.get().minutes == 60
    assert PointsAccount.objects.get(worker=scene.worker).balance == 20
    phone.goto(f"/volunteering/tasks/{task.pk}/")
    assert phone.locator("[data-claim-status]").inner_text() == str(ClaimStatus.APPROVED.label)
    phone.goto("/volunteering/hours/")
    assert "1.0" in phone.locator("[data-hours]").inner_text()
    phone.goto("/points/")
    expect(phone.get_by_text("20").first).to_be_visible()

    # and asks for a certificate, whose verification page shows the same facts
    phone.goto("/volunteering/hours/")
    phone.get_by_role("button", name="出具证明").click()
    phone.get_by_text("证明已出具").wait_for()
    screenshot(phone, "volunteering-hours")
    phone.get_by_role("link", name="核验页").click()
    verified = phone.locator("[data-verified]").inner_text()
    screenshot(phone, "volunteering-verify")
    assert "张小哥" in verified
    assert "1.0 小时（60 分钟）" in verified
    assert scene.community_org.name in verified
