"""Browser journey on a phone: a keeper opens 驿站管理 from the staff console, changes today's
opening hours and saves; the public station page shows the new hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import PASSWORD, staff, worker
from littlebee.hives import hours, services
from littlebee.hives.models import HiveVisit, OpeningInterval, VisitMethod

from .factories import HiveFactory as _HiveFactory
from .factories import OpeningIntervalFactory as _OpeningIntervalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory
OpeningIntervalFactory: Any = _OpeningIntervalFactory


def log_in(page: Any, phone: str) -> None:
    page.goto("/login/")
    page.locator("#panel-password").get_by_label("手机号").fill(phone)
    page.locator("#panel-password").get_by_label("密码").fill(PASSWORD)
    page.locator("#panel-password").get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


def test_a_keeper_changes_todays_hours_on_a_phone(new_phone_page: Any, screenshot: Any) -> None:
    # given a station open 08:00–20:00 every day, its keeper, and a visit this week
    catalogue = services.service_catalogue_ensure()
    hive = HiveFactory(
        name="西厂口社区蜂巢驿站",
        address="武汉市武昌区中山路 100 号",
        always_open=False,
        responsible_person="李站长",
        services=catalogue[:5],
    )
    for weekday in range(7):
        OpeningIntervalFactory(hive=hive, weekday=weekday, opens=dt.time(8), closes=dt.time(20))
    HiveVisit.objects.create(hive=hive, worker=worker(), method=VisitMethod.QR)
    keeper = staff(hive.managing_unit, role=Role.KEEPER, user__name="李站长")
    today = hours.DAYS[timezone.localdate().weekday()]
    page = new_phone_page()
    log_in(page, keeper.phone)

    # when the keeper opens 驿站管理 from the console and edits the station
    page.locator(".module", has_text="工作台").click()
    page.locator(".tile", has_text="驿站管理").click()
    page.wait_for_url("**/hives/manage/")
    assert page.locator(".station-manage__count").inner_text() == "1"
    screenshot(page, "hives-manage-list")
    page.get_by_role("link", name="编辑", exact=True).click()
    page.wait_for_url(f"**/hives/{hive.pk}/edit/")
    day = page.locator(f"#id_{today}")
    assert day.input_value() == "08:00-20:00"
    day.fill("09:30-12:00, 13:00-21:30")
    screenshot(page, "hives-manage-edit")
    page.get_by_role("button", name="保存").click()

    # then the page confirms, and the station's page shows today's new hours
    page.get_by_text("驿站信息已保存").wait_for()
    assert page.locator(f"#id_{today}").input_value() == "09:30-12:00, 13:00-21:30"
    screenshot(page, "hives-manage-saved")
    assert OpeningInterval.objects.filter(hive=hive).count() == 8
    page.get_by_role("link", name="查看驿站页面").click()
    page.wait_for_url(f"**/hives/{hive.pk}/")
    today_row = page.locator(".hours__today")
    assert today_row.locator(".hours__span").all_inner_texts() == ["09:30–12:00", "13:00–21:30"]
    screenshot(page, "hives-manage-station-page")


def test_a_mistake_in_the_hours_is_shown_beside_the_day_on_a_phone(new_phone_page: Any, screenshot: Any) -> None:
    # given
    services.service_catalogue_ensure()
    hive = HiveFactory(name="机安社区爱心驿站", always_open=False)
    OpeningIntervalFactory(hive=hive, weekday=0, opens=dt.time(8), closes=dt.time(20))
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    page = new_phone_page()
    log_in(page, keeper.phone)

    # when the keeper types overlapping hours on Tuesday and on Wednesday, and a new phone number
    page.goto(f"/hives/{hive.pk}/edit/")
    page.get_by_label("联系电话").fill("13800001111")
    page.locator("#id_tue").fill("08:00-12:00, 11:00-14:00")
    page.locator("#id_wed").fill("20:00-22:00, 21:00-23:00")
    page.get_by_role("button", name="保存").click()

    # then both are explained beside their day, the typing is kept, and nothing was saved
    page.locator("#id_tue_errors").wait_for()
    assert "营业时段不能重叠" in page.locator("#id_tue_errors").inner_text()
    assert "营业时段不能重叠" in page.locator("#id_wed_errors").inner_text()
    assert page.locator("#id_wed").input_value() == "20:00-22:00, 21:00-23:00"
    assert page.get_by_text("提交没有成功").is_visible()
    page.evaluate("document.querySelector('#hours').scrollIntoView()")
    screenshot(page, "hives-manage-edit-errors")
    assert list(OpeningInterval.objects.filter(hive=hive).values_list("weekday", flat=True)) == [0]
    hive.refresh_from_db()
    assert hive.contact_phone == "027-88886666"
