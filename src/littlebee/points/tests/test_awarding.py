"""Points wired into the actions that earn them today: attending an event, and a community
confirming a worker's check-in. Awarded once, in the action's transaction; a refusal never
undoes the action."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from littlebee.accounts.models import CheckinStatus, Role, WorkerProfile
from littlebee.accounts.services import checkin_confirm, checkin_reject, checkin_resubmit
from littlebee.accounts.tests.factories import staff
from littlebee.hives.models import RegistrationStatus
from littlebee.hives.services import event_checkin, event_checkin_by_staff, event_register
from littlebee.hives.tests.event_factories import CODE
from littlebee.hives.tests.event_factories import EventFactory as _EventFactory
from littlebee.hives.tests.factories import HiveFactory as _HiveFactory
from littlebee.points.models import LedgerEntry, PointsAccount
from littlebee.points.selectors import balance_of

from .factories import EarningRuleFactory as _EarningRuleFactory
from .factories import Town, rider

pytestmark = pytest.mark.django_db

EventFactory: Any = _EventFactory
HiveFactory: Any = _HiveFactory
EarningRuleFactory: Any = _EarningRuleFactory


def attendance_rule(**kwargs: Any) -> Any:
    return EarningRuleFactory(source="event_attendance", points_min=0, points_max=100, **kwargs)


# --- Event attendance -------------------------------------------------------------------------
def test_checking_in_at_an_event_awards_its_points_once(town: Town) -> None:
    # given an event worth 30 points at a station of the community, and a registered rider
    attendance_rule()
    event = EventFactory(hive=HiveFactory(community=town.community, managing_unit=town.community_org), points=30)
    me = rider(town)
    registration = event_register(event_id=event.pk, worker=me)

    # when the rider checks in, and scans again at the door
    event_checkin(event_id=event.pk, worker=me, code=CODE)
    event_checkin(event_id=event.pk, worker=me, code=CODE)

    # then one entry of 30 points, traceable to the registration
    entry = LedgerEntry.objects.get(worker=me)
    assert (entry.amount, entry.source, entry.reason) == (30, "event_attendance", "earn")
    assert (entry.source_type, entry.source_id) == ("hives.eventregistration", str(registration.pk))
    assert entry.idempotency_key == f"event_attendance:{registration.pk}"
    assert entry.actor == me
    assert balance_of(me) == 30


def test_staff_checking_a_worker_in_awards_the_points_with_the_staff_as_actor(town: Town) -> None:
    attendance_rule()
    event = EventFactory(organiser=town.community_org, points=20)
    handler = staff(town.community_org, role=Role.HANDLER)
    me = rider(town)
    registration = event_register(event_id=event.pk, worker=me)

    event_checkin_by_staff(event_id=event.pk, registration_id=registration.pk, actor=handler)
    event_checkin_by_staff(event_id=event.pk, registration_id=registration.pk, actor=handler)

    entry = LedgerEntry.objects.get(worker=me)
    assert (entry.amount, entry.actor) == (20, handler)


def test_without_a_rule_the_check_in_stands_and_nothing_is_awarded(town: Town, caplog: Any) -> None:
    event = EventFactory(points=30)
    me = rider(town)
    event_register(event_id=event.pk, worker=me)

    with caplog.at_level(logging.INFO, logger="littlebee.hives.services.events"):
        registration = event_checkin(event_id=event.pk, worker=me, code=CODE)

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert not LedgerEntry.objects.exists()
    assert "no_rule" in caplog.text


def test_an_event_without_points_awards_nothing(town: Town) -> None:
    attendance_rule()
    event = EventFactory(points=0)
    me = rider(town)
    event_register(event_id=event.pk, worker=me)

    event_checkin(event_id=event.pk, worker=me, code=CODE)

    assert not LedgerEntry.objects.exists()
    assert not PointsAccount.objects.filter(worker=me, balance__gt=0).exists()


def test_more_points_than_the_rule_allows_are_refused_and_the_check_in_stands(town: Town, caplog: Any) -> None:
    # given an event promising 200 points, beyond the rule's 100
    attendance_rule()
    event = EventFactory(points=200)
    me = rider(town)
    event_register(event_id=event.pk, worker=me)

    # when
    with caplog.at_level(logging.WARNING, logger="littlebee.hives.services.events"):
        registration = event_checkin(event_id=event.pk, worker=me, code=CODE)

    # then the rider is checked in, nothing is awarded, and the refusal is in the log
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert not LedgerEntry.objects.exists()
    assert "refused" in caplog.text


def test_the_daily_cap_refuses_and_the_check_in_stands(town: Town) -> None:
    attendance_rule(daily_cap=30)
    me = rider(town)
    first, second = EventFactory(points=20), EventFactory(points=20)
    for event in (first, second):
        event_register(event_id=event.pk, worker=me)

    event_checkin(event_id=first.pk, worker=me, code=CODE)
    registration = event_checkin(event_id=second.pk, worker=me, code=CODE)

    assert registration.status == RegistrationStatus.ATTENDED
    assert balance_of(me) == 20


def test_a_district_rule_of_the_stations_district_applies(town: Town) -> None:
    # given a city rule that lets districts go up to 100, and the station's district giving 5–60
    attendance_rule(district_max_points=100)
    EarningRuleFactory(source="event_attendance", district=town.other_district, points_min=50, points_max=60)
    event = EventFactory(
        hive=HiveFactory(community=town.other_district_community, managing_unit=town.other_district_org), points=55
    )
    me = rider(town)  # checked in elsewhere: the place of the event decides
    event_register(event_id=event.pk, worker=me)

    event_checkin(event_id=event.pk, worker=me, code=CODE)

    entry = LedgerEntry.objects.get(worker=me)
    assert entry.amount == 55
    assert entry.rule is not None and entry.rule.district == town.other_district


# --- Community check-in confirmed --------------------------------------------------------------
def test_a_confirmed_check_in_earns_points_once(town: Town) -> None:
    # given a rule of 20 points and a pending check-in
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)
    handler = staff(town.community_org, role=Role.HANDLER)

    # when the community confirms
    checkin_confirm(profile_id=profile.pk, actor=handler)

    # then
    entry = LedgerEntry.objects.get(worker=me)
    assert (entry.amount, entry.source, entry.actor) == (20, "checkin_confirmed", handler)
    assert entry.idempotency_key == f"checkin_confirmed:{profile.pk}"
    assert (entry.source_type, entry.source_id) == ("accounts.workerprofile", str(profile.pk))
    assert balance_of(me) == 20


def test_a_check_in_confirmed_after_a_rejection_and_resubmission_still_earns_once(town: Town) -> None:
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)
    handler = staff(town.district_org, role=Role.HANDLER)
    checkin_reject(profile_id=profile.pk, actor=handler, note="社区填错了")
    checkin_resubmit(worker=me, community_id=town.neighbour.pk)

    checkin_confirm(profile_id=profile.pk, actor=handler)
    # even if a confirmation were recorded again, the key is taken
    WorkerProfile.objects.filter(pk=profile.pk).update(checkin_status=CheckinStatus.PENDING)
    checkin_confirm(profile_id=profile.pk, actor=handler)

    assert LedgerEntry.objects.filter(worker=me).count() == 1
    assert balance_of(me) == 20


def test_a_rejected_check_in_earns_nothing(town: Town) -> None:
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)

    checkin_reject(profile_id=profile.pk, actor=staff(town.community_org, role=Role.HANDLER), note="不在本社区")

    assert not LedgerEntry.objects.exists()


def test_without_a_rule_the_confirmation_stands(town: Town) -> None:
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)

    confirmed = checkin_confirm(profile_id=profile.pk, actor=staff(town.community_org, role=Role.HANDLER))

    assert confirmed.checkin_status == CheckinStatus.CONFIRMED
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.CONFIRMED
    assert not LedgerEntry.objects.exists()


def test_a_ranged_check_in_rule_is_refused_and_the_confirmation_stands(town: Town) -> None:
    # a misconfigured rule (ranged, but nobody picks an amount at check-in) must not block check-ins
    EarningRuleFactory(source="checkin_confirmed", points_min=10, points_max=30)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)

    checkin_confirm(profile_id=profile.pk, actor=staff(town.community_org, role=Role.HANDLER))

    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.CONFIRMED
    assert not LedgerEntry.objects.exists()


def test_confirming_over_the_api_shows_the_points_on_me(api_as: Any, town: Town) -> None:
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)
    handler = staff(town.community_org, role=Role.HANDLER)

    response = api_as(handler).post(f"/checkins/{profile.pk}/confirm")

    assert response.status_code == 200
    assert api_as(me).get("/me").json()["points_balance"] == 20
