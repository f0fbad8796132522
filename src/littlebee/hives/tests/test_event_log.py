"""Every change to an event or a registration leaves an audit row (EventLog), in its transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.errors import Conflict, NotFound
from littlebee.hives.models import EventLog
from littlebee.hives.services import (
    event_cancel,
    event_cancel_registration,
    event_checkin,
    event_checkin_by_staff,
    event_create,
    event_register,
)
from littlebee.orgs.tests.factories import PartyOrgFactory

from .event_factories import CODE, EventFactory

pytestmark = pytest.mark.django_db


def _rows(event: Any) -> list[tuple[str, int | None, str, str, int | None]]:
    return [
        (row.action, row.actor_id, row.from_status, row.to_status, row.registration_id)
        for row in EventLog.objects.filter(event=event).order_by("id")
    ]


def test_publishing_is_recorded_with_who_did_it() -> None:
    # given a community's handler
    org: Any = PartyOrgFactory()
    handler = staff(org, role=Role.HANDLER)
    starts = timezone.now() + timedelta(days=3)
    # when she publishes an event
    event = event_create(
        actor=handler, organiser=org, title="生日会", place="公园", starts_at=starts,
        ends_at=starts + timedelta(hours=2), capacity=5,
    )  # fmt: skip
    # then its log has one row: published, by her
    assert _rows(event) == [("publish", handler.pk, "", "published", None)]


def test_a_registrations_life_is_recorded_step_by_step() -> None:
    # given an event with one place and its organiser's handler
    event: Any = EventFactory(capacity=1)
    handler = staff(event.organiser)
    first, second, third = worker(), worker(), worker()

    # when one registers, two wait, the first cancels (the next moves up), one checks in at the
    # door, staff check in nobody else, and the organiser finally calls the event off
    mine = event_register(event_id=event.pk, worker=first)
    waiting = event_register(event_id=event.pk, worker=second)
    event_register(event_id=event.pk, worker=third)
    event_cancel_registration(registration_id=mine.pk, worker=first)
    event_checkin(event_id=event.pk, worker=second, code=CODE)
    event_checkin(event_id=event.pk, worker=second, code=CODE)  # a second scan: no change, no row
    event_cancel(event_id=event.pk, actor=handler)

    # then each change is a row: who, from, to; the promotion is the system's (no actor)
    third_reg = EventLog.objects.get(event=event, actor=third).registration_id
    assert _rows(event) == [
        ("register", first.pk, "", "registered", mine.pk),
        ("register", second.pk, "", "waitlisted", waiting.pk),
        ("register", third.pk, "", "waitlisted", third_reg),
        ("cancel_registration", first.pk, "registered", "cancelled", mine.pk),
        ("promote", None, "waitlisted", "registered", waiting.pk),
        ("check_in", second.pk, "registered", "attended", waiting.pk),
        ("cancel", handler.pk, "published", "cancelled", None),
    ]


def test_staff_checking_someone_in_is_recorded_as_theirs() -> None:
    event: Any = EventFactory()
    registration = event_register(event_id=event.pk, worker=worker())
    handler = staff(event.organiser)
    event_checkin_by_staff(event_id=event.pk, registration_id=registration.pk, actor=handler)
    assert _rows(event)[-1] == ("check_in", handler.pk, "registered", "attended", registration.pk)


def test_a_refused_change_leaves_no_row() -> None:
    # given an event and a worker registered for it
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)
    before = _rows(event)
    # when the worker registers again, and an outsider tries to cancel the event
    with pytest.raises(Conflict):
        event_register(event_id=event.pk, worker=w)
    with pytest.raises(NotFound):
        event_cancel(event_id=event.pk, actor=staff(PartyOrgFactory()))
    # then the log is as it was
    assert _rows(event) == before
