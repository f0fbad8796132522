"""The 认真学 pages: the worker's home, an item's page, the quiz pages as plain forms, and the
staff pages with their refusals (someone who does not write, the author reviewing their own
item), review and publishing, the audience, media with range requests, and the Excel import."""

from __future__ import annotations

import functools
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from littlebee.accounts.models import WorkerType
from littlebee.conftest import client_for
from littlebee.demo.learning_media import chime_mp3, traffic_light_webm
from littlebee.learning.models import ItemEvent, ItemKind, ItemStatus, LearningItem, LearningSession, Question, QuizKind
from littlebee.learning.tests.factories import LearningCity, article, bank, quiz
from littlebee.points.models import LedgerEntry

# An MP3's header and frame sync with nothing playable behind them: the leading bytes of audio.
FAKE_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"\xff\xfb\x90\x64" + b"\x00" * 4000


@functools.cache
def real_mp3() -> bytes:
    return chime_mp3(12)


@functools.cache
def real_webm() -> bytes:
    return traffic_light_webm(6)


# --- The worker's pages --------------------------------------------------------------------------
def test_the_home_page_links_to_learning(c: LearningCity) -> None:
    page = client_for(c.courier).get("/").content.decode()
    assert 'href="/learning/"' in page


def test_learning_home_shows_caps_streak_and_items(c: LearningCity, django_assert_max_num_queries: Any) -> None:
    # given
    for i in range(12):
        article(title=f"首页文章{i}")
    quiz(QuizKind.DAILY)
    client = client_for(c.courier)

    # when
    with django_assert_max_num_queries(14):
        response = client.get("/learning/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "首页文章11" in page and "每日答题" in page
    assert 'data-activity="reading"' in page and "0/6" in page


def test_the_article_page_carries_the_text_and_the_timer(c: LearningCity) -> None:
    item = article(title="新就业形态劳动者权益")
    page = client_for(c.courier).get(f"/learning/{item.pk}/").content.decode()
    assert "新就业形态劳动者权益" in page
    assert f'data-min-seconds="{item.min_seconds}"' in page
    assert "learning-item.js" in page and "data-listen" in page


def test_an_item_out_of_the_audience_is_404(c: LearningCity) -> None:
    item = article(worker_types=WorkerType.FOOD_DELIVERY)
    assert client_for(c.courier).get(f"/learning/{item.pk}/").status_code == 404
    assert client_for(c.rider).get(f"/learning/{item.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(db: Any) -> None:
    from django.test import Client

    assert Client().get("/learning/").status_code == 302


def test_the_daily_quiz_as_forms_credits_and_explains(c: LearningCity) -> None:
    # given
    bank(6)
    item = quiz(QuizKind.DAILY)
    client = client_for(c.courier)

    # when the courier starts and answers every question right
    start = client.post(f"/learning/{item.pk}/quiz/")
    assert start.status_code == 302
    session = LearningSession.objects.get()
    questions_page = client.get(start["Location"]).content.decode()
    assert "explanation" not in questions_page and "安全头盔能减少伤亡" not in questions_page
    data = {}
    for qid in session.question_ids:
        right = Question.objects.get(pk=qid).choices.get(correct=True)
        data[f"q{qid}"] = str(right.pk)
    finish = client.post(start["Location"], data)

    # then the result shows the points and the explanations
    assert finish.status_code == 302
    result = client.get(finish["Location"]).content.decode()
    assert "获得 5 积分" in result
    assert "安全头盔能减少伤亡" in result
    assert LedgerEntry.objects.get().amount == 5


def test_the_quiz_pages_speak_english_to_an_english_reader(c: LearningCity) -> None:
    # given a bank whose questions have English, and a courier who reads in English
    for q in bank(5):
        q.text_en, q.explanation_en = f"Question {q.pk} in English", "Helmets save lives."
        q.save()
        for choice in q.choices.all():
            choice.text_en = f"Choice {choice.pk}"
            choice.save()
    item = quiz(QuizKind.DAILY)
    client = client_for(c.courier)
    client.cookies["django_language"] = "en"

    # when the courier takes the daily quiz
    location = client.post(f"/learning/{item.pk}/quiz/")["Location"]
    page = client.get(location).content.decode()
    session = LearningSession.objects.get()

    # then the questions and choices are in English, and so is the result's explanation
    first = Question.objects.get(pk=session.question_ids[0])
    assert f"Question {first.pk} in English" in page and "电动自行车" not in page
    assert f"Choice {first.choices.all()[0].pk}" in page
    data = {f"q{qid}": str(Question.objects.get(pk=qid).choices.get(correct=True).pk) for qid in session.question_ids}
    result = client.get(client.post(location, data)["Location"]).content.decode()
    assert "Helmets save lives." in result and "安全头盔能减少伤亡" not in result


def test_another_workers_attempt_is_404(c: LearningCity) -> None:
    bank(5)
    item = quiz(QuizKind.DAILY)
    client_for(c.courier).post(f"/learning/{item.pk}/quiz/")
    session = LearningSession.objects.get()
    rider = client_for(c.rider)
    assert rider.get(f"/learning/attempts/{session.pk}/").status_code == 404
    assert rider.post(f"/learning/attempts/{session.pk}/", {}).status_code == 404
    assert rider.get(f"/learning/attempts/{session.pk}/result/").status_code == 404


def test_a_bad_answer_form_is_400_with_nothing_credited(c: LearningCity) -> None:
    bank(5)
    item = quiz(QuizKind.DAILY)
    client = client_for(c.courier)
    location = client.post(f"/learning/{item.pk}/quiz/")["Location"]
    session = LearningSession.objects.get()
    first = session.question_ids[0]
    choices = list(Question.objects.get(pk=first).choices.values_list("pk", flat=True))
    response = client.post(location, {f"q{first}": [str(choices[0]), str(choices[1])]})
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_a_challenge_page_shows_one_question_with_its_countdown_and_a_late_answer_ends_it(c: LearningCity) -> None:
    # given a challenge of 15 s a question
    bank(6)
    item = quiz(QuizKind.CHALLENGE, seconds_per_question=15)
    client = client_for(c.courier)
    location = client.post(f"/learning/{item.pk}/quiz/")["Location"]
    session = LearningSession.objects.get()

    # when the courier opens it: one question, the time left from the server
    page = client.get(location).content.decode()
    first, second = session.question_ids[:2]
    assert f'data-question="{first}"' in page and f'data-question="{second}"' not in page
    assert 'data-seconds="15"' in page and "安全头盔能减少伤亡" not in page

    # when the first is answered right
    right = Question.objects.get(pk=first).choices.get(correct=True)
    step = client.post(location, {f"q{first}": str(right.pk)})

    # then the next question comes, with a fresh clock
    assert step.status_code == 302 and step["Location"] == location
    page = client.get(location).content.decode()
    assert f'data-question="{second}"' in page and "已连对 1 题" in page

    # when the page is reloaded 20 s later, the clock is not restarted
    LearningSession.objects.filter(pk=session.pk).update(asked_at=timezone.now() - timedelta(seconds=20))
    assert 'data-seconds="0"' in client.get(location).content.decode()

    # and the late answer, right as it is, ends the round with the one in time
    right = Question.objects.get(pk=second).choices.get(correct=True)
    done = client.post(location, {f"q{second}": str(right.pk)})
    assert done["Location"].endswith("/result/")
    result = client.get(done["Location"]).content.decode()
    assert "超过了时限" in result and "获得 1 积分" in result
    assert LedgerEntry.objects.get().amount == 1


# --- Staff: writing, review, publishing ---------------------------------------------------------
def item_form(**changes: Any) -> dict[str, Any]:
    data = {
        "kind": "article",
        "title": "电动自行车通行规则",
        "topic": "traffic",
        "summary": "",
        "body": "非机动车应当在非机动车道内行驶。\n\n驾驶电动自行车应当佩戴安全头盔。",
        "question_count": "5",
        "pass_mark": "60",
        "max_attempts": "1",
        "seconds_per_question": "20",
    }
    data.update(changes)
    return data


def test_a_worker_or_community_staff_may_not_write(c: LearningCity) -> None:
    assert client_for(c.courier).get("/learning/staff/").status_code == 403
    assert client_for(c.outsider).get("/learning/staff/").status_code == 403
    assert client_for(c.outsider).post("/learning/staff/new/", item_form()).status_code == 403
    assert not LearningItem.objects.exists()


def test_an_author_writes_a_reviewer_publishes_and_couriers_see_it(c: LearningCity) -> None:
    # given the author writes an article for couriers and submits it
    author = client_for(c.author)
    saved = author.post(
        "/learning/staff/new/",
        item_form(worker_types=[WorkerType.COURIER], organisation=str(c.district_org.pk)),
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    item = LearningItem.objects.get()
    assert (item.author, item.status) == (c.author, ItemStatus.DRAFT)
    author.post(f"/learning/staff/{item.pk}/action/", {"action": "submit"})

    # when the author tries to publish it: refused
    author.post(f"/learning/staff/{item.pk}/action/", {"action": "publish"})
    item.refresh_from_db()
    assert item.status == ItemStatus.REVIEW
    assert client_for(c.courier).get(f"/learning/{item.pk}/").status_code == 404

    # when the reviewer publishes it
    client_for(c.reviewer).post(f"/learning/staff/{item.pk}/action/", {"action": "publish"})

    # then it is published, with its timeline, for couriers only
    item.refresh_from_db()
    assert (item.status, item.reviewer) == (ItemStatus.PUBLISHED, c.reviewer)
    assert list(ItemEvent.objects.filter(item=item).values_list("action", flat=True)) == ["create", "submit", "publish"]
    assert client_for(c.courier).get(f"/learning/{item.pk}/").status_code == 200
    assert client_for(c.rider).get(f"/learning/{item.pk}/").status_code == 404


def test_returning_needs_a_reason_and_published_items_cannot_be_edited(c: LearningCity) -> None:
    author = client_for(c.author)
    author.post("/learning/staff/new/", item_form(organisation=str(c.district_org.pk)))
    item = LearningItem.objects.get()
    author.post(f"/learning/staff/{item.pk}/action/", {"action": "submit"})
    reviewer = client_for(c.reviewer)
    reviewer.post(f"/learning/staff/{item.pk}/action/", {"action": "return", "note": ""})
    item.refresh_from_db()
    assert item.status == ItemStatus.REVIEW
    reviewer.post(f"/learning/staff/{item.pk}/action/", {"action": "publish"})
    changed_form = item_form(title="改过的标题", organisation=str(c.district_org.pk))
    changed = author.post(f"/learning/staff/{item.pk}/", changed_form)
    assert changed.status_code == 400
    item.refresh_from_db()
    assert item.title == "电动自行车通行规则"


def test_staff_of_another_district_get_404(c: LearningCity) -> None:
    from littlebee.accounts.models import Role
    from littlebee.accounts.tests.factories import staff
    from littlebee.orgs.tests.factories import DistrictFactory, PartyOrgFactory

    item = article(status=ItemStatus.DRAFT, organisation=c.district_org, author=c.author)
    other = staff(PartyOrgFactory(region=DistrictFactory()), Role.ADMIN)
    client = client_for(other)
    assert client.get(f"/learning/staff/{item.pk}/").status_code == 404
    assert client.post(f"/learning/staff/{item.pk}/action/", {"action": "publish"}).status_code == 404


def test_the_staff_list_shows_figures_in_a_fixed_number_of_queries(
    c: LearningCity, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        article(title=f"内容{i}", organisation=c.district_org, author=c.author)
    client = client_for(c.reviewer)
    with django_assert_max_num_queries(10):
        page = client.get("/learning/staff/").content.decode()
    assert "内容24" in page


# --- Media --------------------------------------------------------------------------------------
def audio_item(c: LearningCity, status: str = ItemStatus.DRAFT, kind: str = ItemKind.AUDIO) -> LearningItem:
    return article(kind=kind, body="", status=status, organisation=c.district_org, author=c.author)


@pytest.mark.parametrize(
    "content",
    [b"<html>not audio</html>", FAKE_MP3, b"OggS" + b"\x00" * 400],
    ids=["a page", "an mp3 header with nothing playable", "an ogg header with nothing playable"],
)
def test_an_upload_that_is_not_audio_is_refused(c: LearningCity, content: bytes) -> None:
    # given an audio lesson
    item = audio_item(c)

    # when a file that only looks like audio is uploaded as one
    fake = SimpleUploadedFile("lesson.mp3", content, content_type="audio/mpeg")
    response = client_for(c.author).post(f"/learning/staff/{item.pk}/media/", {"media": fake})

    # then it is refused, saying what is accepted, and nothing is stored
    assert response.status_code == 400
    assert "不是有效的音频（MP3、M4A、OGG、WAV）文件" in response.content.decode()
    item.refresh_from_db()
    assert not item.media and item.duration_seconds is None


def test_an_upload_over_the_size_limit_is_413(c: LearningCity, settings: Any) -> None:
    settings.LEARNING_MEDIA_MAX_MB = 1
    item = audio_item(c)
    big = SimpleUploadedFile("lesson.mp3", real_mp3() + b"\x00" * (1024 * 1024))
    response = client_for(c.author).post(f"/learning/staff/{item.pk}/media/", {"media": big})
    assert response.status_code == 413
    item.refresh_from_db()
    assert not item.media


def test_the_duration_is_read_from_the_file_not_taken_from_the_form(c: LearningCity) -> None:
    # given an audio draft whose author types a duration of two seconds into the form
    item = audio_item(c)
    client = client_for(c.author)
    client.post(
        f"/learning/staff/{item.pk}/",
        item_form(kind="audio", title=item.title, body="", duration_seconds="2", organisation=c.district_org.pk),
    )

    # when the 12-second file is uploaded
    upload = SimpleUploadedFile("lesson.bin", real_mp3(), content_type="application/octet-stream")
    client.post(f"/learning/staff/{item.pk}/media/", {"media": upload})

    # then the item plays 12 s, as the file says, and needs 80 % of that played
    item.refresh_from_db()
    assert (item.media_type, item.duration_seconds, item.min_seconds) == ("audio/mpeg", 12, 10)
    page = client.get(f"/learning/staff/{item.pk}/").content.decode()
    assert "时长 12 秒（从文件读出）" in page


def test_a_video_lesson_takes_a_webm_and_reads_its_length(c: LearningCity) -> None:
    item = audio_item(c, kind=ItemKind.VIDEO)
    upload = SimpleUploadedFile("lesson.webm", real_webm(), content_type="video/webm")
    response = client_for(c.author).post(f"/learning/staff/{item.pk}/media/", {"media": upload})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.media_type, item.duration_seconds) == ("video/webm", 6)
    assert item.media.name.endswith(".webm")


def test_real_audio_is_stored_and_served_with_ranges(c: LearningCity) -> None:
    # given an audio lesson with its file
    item = audio_item(c)
    mp3 = real_mp3()
    upload = SimpleUploadedFile("lesson.bin", mp3, content_type="application/octet-stream")
    client_for(c.author).post(f"/learning/staff/{item.pk}/media/", {"media": upload})
    item.refresh_from_db()
    assert item.media and item.media_type == "audio/mpeg"
    LearningItem.objects.filter(pk=item.pk).update(status=ItemStatus.PUBLISHED)
    client = client_for(c.courier)

    # when a player asks for a range
    response: Any = client.get(f"/learning/media/{item.pk}", headers={"Range": "bytes=0-99"})

    # then
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(mp3)}"
    assert b"".join(response.streaming_content) == mp3[:100]
    whole = client.get(f"/learning/media/{item.pk}")
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert client.get(f"/learning/media/{item.pk}", headers={"Range": f"bytes={len(mp3) + 10}-"}).status_code == 416
    # and someone it is not published to gets 404
    item.worker_types = WorkerType.RIDE_HAILING
    item.save(update_fields=["worker_types"])
    assert client.get(f"/learning/media/{item.pk}").status_code == 404


def test_a_video_file_is_refused_for_an_audio_item(c: LearningCity) -> None:
    # given an audio lesson, and a real video
    item = audio_item(c)

    # when the video is uploaded to it, or a bare MP4 header
    for name, content in (("a.webm", real_webm()), ("a.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)):
        response = client_for(c.author).post(
            f"/learning/staff/{item.pk}/media/", {"media": SimpleUploadedFile(name, content)}
        )

        # then refused
        assert response.status_code == 400
        assert "不是有效的音频" in response.content.decode()
    item.refresh_from_db()
    assert not item.media


# --- Excel import -------------------------------------------------------------------------------
def workbook(rows: list[list[Any]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet: Any = book.active
    sheet.append(["主题", "题型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("questions.xlsx", buffer.getvalue())


GOOD = ["交通安全", "单选", "电动自行车应当在哪里行驶？", "非机动车道", "机动车道", "人行道", "", "", "", "A", "规定。"]


def test_an_import_with_a_bad_row_imports_nothing_and_lists_each_row(c: LearningCity) -> None:
    # given a sheet with a good row, an unknown topic and a missing answer
    rows = [
        GOOD,
        ["天文地理", "单选", "题目", "甲", "乙", "", "", "", "", "A", ""],
        ["劳动权益", "多选", "哪些属于劳动者权益？", "休息", "报酬", "", "", "", "", "", ""],
    ]

    # when
    response = client_for(c.author).post("/learning/staff/questions/import/", {"file": workbook(rows)})

    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "第 3 行" in page and "第 4 行" in page and "第 2 行" not in page
    assert not Question.objects.exists()


def test_a_good_import_adds_every_row(c: LearningCity) -> None:
    rows = [GOOD, ["劳动权益", "判断", "外卖骑手可以参加职业伤害保障。", "", "", "", "", "", "", "对", "试点政策。"]]
    response = client_for(c.author).post("/learning/staff/questions/import/", {"file": workbook(rows)})
    assert response.status_code == 302
    assert Question.objects.count() == 2
    true_false = Question.objects.get(kind="true_false")
    assert [ch.text for ch in true_false.choices.filter(correct=True)] == ["正确"]


def test_an_import_with_english_columns_stores_the_english(c: LearningCity) -> None:
    # given a sheet with the English columns, one question translated and a true/false one not
    from littlebee.learning.services import IMPORT_HEADER

    book = Workbook()
    sheet: Any = book.active
    sheet.append(list(IMPORT_HEADER))
    sheet.append([*GOOD, "Where should an e-bike ride?", "Bike lane", "Motor lane", "Pavement", "", "", "", "The law."])
    sheet.append(["劳动权益", "判断", "外卖骑手可以参加职业伤害保障。", "", "", "", "", "", "", "对", "试点政策。"])
    buffer = io.BytesIO()
    book.save(buffer)

    # when an English-speaking author imports it
    client = client_for(c.author)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/learning/staff/questions/import/", {"file": SimpleUploadedFile("q.xlsx", buffer.getvalue())}
    )

    # then the English is kept beside the Chinese, and a true/false question's choices are stored
    # in Chinese with their English, whatever the author's language
    assert response.status_code == 302
    single = Question.objects.get(kind="single")
    assert (single.text_en, single.explanation_en) == ("Where should an e-bike ride?", "The law.")
    assert [ch.text_en for ch in single.choices.all()] == ["Bike lane", "Motor lane", "Pavement"]
    true_false = Question.objects.get(kind="true_false")
    assert [(ch.text, ch.text_en) for ch in true_false.choices.all()] == [("正确", "True"), ("错误", "False")]
    assert true_false.text_en == ""


def test_the_question_form_takes_english(c: LearningCity) -> None:
    response = client_for(c.author).post(
        "/learning/staff/questions/",
        {
            "topic": "fire",
            "kind": "single",
            "text": "火警电话是多少？",
            "choice_a": "119",
            "choice_b": "110",
            "answer": "A",
            "text_en": "What is the fire emergency number?",
            "choice_a_en": "119",
            "choice_b_en": "110",
            "explanation_en": "Call 119.",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.local_text, question.text_en, question.explanation_en) == (
        "火警电话是多少？",
        "What is the fire emergency number?",
        "Call 119.",
    )
    assert [ch.text_en for ch in question.choices.all()] == ["119", "110"]


@pytest.mark.parametrize("content", [b"not a workbook", b""])
def test_a_file_that_is_not_a_workbook_is_400(c: LearningCity, content: bytes) -> None:
    upload = SimpleUploadedFile("q.xlsx", content)
    response = client_for(c.author).post("/learning/staff/questions/import/", {"file": upload})
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_a_worker_may_not_import(c: LearningCity) -> None:
    response = client_for(c.courier).post("/learning/staff/questions/import/", {"file": workbook([GOOD])})
    assert response.status_code == 403
    assert not Question.objects.exists()


def test_the_edit_page_lists_flagged_sessions_for_staff(c: LearningCity) -> None:
    # given a published item with a flagged session
    from django.utils import timezone

    from littlebee.learning.models import SessionFlag, SessionStatus

    item = article(organisation=c.district_org, author=c.author)
    now = timezone.now()
    LearningSession.objects.create(
        worker=c.courier,
        item=item,
        activity="reading",
        started_at=now,
        finished_at=now,
        status=SessionStatus.FLAGGED,
        flag=SessionFlag.PARALLEL,
    )

    # then the reviewer sees who and why
    page = client_for(c.reviewer).get(f"/learning/staff/{item.pk}/").content.decode()
    assert "同时打开多项内容" in page and "王快递" in page
