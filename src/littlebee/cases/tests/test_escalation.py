"""Overdue cases escalate community → street → district, once per missed deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from littlebee.accounts.tests.factories import staff
from littlebee.cases import services, tasks
from littlebee.cases.models import CaseEvent, CaseStatus
from littlebee.cases.selectors import cases_visible_to
from littlebee.orgs.models import DepartmentType, OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory

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


def test_a_district_department_escalates_to_the_same_department_of_the_city(w: World) -> None:
    # given the city's own traffic police above the district's
    city_police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.TRAFFIC_POLICE, region=w.city, name="市交管局"
    )
    traffic_rule()
    case = open_case(w, category="traffic_signal")
    assert case.organisation == w.traffic_police

    # when nobody accepts it in time
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=3))

    # then it goes up its own line, not to a party committee
    case.refresh_from_db()
    assert case.organisation == city_police


def test_a_confidential_case_never_leaves_offices_cleared_for_it(w: World) -> None:
    # given a confidential clue held by the district's police, with no police above it
    police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district, name="武昌公安分局"
    )
    case = open_case(w, category="public_security_clue", organisation=police, confidential=True)
    assert case.organisation == police

    # when it goes overdue, again and again
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=3))
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=30))

    # then it stays with the police, marked overdue, and the district's party committee never sees it
    case.refresh_from_db()
    assert (case.organisation, case.overdue, case.next_escalation_at) == (police, True, None)
    assert not CaseEvent.objects.filter(case=case, to_org=w.district_org).exists()
    assert not cases_visible_to(staff(w.district_org)).filter(pk=case.pk).exists()


def test_a_confidential_case_escalates_to_the_superior_department_of_its_line(w: World) -> None:
    # given police at the district and at the city, the district's configured under its party committee
    police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT,
        department_type=DepartmentType.PUBLIC_SECURITY,
        region=w.district,
        parent=w.district_org,
    )
    city_police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.city
    )
    case = open_case(w, category="public_security_clue", organisation=police, confidential=True)

    # when it goes overdue
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=3))

    # then the city's police holds it, never the party committee the district's police reports to
    case.refresh_from_db()
    assert case.organisation == city_police
