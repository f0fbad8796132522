"""Focused service tests: the end of a task (no-shows, forgotten check-outs), the no-show pause,
credited minutes, points awarded once, the budget month, team assignment by a captain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError
from littlebee.points.models import LedgerEntry
from littlebee.volunteering import selectors, services
from littlebee.volunteering.models import (
    CheckMethod,
    Claim,
    ClaimLog,
    ClaimStatus,
    MembershipStatus,
    ServiceRecord,
    Task,
    TeamMember,
    TeamRole,
)

from .conftest import Scene
from .factories import LAT, LNG, a_task, a_team

pytestmark = pytest.mark.django_db


def _claim(task: Task, person: Any, status: str, **fields: Any) -> Claim:
    claim: Any = Claim.objects.create(task=task, worker=person, status=status, **fields)
    return claim


def test_at_the_end_a_claim_never_checked_in_is_a_no_show_and_a_forgotten_check_out_is_closed_and_flagged(
    scene: Scene,
) -> None:
    # given a task that ended ten minutes ago: one claim never checked in, one never checked out
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    absent = _claim(task, worker(), ClaimStatus.CLAIMED)
    forgot = _claim(task, scene.worker, ClaimStatus.CHECKED_IN, checked_in_at=start + timedelta(minutes=5))

    # when the periodic job runs
    counts = services.claims_close_ended()

    # then
    assert counts == {"no_show": 1, "auto_check_out": 1, "waitlist_closed": 0}
    absent.refresh_from_db()
    forgot.refresh_from_db()
    assert absent.status == ClaimStatus.NO_SHOW
    assert forgot.status == ClaimStatus.CHECKED_OUT
    assert forgot.flagged
    assert forgot.check_out_method == CheckMethod.AUTO
    assert forgot.checked_out_at == task.ends_at
    assert forgot.presence_minutes == 55
    assert ClaimLog.objects.filter(claim=forgot, action="auto_check_out", actor=None).exists()


def test_the_job_leaves_running_tasks_alone(scene: Scene) -> None:
    # given a task still running
    task = a_task(organiser=scene.community_org, starts_at=timezone.now() - timedelta(minutes=5))
    claim = _claim(task, scene.worker, ClaimStatus.CLAIMED)

    # when
    services.claims_close_ended()

    # then
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED


def test_three_no_shows_pause_claiming_and_say_until_when(scene: Scene) -> None:
    # given three no-shows this month
    for _ in range(3):
        _claim(a_task(organiser=scene.community_org), scene.worker, ClaimStatus.NO_SHOW)
    task = a_task(organiser=scene.community_org, starts_at=timezone.now() + timedelta(days=1))

    # when
    with pytest.raises(DomainError) as refused:
        services.claim_create(task_id=task.pk, worker=scene.worker)

    # then
    assert refused.value.code == "claiming_paused"
    assert "3" in str(refused.value.detail)
    assert selectors.claiming_paused(scene.worker) is not None
    assert not Claim.objects.filter(task=task).exists()


def test_credited_minutes_are_the_presence_inside_the_window(scene: Scene) -> None:
    # given a one-hour task, and a worker who came 20 minutes early and left 10 minutes late
    start = timezone.now()
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))

    # when
    presence = services.presence_minutes(task, start - timedelta(minutes=20), start + timedelta(minutes=70))

    # then travel and waiting are not service
    assert presence == 60
    assert services.credited_minutes(task, 36) == 36
    assert services.credited_minutes(task, 35) == 0


def test_points_are_never_awarded_twice_for_one_claim(scene: Scene) -> None:
    # given an approved claim
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    claim = _claim(
        task,
        scene.worker,
        ClaimStatus.CHECKED_OUT,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
        presence_minutes=60,
        minutes=60,
    )
    services.claim_review(claim_id=claim.pk, actor=scene.handler, decision="approve")

    # when someone forces the claim back and approves again
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.CHECKED_OUT)
    with pytest.raises(IntegrityError):  # one record per claim
        services.claim_review(claim_id=claim.pk, actor=scene.handler, decision="approve")

    # then
    assert LedgerEntry.objects.filter(worker=scene.worker).count() == 1
    assert ServiceRecord.objects.count() == 1


def test_a_cancelled_task_does_not_count_against_the_budget(scene: Scene) -> None:
    # given 20 points × 2 places published, then cancelled
    task = a_task(organiser=scene.community_org, starts_at=timezone.now() + timedelta(days=1))
    used = selectors.budget_used(scene.community_org.pk, task.starts_at)
    services.task_cancel(task_id=task.pk, actor=scene.handler)

    # then
    assert used == 40
    assert selectors.budget_used(scene.community_org.pk, task.starts_at) == 0


def test_a_captain_assigns_a_member_to_a_team_task(scene: Scene) -> None:
    # given a team with a captain and a member, and a task for the team
    team = a_team(organiser=scene.community_org)
    captain, member = worker(), worker()
    TeamMember.objects.create(team=team, worker=captain, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    TeamMember.objects.create(team=team, worker=member, status=MembershipStatus.MEMBER)
    task = a_task(organiser=scene.community_org, team=team)

    # when
    claim = services.task_assign(task_id=task.pk, worker_id=member.pk, actor=captain)
    with pytest.raises(DomainError) as outsider:
        services.task_assign(task_id=task.pk, worker_id=scene.worker.pk, actor=captain)
    with pytest.raises(DomainError) as not_captain:
        services.task_assign(task_id=task.pk, worker_id=member.pk, actor=member)

    # then
    assert claim.status == ClaimStatus.CLAIMED
    assert claim.assigned_by == captain
    assert outsider.value.code == "invalid_input"
    assert not_captain.value.code == "not_found"


def test_a_captain_accepts_a_join_request(scene: Scene) -> None:
    # given
    team = a_team(organiser=scene.community_org)
    captain = worker()
    TeamMember.objects.create(team=team, worker=captain, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    request = services.team_join(team_id=team.pk, worker=scene.worker)

    # when a stranger tries, then the captain accepts
    with pytest.raises(DomainError):
        services.team_member_decide(member_id=request.pk, actor=worker(), accept=True)
    decided = services.team_member_decide(member_id=request.pk, actor=captain, accept=True)

    # then
    assert decided.status == MembershipStatus.MEMBER
    assert selectors.is_member(scene.worker, team.pk)


def test_position_check_in_uses_the_radius(scene: Scene) -> None:
    # given
    task = a_task(organiser=scene.community_org, radius_m=100)
    claim = services.claim_create(task_id=task.pk, worker=scene.worker)

    # when 150 m away, then 50 m away
    with pytest.raises(DomainError) as far:
        services.claim_check_in(claim_id=claim.pk, worker=scene.worker, lat=LAT + 0.00135, lng=LNG)
    near = services.claim_check_in(claim_id=claim.pk, worker=scene.worker, lat=LAT + 0.00045, lng=LNG)

    # then
    assert far.value.code == "too_far"
    assert near.status == ClaimStatus.CHECKED_IN
    assert near.check_in_method == CheckMethod.POSITION
