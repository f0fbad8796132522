"""The demo city's 认真学, as load_wuhan leaves it."""

from __future__ import annotations

import pytest

from littlebee.accounts.models import User
from littlebee.demo.wuhan import demo_clock, load_wuhan
from littlebee.learning import selectors
from littlebee.learning.models import ItemKind, ItemStatus, LearningItem, LearningSession, Question, SessionStatus
from littlebee.points.models import LedgerEntry
from littlebee.points.selectors import points_mismatches

pytestmark = pytest.mark.django_db


def test_thirty_items_and_a_bank_of_a_hundred_questions_reviewed_by_someone_else() -> None:
    # then
    items = LearningItem.objects.filter(status=ItemStatus.PUBLISHED)
    assert items.count() >= 30
    assert items.filter(kind=ItemKind.QUIZ).count() == 4
    assert Question.objects.count() >= 100
    assert not items.filter(reviewer=None).exists()
    assert all(i.author_id != i.reviewer_id for i in items)
    assert all(q.choices.filter(correct=True).exists() for q in Question.objects.prefetch_related("choices"))


def test_the_demo_courier_has_a_streak_and_nothing_credited_today() -> None:
    # given
    courier = User.objects.get(phone="13800000001")
    now = demo_clock()

    # then a streak of the last days, and today's caps all still open
    assert selectors.streak_days(courier, at=now) >= 5
    assert all(a.points == 0 for a in selectors.today_of(courier, at=now))
    assert LedgerEntry.objects.filter(worker=courier, source="article_read").exists()


def test_the_staff_figures_have_something_to_show() -> None:
    # then
    credited = LearningSession.objects.filter(status=SessionStatus.CREDITED)
    assert credited.values("worker").distinct().count() >= 20
    assert LearningSession.objects.filter(status=SessionStatus.FLAGGED).exists()
    figures = selectors.item_figures(list(LearningItem.objects.values_list("pk", flat=True)))
    assert sum(f.credited for f in figures.values()) > 50


def test_learning_points_reconcile_and_a_second_load_adds_nothing() -> None:
    # given
    before = (LearningItem.objects.count(), Question.objects.count(), LearningSession.objects.count())

    # when
    load_wuhan(now=demo_clock())

    # then
    assert (LearningItem.objects.count(), Question.objects.count(), LearningSession.objects.count()) == before
    assert points_mismatches() == []
