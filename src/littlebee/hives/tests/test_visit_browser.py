"""Browser journey: a keeper shows the station's QR poster; a worker on a phone scans it
(the test opens the URL the QR carries), signs in and sees the visit recorded."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from playwright.sync_api import expect

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
    expect(screen.locator(".poster__qr svg")).to_be_visible()
    screenshot(screen, "hives-visit-poster")
    qr_url = screen.evaluate("() => document.querySelector('[data-visit-url]').dataset.visitUrl")

    # when a signed-out worker opens what the QR carries and signs in
    phone = new_phone_page()
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(f"{request.url} {request.headers.get('referer', '')}"))
    phone.goto(qr_url)
    log_in(phone, courier.phone)

    # then the visit is recorded and shown, and listed on the member-code page
    phone.get_by_text("签到成功").wait_for()
    expect(phone.get_by_text("本次到访已记录")).to_be_visible()
    screenshot(phone, "hives-visit-recorded")
    assert HiveVisit.objects.filter(worker=courier, hive=hive).count() == 1
    # and the token went to the server in a form body only: in no URL, query or Referer
    token = qr_url.partition("#t=")[2]
    assert token and requested
    assert not [line for line in requested if token in line or unquote(token) in line]
    assert "#" not in phone.url
    phone.get_by_role("link", name="我的会员码和到访记录").click()
    expect(phone.locator(".row__title", has_text="武昌区机安社区爱心驿站")).to_be_visible()


def test_after_scanning_a_worker_taps_the_service_used_and_the_keeper_picks_one_at_the_counter(
    new_phone_page: Any, screenshot: Any
) -> None:
    # given a station with the five base services, its keeper and a worker
    from littlebee.hives import services
    from littlebee.hives.visit_tokens import member_code_for, token_for

    catalogue = services.service_catalogue_ensure()
    hive = HiveFactory(name="武昌区机安社区爱心驿站", services=catalogue[:5])
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier, other = worker(user__name="王小哥"), worker(user__name="李小哥")

    # when the worker opens what the station's QR carries, signs in, and taps 休息充电
    phone = new_phone_page()
    phone.goto(f"/hives/{hive.pk}/visit/#{urlencode({'t': token_for(hive)})}")
    log_in(phone, courier.phone)
    phone.get_by_text("本次使用了哪项服务？").wait_for()
    assert phone.locator(".service-choice__chip").count() == 5
    screenshot(phone, "hives-visit-service-chips")
    phone.get_by_role("button", name="休息充电").click()

    # then the visit has the service, and the worker's visits say so
    phone.get_by_text("已记录本次在武昌区机安社区爱心驿站使用的服务：休息充电").wait_for()
    expect(phone.locator(".row__meta", has_text="休息充电")).to_be_visible()
    screenshot(phone, "hives-visit-service-recorded")
    assert HiveVisit.objects.get(worker=courier).service.code == "rest_charging"  # type: ignore[union-attr]

    # when the keeper records another worker at the counter with 饮水就餐
    counter = new_phone_page()
    counter.goto("/login/")
    log_in(counter, keeper.phone)
    counter.wait_for_url("**/")
    counter.goto(f"/hives/{hive.pk}/scan/")
    counter.get_by_role("textbox", name="会员码").fill(member_code_for(other))
    counter.get_by_label("本次服务").select_option(label="饮水就餐")
    screenshot(counter, "hives-scan-service")
    counter.get_by_role("button", name="登记到访").click()

    # then it is recorded with the service, which stays chosen for the next worker
    counter.get_by_text("已记录李小哥的本次到访").wait_for()
    assert HiveVisit.objects.get(worker=other).service.code == "water_meals"  # type: ignore[union-attr]
    assert counter.get_by_label("本次服务").input_value() == "water_meals"
    expect(counter.locator(".row__meta", has_text="饮水就餐")).to_be_visible()
