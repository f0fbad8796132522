"""The Learning section of API.md: what a worker sees, honest credit for reading, quizzes checked
on the server, caps, streaks, and refusals (another's session, a question not asked)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import WorkerType
from littlebee.core.api_answers import assert_answer_fits
from littlebee.learning.api import (
    AnswerOut,
    FinishOut,
    LearningItemList,
    LearningItemOut,
    LearningMeOut,
    LearningSessionOut,
)
from littlebee.learning.models import ItemStatus, LearningSession, QuizKind, SessionFlag, SessionStatus
from littlebee.learning.services import exam_questions_set
from littlebee.learning.tests.factories import (
    BODY,
    LearningCity,
    article,
    bank,
    question,
    quiz,
    right_answers,
    wrong_answers,
)
from littlebee.points.models import LedgerEntry, PointsAccount


def read_long_enough(session_id: int, seconds: int = 60) -> None:
    """As if the page had been visible with heartbeats for `seconds`: the server's own count."""
    LearningSession.objects.filter(pk=session_id).update(
        started_at=timezone.now() - timedelta(seconds=seconds + 1),
        last_seen_at=timezone.now() - timedelta(seconds=1),
        heartbeats=seconds // 5,
        visible_ms=seconds * 1000,
    )


def open_and_read(api: Any, item_id: int) -> Any:
    session = api.post(f"/learning/items/{item_id}/sessions").json()["session"]
    read_long_enough(session)
    return api.post(f"/learning/sessions/{session}/finish")


