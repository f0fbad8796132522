"""A worker moved up from the waiting list is told by SMS, once the cancellation commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import translation

from littlebee.accounts.tests.factories import staff, worker
from littlebee.hives.models import RegistrationStatus
from littlebee.hives.services import (
    event_cancel,
    event_cancel_my_registration,
    event_cancel_registration,
    event_register,
)

from .event_factories import EventFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def full_event() -> Any:
    """One place, taken; starting 2099-07-01 19:30 Wuhan time."""
    starts = datetime(2099, 7, 1, 19, 30, tzinfo=SH)
    return EventFactory(title="骑手集体生日会", capacity=1, starts_at=starts, ends_at=starts.replace(hour=21))


def test_the_promoted_worker_gets_an_sms(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event with two on the waiting list
    holder = worker(user__phone="13800000001")
    first_in_line = worker(user__phone="13800000002")
    second_in_line = worker(user__phone="13800000003")
    place = event_register(event_id=full_event.pk, worker=holder)
    waiting = event_register(event_id=full_event.pk, worker=first_in_line)
    event_register(event_id=full_event.pk, worker=second_in_line)

    # when the holder cancels
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel_registration(registration_id=place.pk, worker=holder)

    # then only the first in line is texted, in Chinese, with the title and the local start time
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    assert [(m.phone, m.message) for m in sms_outbox] == [
        (
            "13800000002",
            "【小蜜蜂】您报名的活动“骑手集体生日会”（2099-07-01 19:30）已有名额，您已由候补转为正式报名。",
        )
    ]


def test_nobody_is_texted_when_nobody_waits(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event with no waiting list
    holder = worker()
    event_register(event_id=full_event.pk, worker=holder)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel_my_registration(event_id=full_event.pk, worker=holder)

    # then
    assert sms_outbox == []


def test_a_waitlisted_worker_cancelling_texts_nobody(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event and one waiting
    event_register(event_id=full_event.pk, worker=worker())
    waiting = worker()
    event_register(event_id=full_event.pk, worker=waiting)

    # when the waiting worker gives up: no place was freed
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel_my_registration(event_id=full_event.pk, worker=waiting)

    # then
    assert sms_outbox == []


def test_no_sms_when_the_cancellation_rolls_back(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event and one waiting
    holder = worker()
    place = event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=worker())

    # when the surrounding request fails after the cancellation
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        event_cancel_registration(registration_id=place.pk, worker=holder)
        raise RuntimeError

    # then
    assert sms_outbox == []


def test_the_sms_is_in_the_citys_language_whoever_cancelled(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a place held by someone using the English interface
    holder = worker()
    place = event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=worker())

    # when they cancel in English
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        event_cancel_registration(registration_id=place.pk, worker=holder)

    # then the waiting worker still reads Chinese
    assert len(sms_outbox) == 1
    assert sms_outbox[0].message.startswith("【小蜜蜂】")


def test_the_sms_is_english_in_an_english_city(
    full_event: Any, sms_outbox: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a city whose language is English
    settings.LANGUAGE_CODE = "en"
    holder = worker()
    place = event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=worker())

    # when
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel_registration(registration_id=place.pk, worker=holder)

    # then
    assert len(sms_outbox) == 1
    assert "骑手集体生日会" in sms_outbox[0].message
    assert "【小蜜蜂】" not in sms_outbox[0].message


def test_the_api_cancellation_texts_the_next_in_line(
    api_as: Any, full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    holder, waiting = worker(), worker(user__phone="13800000008")
    api_as(holder).post(f"/events/{full_event.pk}/registrations")
    api_as(waiting).post(f"/events/{full_event.pk}/registrations")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(holder).delete(f"/events/{full_event.pk}/registrations/mine")

    # then
    assert response.status_code == 200
    assert [m.phone for m in sms_outbox] == ["13800000008"]


def test_cancelling_the_event_texts_everyone_registered_or_waiting(
    full_event: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a full event with one holder, one waiting and one who already cancelled
    holder = worker(user__phone="13800000001")
    waiting = worker(user__phone="13800000002")
    gone = worker(user__phone="13800000003")
    event_register(event_id=full_event.pk, worker=holder)
    event_register(event_id=full_event.pk, worker=waiting)
    event_cancel_my_registration(event_id=event_register(event_id=full_event.pk, worker=gone).event_id, worker=gone)
    organiser = staff(full_event.organiser)

    # when the organiser calls the event off
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event_id=full_event.pk, actor=organiser)

    # then the holder and the waiting worker are told, and nobody else
    message = "【小蜜蜂】很抱歉，您报名的活动“骑手集体生日会”（2099-07-01 19:30）已取消。"
    assert sorted((m.phone, m.message) for m in sms_outbox) == [("13800000001", message), ("13800000002", message)]
