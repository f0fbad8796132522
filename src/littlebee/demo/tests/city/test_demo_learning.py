"""The demo city's 认真学, as load_wuhan leaves it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from littlebee.accounts.models import User
from littlebee.conftest import client_for
from littlebee.demo.tests.city.conftest import SecondLoad
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


def test_learning_points_reconcile_and_a_second_load_adds_nothing(second_load: SecondLoad) -> None:
    # given the city loaded again on top of itself
    # then no item, question or session is added, and the points still reconcile
    assert second_load.added(LearningItem, Question, LearningSession) == {}
    assert points_mismatches() == [] and second_load.points_mismatches == []


def test_every_article_and_quiz_is_in_english_for_an_english_reader(api_as: Any) -> None:
    # given the demo courier reading in English
    courier = User.objects.get(phone="13800000001")
    english = api_as(courier, language="en")
    items = LearningItem.objects.filter(status=ItemStatus.PUBLISHED, kind__in=[ItemKind.ARTICLE, ItemKind.QUIZ])

    # then each has its own English title and summary, and each article its English body, a
    # paragraph for each Chinese one
    assert items.count() == 31
    for item in items:
        assert item.title_en and item.summary_en and item.title_en != item.title
        if item.kind == ItemKind.ARTICLE:
            assert item.body_en.count("\n\n") == item.body.count("\n\n")
    # and the list and an article's page read English
    titles = [i["title"] for i in english.get("/learning/items").json()["items"]]
    assert titles and not [t for t in titles if re.search("[\u4e00-\u9fff]", t)]
    article = items.get(title="学会使用灭火器")
    client = client_for(courier)
    client.cookies["django_language"] = "en"
    page = client.get(f"/learning/{article.pk}/").content.decode()
    assert "Pull: pull out the safety pin." in page and "拔掉保险销" not in page


def test_a_city_loaded_before_the_english_gets_it_on_the_next_load() -> None:
    # given articles and a quiz loaded without English, and one a staff member translated since
    LearningItem.objects.filter(title__in=["学会使用灭火器", "每日答题"]).update(title_en="", summary_en="", body_en="")
    LearningItem.objects.filter(title="工资被拖欠，可以找谁").update(title_en="", summary_en="", body_en="Ours.")

    # when
    load_wuhan(now=demo_clock())

    # then the blanks are filled and a staff member's words stay
    article = LearningItem.objects.get(title="学会使用灭火器")
    assert article.title_en == "Learn to use a fire extinguisher"
    assert article.body_en.startswith("Lift: pick up the extinguisher")
    assert LearningItem.objects.get(title="每日答题").title_en == "Daily quiz"
    wages = LearningItem.objects.get(title="工资被拖欠，可以找谁")
    assert (wages.title_en, wages.body_en) == ("Unpaid wages: who can help?", "Ours.")
