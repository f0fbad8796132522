"""Credit is idempotent under concurrent finishes: races only a multi-connection database shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together
from littlebee.learning.models import LearningSession, QuizKind, SessionStatus
from littlebee.learning.services import FinishResult, session_finish, session_start
from littlebee.learning.tests.factories import article, bank, learning_city, quiz
from littlebee.points.models import LedgerEntry
from littlebee.points.selectors import points_mismatches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _read_enough(session: LearningSession) -> None:
    LearningSession.objects.filter(pk=session.pk).update(
        started_at=timezone.now() - timedelta(minutes=2),
        last_seen_at=timezone.now() - timedelta(seconds=1),
        heartbeats=20,
        visible_ms=100_000,
    )


def test_eight_finishes_of_one_session_credit_once() -> None:
    # given a session read long enough
    c = learning_city()
    session = session_start(worker=c.courier, item=article())
    _read_enough(session)

    # when eight clients finish it at once
    results: list[Any] = run_together(
        [lambda: session_finish(worker=c.courier, session_id=session.pk) for _ in range(8)]
    )

    # then one is credited, the others refused as already credited, one ledger entry
    credited = [r for r in results if isinstance(r, FinishResult) and r.credited]
    refused = [r for r in results if isinstance(r, DomainError) and r.code == "already_credited"]
    assert (len(credited), len(refused)) == (1, 7)
    assert LedgerEntry.objects.count() == 1
    assert points_mismatches() == []


def test_two_sessions_of_one_article_finished_at_once_credit_once() -> None:
    # given the courier opened the same article twice (two phones), both read long enough
    c = learning_city()
    item = article()
    sessions = [session_start(worker=c.courier, item=item) for _ in range(2)]
    for s in sessions:
        _read_enough(s)

    # when both finish at the same moment
    results: list[Any] = run_together(
        [lambda s=s: session_finish(worker=c.courier, session_id=s.pk) for s in sessions]  # type: ignore[misc]
    )

    # then one ledger entry; the other session closes without points
    assert sorted(r.credited for r in results) == [False, True]
    assert LedgerEntry.objects.count() == 1
    assert LearningSession.objects.filter(status=SessionStatus.CREDITED).count() == 1


def test_concurrent_daily_quizzes_credit_once_a_day() -> None:
    # given a bank, the daily quiz and four attempts of the courier
    c = learning_city()
    bank(10)
    daily = quiz(QuizKind.DAILY)
    sessions = [session_start(worker=c.courier, item=daily) for _ in range(4)]

    def hand_in(s: LearningSession) -> Any:
        from littlebee.learning.models import Choice

        answers = {
            str(q): list(Choice.objects.filter(question_id=q, correct=True).values_list("pk", flat=True))
            for q in s.question_ids
        }
        return session_finish(worker=c.courier, session_id=s.pk, answers=answers)

    # when all four are handed in at once
    results: list[Any] = run_together([lambda s=s: hand_in(s) for s in sessions])  # type: ignore[misc]

    # then one is credited
    assert sum(1 for r in results if isinstance(r, FinishResult) and r.credited) == 1
    assert LedgerEntry.objects.count() == 1
    assert points_mismatches() == []
