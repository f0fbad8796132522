"""Event services: publishing rights, registration and waiting list, cancelling, check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import UserFactory, staff, worker
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from littlebee.hives.models import Event, EventRegistration, EventStatus, RegistrationStatus
from littlebee.hives.selectors import events as event_selectors
from littlebee.hives.services import (
    CODE_ALPHABET,
    event_cancel,
    event_cancel_my_registration,
    event_cancel_registration,
    event_checkin,
    event_checkin_by_staff,
    event_create,
    event_register,
)
from littlebee.hives.tests.factories import HiveFactory
from littlebee.orgs.tests.factories import CommunityFactory, EnterpriseFactory, PartyOrgFactory

from .event_factories import CODE, EventFactory

pytestmark = pytest.mark.django_db


def _create_kwargs(**overrides: Any) -> dict[str, Any]:
    starts = timezone.now() + timedelta(days=3)
    return {
        "title": "  骑手集体生日会 ",
        "description": "黄鹤楼下的生日会",
        "place": "黄鹤楼公园",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 30,
        "points": 50,
        **overrides,
    }


def _made(obj: Any) -> Any:
    """factory_boy's stubs type `SomeFactory()` as the factory: this says "the model instance"."""
    return obj


def _counts(event: Event) -> tuple[int, int]:
    event.refresh_from_db()
    return event.registered_count, event.waitlisted_count


# --- publishing -------------------------------------------------------------------------------
def test_community_handler_publishes_an_event_with_a_checkin_code() -> None:
    # given
    org: Any = PartyOrgFactory()
    handler = staff(org, role=Role.HANDLER)

    # when
    event = event_create(actor=handler, organiser=org, **_create_kwargs())

    # then
    assert event.title == "骑手集体生日会"
    assert event.status == EventStatus.PUBLISHED
    assert event.created_by == handler
    assert len(event.checkin_code) == 6 and set(event.checkin_code) <= set(CODE_ALPHABET)


def test_keeper_of_the_station_publishes_for_its_managing_unit() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)

    event = event_create(actor=keeper, organiser=hive.managing_unit, hive=hive, **_create_kwargs())

    assert event.hive == hive


def test_keeper_without_the_station_may_not_publish() -> None:
    org: Any = PartyOrgFactory()
    keeper = staff(org, role=Role.KEEPER)

    with pytest.raises(PermissionDenied):
        event_create(actor=keeper, organiser=org, **_create_kwargs())


def test_city_admin_publishes_for_any_organiser() -> None:
    city_admin: Any = UserFactory(is_superuser=True)
    org: Any = PartyOrgFactory()

    assert event_create(actor=city_admin, organiser=org, **_create_kwargs()).pk


def test_a_worker_may_not_publish() -> None:
    org: Any = PartyOrgFactory()

    with pytest.raises(PermissionDenied) as exc:
        event_create(actor=worker(), organiser=org, **_create_kwargs())
    assert exc.value.status == 403
    assert not Event.objects.exists()


def test_staff_of_an_unrelated_organisation_may_not_publish_for_another() -> None:
    org: Any = PartyOrgFactory()
    other_staff = staff(PartyOrgFactory(), role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        event_create(actor=other_staff, organiser=org, **_create_kwargs())


def test_enterprise_staff_may_not_publish_even_for_their_own_organisation() -> None:
    enterprise: Any = EnterpriseFactory()
    admin = staff(enterprise, role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        event_create(actor=admin, organiser=enterprise, **_create_kwargs())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"points": -1}, "points"),
        ({"points": 1_001}, "points"),
        ({"title": "   "}, "title"),
        ({"place": ""}, "place"),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at"),
    ],
)
def test_bad_input_is_refused_with_the_field(overrides: dict[str, Any], field: str) -> None:
    org: Any = PartyOrgFactory()
    handler = staff(org)

    with pytest.raises(InvalidInput) as exc:
        event_create(actor=handler, organiser=org, **_create_kwargs(**overrides))
    assert field in [e.field for e in exc.value.errors]
    assert not Event.objects.exists()


def test_an_event_must_end_after_it_starts() -> None:
    org: Any = PartyOrgFactory()
    starts = timezone.now() + timedelta(days=1)

    with pytest.raises(InvalidInput) as exc:
        event_create(actor=staff(org), organiser=org, **_create_kwargs(starts_at=starts, ends_at=starts))
    assert [e.field for e in exc.value.errors] == ["ends_at"]


