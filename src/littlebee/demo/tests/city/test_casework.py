"""The demo city's 随手拍 history, as load_wuhan leaves it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User
from littlebee.cases import notify
from littlebee.cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseKind, CaseStatus, ResponseTemplate
from littlebee.cases.selectors import cases_queue, cases_visible_to
from littlebee.demo import casework
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.notifications.models import Notification
from littlebee.points.models import LedgerEntry
from littlebee.points.selectors import points_mismatches
from littlebee.reports.models import Report, ReportCategory

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _reports() -> Any:
    return Case.objects.filter(kind=CaseKind.REPORT)


def test_a_few_hundred_reports_over_three_months_in_every_status(wuhan: Any) -> None:
    # given the first load
    now = timezone.now()
    reports = _reports()

    # then there are some 300 reports, each a case with its report row, over the last 90 days
    assert 280 <= reports.count() <= 360
    assert wuhan.created["report cases"] == reports.count()
    assert Report.objects.count() == reports.count()
    oldest = reports.order_by("created_at").first()
    assert oldest is not None and now - oldest.created_at > timedelta(days=75)
    # in every status the engine knows
    assert set(reports.values_list("status", flat=True)) == set(CaseStatus.values)
    # and most of them done and dusted
    statuses = Counter(reports.values_list("status", flat=True))
    assert statuses[CaseStatus.CLOSED] > reports.count() / 2


def test_categories_are_spread_like_a_city(wuhan: Any) -> None:
    # when
    by_category = Counter(_reports().values_list("category", flat=True))

    # then every category of the catalogue occurs; parking and garbage lead, police clues are rare
    assert set(by_category) == set(ReportCategory.objects.values_list("code", flat=True))
    assert by_category.most_common(2)[0][0] in {"illegal_parking", "garbage"}
    assert by_category["public_security_clue"] < by_category["garbage"] / 4
    # across many communities of several districts
    communities = set(Report.objects.values_list("case__region__code", flat=True))
    assert len(communities) > 100
    assert len({code[:6] for code in communities if code}) >= 10


def test_every_step_of_the_engine_happens_somewhere(wuhan: Any) -> None:
    # when
    actions = set(CaseEvent.objects.filter(case__kind=CaseKind.REPORT).values_list("action", flat=True))

    # then
    expected = {
        CaseAction.OPEN,
        CaseAction.ACCEPT,
        CaseAction.REJECT,
        CaseAction.START,
        CaseAction.RESOLVE,
        CaseAction.CONFIRM,
        CaseAction.DISPUTE,
        CaseAction.CLOSE,
        CaseAction.FORWARD,
        CaseAction.RETURN,
        CaseAction.MERGE,
        CaseAction.ESCALATE,
    }
    assert expected <= actions
    auto_closed = CaseEvent.objects.filter(action=CaseAction.CLOSE, actor_role=ActorRole.SYSTEM)
    assert auto_closed.exists()
    assert _reports().filter(urgent=True).count() >= 5
    assert _reports().filter(rating__isnull=False).count() > 100


def test_timelines_run_forward_in_time() -> None:
    # given each case's own steps (a merge also writes a row on the case it was merged into)
    events = CaseEvent.objects.exclude(action=CaseAction.MERGE, data__has_key="merged_case").order_by("case_id", "pk")

    # then no step happens before the one written before it, and none in the future
    now = timezone.now()
    last: dict[int, Any] = {}
    for case_id, at in events.values_list("case_id", "at"):
        assert at <= now
        assert case_id not in last or last[case_id] <= at
        last[case_id] = at


def test_recent_cases_no_one_took_up_are_overdue_and_escalated() -> None:
    # when
    overdue = _reports().filter(overdue=True)
    escalations = CaseEvent.objects.filter(action=CaseAction.ESCALATE, case__kind=CaseKind.REPORT)

    # then the sweep moved them up at the times it would have run, within the last days
    assert overdue.exists()
    assert all(case.is_open for case in overdue)
    assert escalations.exists()
    assert set(escalations.values_list("actor_role", flat=True)) == {ActorRole.SYSTEM}
    assert all(at > timezone.now() - timedelta(days=14) for at in escalations.values_list("at", flat=True))
    assert overdue.filter(escalation_level__gte=1).exists()


def test_the_demo_courier_has_reports_in_different_states() -> None:
    # given
    courier = User.objects.get(phone="13800000001")

    # when
    mine = Case.objects.filter(reporter=courier, kind=CaseKind.REPORT)

    # then about six, one resolved and waiting for his rating, one waiting to be accepted
    statuses = list(mine.values_list("status", flat=True))
    assert 5 <= len(statuses) <= 8
    assert len(set(statuses)) >= 5
    waiting = mine.get(status=CaseStatus.RESOLVED)
    assert waiting.rating is None
    assert mine.filter(status=CaseStatus.SUBMITTED, organisation__name__contains="西厂口").exists()
    # and the points for the accepted ones are in his ledger
    assert LedgerEntry.objects.filter(worker=courier, source="report").count() >= 4


def test_traffic_signal_cases_wait_in_the_wuchang_traffic_police_queue(
    django_assert_max_num_queries: Any,
) -> None:
    # given
    handler = User.objects.get(phone="13900000006")

    # when
    with django_assert_max_num_queries(2):
        waiting = list(cases_queue(handler, "mine", status=CaseStatus.SUBMITTED, kind=CaseKind.REPORT))
        names = [(c.organisation.name, c.reporter.name, c.region.name if c.region else "") for c in waiting]

    # then
    assert len([c for c in waiting if c.category == "traffic_signal"]) >= 3
    assert all("武昌" in org for org, _reporter, _region in names)


def test_confidential_clues_are_seen_only_by_their_office_and_reporter() -> None:
    # given the clues for the police
    clues = _reports().filter(category="public_security_clue")
    assert clues.exists()
    assert all(c.confidential for c in clues)
    assert {c.organisation.department_type for c in clues} == {"public_security"}
    clue = clues.select_related("organisation").order_by("pk").first()
    assert clue is not None
    office = Membership.objects.filter(organisation=clue.organisation, role=Role.HANDLER).first()
    assert office is not None
    city_admin = User.objects.get(phone="13900000000")
    other_police = (
        Membership.objects.filter(organisation__department_type="public_security", role=Role.HANDLER)
        .exclude(organisation=clue.organisation)
        .first()
    )
    assert other_police is not None
    community_handler = User.objects.get(phone="13900000001")

    # then
    assert cases_visible_to(office.user).filter(pk=clue.pk).exists()
    assert cases_visible_to(clue.reporter).filter(pk=clue.pk).exists()
    for refused in (city_admin, other_police.user, community_handler):
        assert not cases_visible_to(refused).filter(pk=clue.pk).exists()


def test_rejections_and_results_quote_the_reply_templates() -> None:
    # given
    bodies = set(ResponseTemplate.objects.filter(kind=CaseKind.REPORT).values_list("body", flat=True))

    # then
    rejections = CaseEvent.objects.filter(action=CaseAction.REJECT, case__kind=CaseKind.REPORT).values_list(
        "note", flat=True
    )
    assert rejections and all(note in bodies for note in rejections)
    results = CaseEvent.objects.filter(action=CaseAction.RESOLVE, case__kind=CaseKind.REPORT).values_list(
        "note", flat=True
    )
    assert results and all(note in bodies for note in results)


def test_balances_still_reconcile() -> None:
    assert points_mismatches() == []
    call_command("points_reconcile", stdout=None)


def test_loading_again_adds_no_history(second_load: SecondLoad) -> None:
    # given the city loaded again on top of itself
    # then no case, event, points entry or user is added
    assert second_load.result.already_loaded
    assert second_load.added(Case, Report, CaseEvent, LedgerEntry, User) == {}


def test_history_messages_are_dated_at_their_step_and_old_ones_read() -> None:
    # given inbox messages as the replay of two cases sent them just now
    now = timezone.now()
    old = _reports().filter(status=CaseStatus.CLOSED, created_at__lt=now - timedelta(days=30)).first()
    recent = _reports().filter(status=CaseStatus.SUBMITTED).order_by("-created_at").first()
    assert old is not None and recent is not None
    first_id = (Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for case, action in ((old, CaseAction.ACCEPT), (old, CaseAction.RESOLVE), (recent, CaseAction.OPEN)):
        Notification.objects.create(
            recipient=case.reporter, kind=f"case_{action}", title="t", data={"case": case.pk, "action": action}
        )

    # when
    changed = casework.notifications_backdate(first_id=first_id, case_ids=[old.pk, recent.pk], now=now)

    # then each carries its step's time; the old ones are read, the recent one is not
    assert changed == 3
    notes = list(Notification.objects.filter(pk__gte=first_id).order_by("pk"))
    accepted = CaseEvent.objects.get(case=old, action=CaseAction.ACCEPT)
    assert notes[0].created_at == accepted.at
    assert notes[0].read_at is not None and notes[1].read_at is not None
    assert notes[2].created_at == recent.created_at
    assert notes[2].read_at is None


def test_the_replay_sends_no_texts_and_restores_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a delivery that records what it is asked
    asked: list[dict[str, Any]] = []
    monkeypatch.setattr(notify, "deliver", lambda **kwargs: asked.append(kwargs))
    original = notify.deliver
    state: dict[str, Any] = {}

    # when the replay starts, an urgent message goes out, and the replay ends
    casework._replay_begin(state)
    notify.deliver(users=[User()], kind="case_open", title="t", body="", link="", data={}, sms=True)
    casework._replay_end(state, [], timezone.now())

    # then it went to the inbox without a text, and delivery is as before
    assert asked[0]["sms"] is False
    assert notify.deliver is original
