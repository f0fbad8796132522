"""Resolved cases the reporter never rated are closed by the system after CASES_AUTO_CLOSE_DAYS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services, tasks
from littlebee.cases.models import ActorRole, Case, CaseAction, CaseStatus

from .factories import WORKING_MORNING, World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def resolved(w: World, **kwargs: Any) -> Case:
    case = open_case(w, **kwargs)
    services.case_accept(case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING)
    return services.case_resolve(
        case_id=case.pk, actor=w.community_handler, note="已清理", at=WORKING_MORNING + timedelta(hours=2)
    )


def test_an_unrated_case_is_closed_after_seven_days(w: World) -> None:
    # given a case resolved at noon on 10 March and never rated
    case = resolved(w)
    resolved_at = case.resolved_at
    assert resolved_at is not None

    # when the sweep runs a minute before seven days have passed: nothing
    assert services.cases_close_unrated(now=resolved_at + timedelta(days=7, minutes=-1)) == 0
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED

    # when it runs at seven days
    later = resolved_at + timedelta(days=7)
    assert services.cases_close_unrated(now=later) == 1

    # then the system closed it, saying why, once
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at == later
    event = case.events.order_by("-at", "-id").first()
    assert event is not None
    assert (event.action, event.actor_role, event.actor_id) == (CaseAction.CLOSE, ActorRole.SYSTEM, None)
    assert event.shown_note == "提交人超过 7 天未评价，系统自动关闭。"
    assert services.cases_close_unrated(now=later + timedelta(hours=1)) == 0
    assert case.events.filter(action=CaseAction.CLOSE).count() == 1


def test_rated_disputed_and_open_cases_are_left_alone(w: World) -> None:
    # given a case the reporter disputed, one still open, one rated "fixed"
    reporter = worker()
    disputed = resolved(w, reporter=reporter)
    services.case_feedback(
        case_id=disputed.pk, worker=reporter, rating=2, resolved=False, at=WORKING_MORNING + timedelta(hours=3)
    )
    still_open = open_case(w)
    rater = worker()
    confirmed = resolved(w, reporter=rater)
    services.case_feedback(case_id=confirmed.pk, worker=rater, rating=5, resolved=True)

    # when the sweep runs a month later
    assert services.cases_close_unrated(now=WORKING_MORNING + timedelta(days=30)) == 0

    # then nothing changed
    assert Case.objects.get(pk=disputed.pk).status == CaseStatus.DISPUTED
    assert Case.objects.get(pk=still_open.pk).status == CaseStatus.SUBMITTED
    assert Case.objects.get(pk=confirmed.pk).closed_at is not None


def test_a_case_rated_after_it_was_picked_is_not_closed(w: World) -> None:
    # given a case found by the sweep, then rated before its turn came
    case = resolved(w)
    Case.objects.filter(pk=case.pk).update(rating=4)

    # then closing it finds it rated and leaves it
    assert services.case_close_unrated(case_id=case.pk, at=WORKING_MORNING + timedelta(days=10)) is False
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED


def test_the_number_of_days_is_a_setting(w: World, settings: Any) -> None:
    settings.CASES_AUTO_CLOSE_DAYS = 3
    case = resolved(w)
    assert case.resolved_at is not None
    assert services.cases_close_unrated(now=case.resolved_at + timedelta(days=3)) == 1
    event = Case.objects.get(pk=case.pk).events.get(action=CaseAction.CLOSE)
    assert "3 天" in event.shown_note


def test_the_task_and_its_schedule(w: World, settings: Any) -> None:
    resolved(w)
    assert tasks.cases_close_unrated() == 1  # now is long after March 2026's resolution
    entry = settings.CELERY_BEAT_SCHEDULE["cases-close-unrated"]
    assert entry["task"] == "cases.close_unrated"