# --- registration and the waiting list --------------------------------------------------------
def test_registrations_fill_the_places_then_the_waiting_list() -> None:
    event: Any = EventFactory(capacity=2)
    a, b, c, d = (worker() for _ in range(4))

    statuses = [event_register(event_id=event.pk, worker=w).status for w in (a, b, c, d)]

    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    assert _counts(event) == (2, 2)
    positions = [event_selectors.waitlist_position(r) for r in event_selectors.attendance_list(event)]
    assert positions == [None, None, 1, 2]


def test_registering_twice_is_a_conflict_and_changes_nothing() -> None:
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)

    with pytest.raises(Conflict) as exc:
        event_register(event_id=event.pk, worker=w)
    assert exc.value.code == "already_registered"
    assert _counts(event) == (1, 0)
    assert EventRegistration.objects.filter(worker=w).count() == 1


def test_only_workers_register() -> None:
    event: Any = EventFactory()

    with pytest.raises(PermissionDenied):
        event_register(event_id=event.pk, worker=_made(UserFactory()))


def test_registering_for_a_missing_event_is_not_found() -> None:
    with pytest.raises(NotFound):
        event_register(event_id=999_999, worker=worker())


@pytest.mark.parametrize("state", ["cancelled", "started"])
def test_registration_is_closed_for_cancelled_and_started_events(state: str) -> None:
    if state == "cancelled":
        event: Any = EventFactory(status=EventStatus.CANCELLED)
    else:
        event = EventFactory(starts_at=timezone.now() - timedelta(minutes=5))

    with pytest.raises(Conflict) as exc:
        event_register(event_id=event.pk, worker=worker())
    assert exc.value.code == "registration_closed"


def test_cancelling_a_place_promotes_the_earliest_waitlisted() -> None:
    # given a full event with two on the waiting list
    event: Any = EventFactory(capacity=1)
    first, second, third = worker(), worker(), worker()
    mine = event_register(event_id=event.pk, worker=first)
    waiting_1 = event_register(event_id=event.pk, worker=second)
    waiting_2 = event_register(event_id=event.pk, worker=third)

    # when the registered worker cancels
    cancelled = event_cancel_registration(registration_id=mine.pk, worker=first)

    # then the first in line moves up, the second stays in line and the counts follow
    assert cancelled.status == RegistrationStatus.CANCELLED and cancelled.cancelled_at
    waiting_1.refresh_from_db()
    waiting_2.refresh_from_db()
    assert waiting_1.status == RegistrationStatus.REGISTERED
    assert waiting_1.promoted_at is not None
    assert waiting_2.status == RegistrationStatus.WAITLISTED
    assert event_selectors.waitlist_position(waiting_2) == 1
    assert _counts(event) == (1, 1)


def test_cancelling_a_waitlisted_registration_promotes_nobody() -> None:
    event: Any = EventFactory(capacity=1)
    a, b = worker(), worker()
    event_register(event_id=event.pk, worker=a)
    waiting = event_register(event_id=event.pk, worker=b)

    event_cancel_my_registration(event_id=event.pk, worker=b)

    assert _counts(event) == (1, 0)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CANCELLED


def test_a_cancelled_worker_may_register_again_at_the_back_of_the_line() -> None:
    event: Any = EventFactory(capacity=1)
    a, b = worker(), worker()
    first = event_register(event_id=event.pk, worker=a)
    event_register(event_id=event.pk, worker=b)
    event_cancel_registration(registration_id=first.pk, worker=a)

    again = event_register(event_id=event.pk, worker=a)

    assert again.status == RegistrationStatus.WAITLISTED
    assert _counts(event) == (1, 1)


def test_cancelling_someone_elses_registration_is_not_found() -> None:
    event: Any = EventFactory()
    owner, intruder = worker(), worker()
    registration = event_register(event_id=event.pk, worker=owner)

    with pytest.raises(NotFound):
        event_cancel_registration(registration_id=registration.pk, worker=intruder)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert _counts(event) == (1, 0)


def test_cancelling_twice_is_an_invalid_transition() -> None:
    event: Any = EventFactory()
    w = worker()
    registration = event_register(event_id=event.pk, worker=w)
    event_cancel_registration(registration_id=registration.pk, worker=w)

    with pytest.raises(Conflict) as exc:
        event_cancel_registration(registration_id=registration.pk, worker=w)
    assert exc.value.code == "invalid_transition"
    assert _counts(event) == (0, 0)


# --- cancelling the event ---------------------------------------------------------------------
def test_organiser_staff_cancel_the_event_others_get_not_found() -> None:
    event: Any = EventFactory()
    outsider = staff(PartyOrgFactory())

    with pytest.raises(NotFound):
        event_cancel(event_id=event.pk, actor=outsider)
    with pytest.raises(NotFound):
        event_cancel(event_id=event.pk, actor=worker())

    cancelled = event_cancel(event_id=event.pk, actor=staff(event.organiser))
    assert cancelled.status == EventStatus.CANCELLED
    with pytest.raises(Conflict):
        event_cancel(event_id=event.pk, actor=staff(event.organiser))


