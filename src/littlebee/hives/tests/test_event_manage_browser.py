"""Browser journey: a community's staff member, on a phone, publishes an event from the staff
console and lands on its attendance list; the event is then on the organisers' list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.hives.models import Event
from littlebee.orgs.tests.factories import CommunityFactory, PartyOrgFactory

from .factories import HiveFactory as _HiveFactory
from .test_visit_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory


def test_a_community_staff_member_publishes_an_event_on_a_phone(new_phone_page: Any, screenshot: Any) -> None:
    # given a community's party organisation with a station, and its handler signed in on a phone
    community = CommunityFactory(name="机安社区")
    org: Any = PartyOrgFactory(region=community, name="机安社区党委")
    HiveFactory(name="机安社区爱心驿站", community=community, managing_unit=org)
    handler = staff(org, role=Role.HANDLER, user__name="李书记")
    page = new_phone_page()
    page.goto("/login/")
    log_in(page, handler.phone)
    page.wait_for_url("**/")

    # when they open the organisers' list, follow its call to publish and fill in the form
    page.goto("/hives/events/manage/")
    expect(page.get_by_text("还没有待举办的活动")).to_be_visible()
    screenshot(page, "hives-events-manage-empty")
    page.locator(".empty").get_by_role("link", name="发布活动").click()
    page.wait_for_url("**/hives/events/new/")
    assert page.get_by_label("主办组织").input_value() == str(org.pk)
    starts = timezone.localtime(timezone.now() + timedelta(days=5)).replace(hour=14, minute=30)
    page.get_by_label("举办驿站").select_option(label="机安社区爱心驿站")
    page.get_by_label("活动标题").fill("小哥集体生日会")
    page.get_by_label("活动介绍").fill("蛋糕、长寿面，还有免费体检。")
    page.get_by_label("活动地点").fill("机安社区党群服务中心二楼")
    # first with the end before the start: the form says so beside the end time
    page.get_by_label("开始时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("结束时间").fill((starts - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("spinbutton", name="名额", exact=True).fill("30")
    page.get_by_label("参加积分").fill("20")
    page.get_by_role("button", name="发布活动").click()
    page.get_by_text("结束时间必须晚于开始时间").wait_for()
    screenshot(page, "hives-event-form-error")
    assert not Event.objects.exists()
    page.get_by_label("结束时间").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    screenshot(page, "hives-event-form")
    page.get_by_role("button", name="发布活动").click()

    # then they land on the event's attendance list, told it is published, with the door code
    page.wait_for_url("**/attendance/")
    event = Event.objects.get()
    expect(page.get_by_text("已发布").first).to_be_visible()
    expect(page.locator("strong.mono", has_text=event.checkin_code)).to_be_visible()
    assert timezone.localtime(event.starts_at).strftime("%m-%d %H:%M") == starts.strftime("%m-%d %H:%M")
    screenshot(page, "hives-event-published-attendance")

    # and the organisers' list has it, with its station and numbers
    page.locator("#main").get_by_role("link", name="活动管理").click()
    page.wait_for_url("**/hives/events/manage/")
    row = page.locator(".event-admin", has_text="小哥集体生日会")
    expect(row.get_by_text("机安社区爱心驿站")).to_be_visible()
    expect(row.get_by_role("button", name="取消活动")).to_be_visible()
    screenshot(page, "hives-events-manage")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "hives-events-manage-wide")
