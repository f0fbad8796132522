"""The demo city's 认真学, as load_wuhan leaves it."""

from __future__ import annotations

from typing import Any

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
    # and the bank is in English too: every question, choice and explanation
    bank = list(Question.objects.prefetch_related("choices"))
    assert all(q.text_en and q.explanation_en and all(c.text_en for c in q.choices.all()) for q in bank)


def test_an_audio_and_a_video_lesson_with_real_files_served_in_ranges() -> None:
    # given the demo courier
    from littlebee.conftest import client_for

    courier = User.objects.get(phone="13800000001")
    client = client_for(courier)
    for kind, content_type in (("audio", "audio/mpeg"), ("video", "video/webm")):
        item = LearningItem.objects.get(kind=kind, status=ItemStatus.PUBLISHED)

        # then its file is real media of its kind, its length read from the file
        assert (item.media_type, item.duration_seconds) == (content_type, 12)
        assert item.title_en and item.min_seconds == 10

        # and the courier's player gets it in ranges
        page = client.get(f"/learning/{item.pk}/").content.decode()
        assert f'src="/learning/media/{item.pk}"' in page
        response: Any = client.get(f"/learning/media/{item.pk}", headers={"Range": "bytes=0-15"})
        assert response.status_code == 206 and response["Content-Type"] == content_type
        assert len(b"".join(response.streaming_content)) == 16


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