# --- check-in ---------------------------------------------------------------------------------
def test_checkin_with_the_right_code_marks_attended() -> None:
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)

    registration = event_checkin(event_id=event.pk, worker=w, code=" abc234 ")

    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.checked_in_at is not None
    assert registration.checked_in_by == w
    # a second scan changes nothing
    again = event_checkin(event_id=event.pk, worker=w, code=CODE)
    assert again.checked_in_at == registration.checked_in_at


def test_checkin_with_a_wrong_code_is_refused() -> None:
    event: Any = EventFactory()
    w = worker()
    event_register(event_id=event.pk, worker=w)

    with pytest.raises(DomainError) as exc:
        event_checkin(event_id=event.pk, worker=w, code="ZZZ999")
    assert (exc.value.code, exc.value.status) == ("invalid_code", 400)
    assert EventRegistration.objects.get(worker=w).status == RegistrationStatus.REGISTERED


def test_checkin_without_registration_is_a_conflict() -> None:
    event: Any = EventFactory()

    with pytest.raises(Conflict) as exc:
        event_checkin(event_id=event.pk, worker=worker(), code=CODE)
    assert exc.value.code == "not_registered"


def test_waitlisted_cannot_check_in() -> None:
    event: Any = EventFactory(capacity=1)
    event_register(event_id=event.pk, worker=worker())
    waiting = worker()
    event_register(event_id=event.pk, worker=waiting)

    with pytest.raises(Conflict) as exc:
        event_checkin(event_id=event.pk, worker=waiting, code=CODE)
    assert exc.value.code == "waitlisted"


def test_checkin_is_closed_long_before_the_start() -> None:
    event: Any = EventFactory(starts_at=timezone.now() + timedelta(days=2))
    w = worker()
    event_register(event_id=event.pk, worker=w)

    with pytest.raises(Conflict) as exc:
        event_checkin(event_id=event.pk, worker=w, code=CODE)
    assert exc.value.code == "checkin_closed"


def test_staff_check_a_worker_in_from_the_attendance_list() -> None:
    community: Any = CommunityFactory()
    event: Any = EventFactory(organiser=PartyOrgFactory(region=community))
    w = worker()
    registration = event_register(event_id=event.pk, worker=w)
    handler = staff(event.organiser)

    with pytest.raises(NotFound):
        event_checkin_by_staff(event_id=event.pk, registration_id=registration.pk, actor=staff(PartyOrgFactory()))

    done = event_checkin_by_staff(event_id=event.pk, registration_id=registration.pk, actor=handler)
    assert done.status == RegistrationStatus.ATTENDED
    assert done.checked_in_by == handler


# --- selectors --------------------------------------------------------------------------------
def test_selectors_list_upcoming_manageable_and_mine() -> None:
    hive: Any = HiveFactory()
    at_hive: Any = EventFactory(hive=hive, organiser=hive.managing_unit)
    elsewhere: Any = EventFactory()
    EventFactory(status=EventStatus.CANCELLED)
    past: Any = EventFactory(starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1))
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    w = worker()
    event_register(event_id=elsewhere.pk, worker=w)

    assert list(event_selectors.events_upcoming()) == [at_hive, elsewhere]
    assert list(event_selectors.events_upcoming(hive_id=hive.pk)) == [at_hive]
    assert past in event_selectors.events_upcoming(upcoming=False)
    assert list(event_selectors.events_manageable_by(keeper)) == [at_hive]
    assert list(event_selectors.events_manageable_by(w)) == []
    assert [r.event for r in event_selectors.registrations_of(w)] == [elsewhere]


def test_an_event_cannot_promise_more_attendance_points_than_the_rule_pays() -> None:
    # given the default rule (0 to 100 points for attending) and a community organiser
    organiser: Any = PartyOrgFactory()
    clerk = staff(organiser)
    starts = timezone.now() + timedelta(days=3)
    fields: Any = {"title": "生日会", "place": "黄鹤楼", "starts_at": starts, "ends_at": starts + timedelta(hours=2)}

    # when events promising 100 and 150 points are published
    fine = event_create(actor=clerk, organiser=organiser, capacity=10, points=100, **fields)
    with pytest.raises(InvalidInput) as refused:
        event_create(actor=clerk, organiser=organiser, capacity=10, points=150, **fields)

    # then the second is refused with the rule's range, and not created
    assert fine.points == 100
    assert refused.value.errors[0].field == "points" and "100" in str(refused.value.errors[0].detail)
    assert Event.objects.count() == 1
