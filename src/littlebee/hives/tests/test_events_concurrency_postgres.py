"""Registration and check-in races that only a real multi-connection database can show: run on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError, TooManyRequests
from littlebee.core.tests.races import run_together
from littlebee.hives.models import Event, EventCheckinFailure, EventRegistration, RegistrationStatus
from littlebee.hives.services import (
    CHECKIN_MAX_FAILURES,
    event_cancel_registration,
    event_checkin,
    event_register,
)

from .event_factories import EventFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _statuses(event: Event) -> list[str]:
    return list(
        EventRegistration.objects.filter(event=event).order_by("created_at", "id").values_list("status", flat=True)
    )


def test_twenty_workers_racing_for_five_places() -> None:
    # given an event with five places and twenty workers
    event: Any = EventFactory(capacity=5)
    workers = [worker() for _ in range(20)]

    # when they all register at the same instant
    calls: list[Callable[[], Any]] = [
        lambda w=w: event_register(event_id=event.pk, worker=w)  # type: ignore[misc]
        for w in workers
    ]
    results = run_together(calls)

    # then five get a place, fifteen wait, and the counts say so
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.status == RegistrationStatus.REGISTERED for r in results) == 5
    assert sum(r.status == RegistrationStatus.WAITLISTED for r in results) == 15
    event.refresh_from_db()
    assert (event.registered_count, event.waitlisted_count) == (5, 15)
    assert _statuses(event).count("registered") == 5


def test_one_worker_registering_eight_times_at_once_gets_one_registration() -> None:
    event: Any = EventFactory(capacity=5)
    w = worker()

    results = run_together([lambda: event_register(event_id=event.pk, worker=w) for _ in range(8)])

    assert sum(isinstance(r, EventRegistration) for r in results) == 1
    assert sum(isinstance(r, DomainError) and r.code == "already_registered" for r in results) == 7
    event.refresh_from_db()
    assert (event.registered_count, event.waitlisted_count) == (1, 0)


def test_cancellations_racing_registrations_never_overfill() -> None:
    # given a full event of three with two on the waiting list
    event: Any = EventFactory(capacity=3)
    holders = [worker() for _ in range(3)]
    held = [event_register(event_id=event.pk, worker=w) for w in holders]
    for _ in range(2):
        event_register(event_id=event.pk, worker=worker())
    newcomers = [worker() for _ in range(6)]

    # when the three holders cancel while six newcomers register, all at once
    calls: list[Callable[[], Any]] = [
        *[
            lambda r=r, w=w: event_cancel_registration(registration_id=r.pk, worker=w)
            for r, w in zip(held, holders, strict=True)
        ],
        *[lambda w=w: event_register(event_id=event.pk, worker=w) for w in newcomers],
    ]
    results = run_together(calls)

    # then nothing failed, the event is exactly full and the counts match the rows
    assert not [r for r in results if isinstance(r, Exception)]
    event.refresh_from_db()
    statuses = _statuses(event)
    assert event.registered_count == statuses.count("registered") == 3
    assert event.waitlisted_count == statuses.count("waitlisted") == 5
    assert statuses.count("cancelled") == 3
    # the two who were waiting before the race moved up first
    early_waiters = EventRegistration.objects.filter(event=event).exclude(worker__in=holders + newcomers)
    assert set(early_waiters.values_list("status", flat=True)) == {"registered"}


def test_twelve_simultaneous_guesses_get_five_tries() -> None:
    # given a registered worker firing twelve wrong codes at the same instant
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)

    # when
    calls: list[Callable[[], Any]] = [
        lambda n=n: event_checkin(event_id=event.pk, worker=w, code=f"GUESS{n}")  # type: ignore[misc]
        for n in range(12)
    ]
    results = run_together(calls)

    # then only five were judged; the rest were refused without being counted
    assert sum(isinstance(r, DomainError) and r.code == "invalid_code" for r in results) == CHECKIN_MAX_FAILURES
    assert sum(isinstance(r, TooManyRequests) for r in results) == 12 - CHECKIN_MAX_FAILURES
    assert EventCheckinFailure.objects.filter(event=event, worker=w).count() == CHECKIN_MAX_FAILURES
    assert EventRegistration.objects.get(event=event, worker=w).status == RegistrationStatus.REGISTERED
