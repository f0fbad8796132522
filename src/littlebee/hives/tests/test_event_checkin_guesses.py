"""Guessing the door code: five wrong codes per worker and event in 15 minutes, then 429."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError, TooManyRequests
from littlebee.hives.models import EventCheckinFailure, EventRegistration, RegistrationStatus
from littlebee.hives.services import (
    CHECKIN_FAILURE_WINDOW,
    CHECKIN_MAX_FAILURES,
    event_checkin,
    event_register,
)

from .event_factories import CODE, EventFactory

pytestmark = pytest.mark.django_db


def guess_wrong(event: Any, who: Any, times: int = CHECKIN_MAX_FAILURES) -> None:
    for n in range(times):
        with pytest.raises(DomainError) as exc:
            event_checkin(event_id=event.pk, worker=who, code=f"WRONG{n}")
        assert exc.value.code == "invalid_code"


def registered(event: Any) -> tuple[Any, Any]:
    w = worker()
    return w, event_register(event_id=event.pk, worker=w)


def test_after_five_wrong_codes_even_the_right_one_is_refused_and_nothing_changes() -> None:
    # given a registered worker who guessed wrong five times
    event: Any = EventFactory()
    w, registration = registered(event)
    guess_wrong(event, w)

    # when
    with pytest.raises(TooManyRequests) as exc:
        event_checkin(event_id=event.pk, worker=w, code=CODE)

    # then
    assert exc.value.status == 429
    assert exc.value.retry_after is not None
    assert CHECKIN_FAILURE_WINDOW.total_seconds() - 60 < exc.value.retry_after <= CHECKIN_FAILURE_WINDOW.total_seconds()
    registration.refresh_from_db()
    assert (registration.status, registration.checked_in_at) == (RegistrationStatus.REGISTERED, None)
    assert EventCheckinFailure.objects.filter(event=event, worker=w).count() == CHECKIN_MAX_FAILURES


def test_a_refused_try_is_not_counted_again() -> None:
    # given a worker at the limit
    event: Any = EventFactory()
    w, _registration = registered(event)
    guess_wrong(event, w)

    # when they keep trying
    for _ in range(3):
        with pytest.raises(TooManyRequests):
            event_checkin(event_id=event.pk, worker=w, code="STILL1")

    # then the lock-out does not grow
    assert EventCheckinFailure.objects.filter(event=event, worker=w).count() == CHECKIN_MAX_FAILURES


def test_four_wrong_codes_still_allow_the_right_one() -> None:
    # given
    event: Any = EventFactory()
    w, _registration = registered(event)
    guess_wrong(event, w, times=CHECKIN_MAX_FAILURES - 1)

    # when
    done = event_checkin(event_id=event.pk, worker=w, code=CODE)

    # then
    assert done.status == RegistrationStatus.ATTENDED


def test_the_limit_is_per_worker_and_per_event() -> None:
    # given one worker locked out of one event
    event: Any = EventFactory()
    other_event: Any = EventFactory()
    w, _registration = registered(event)
    event_register(event_id=other_event.pk, worker=w)
    neighbour, _their_registration = registered(event)
    guess_wrong(event, w)

    # when / then: the same worker at another event, and another worker here, check in
    assert event_checkin(event_id=other_event.pk, worker=w, code=CODE).status == RegistrationStatus.ATTENDED
    assert event_checkin(event_id=event.pk, worker=neighbour, code=CODE).status == RegistrationStatus.ATTENDED


def test_the_door_opens_again_when_the_oldest_failure_leaves_the_window() -> None:
    # given five failures, the oldest of them 15 minutes old
    event: Any = EventFactory()
    w, _registration = registered(event)
    guess_wrong(event, w)
    oldest = EventCheckinFailure.objects.filter(event=event, worker=w).order_by("at", "id").first()
    assert oldest is not None
    EventCheckinFailure.objects.filter(pk=oldest.pk).update(at=F("at") - CHECKIN_FAILURE_WINDOW)

    # when
    done = event_checkin(event_id=event.pk, worker=w, code=CODE)

    # then
    assert done.status == RegistrationStatus.ATTENDED


def test_one_more_wrong_code_after_the_window_locks_again() -> None:
    # given the oldest of five failures has left the window
    event: Any = EventFactory()
    w, _registration = registered(event)
    guess_wrong(event, w)
    EventCheckinFailure.objects.filter(event=event, worker=w).update(at=F("at") - timedelta(minutes=16))
    guess_wrong(event, w, times=CHECKIN_MAX_FAILURES)

    # when / then
    with pytest.raises(TooManyRequests):
        event_checkin(event_id=event.pk, worker=w, code=CODE)


def test_an_unregistered_guesser_is_limited_too() -> None:
    # given someone without a registration probing for the code
    event: Any = EventFactory()
    stranger = worker()
    guess_wrong(event, stranger)

    # when / then
    with pytest.raises(TooManyRequests):
        event_checkin(event_id=event.pk, worker=stranger, code=CODE)
    assert not EventRegistration.objects.filter(worker=stranger).exists()


# --- through the API --------------------------------------------------------------------------
def test_the_api_answers_429_with_retry_after_after_five_wrong_codes(api_as: Any) -> None:
    # given a registered worker
    event: Any = EventFactory()
    w = worker()
    client = api_as(w)
    assert client.post(f"/events/{event.pk}/registrations").status_code == 201

    # when they guess five times, then try the right code
    wrong = [client.post(f"/events/{event.pk}/checkin", {"code": f"BAD{n}22"}) for n in range(5)]
    refused = client.post(f"/events/{event.pk}/checkin", {"code": CODE})

    # then
    assert [r.status_code for r in wrong] == [400] * 5
    assert {r.json()["code"] for r in wrong} == {"invalid_code"}
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    assert "15 分钟" in refused.json()["detail"]
    assert 840 < int(refused["Retry-After"]) <= 900
    mine = client.get(f"/events/{event.pk}").json()
    assert mine["my_status"] == "registered"
    assert EventRegistration.objects.get(worker=w).checked_in_at is None


def test_the_429_speaks_english(api_as: Any) -> None:
    # given a worker at the limit, asking in English
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)
    guess_wrong(event, w)

    # when
    response = api_as(w, language="en").post(f"/events/{event.pk}/checkin", {"code": CODE})

    # then
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many wrong check-in codes")
