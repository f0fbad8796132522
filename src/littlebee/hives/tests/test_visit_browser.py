"""Browser journey: a keeper shows the station's QR poster; a worker on a phone scans it
(the test opens the URL the QR carries), signs in and sees the visit recorded."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import PASSWORD, staff, worker
from littlebee.hives.models import HiveVisit

from .factories import HiveFactory as _HiveFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory


def log_in(page: Any, phone: str) -> None:
    page.locator("#panel-password").get_by_label("手机号").fill(phone)
    page.locator("#panel-password").get_by_label("密码").fill(PASSWORD)
    page.locator("#panel-password").get_by_role("button", name="登录").click()


def test_a_worker_scans_the_poster_and_sees_the_visit(new_phone_page: Any, screenshot: Any) -> None:
    # given a station whose keeper has its poster on screen
    hive = HiveFactory(name="武昌区机安社区爱心驿站", address="武昌区机安路1号")
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier = worker(user__name="王小哥")
    screen = new_phone_page()
    screen.goto("/login/")
    log_in(screen, keeper.phone)
    screen.wait_for_url("**/")
    screen.goto(f"/hives/{hive.pk}/poster/")
    assert screen.locator(".poster__qr svg").is_visible()
    screenshot(screen, "hives-visit-poster")
    qr_url = screen.evaluate("() => document.querySelector('[data-visit-url]').dataset.visitUrl")

    # when a signed-out worker opens what the QR carries and signs in
    phone = new_phone_page()
    phone.goto(qr_url)
    log_in(phone, courier.phone)

    # then the visit is recorded and shown, and listed on the member-code page
    phone.get_by_text("签到成功").wait_for()
    assert phone.get_by_text("本次到访已记录").is_visible()
    screenshot(phone, "hives-visit-recorded")
    assert HiveVisit.objects.filter(worker=courier, hive=hive).count() == 1
    phone.get_by_role("link", name="我的会员码和到访记录").click()
    assert phone.locator(".row__title", has_text="武昌区机安社区爱心驿站").is_visible()
