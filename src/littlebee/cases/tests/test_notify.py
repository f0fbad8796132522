"""Who is told about each step, after the step commits (the inbox is replaced by a fake)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import hooks, services
from littlebee.cases.models import CaseKind

from .factories import WORKING_MORNING, World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def _told(sent: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(m["user"].pk, m["kind"]) for m in sent]


def test_a_new_case_tells_the_receiving_staff_after_commit(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    colleague = staff(w.community_org)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_case(w, urgent=True)
        assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(_told(sent)) == sorted([(w.community_handler.pk, "case_open"), (colleague.pk, "case_open")])
    assert all(m["sms"] for m in sent)  # urgent: by text message too


def test_the_reporter_and_followers_hear_of_acceptance_with_the_kinds_link(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    previous = hooks.hooks_for(CaseKind.REPORT)  # the reports app's, restored after
    hooks.register_kind(CaseKind.REPORT, hooks.KindHooks(worker_link=lambda c: f"/reports/{c.pk}/"))
    try:
        case = open_case(w)
        fan = worker()
        services.case_follow(case_id=case.pk, user=fan)
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.case_accept(case_id=case.pk, actor=w.community_handler, note="已受理")
    finally:
        hooks.register_kind(CaseKind.REPORT, previous)
    assert sorted(_told(sent)) == sorted([(case.reporter_id, "case_accept"), (fan.pk, "case_accept")])
    assert {m["link"] for m in sent} == {f"/reports/{case.pk}/"}
    assert sent[0]["body"] == "已受理"


def test_escalation_tells_the_new_organisation_the_handler_it_was_taken_from_and_the_reporter(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    street_handler = staff(w.street_org)
    case = open_case(w)
    services.case_accept(case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=30))
    assert sorted(_told(sent)) == sorted(
        [
            (street_handler.pk, "case_escalate"),
            (w.community_handler.pk, "case_escalate"),
            (case.reporter_id, "case_escalate"),
        ]
    )
    by_user = {m["user"].pk: m for m in sent}
    assert by_user[case.reporter_id]["title"] == "您的反映已升级办理"
    assert by_user[case.reporter_id]["sms"] is False


def test_a_rolled_back_step_tells_nobody(w: World, sent: list[dict[str, Any]]) -> None:
    from django.db import transaction

    case = open_case(w)
    sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_accept(case_id=case.pk, actor=w.community_handler)
        raise RuntimeError
    assert sent == []


def test_the_real_inbox_receives_the_message(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from littlebee.cases import notify

    monkeypatch.undo()  # the real deliver, into the notifications app
    case = open_case(w)
    from littlebee.cases.models import CaseEvent

    event = CaseEvent.objects.get(case=case)
    # told once, and the inbox did not refuse it (a failure would be logged and not counted)
    assert notify.case_notify(case, event) == 1


def test_a_me_too_tells_the_handler_of_the_case(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given an accepted case, its handler named
    case = open_case(w)
    services.case_accept(case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING)
    sent.clear()
    # when another worker says "me too"
    fan = worker()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.case_follow(case_id=case.pk, user=fan)
    # then its handler hears of it (the "me too" row went through the timeline's one writer)
    assert _told(sent) == [(w.community_handler.pk, "case_follow")]


def test_a_me_too_on_a_case_nobody_handles_yet_tells_its_office(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given a case nobody has taken yet
    colleague = staff(w.community_org)
    case = open_case(w)
    sent.clear()
    # when another worker says "me too"
    with django_capture_on_commit_callbacks(execute=True):
        services.case_follow(case_id=case.pk, user=worker())
    # then the office holding it hears of it
    assert sorted(_told(sent)) == sorted([(w.community_handler.pk, "case_follow"), (colleague.pk, "case_follow")])


def test_a_merge_tells_the_office_holding_the_master(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given a master case forwarded to the traffic police, and a duplicate at the community
    master = open_case(w)
    services.case_forward(case_id=master.pk, actor=w.community_handler, to_org=w.traffic_police, note="信号灯")
    duplicate = open_case(w)
    sent.clear()
    # when the community's handler merges the duplicate into it
    with django_capture_on_commit_callbacks(execute=True):
        services.case_merge(case_id=duplicate.pk, actor=w.community_handler, duplicate_of=master.pk)
    # then the duplicate's reporter hears of the merge, and the police (holding the master) of
    # the case that joined theirs; the master's reporter is not told their case was merged
    by_user = {m["user"].pk: m for m in sent}
    assert sorted(by_user) == sorted([duplicate.reporter_id, w.police_handler.pk])
    assert by_user[w.police_handler.pk]["title"] == "有重复案件并入本案"
    assert by_user[w.police_handler.pk]["data"]["case"] == master.pk


def test_a_new_case_tells_an_office_of_five_in_one_insert(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an office of five case staff (its handler and four colleagues), and the real inbox
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from littlebee.cases import notify
    from littlebee.cases.models import CaseEvent
    from littlebee.notifications.models import Notification

    monkeypatch.undo()
    colleagues = [staff(w.community_org) for _ in range(4)]
    case = open_case(w, urgent=True)
    event = CaseEvent.objects.get(case=case)
    Notification.objects.all().delete()

    # when the new case's notices go out
    with CaptureQueriesContext(connection) as queries:
        told = notify.case_notify(case, event)

    # then the five are told in one INSERT (was one each), each the same message
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert told == 5
    assert len(inserts) == 1
    rows = list(Notification.objects.order_by("recipient_id"))
    assert [n.recipient_id for n in rows] == sorted([w.community_handler.pk, *(c.pk for c in colleagues)])
    assert {(n.kind, n.shown_title, n.link, str(n.data)) for n in rows} == {
        (rows[0].kind, rows[0].shown_title, rows[0].link, str(rows[0].data))
    }
    assert rows[0].kind == "case_open" and rows[0].data == {"case": case.pk, "kind": case.kind, "action": "open"}