# --- Listing and visibility ---------------------------------------------------------------------
def test_items_lists_what_the_worker_may_see_with_points_and_done(
    c: LearningCity, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given published articles, a draft, one out of its window and one for riders only
    shown = [article(title=f"可见{i}") for i in range(3)]
    article(status=ItemStatus.DRAFT, title="草稿")
    article(publish_until=timezone.now() - timedelta(days=1), publish_from=timezone.now() - timedelta(days=9))
    article(worker_types=WorkerType.FOOD_DELIVERY, title="骑手专享")
    api = api_as(c.courier)
    open_and_read(api, shown[0].pk)

    # when
    with django_assert_max_num_queries(8):
        response = api.get("/learning/items", {"kind": "article"})

    # then
    assert response.status_code == 200
    body = response.json()
    assert_answer_fits(LearningItemList, body)
    assert {i["title"] for i in body["items"]} == {"可见0", "可见1", "可见2"}
    assert body["count"] == 3
    row = next(i for i in body["items"] if i["id"] == shown[0].pk)
    assert row["done"] is True and row["points"] == 1 and row["minutes"] >= 1
    assert all(not i["done"] for i in body["items"] if i["id"] != shown[0].pk)


def test_query_count_does_not_grow_with_the_list(
    c: LearningCity, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given forty items
    for i in range(40):
        article(title=f"文章{i}")
    api = api_as(c.courier)

    # then a page of them costs the same as a short one
    with django_assert_max_num_queries(8):
        assert len(api.get("/learning/items", {"limit": 40}).json()["items"]) == 40


def test_an_item_for_riders_is_404_for_a_courier(c: LearningCity, api_as: Any) -> None:
    # given
    item = article(worker_types=WorkerType.FOOD_DELIVERY)

    # then
    assert api_as(c.courier).get(f"/learning/items/{item.pk}").status_code == 404
    assert api_as(c.rider).get(f"/learning/items/{item.pk}").status_code == 200
    assert api_as(c.courier).post(f"/learning/items/{item.pk}/sessions").status_code == 404


def test_regions_and_enterprises_narrow_the_audience(c: LearningCity, api_as: Any) -> None:
    # given one item for the courier's district and one for another enterprise
    here = article(title="本区")
    here.regions.set([c.district])
    elsewhere = article(title="别的企业")
    other_enterprise: Any = c.rider.worker_profile.enterprise
    elsewhere.enterprises.set([other_enterprise])

    # then
    titles = {i["title"] for i in api_as(c.courier).get("/learning/items").json()["items"]}
    assert titles == {"本区"}


def test_the_item_carries_its_text_and_minimum_time(c: LearningCity, api_as: Any) -> None:
    item = article()
    response = api_as(c.courier).get(f"/learning/items/{item.pk}")
    body = response.json()
    assert_answer_fits(LearningItemOut, body)
    assert body["text"] == item.body
    assert 10 <= body["min_seconds"] <= 60
    assert body["quiz"] is None and body["media_url"] is None


def test_anonymous_is_401(db: Any, api: Any) -> None:
    assert api.get("/learning/items").status_code == 401
    assert api.get("/learning/me").status_code == 401


def test_staff_without_a_worker_profile_cannot_start(c: LearningCity, api_as: Any) -> None:
    item = article()
    response = api_as(c.author).post(f"/learning/items/{item.pk}/sessions")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_worker"


# --- Honest credit for reading -------------------------------------------------------------------
def test_finishing_at_once_is_too_fast_and_says_how_long_is_left(c: LearningCity, api_as: Any) -> None:
    # given
    item = article()
    api = api_as(c.courier)
    start = api.post(f"/learning/items/{item.pk}/sessions")
    assert start.status_code == 201
    assert_answer_fits(LearningSessionOut, start.json())

    # when
    response = api.post(f"/learning/sessions/{start.json()['session']}/finish")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "too_fast"
    assert "秒" in response.json()["detail"]
    assert not LedgerEntry.objects.exists()
    assert LearningSession.objects.get().status == SessionStatus.OPEN


def test_after_the_minimum_time_the_article_is_credited_once(c: LearningCity, api_as: Any) -> None:
    # given
    item = article()
    api = api_as(c.courier)
    session = api.post(f"/learning/items/{item.pk}/sessions").json()["session"]
    read_long_enough(session)

    # when
    response = api.post(f"/learning/sessions/{session}/finish")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert_answer_fits(FinishOut, body)
    assert body["credited"] is True and body["points"] == 1 and body["reason"] == "credited"
    entry = LedgerEntry.objects.get()
    assert (entry.worker, entry.amount, entry.category) == (c.courier, 1, "reading")
    # and a second finish of the same session, or reading it again, credits nothing more
    again = api.post(f"/learning/sessions/{session}/finish")
    assert again.status_code == 409 and again.json()["code"] == "already_credited"
    reread = open_and_read(api, item.pk).json()
    assert reread["credited"] is False and reread["reason"] == "already_credited"
    assert LedgerEntry.objects.count() == 1


def test_heartbeats_are_counted_by_the_server_at_most_the_gap_each(c: LearningCity, api_as: Any, settings: Any) -> None:
    # given a session of a 30-second article started a minute ago whose page sent one heartbeat now
    item = article(body=BODY * 4)
    assert item.min_seconds == 30
    api = api_as(c.courier)
    session = api.post(f"/learning/items/{item.pk}/sessions").json()["session"]
    LearningSession.objects.filter(pk=session).update(started_at=timezone.now() - timedelta(minutes=1))

    # when
    assert api.post(f"/learning/sessions/{session}/heartbeat", {}).status_code == 204
    response = api.post(f"/learning/sessions/{session}/finish")

    # then a minute in the background counted only one gap
    row = LearningSession.objects.get(pk=session)
    assert row.heartbeats == 1
    assert row.visible_ms <= settings.LEARNING_HEARTBEAT_MAX_GAP_SECONDS * 1000
    assert response.status_code == 409 and response.json()["code"] == "too_fast"


def test_a_finish_without_heartbeats_earns_nothing_and_is_flagged(c: LearningCity, api_as: Any) -> None:
    # given a session open long enough by the clock, but never seen visible
    item = article(body="短文。")
    api = api_as(c.courier)
    session = api.post(f"/learning/items/{item.pk}/sessions").json()["session"]
    LearningSession.objects.filter(pk=session).update(
        started_at=timezone.now() - timedelta(seconds=30), visible_ms=20_000
    )

    # when
    body = api.post(f"/learning/sessions/{session}/finish").json()

    # then
    assert body["credited"] is False and body["reason"] == "flagged"
    row = LearningSession.objects.get(pk=session)
    assert (row.status, row.flag) == (SessionStatus.FLAGGED, SessionFlag.NO_HEARTBEAT)
    assert not LedgerEntry.objects.exists()


def test_parallel_sessions_are_flagged_and_earn_nothing(c: LearningCity, api_as: Any) -> None:
    # given two articles open in two tabs, both beating
    first, second = article(), article()
    api = api_as(c.courier)
    one = api.post(f"/learning/items/{first.pk}/sessions").json()["session"]
    LearningSession.objects.filter(pk=one).update(started_at=timezone.now() - timedelta(seconds=30))
    two = api.post(f"/learning/items/{second.pk}/sessions").json()["session"]
    LearningSession.objects.filter(pk=two).update(started_at=timezone.now() - timedelta(seconds=20))

    # when
    api.post(f"/learning/sessions/{one}/heartbeat", {})
    api.post(f"/learning/sessions/{two}/heartbeat", {})
    read_long_enough(one)
    body = api.post(f"/learning/sessions/{one}/finish").json()

    # then
    assert body["credited"] is False and body["reason"] == "flagged"
    assert set(LearningSession.objects.values_list("flag", flat=True)) == {SessionFlag.PARALLEL}
    assert not LedgerEntry.objects.exists()


def test_another_workers_session_is_404(c: LearningCity, api_as: Any) -> None:
    # given the courier's session
    item = article()
    session = api_as(c.courier).post(f"/learning/items/{item.pk}/sessions").json()["session"]
    read_long_enough(session)

    # when the rider tries to beat or finish it
    rider = api_as(c.rider)
    assert rider.post(f"/learning/sessions/{session}/heartbeat", {}).status_code == 404
    assert rider.post(f"/learning/sessions/{session}/finish").status_code == 404
    assert rider.post("/learning/sessions/99999999999/finish").status_code == 404

    # then nothing was credited and the session is still open
    assert not LedgerEntry.objects.exists()
    assert LearningSession.objects.get().status == SessionStatus.OPEN


def test_beyond_the_daily_cap_an_article_earns_nothing_and_says_so(c: LearningCity, api_as: Any) -> None:
    # given six articles read today (the cap of reading is 6 points, 1 each)
    api = api_as(c.courier)
    for _ in range(6):
        assert open_and_read(api, article().pk).json()["credited"] is True

    # when the seventh is read
    body = open_and_read(api, article().pk).json()

    # then
    assert body["credited"] is False and body["reason"] == "daily_cap"
    assert "上限" in body["detail"]
    assert LedgerEntry.objects.count() == 6
    me = api.get("/learning/me").json()
    reading = next(a for a in me["today"] if a["activity"] == "reading")
    assert (reading["points"], reading["cap"]) == (6, 6)


def test_audio_needs_eighty_percent_played(c: LearningCity, api_as: Any) -> None:
    # given a 100-second audio lesson listened to for 90 s, the player at 50 s
    item = article(kind="audio", duration_seconds=100, body="")
    api = api_as(c.courier)
    session = api.post(f"/learning/items/{item.pk}/sessions").json()["session"]
    read_long_enough(session, 90)
    api.post(f"/learning/sessions/{session}/heartbeat", {"position": 50})

    # then finishing is too early
    early = api.post(f"/learning/sessions/{session}/finish")
    assert early.status_code == 409 and early.json()["code"] == "too_fast"

    # and a claimed position beyond the time spent is not believed
    LearningSession.objects.filter(pk=session).update(visible_ms=10_000)
    api.post(f"/learning/sessions/{session}/heartbeat", {"position": 95})
    assert LearningSession.objects.get(pk=session).position_seconds < 80

    # and after 85 s played it is credited
    read_long_enough(session, 90)
    api.post(f"/learning/sessions/{session}/heartbeat", {"position": 85})
    body = api.post(f"/learning/sessions/{session}/finish").json()
    assert body["credited"] is True
    assert LedgerEntry.objects.get().category == "listening"


# --- Quizzes -------------------------------------------------------------------------------------
def test_the_daily_quiz_sends_no_answers_and_credits_once_a_day(c: LearningCity, api_as: Any) -> None:
    # given a bank and the daily quiz
    bank(8)
    item = quiz(QuizKind.DAILY)
    api = api_as(c.courier)

    # when the courier starts it
    start = api.post(f"/learning/items/{item.pk}/sessions")

    # then five questions come without anything that tells the answer
    assert start.status_code == 201
    body = start.json()
    assert len(body["questions"]) == 5
    assert "correct" not in start.content.decode() and "explanation" not in start.content.decode()

    # when all are answered right
    finish = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": right_answers(body["questions"])})

    # then five points, with the explanations now
    result = finish.json()
    assert_answer_fits(FinishOut, result)
    assert (result["credited"], result["points"], result["score"], result["passed"]) == (True, 5, 5, True)
    assert all(r["correct"] and r["explanation"] for r in result["results"])
    # and a second daily quiz today earns nothing
    again = api.post(f"/learning/items/{item.pk}/sessions").json()
    second = api.post(f"/learning/sessions/{again['session']}/finish", {"answers": right_answers(again["questions"])})
    assert second.json()["credited"] is False and second.json()["reason"] == "already_credited"
    assert LedgerEntry.objects.count() == 1


def test_a_credited_quiz_finish_reads_and_writes_in_a_fixed_number_of_queries(
    c: LearningCity, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given a courier with a points account, a daily quiz started and its right answers
    PointsAccount.objects.create(worker=c.courier)
    bank(8)
    item = quiz(QuizKind.DAILY)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    answers = right_answers(body["questions"])

    # when it is handed in: 26 statements, 32 before (35 and 29 for a worker's first credit,
    # which creates the account). Learning's own
    # part is the session with its worker's profile and community (one statement, locked), the
    # questions and their choices, the key, the activity's rule and the session's update; the
    # rest is the points service's (the ledger, the account's lock, the cap, the badges)
    with django_assert_max_num_queries(26):
        result = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": answers}).json()

    # then
    assert (result["credited"], result["points"]) == (True, 5)
    assert LedgerEntry.objects.get().amount == 5


def test_a_quiz_gives_a_point_per_right_answer(c: LearningCity, api_as: Any) -> None:
    bank(5)
    item = quiz(QuizKind.DAILY)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    answers = right_answers(body["questions"][:3]) | wrong_answers(body["questions"][3:])
    result = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": answers}).json()
    assert (result["score"], result["points"]) == (3, 3)
    assert [r["correct"] for r in result["results"]] == [True, True, True, False, False]


@pytest.mark.parametrize("bad", ["not_asked", "foreign_choice", "two_for_single"])
def test_bad_answers_are_400_and_credit_nothing(c: LearningCity, api_as: Any, bad: str) -> None:
    # given a daily quiz session and a question not in it
    bank(5)
    stranger = question("不在本次答题中的题")
    stranger.is_active = False  # never drawn
    stranger.save(update_fields=["is_active"])
    item = quiz(QuizKind.DAILY)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    answers = right_answers(body["questions"])
    first = str(body["questions"][0]["id"])
    if bad == "not_asked":
        answers[str(stranger.pk)] = [stranger.choices.all()[0].pk]
    elif bad == "foreign_choice":
        answers[first] = [stranger.choices.all()[0].pk]
    else:
        answers[first] = [ch["id"] for ch in body["questions"][0]["choices"][:2]]

    # when
    response = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": answers})

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("answers.")
    assert not LedgerEntry.objects.exists()
    assert LearningSession.objects.get().status == SessionStatus.OPEN


def test_a_special_exam_needs_its_pass_mark_and_counts_attempts(c: LearningCity, api_as: Any) -> None:
    # given an exam of four fixed questions, pass mark 75 %, one attempt
    questions = bank(4)
    item = quiz(QuizKind.SPECIAL, pass_mark=75, max_attempts=1)
    exam_questions_set(item, questions)
    api = api_as(c.courier)
    detail = api.get(f"/learning/items/{item.pk}").json()
    assert [q["id"] for q in detail["questions"]] == [q.pk for q in questions]
    assert "correct" not in str(detail)

    # when half is right
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    answers = right_answers(body["questions"][:2]) | wrong_answers(body["questions"][2:])
    result = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": answers}).json()

    # then not passed, no points, and no second attempt
    assert (result["passed"], result["credited"], result["reason"]) == (False, False, "not_passed")
    again = api.post(f"/learning/items/{item.pk}/sessions")
    assert again.status_code == 409 and again.json()["code"] == "limit_reached"


def test_a_passed_special_exam_gives_its_fixed_points(c: LearningCity, api_as: Any) -> None:
    item = quiz(QuizKind.SPECIAL, pass_mark=60, max_attempts=0)
    item.questions.set(bank(3))
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    result = api.post(f"/learning/sessions/{body['session']}/finish", {"answers": right_answers(body["questions"])})
    assert result.json()["points"] == 10 and result.json()["passed"] is True


def right_choice(q: dict[str, Any]) -> list[int]:
    return right_answers([q])[str(q["id"])]


def wrong_choice(q: dict[str, Any]) -> list[int]:
    return wrong_answers([q])[str(q["id"])]


def challenge_round(api: Any, item_id: int, right: int) -> dict[str, Any]:
    """Start a challenge, answer `right` questions right, then one wrong: the last answer's body."""
    body = api.post(f"/learning/items/{item_id}/sessions").json()
    question = body["questions"][0]
    for n in range(right + 1):
        choices = right_choice(question) if n < right else wrong_choice(question)
        answer = api.post(
            f"/learning/sessions/{body['session']}/answer", {"question": question["id"], "choices": choices}
        )
        assert answer.status_code == 200, answer.content
        question = answer.json()["question"]
    result: dict[str, Any] = answer.json()
    return result


def test_a_challenge_hands_out_one_question_at_a_time_and_ends_at_the_first_wrong(c: LearningCity, api_as: Any) -> None:
    # given a challenge over a bank of ten
    bank(10)
    item = quiz(QuizKind.CHALLENGE, seconds_per_question=20)
    api = api_as(c.courier)

    # when the courier starts it
    start = api.post(f"/learning/items/{item.pk}/sessions")

    # then one question comes, without its answer, with its time limit
    body = start.json()
    assert_answer_fits(LearningSessionOut, body)
    assert body["seconds_per_question"] == 20 and len(body["questions"]) == 1
    assert "correct" not in start.content.decode()

    # when the first is answered right
    first = body["questions"][0]
    answer = api.post(
        f"/learning/sessions/{body['session']}/answer", {"question": first["id"], "choices": right_choice(first)}
    )

    # then the next question comes, another one, and the round goes on
    step = answer.json()
    assert_answer_fits(AnswerOut, step)
    assert (step["correct"], step["late"], step["over"], step["streak"]) == (True, False, False, 1)
    assert step["question"]["id"] != first["id"] and step["result"] is None
    assert "correct" not in str(step["question"])

    # when two more are right and then one wrong
    question = step["question"]
    for choices in (right_choice, right_choice, wrong_choice):
        step = api.post(
            f"/learning/sessions/{body['session']}/answer", {"question": question["id"], "choices": choices(question)}
        ).json()
        question = step["question"]

    # then the round is over: three right, three points, four questions explained
    assert (step["correct"], step["over"], step["streak"], step["question"]) == (False, True, 3, None)
    result = step["result"]
    assert (result["credited"], result["score"], result["points"]) == (True, 3, 3)
    assert [r["correct"] for r in result["results"]] == [True, True, True, False]
    assert LedgerEntry.objects.get(worker=c.courier).amount == 3
    # and the finished round takes no more answers
    again = api.post(
        f"/learning/sessions/{body['session']}/answer", {"question": question or first["id"], "choices": []}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_credited"


def test_an_answer_after_the_question_time_limit_ends_the_round_as_if_wrong(c: LearningCity, api_as: Any) -> None:
    # given a challenge of 10 s a question, two answered right in time
    bank(6)
    item = quiz(QuizKind.CHALLENGE, seconds_per_question=10)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    question = body["questions"][0]
    for _ in range(2):
        question = api.post(
            f"/learning/sessions/{body['session']}/answer",
            {"question": question["id"], "choices": right_choice(question)},
        ).json()["question"]

    # when the third question was handed out 15 s ago and is answered right only now
    LearningSession.objects.filter(pk=body["session"]).update(asked_at=timezone.now() - timedelta(seconds=15))
    late = api.post(
        f"/learning/sessions/{body['session']}/answer", {"question": question["id"], "choices": right_choice(question)}
    ).json()

    # then the late answer counts as wrong: the round ends with the two in time
    assert (late["correct"], late["late"], late["over"], late["streak"]) == (False, True, True, 2)
    assert (late["result"]["credited"], late["result"]["points"]) == (True, 2)
    assert late["result"]["results"][2]["chosen"] == []
    assert LedgerEntry.objects.get(worker=c.courier).amount == 2


def test_a_late_first_answer_earns_nothing(c: LearningCity, api_as: Any) -> None:
    bank(5)
    item = quiz(QuizKind.CHALLENGE, seconds_per_question=10)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    LearningSession.objects.filter(pk=body["session"]).update(asked_at=timezone.now() - timedelta(minutes=5))
    first = body["questions"][0]
    late = api.post(
        f"/learning/sessions/{body['session']}/answer", {"question": first["id"], "choices": right_choice(first)}
    )
    assert (late.json()["late"], late.json()["result"]["credited"], late.json()["result"]["reason"]) == (
        True,
        False,
        "no_score",
    )
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("bad", ["not_current", "foreign_choice", "not_a_challenge"])
def test_a_bad_challenge_answer_is_400_and_changes_nothing(c: LearningCity, api_as: Any, bad: str) -> None:
    # given a challenge round and a daily quiz
    bank(6)
    item = quiz(QuizKind.CHALLENGE) if bad != "not_a_challenge" else quiz(QuizKind.DAILY)
    stranger = question("别的题")
    stranger.is_active = False  # never drawn
    stranger.save(update_fields=["is_active"])
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    first = body["questions"][0]
    payload = {"question": first["id"], "choices": right_choice(first)}
    if bad == "not_current":
        payload["question"] = next(q for q in LearningSession.objects.get().question_ids if q != first["id"])
    elif bad == "foreign_choice":
        payload["choices"] = [stranger.choices.all()[0].pk]

    # when
    response = api.post(f"/learning/sessions/{body['session']}/answer", payload)

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in ("question", f"answers.{first['id']}")
    session = LearningSession.objects.get()
    assert (session.status, session.answers) == (SessionStatus.OPEN, {})


def test_another_workers_challenge_takes_no_answer(c: LearningCity, api_as: Any) -> None:
    bank(5)
    item = quiz(QuizKind.CHALLENGE)
    body = api_as(c.courier).post(f"/learning/items/{item.pk}/sessions").json()
    first = body["questions"][0]
    response = api_as(c.rider).post(
        f"/learning/sessions/{body['session']}/answer", {"question": first["id"], "choices": right_choice(first)}
    )
    assert response.status_code == 404
    assert LearningSession.objects.get().answers == {}


def test_stopping_a_challenge_keeps_the_streak_and_answers_in_the_finish_are_refused(
    c: LearningCity, api_as: Any
) -> None:
    # given two right answers in a round
    bank(6)
    item = quiz(QuizKind.CHALLENGE)
    api = api_as(c.courier)
    body = api.post(f"/learning/items/{item.pk}/sessions").json()
    question = body["questions"][0]
    for _ in range(2):
        question = api.post(
            f"/learning/sessions/{body['session']}/answer",
            {"question": question["id"], "choices": right_choice(question)},
        ).json()["question"]

    # when the whole round's answers come in a finish: refused
    refused = api.post(
        f"/learning/sessions/{body['session']}/finish", {"answers": {str(question["id"]): right_choice(question)}}
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "answers"

    # when the courier stops the round
    result = api.post(f"/learning/sessions/{body['session']}/finish").json()

    # then the two count
    assert (result["credited"], result["score"], result["points"]) == (True, 2, 2)


def test_challenges_stop_at_their_daily_cap(c: LearningCity, api_as: Any) -> None:
    # given a challenge cap of 6: a first round of 5, then a round of 5
    bank(10)
    item = quiz(QuizKind.CHALLENGE)
    api = api_as(c.courier)
    results = [challenge_round(api, item.pk, 5)["result"] for _ in range(3)]

    # then the second round gets the rest of the cap and the third nothing
    assert [r["points"] for r in results] == [5, 1, 0]
    assert results[2]["reason"] == "daily_cap"


# --- /learning/me ---------------------------------------------------------------------------------
def test_me_has_the_streak_and_todays_points_per_activity(
    c: LearningCity, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given credited learning today and the two days before, not three days ago
    api = api_as(c.courier)
    for days in (0, 1, 2, 4):
        open_and_read(api, article().pk)
        latest = LearningSession.objects.order_by("-id")[0]
        LearningSession.objects.filter(pk=latest.pk).update(finished_at=timezone.now() - timedelta(days=days))

    # when
    with django_assert_max_num_queries(8):
        body = api.get("/learning/me").json()

    # then
    assert_answer_fits(LearningMeOut, body)
    assert body["streak_days"] == 3
    caps = {a["activity"]: a["cap"] for a in body["today"]}
    assert caps == {
        "reading": 6,
        "listening": 6,
        "daily_quiz": 5,
        "weekly_quiz": 5,
        "special_exam": 10,
        "challenge": 6,
    }
    assert body["points_today"] == 4


def test_my_data_export_lists_my_learning_and_not_anothers(c: LearningCity, api_as: Any) -> None:
    # given the courier read an article and the rider opened another
    mine, theirs = article(title="我的文章"), article(title="别人的文章")
    open_and_read(api_as(c.courier), mine.pk)
    api_as(c.rider).post(f"/learning/items/{theirs.pk}/sessions")

    # when
    data = api_as(c.courier).get("/me/export").json()

    # then
    assert [(r["item_title"], r["status"], r["points"]) for r in data["learning"]] == [("我的文章", "credited", 1)]


def test_an_english_reader_gets_the_english_title_where_there_is_one(c: LearningCity, api_as: Any) -> None:
    # given one item with an English title and one without
    translated = article(title="电动自行车通行规则", title_en="E-bike rules of the road", summary_en="Helmets on.")
    plain = article(title="只有中文标题")

    # when
    english = api_as(c.courier, language="en")
    titles = {i["id"]: i["title"] for i in english.get("/learning/items").json()["items"]}

    # then
    assert titles == {translated.pk: "E-bike rules of the road", plain.pk: "只有中文标题"}
    assert english.get(f"/learning/items/{translated.pk}").json()["summary"] == "Helmets on."
    assert api_as(c.courier).get(f"/learning/items/{translated.pk}").json()["title"] == "电动自行车通行规则"


def test_an_english_reader_gets_questions_choices_explanations_and_text_in_english(
    c: LearningCity, api_as: Any
) -> None:
    # given a question translated, one not, and an article with an English text
    translated = question("电动自行车上路应当佩戴什么？")
    translated.text_en = "What must you wear riding an e-bike?"
    translated.explanation_en = "A helmet reduces head injuries."
    translated.save()
    for choice, english in zip(
        translated.choices.all(), ("A helmet", "Earphones", "Sunglasses", "A mask"), strict=True
    ):
        choice.text_en = english
        choice.save()
    question("只有中文的题")
    item = quiz(QuizKind.DAILY)
    text = article(title="充电安全", body="不要在楼道充电。", body_en="Never charge in the stairwell.")
    english = api_as(c.courier, language="en")

    # when the English reader takes the quiz
    body = english.post(f"/learning/items/{item.pk}/sessions").json()
    by_id = {q["id"]: q for q in body["questions"]}
    result = english.post(f"/learning/sessions/{body['session']}/finish", {"answers": right_answers(body["questions"])})

    # then the translated question and its choices are English, the other falls back to Chinese
    assert by_id[translated.pk]["text"] == "What must you wear riding an e-bike?"
    assert [ch["text"] for ch in by_id[translated.pk]["choices"]] == ["A helmet", "Earphones", "Sunglasses", "A mask"]
    assert {q["text"] for q in body["questions"]} == {"What must you wear riding an e-bike?", "只有中文的题"}
    explained = {r["question"]: r["explanation"] for r in result.json()["results"]}
    assert explained[translated.pk] == "A helmet reduces head injuries."
    # and the article's text is English for them, Chinese for a Chinese reader
    assert english.get(f"/learning/items/{text.pk}").json()["text"] == "Never charge in the stairwell."
    assert api_as(c.courier).get(f"/learning/items/{text.pk}").json()["text"] == "不要在楼道充电。"
    assert (
        api_as(c.courier)
        .post(f"/learning/items/{item.pk}/sessions")
        .json()["questions"][0]["text"]
        .startswith(("电动", "只有"))
    )
