"""The messages the apps send go to the inbox too: events (with their texts), points, vouchers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from littlebee.accounts.tests.factories import staff, worker
from littlebee.hives.services import event_cancel, event_cancel_registration, event_register
from littlebee.hives.tests.event_factories import EventFactory
from littlebee.notifications.models import Notification
from littlebee.points import services as points_services
from littlebee.points.models import EarningRule
from littlebee.rewards import services as rewards_services
from littlebee.rewards.tests.factories import GiftFactory, HiveFactory, give_points, keeper_of

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def full_event() -> Any:
    starts = datetime(2099, 7, 1, 19, 30, tzinfo=SH)
    return EventFactory(title="骑手集体生日会", capacity=1, starts_at=starts, ends_at=starts.replace(hour=21))


def test_a_promoted_worker_gets_an_inbox_entry_and_the_text(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event and one waiting
    holder, waiting = worker(), worker(user__phone="13800000002")
    place = event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=waiting)

    # when the holder cancels
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel_registration(registration_id=place.pk, worker=holder)

    # then the one waiting has an inbox entry linking to the event, and the text as before
    entry = Notification.objects.get()
    assert entry.recipient == waiting
    assert (entry.kind, entry.link, entry.data) == (
        "event_promoted",
        f"/hives/events/{full_event.pk}/",
        {"event_id": full_event.pk},
    )
    assert entry.shown_title == "候补转正：骑手集体生日会"
    assert "2099-07-01 19:30" in entry.shown_body
    assert [m.phone for m in sms_outbox] == ["13800000002"]
    assert sms_outbox[0].message.startswith("【小蜜蜂】")


def test_a_cancelled_event_tells_everyone_still_on_it(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given one registered and one waiting
    holder, waiting = worker(), worker()
    event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=waiting)

    # when the organiser calls it off
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event_id=full_event.pk, actor=staff(full_event.organiser))

    # then both have an inbox entry linking to the event, and a text each
    entries = Notification.objects.filter(kind="event_cancelled")
    assert sorted(e.recipient_id for e in entries) == sorted([holder.pk, waiting.pk])
    assert {e.link for e in entries} == {f"/hives/events/{full_event.pk}/"}
    assert {e.shown_title for e in entries} == {"活动已取消：骑手集体生日会"}
    assert len(sms_outbox) == 2


def test_points_about_to_expire_are_in_the_inbox_once(
    settings: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given 40 points earned 350 days ago, expiring after a year
    settings.POINTS_EXPIRY_MONTHS = 12
    noon = datetime(2026, 12, 2, 12, 0, tzinfo=SH)
    EarningRule.objects.create(source="report", category="", points_min=40, points_max=40)
    rider = worker()
    points_services.points_award(worker=rider, idempotency_key="r", source="report", at=noon - timedelta(days=350))

    # when the warning job runs twice
    with django_capture_on_commit_callbacks(execute=True):
        points_services.points_warn_expiring(at=noon)
        points_services.points_warn_expiring(at=noon + timedelta(days=1))

    # then one entry linking to the points page, and one text
    entry = Notification.objects.get()
    assert (entry.recipient, entry.kind, entry.link) == (rider, "points_expiring", "/points/")
    assert entry.shown_title == "40 积分即将到期"
    assert entry.data["amount"] == 40
    assert len(sms_outbox) == 1


def test_an_expired_voucher_is_in_the_workers_inbox_without_a_text(sms_outbox: Any) -> None:
    # given a voucher redeemed long ago
    gift: Any = GiftFactory(name="保温杯", points_cost=50, voucher_valid_days=1)
    rider = worker()
    give_points(rider, 50)
    voucher = rewards_services.gift_redeem(worker=rider, gift_id=gift.pk, at=timezone.now() - timedelta(days=2))

    # when the sweep runs
    assert rewards_services.vouchers_expire_due() == 1

    # then
    entry = Notification.objects.get()
    assert (entry.recipient, entry.kind, entry.link) == (rider, "voucher_expired", f"/rewards/vouchers/{voucher.code}/")
    assert "保温杯" in entry.shown_title and "50 积分已退回" in entry.shown_body
    assert sms_outbox == []


def test_a_fulfilled_voucher_is_in_the_workers_inbox() -> None:
    # given a voucher for a gift picked up anywhere
    hive = HiveFactory(name="机安驿站")
    gift: Any = GiftFactory(name="雨衣", points_cost=30)
    rider = worker()
    give_points(rider, 30)
    voucher = rewards_services.gift_redeem(worker=rider, gift_id=gift.pk)

    # when the station's keeper hands it over
    rewards_services.voucher_fulfil(code=voucher.code, keeper=keeper_of(hive), hive_id=hive.pk)

    # then
    entry = Notification.objects.get()
    assert (entry.recipient, entry.kind, entry.link) == (
        rider,
        "voucher_fulfilled",
        f"/rewards/vouchers/{voucher.code}/",
    )
    assert "雨衣" in entry.shown_title and "机安驿站" in entry.shown_body
