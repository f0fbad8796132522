"""Issue 14's done-when on a phone-sized page: the courier opens an article, finishing at once is
refused with the time left, after the minimum time it is credited and the points appear in the
ledger; the daily quiz credits its points once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from littlebee.conftest import log_in
from littlebee.learning.models import Choice, LearningSession, QuizKind
from littlebee.learning.tests.factories import LearningCity, article, bank, quiz
from littlebee.points.models import LedgerEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_courier_reads_an_article_takes_the_daily_quiz_and_sees_the_credit(
    c: LearningCity, phone_page: Any, screenshot: Any, settings: Any
) -> None:
    # given an article that needs 6 s of reading, a bank and the daily quiz
    settings.LEARNING_READ_MIN_SECONDS = 6
    settings.LEARNING_READ_MAX_SECONDS = 6
    item = article(title="电动自行车上路，这几条规定要记牢")
    bank(8)
    daily = quiz(QuizKind.DAILY)
    page = phone_page

    # when the courier opens the article from the learning home
    log_in(page, c.courier.phone, "/learning/")
    screenshot(page, "learning-home")
    page.get_by_role("link", name=re.compile("电动自行车上路")).click()
    finish = page.get_by_role("button", name=re.compile("完成学习"))
    page.wait_for_function("() => !document.querySelector('[data-finish]').disabled")

    # and finishes at once: refused, with the time left
    finish.click()
    page.locator("[data-status][data-outcome=too_fast]").wait_for()
    assert re.search(r"\d+ 秒", page.locator("[data-status]").inner_text())
    assert not LedgerEntry.objects.exists()
    screenshot(page, "learning-too-fast")

    # and after the minimum time (heartbeats while the page is visible) it is credited
    page.wait_for_timeout(7_500)
    finish.click()
    page.locator("[data-status][data-outcome=credited]").wait_for()
    assert "获得 1 积分" in page.locator("[data-status]").inner_text()
    screenshot(page, "learning-credited")
    session = LearningSession.objects.get(item=item)
    assert session.heartbeats >= 1 and session.points == 1

    # when the courier takes the daily quiz and answers right
    page.goto("/learning/")
    page.get_by_role("link", name=re.compile("每日答题")).first.click()
    page.get_by_role("button", name=re.compile("开始答题")).click()
    page.locator("[data-quiz-form]").wait_for()
    attempt = LearningSession.objects.get(item=daily)
    for qid in attempt.question_ids:
        right = Choice.objects.get(question_id=qid, correct=True)
        page.locator(f"[data-question='{qid}'] input[value='{right.pk}']").check()
    screenshot(page, "learning-quiz")
    page.get_by_role("button", name=re.compile("交卷")).click()

    # then the result explains and credits five points
    page.locator("[data-result]").wait_for()
    assert "获得 5 积分" in page.locator("[data-testid=credit]").inner_text()
    assert "安全头盔能减少伤亡" in page.content()
    screenshot(page, "learning-quiz-result")

    # and the points are in the ledger and on the points page
    assert sorted(LedgerEntry.objects.filter(worker=c.courier).values_list("amount", flat=True)) == [1, 5]
    page.goto("/points/")
    assert "阅读文章" in page.content() and "答题通过" in page.content()
    screenshot(page, "learning-points")

    # and a second daily quiz today earns nothing and says so
    page.goto(f"/learning/{daily.pk}/quiz/")
    page.get_by_role("button", name=re.compile("开始答题")).click()
    page.get_by_role("button", name=re.compile("交卷")).click()
    page.locator("[data-result]").wait_for()
    assert "获得" not in page.locator("[data-testid=credit]").inner_text()
    assert LedgerEntry.objects.filter(worker=c.courier).count() == 2


def test_a_challenge_counts_down_each_question_and_ends_the_round_when_time_runs_out(
    c: LearningCity, phone_page: Any, screenshot: Any
) -> None:
    # given a challenge of 5 s a question
    bank(6)
    challenge = quiz(QuizKind.CHALLENGE, seconds_per_question=5)
    page = phone_page
    log_in(page, c.courier.phone, f"/learning/{challenge.pk}/quiz/")

    # when the courier starts it: one question and its countdown
    page.get_by_role("button", name=re.compile("开始答题")).click()
    page.locator("[data-countdown]").wait_for()
    session = LearningSession.objects.get(item=challenge)
    first = session.question_ids[0]
    assert page.locator("[data-question]").count() == 1
    page.wait_for_function("() => Number(document.querySelector('[data-countdown]').dataset.seconds) <= 4")
    screenshot(page, "learning-challenge")

    # and answers the first right in time
    right = Choice.objects.get(question_id=first, correct=True)
    page.locator(f"[data-question='{first}'] input[value='{right.pk}']").check()
    page.get_by_role("button", name=re.compile("提交这题")).click()
    page.get_by_text("已连对 1 题").wait_for()

    # then the second question has its own countdown; left alone, the page hands it in at zero
    # and the round ends with the one right answer
    page.locator("[data-result]").wait_for(timeout=12_000)
    assert "获得 1 积分" in page.locator("[data-testid=credit]").inner_text()
    screenshot(page, "learning-challenge-result")
    assert LedgerEntry.objects.get(worker=c.courier).amount == 1


def test_an_article_opened_once_reads_offline_and_is_credited_when_back_online(
    c: LearningCity, phone_page: Any, screenshot: Any, settings: Any
) -> None:
    # given an article of 6 s, opened by the courier with the site's service worker in control
    settings.LEARNING_READ_MIN_SECONDS = 6
    settings.LEARNING_READ_MAX_SECONDS = 6
    item = article(title="离线也能读的文章", body="电动自行车充电要去集中充电点。\n\n不要把电池带进电梯和楼道。")
    page = phone_page
    log_in(page, c.courier.phone, f"/learning/{item.pk}/")
    page.wait_for_function(
        "navigator.serviceWorker.getRegistration('/').then(r => !!(r && r.active && r.active.state === 'activated'))"
    )
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => !document.querySelector('[data-finish]').disabled")

    # when the network goes and the page is reloaded
    page.context.set_offline(True)
    page.reload()

    # then the article is still there to read, and the page says credit waits for the network
    assert "不要把电池带进电梯和楼道" in page.locator("[data-text]").inner_text()
    page.get_by_text("网络不通").wait_for()
    screenshot(page, "learning-offline")
    assert not LedgerEntry.objects.exists()

    # when the network comes back and the courier reads on for the minimum time
    page.context.set_offline(False)
    page.wait_for_function("() => !document.querySelector('[data-finish]').disabled")
    page.wait_for_timeout(7_500)
    page.get_by_role("button", name=re.compile("完成学习")).click()

    # then the credit goes through
    page.locator("[data-status][data-outcome=credited]").wait_for()
    assert LedgerEntry.objects.get(worker=c.courier).amount == 1
    screenshot(page, "learning-back-online")


def test_the_courier_plays_an_audio_and_a_video_lesson(c: LearningCity, phone_page: Any, screenshot: Any) -> None:
    # given an audio and a video lesson with real files (12 s and 6 s)
    from django.core.files.base import ContentFile

    from littlebee.demo.learning_media import chime_mp3, traffic_light_webm

    lessons = {}
    for kind, made, name, content_type, seconds in (
        ("audio", chime_mp3(12), "a.mp3", "audio/mpeg", 12),
        ("video", traffic_light_webm(6), "v.webm", "video/webm", 6),
    ):
        item = article(kind=kind, title=f"{kind}课", body="文字稿。", media_type=content_type, duration_seconds=seconds)
        item.media.save(name, ContentFile(made))
        lessons[kind] = item
    page = phone_page
    log_in(page, c.courier.phone, f"/learning/{lessons['audio'].pk}/")

    # then the phone's player reads each file (by ranges) and plays as long as the server says
    for kind, item in lessons.items():
        page.goto(f"/learning/{item.pk}/")
        page.wait_for_function("() => document.querySelector('[data-player]').readyState >= 1")
        duration = page.evaluate("() => document.querySelector('[data-player]').duration")
        assert abs(duration - item.duration_seconds) < 1
        screenshot(page, f"learning-{kind}")
