"""Overdue cases escalate community → street → district, once per missed deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from littlebee.cases import services, tasks
from littlebee.cases.models import CaseEvent, CaseStatus

from .factories import WORKING_MORNING, World, open_case, traffic_rule, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def test_an_unaccepted_case_escalates_up_the_chain_once_per_deadline(w: World) -> None:
    # given a case opened Tuesday 10:00, due to be accepted by Wednesday 10:00
    case = open_case(w)
    assert case.accept_due_at == WORKING_MORNING + timedelta(days=1)

    # when the sweep runs before the deadline nothing happens
    assert services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(hours=20)) == 0

    # when it runs after it
    wednesday_noon = WORKING_MORNING + timedelta(days=1, hours=2)
    assert services.cases_escalate_overdue(now=wednesday_noon) == 1

    # then the case is overdue and sits with the street, with a fresh acceptance deadline
    case.refresh_from_db()
    assert (case.organisation, case.overdue, case.escalation_level) == (w.street_org, True, 1)
    assert case.status == CaseStatus.SUBMITTED
    assert case.accept_due_at == wednesday_noon + timedelta(days=1)
    # and running again at once changes nothing
    assert services.cases_escalate_overdue(now=wednesday_noon) == 0
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 1

    # when the street misses it too, the district gets it
    friday = wednesday_noon + timedelta(days=2)
    assert services.cases_escalate_overdue(now=friday) == 1
    case.refresh_from_db()
    assert (case.organisation, case.escalation_level) == (w.district_org, 2)

    # and when the district misses it, it stays there, marked, and the clock stops
    much_later = friday + timedelta(days=10)
    assert services.cases_escalate_overdue(now=much_later) == 1
    assert services.cases_escalate_overdue(now=much_later + timedelta(days=10)) == 0
    case.refresh_from_db()
    assert (case.organisation, case.overdue, case.next_escalation_at) == (w.district_org, True, None)
    events = CaseEvent.objects.filter(case=case, action="escalate").order_by("at", "id")
    assert [(e.from_org, e.to_org, e.actor_role) for e in events] == [
        (w.community_org, w.street_org, "system"),
        (w.street_org, w.district_org, "system"),
        (w.district_org, w.district_org, "system"),
    ]


def test_an_accepted_case_late_to_resolve_escalates_and_acting_clears_overdue(w: World) -> None:
    case = open_case(w)
    services.case_accept(case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING + timedelta(hours=1))
    case.refresh_from_db()
    assert case.resolve_due_at is not None

    assert services.cases_escalate_overdue(now=case.resolve_due_at + timedelta(minutes=1)) == 1

    case.refresh_from_db()
    assert (case.organisation, case.handler, case.overdue, case.status) == (
        w.street_org,
        None,
        True,
        CaseStatus.ACCEPTED,
    )
    from littlebee.accounts.tests.factories import staff

    case = services.case_resolve(case_id=case.pk, actor=staff(w.street_org), note="街道协调解决")
    assert not case.overdue


def test_a_department_escalates_to_its_districts_party_organisation(w: World) -> None:
    traffic_rule()
    case = open_case(w, category="traffic_signal")
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=3))
    case.refresh_from_db()
    assert case.organisation == w.district_org


def test_finished_cases_never_escalate(w: World) -> None:
    case = open_case(w)
    services.case_reject(case_id=case.pk, actor=w.community_handler, note="重复")
    assert services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=30)) == 0


def test_the_celery_task_runs_the_sweep(w: World) -> None:
    open_case(w, at=WORKING_MORNING - timedelta(days=30))
    assert tasks.cases_escalate_overdue.apply().get() == 1
