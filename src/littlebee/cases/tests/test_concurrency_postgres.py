"""Races on one case that only a real multi-connection database can show: run on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import staff
from littlebee.cases import services
from littlebee.cases.models import Case, CaseEvent, CaseStatus
from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together

from .factories import open_case, world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _codes(results: list[Any]) -> list[str]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return sorted(r.code for r in results if isinstance(r, DomainError))


def test_two_handlers_accepting_at_once_make_one_transition() -> None:
    # given a case and two handlers of its community
    w = world()
    case = open_case(w)
    second = staff(w.community_org)

    # when both accept at the same instant
    results = run_together(
        [
            lambda: services.case_accept(case_id=case.pk, actor=w.community_handler),
            lambda: services.case_accept(case_id=case.pk, actor=second),
        ]
    )

    # then one succeeds, the other is told 409, and the timeline has one acceptance
    assert sum(isinstance(r, Case) for r in results) == 1
    assert _codes(results) == ["invalid_transition"]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    winner = next(r for r in results if isinstance(r, Case))
    assert case.handler_id == winner.handler_id


def test_accept_racing_reject_and_forward_make_one_transition() -> None:
    w = world()
    case = open_case(w)
    results = run_together(
        [
            lambda: services.case_accept(case_id=case.pk, actor=w.community_handler),
            lambda: services.case_reject(case_id=case.pk, actor=staff(w.community_org), note="不属实"),
            lambda: services.case_forward(
                case_id=case.pk, actor=staff(w.community_org), to_org=w.traffic_police, note="交警"
            ),
        ]
    )
    assert sum(isinstance(r, Case) for r in results) >= 1
    rows = CaseEvent.objects.filter(case=case).exclude(action="open").count()
    assert rows == sum(isinstance(r, Case) for r in results)
    # a forward then an accept by a community handler is 403 there: whatever won, only legal paths ran
    assert all(code in ("invalid_transition", "permission_denied") for code in _codes(results))


def test_two_merges_of_a_pair_in_opposite_directions_do_not_deadlock() -> None:
    w = world()
    a, b = open_case(w), open_case(w)
    results = run_together(
        [
            lambda: services.case_merge(case_id=a.pk, actor=w.community_handler, duplicate_of=b.pk),
            lambda: services.case_merge(case_id=b.pk, actor=staff(w.community_org), duplicate_of=a.pk),
        ]
    )
    assert sum(isinstance(r, Case) for r in results) == 1
    assert len(_codes(results)) == 1
    assert Case.objects.filter(pk__in=[a.pk, b.pk], status=CaseStatus.MERGED).count() == 1


def test_escalation_racing_an_acceptance_is_consistent() -> None:
    from datetime import timedelta

    from .factories import WORKING_MORNING

    w = world()
    case = open_case(w)
    results = run_together(
        [
            lambda: services.case_accept(
                case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING + timedelta(hours=1)
            ),
            lambda: services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=3)),
        ]
    )
    _codes(results)
    case.refresh_from_db()
    accepted = CaseEvent.objects.filter(case=case, action="accept").exists()
    escalated = CaseEvent.objects.filter(case=case, action="escalate").exists()
    # either the community accepted first (no escalation: the clock moved), or it was escalated
    # first and the community handler was refused (the case now sits with the street)
    assert accepted != escalated
    assert case.organisation == (w.community_org if accepted else w.street_org)
