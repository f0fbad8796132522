"""On a phone: a rider on a waiting list is moved up when someone cancels, sees the bell's
count, opens the inbox and follows the message to the event."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import log_in
from littlebee.hives.services import event_register
from littlebee.hives.tests.event_factories import EventFactory
from littlebee.notifications.inbox import notify
from littlebee.orgs.tests.factories import PartyOrgFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_promoted_rider_sees_the_bell_and_follows_the_message_to_the_event(
    new_phone_page: Any, screenshot: Any
) -> None:
    # given an event with one place, taken by the first rider, the second one waiting
    event: Any = EventFactory(title="骑手安全培训", capacity=1, starts_at=timezone.now() + dt.timedelta(days=1))
    first, second = worker(user__name="张三"), worker(user__name="李四")
    event_register(event_id=event.pk, worker=first)
    event_register(event_id=event.pk, worker=second)
    first_page, second_page = new_phone_page(), new_phone_page()
    log_in(second_page, second.phone)
    assert second_page.locator(".bell__count").count() == 0

    # when the first rider cancels (and confirms)
    log_in(first_page, first.phone, f"/hives/events/{event.pk}/")
    first_page.once("dialog", lambda dialog: dialog.accept())
    first_page.get_by_role("button", name="取消报名").click()
    first_page.get_by_text("已取消报名").wait_for()

    # then the second rider's bell counts one unread message
    second_page.reload()
    bell = second_page.get_by_role("link", name=re.compile("消息，1 条未读"))
    expect(bell).to_be_visible()
    assert second_page.locator(".bell__count").inner_text() == "1"
    screenshot(second_page, "notifications-bell")

    # when he opens the inbox
    bell.click()
    second_page.wait_for_url("**/inbox/")
    screenshot(second_page, "notifications-inbox")

    # then the message is there, highlighted, and the bell is quiet now
    item = second_page.locator(".inbox__item").first
    assert "候补转正：骑手安全培训" in item.inner_text()
    assert "inbox__item--unread" in (item.get_attribute("class") or "")
    assert second_page.locator(".bell__count").count() == 0

    # when he follows it
    item.get_by_role("link").click()

    # then he is on the event, registered
    second_page.wait_for_url(f"**/hives/events/{event.pk}/")
    expect(second_page.locator("[data-my-registration]").get_by_text("已报名")).to_be_visible()


def test_staff_see_the_bell_in_the_console_top_bar(new_phone_page: Any, screenshot: Any) -> None:
    # given a handler with an unread alert
    handler = staff(PartyOrgFactory(), role=Role.HANDLER)
    notify(user=handler, kind="staff_alert", title="有新的报到待审核", link="/staff/")
    page = new_phone_page()

    # when she opens the console
    log_in(page, handler.phone, "/staff/")

    # then the top bar's bell counts it and opens the inbox
    assert page.locator(".topbar .bell__count").inner_text() == "1"
    screenshot(page, "notifications-staff-bell")
    page.locator(".topbar .bell").click()
    page.wait_for_url("**/inbox/")
    assert "有新的报到待审核" in page.locator(".inbox").inner_text()
