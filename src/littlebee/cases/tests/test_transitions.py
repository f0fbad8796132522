"""Every transition of the status machine: what it changes, its timeline row, and its guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import hooks, services
from littlebee.cases.models import (
    TRANSITIONS,
    Case,
    CaseAction,
    CaseEvent,
    CaseFollower,
    CaseKind,
    CaseStatus,
)
from littlebee.core.errors import Conflict, InvalidInput, PermissionDenied

from .factories import WORKING_MORNING, World, open_case, world

pytestmark = pytest.mark.django_db

LATER = WORKING_MORNING + timedelta(hours=1)


@pytest.fixture
def w() -> World:
    return world()


def _events(case: Case) -> list[tuple[str, str, str]]:
    rows = CaseEvent.objects.filter(case=case).order_by("at", "id")
    return list(rows.values_list("action", "from_status", "to_status"))


def _to(w: World, case: Case, status: str) -> Case:
    """Walk a case to a status through the services."""
    h = w.community_handler
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.DISPUTED):
        services.case_accept(case_id=case.pk, actor=h, at=LATER)
    if status == CaseStatus.IN_PROGRESS:
        services.case_start(case_id=case.pk, actor=h, at=LATER)
    if status in (CaseStatus.RESOLVED, CaseStatus.DISPUTED):
        services.case_resolve(case_id=case.pk, actor=h, note="已修复", at=LATER)
    if status == CaseStatus.DISPUTED:
        services.case_feedback(case_id=case.pk, worker=case.reporter, rating=1, resolved=False, at=LATER)
    if status == CaseStatus.REJECTED:
        services.case_reject(case_id=case.pk, actor=h, note="不属实", at=LATER)
    if status == CaseStatus.CLOSED:
        _to(w, case, CaseStatus.RESOLVED)
        services.case_close(case_id=case.pk, actor=h, at=LATER)
    if status == CaseStatus.MERGED:
        services.case_merge(case_id=case.pk, actor=h, duplicate_of=open_case(w), at=LATER)
    case.refresh_from_db()
    assert case.status == status
    return case


def test_open_routes_sets_the_accept_deadline_and_writes_the_first_row(w: World) -> None:
    # given a worker in the community
    reporter = worker()

    # when he reports garbage at 10:00 on a working Tuesday
    case = open_case(w, reporter=reporter)

    # then it waits at the community's party organisation, to be accepted within 8 working hours
    assert case.status == CaseStatus.SUBMITTED
    assert case.organisation == w.community_org
    assert case.accept_due_at == WORKING_MORNING.replace(day=11, hour=10)
    assert case.next_escalation_at == case.accept_due_at
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor, event.actor_role, event.to_org) == ("open", reporter, "worker", w.community_org)


def test_urgent_cases_must_be_accepted_within_clock_hours(w: World) -> None:
    case = open_case(w, urgent=True, at=WORKING_MORNING.replace(day=14, hour=22))  # a Saturday night
    assert case.accept_due_at == WORKING_MORNING.replace(day=15, hour=0)


def test_accept_names_the_handler_and_starts_the_resolve_clock(w: World) -> None:
    case = open_case(w)

    case = services.case_accept(case_id=case.pk, actor=w.community_handler, note="已受理", at=LATER)

    assert case.status == CaseStatus.ACCEPTED
    assert case.handler == w.community_handler
    assert case.accepted_at == LATER
    assert case.resolve_due_at == WORKING_MORNING.replace(day=17, hour=17)  # 5 working days
    assert _events(case)[-1] == ("accept", "submitted", "accepted")
    assert CaseEvent.objects.filter(case=case).last().actor_role == "handler"  # type: ignore[union-attr]


def test_accept_runs_the_kinds_hook_in_the_transaction(w: World) -> None:
    # given the reports app's hook, which awards points
    calls: list[dict[str, Any]] = []

    def award(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        return {"points_awarded": kwargs["points"]}

    previous = hooks.hooks_for(CaseKind.REPORT)  # the reports app's, restored after

    hooks.register_kind(CaseKind.REPORT, hooks.KindHooks(on_accept=award))
    try:
        case = open_case(w)
        # when the handler accepts with 30 points
        services.case_accept(case_id=case.pk, actor=w.community_handler, points=30, at=LATER)
    finally:
        hooks.register_kind(CaseKind.REPORT, previous)

    # then the hook ran once with them, and the timeline keeps what it returned
    assert [c["points"] for c in calls] == [30]
    assert CaseEvent.objects.get(case=case, action="accept").data == {"points_awarded": 30}


def test_a_hook_refusing_undoes_the_acceptance(w: World) -> None:
    def refuse(**kwargs: Any) -> dict[str, Any]:
        raise InvalidInput.one("points", "超出范围")

    previous = hooks.hooks_for(CaseKind.REPORT)  # the reports app's, restored after

    hooks.register_kind(CaseKind.REPORT, hooks.KindHooks(on_accept=refuse))
    try:
        case = open_case(w)
        with pytest.raises(InvalidInput):
            services.case_accept(case_id=case.pk, actor=w.community_handler, points=999, at=LATER)
    finally:
        hooks.register_kind(CaseKind.REPORT, previous)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()


def test_points_without_a_hook_are_refused(w: World) -> None:
    case = open_case(w, kind=CaseKind.APPEAL)  # reports have a hook (the reports app's)
    with pytest.raises(InvalidInput) as exc:
        services.case_accept(case_id=case.pk, actor=w.community_handler, points=10)
    assert exc.value.errors[0].field == "points"


def test_reject_needs_a_reason_and_ends_the_case(w: World) -> None:
    case = open_case(w)
    with pytest.raises(InvalidInput):
        services.case_reject(case_id=case.pk, actor=w.community_handler, note="  ")

    case = services.case_reject(case_id=case.pk, actor=w.community_handler, note="照片与描述不符", at=LATER)

    assert case.status == CaseStatus.REJECTED
    assert case.next_escalation_at is None
    assert _events(case)[-1] == ("reject", "submitted", "rejected")
    assert CaseEvent.objects.get(case=case, action="reject").note == "照片与描述不符"


def test_start_then_resolve_with_a_photo(w: World) -> None:
    from django.core.files.base import ContentFile

    case = _to(w, open_case(w), CaseStatus.IN_PROGRESS)
    photo = ContentFile(b"not really a jpeg", name="after.jpg")

    case = services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已清运", attachments=[photo])

    assert case.status == CaseStatus.RESOLVED
    assert case.next_escalation_at is None
    event = CaseEvent.objects.get(case=case, action="resolve")
    [attachment] = event.attachments.all()
    assert len(attachment.content_hash) == 64
    assert [a for a, _f, _t in _events(case)] == ["open", "accept", "start", "resolve"]


def test_resolve_needs_a_note(w: World) -> None:
    case = _to(w, open_case(w), CaseStatus.ACCEPTED)
    with pytest.raises(InvalidInput):
        services.case_resolve(case_id=case.pk, actor=w.community_handler, note="")


def test_feedback_fixed_closes_with_the_rating(w: World) -> None:
    case = _to(w, open_case(w), CaseStatus.RESOLVED)

    case = services.case_feedback(case_id=case.pk, worker=case.reporter, rating=5, comment="很快", resolved=True)

    assert (case.status, case.rating, case.rating_comment) == (CaseStatus.CLOSED, 5, "很快")
    assert _events(case)[-1] == ("confirm", "resolved", "closed")


def test_feedback_not_fixed_reopens_as_a_dispute_against_the_office(w: World) -> None:
    case = _to(w, open_case(w), CaseStatus.RESOLVED)

    case = services.case_feedback(
        case_id=case.pk, worker=case.reporter, rating=1, resolved=False, at=WORKING_MORNING.replace(day=12)
    )

    assert case.status == CaseStatus.DISPUTED
    assert case.dispute_count == 1
    assert case.dispute_due_at == WORKING_MORNING.replace(day=17, hour=17)  # 3 working days
    assert case.next_escalation_at == case.dispute_due_at
    event = CaseEvent.objects.get(case=case, action="dispute")
    assert event.from_org == w.community_org
    # and the office can resolve it again
    services.case_start(case_id=case.pk, actor=w.community_handler)
    case = services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已重新修复")
    assert case.status == CaseStatus.RESOLVED


def test_only_the_reporter_gives_feedback_and_with_a_valid_rating(w: World) -> None:
    case = _to(w, open_case(w), CaseStatus.RESOLVED)
    with pytest.raises(PermissionDenied):
        services.case_feedback(case_id=case.pk, worker=w.community_handler, rating=5, resolved=True)
    with pytest.raises(InvalidInput):
        services.case_feedback(case_id=case.pk, worker=case.reporter, rating=6, resolved=True)


def test_close_a_resolved_case_without_feedback(w: World) -> None:
    case = _to(w, open_case(w), CaseStatus.CLOSED)
    assert _events(case)[-1] == ("close", "resolved", "closed")


def test_assign_names_a_handler_of_the_same_organisation_only(w: World) -> None:
    case = open_case(w)
    colleague = staff(w.community_org)

    case = services.case_assign(case_id=case.pk, actor=w.community_handler, handler=colleague)

    assert case.handler == colleague
    assert case.status == CaseStatus.SUBMITTED
    assert _events(case)[-1] == ("assign", "submitted", "submitted")
    with pytest.raises(InvalidInput):
        services.case_assign(case_id=case.pk, actor=w.community_handler, handler=w.other_handler)


def test_merge_moves_reporter_and_followers_to_the_master(w: World) -> None:
    # given a master case and a duplicate with a follower
    master = open_case(w)
    duplicate = open_case(w)
    me_too = worker()
    assert services.case_follow(case_id=duplicate.pk, user=me_too)

    # when the handler merges the duplicate into the master
    merged = services.case_merge(case_id=duplicate.pk, actor=w.community_handler, duplicate_of=master.pk)

    # then it is merged, and both people now follow the master
    assert (merged.status, merged.duplicate_of_id) == (CaseStatus.MERGED, master.pk)
    assert set(CaseFollower.objects.filter(case=master).values_list("user_id", flat=True)) == {
        duplicate.reporter_id,
        me_too.pk,
    }
    assert CaseEvent.objects.get(case=master, action="merge").data == {"merged_case": duplicate.pk}
    # and merging into itself, or into a merged case, is refused
    with pytest.raises(InvalidInput):
        services.case_merge(case_id=master.pk, actor=w.community_handler, duplicate_of=master.pk)
    with pytest.raises(Conflict):
        services.case_merge(case_id=open_case(w).pk, actor=w.community_handler, duplicate_of=duplicate.pk)


def test_follow_is_once_and_not_for_the_reporter(w: World) -> None:
    case = open_case(w)
    fan = worker()
    assert services.case_follow(case_id=case.pk, user=fan)
    assert not services.case_follow(case_id=case.pk, user=fan)
    assert not services.case_follow(case_id=case.pk, user=case.reporter)
    assert CaseEvent.objects.filter(case=case, action="follow").count() == 1


# --- Guards: every staff action from every status it may not start from -------------------
_STAFF_CALLS = {
    CaseAction.ACCEPT: lambda w, c: services.case_accept(case_id=c.pk, actor=w.community_handler),
    CaseAction.REJECT: lambda w, c: services.case_reject(case_id=c.pk, actor=w.community_handler, note="x"),
    CaseAction.START: lambda w, c: services.case_start(case_id=c.pk, actor=w.community_handler),
    CaseAction.RESOLVE: lambda w, c: services.case_resolve(case_id=c.pk, actor=w.community_handler, note="x"),
    CaseAction.CLOSE: lambda w, c: services.case_close(case_id=c.pk, actor=w.community_handler),
    CaseAction.FORWARD: lambda w, c: services.case_forward(
        case_id=c.pk, actor=w.community_handler, to_org=w.traffic_police, note="x"
    ),
    CaseAction.RETURN: lambda w, c: services.case_return(case_id=c.pk, actor=w.community_handler, note="x"),
    CaseAction.ASSIGN: lambda w, c: services.case_assign(
        case_id=c.pk, actor=w.community_handler, handler=w.community_handler
    ),
    CaseAction.CONFIRM: lambda w, c: services.case_feedback(case_id=c.pk, worker=c.reporter, rating=3, resolved=True),
    CaseAction.DISPUTE: lambda w, c: services.case_feedback(case_id=c.pk, worker=c.reporter, rating=3, resolved=False),
}

_STATUSES = [
    CaseStatus.SUBMITTED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.RESOLVED,
    CaseStatus.DISPUTED,
    CaseStatus.REJECTED,
    CaseStatus.CLOSED,
    CaseStatus.MERGED,
]


@pytest.mark.parametrize("status", _STATUSES)
def test_every_action_not_allowed_from_a_status_answers_409_and_writes_nothing(w: World, status: str) -> None:
    for action, call in _STAFF_CALLS.items():
        if status in TRANSITIONS[action][0]:
            continue
        # given a case in that status
        case = _to(w, open_case(w), status)
        rows = CaseEvent.objects.filter(case=case).count()
        # when the action is tried
        with pytest.raises(Conflict) as exc:
            call(w, case)
        # then 409 invalid_transition, and the case and its timeline are untouched
        assert exc.value.code == "invalid_transition", action
        case.refresh_from_db()
        assert case.status == status
        assert CaseEvent.objects.filter(case=case).count() == rows


def test_the_transition_table_matches_the_guard() -> None:
    case = Case(status=CaseStatus.SUBMITTED)
    assert case.can(CaseAction.ACCEPT) and not case.can(CaseAction.RESOLVE) and not case.can("nonsense")


def test_a_city_admin_cannot_act(w: World) -> None:
    case = open_case(w)
    with pytest.raises(PermissionDenied):
        services.case_accept(case_id=case.pk, actor=w.city_admin)


def test_an_admin_acts_in_the_admin_role(w: World) -> None:
    boss = staff(w.community_org, role=Role.ADMIN)
    case = services.case_accept(case_id=open_case(w).pk, actor=boss)
    assert CaseEvent.objects.get(case=case, action="accept").actor_role == "admin"
