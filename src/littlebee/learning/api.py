"""认真学 as API.md fixes it.

GET  /learning/items                  ?kind=&topic=&limit=&offset= → {count, items: [id, kind, title,
                                      topic, minutes, points, done]}, newest first, only what the
                                      caller's audience may see
GET  /learning/items/{id}             the item: body, media URL, min_seconds; a special exam's fixed
                                      questions without answers (drawn quizzes draw at the start)
POST /learning/items/{id}/sessions    201 {session, started_at, min_seconds, questions (without answers)}
POST /learning/sessions/{id}/heartbeat {position} → 204, while the item is visible or playing
POST /learning/sessions/{id}/finish   {answers: {question_id: [choice ids]}} → 200 {credited, points,
                                      reason, detail, score, passed, results}; 409 too_fast,
                                      already_credited, invalid_transition; 404 another's session
POST /learning/sessions/{id}/answer   a challenge, one question at a time: {question, choices} →
                                      200 {correct, late, over, streak, seconds_per_question,
                                      question (the next, without answers), result (once over)}
GET  /learning/me                     {streak_days, today: [activity, label, points, cap]}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from littlebee.accounts.requests import request_user
from littlebee.core.api_schemas import ErrorOut
from littlebee.core.pagination import clamp

from . import selectors, services
from .models import ItemKind, LearningItem, Question, QuizKind, Topic

router = Router(tags=["learning"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_ID = 2**31 - 1


class LearningItemRowOut(Schema):
    id: int
    kind: str
    title: str
    topic: str
    topic_label: str
    minutes: int
    points: int
    done: bool


class LearningItemList(Schema):
    count: int
    items: list[LearningItemRowOut]


class LearningItemsQuery(Schema):
    kind: Literal["article", "audio", "video", "quiz"] | None = None
    topic: Literal["party", "policy", "traffic", "fire", "rights", "skills"] | None = None
    limit: int | None = None
    offset: int | None = None


class LearningChoiceOut(Schema):
    id: int
    text: str


class LearningQuestionOut(Schema):
    """A question as the worker sees it before finishing: never which choice is right."""

    id: int
    kind: str
    text: str
    choices: list[LearningChoiceOut]


class LearningQuizOut(Schema):
    kind: str
    question_count: int
    pass_mark: int
    max_attempts: int
    seconds_per_question: int


class LearningItemOut(Schema):
    id: int
    kind: str
    title: str
    topic: str
    topic_label: str
    summary: str
    text: str
    media_url: str | None
    media_type: str
    duration_seconds: int | None
    min_seconds: int
    minutes: int
    activity: str
    points: int
    done: bool
    published_at: datetime | None
    quiz: LearningQuizOut | None
    questions: list[LearningQuestionOut]


class LearningSessionOut(Schema):
    session: int
    started_at: datetime
    min_seconds: int
    seconds_per_question: int | None
    questions: list[LearningQuestionOut]


class HeartbeatIn(Schema):
    position: float | None = Field(None, ge=0, le=86_400)


class FinishIn(Schema):
    answers: dict[str, list[int]] = Field(default_factory=dict)


class LearningResultOut(Schema):
    question: int
    text: str
    correct: bool
    chosen: list[int]
    answer: list[int]
    explanation: str


class FinishOut(Schema):
    credited: bool
    points: int
    reason: str
    detail: str
    score: int | None
    passed: bool | None
    results: list[LearningResultOut]


class AnswerIn(Schema):
    question: int = Field(..., ge=1, le=MAX_ID)
    choices: list[int] = Field(default_factory=list, max_length=10)


class AnswerOut(Schema):
    correct: bool
    late: bool
    over: bool
    streak: int
    seconds_per_question: int
    question: LearningQuestionOut | None
    result: FinishOut | None


class LearningActivityOut(Schema):
    activity: str
    label: str
    points: int
    cap: int | None


class LearningMeOut(Schema):
    streak_days: int
    points_today: int
    today: list[LearningActivityOut]


def _topic_label(code: str) -> str:
    return str(Topic(code).label) if code in Topic.values else code


def question_payload(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "kind": question.kind,
        "text": question.local_text,
        "choices": [{"id": c.pk, "text": c.local_text} for c in question.choices.all()],
    }


def _points_of(rules: dict[str, Any], item: LearningItem) -> int:
    rule = rules.get(item.activity)
    return rule.points_max if rule is not None else 0


@router.get("/learning/items", response={200: LearningItemList, **ERRORS})
def items(request: HttpRequest, query: Query[LearningItemsQuery]) -> dict[str, Any]:
    """What the caller may learn now, newest first, with the points each gives and whether done."""
    user = request_user(request)
    queryset = selectors.items_visible_to(user).only(
        "id",
        "kind",
        "title",
        "title_en",
        "topic",
        "body",
        "duration_seconds",
        "quiz_kind",
        "question_count",
        "seconds_per_question",
        "published_at",
    )
    if query.kind:
        queryset = queryset.filter(kind=query.kind)
    if query.topic:
        queryset = queryset.filter(topic=query.topic)
    limit, offset = clamp(query.limit, query.offset)
    count = queryset.count()
    page = list(queryset[offset : offset + limit]) if count > offset else []
    rules = selectors.activity_rules(user) if page else {}
    done = selectors.done_item_ids(user, [i.pk for i in page]) if page else set()
    return {
        "count": count,
        "items": [
            {
                "id": i.pk,
                "kind": i.kind,
                "title": i.local_title,
                "topic": i.topic,
                "topic_label": _topic_label(i.topic),
                "minutes": i.minutes,
                "points": _points_of(rules, i),
                "done": i.pk in done,
            }
            for i in page
        ],
    }


def item_payload(request: HttpRequest, user: Any, item: LearningItem) -> dict[str, Any]:
    questions: list[Question] = []
    if item.kind == ItemKind.QUIZ and item.quiz_kind == "special":
        ids = list(
            LearningItem.questions.through.objects.filter(learningitem_id=item.pk)
            .order_by("id")
            .values_list("question_id", flat=True)
        )
        questions = selectors.questions_with_choices(ids)
    rules = selectors.activity_rules(user)
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.local_title,
        "topic": item.topic,
        "topic_label": _topic_label(item.topic),
        "summary": item.local_summary,
        "text": item.local_body,
        "media_url": request.build_absolute_uri(f"/learning/media/{item.pk}") if item.media else None,
        "media_type": item.media_type,
        "duration_seconds": item.duration_seconds,
        "min_seconds": item.min_seconds,
        "minutes": item.minutes,
        "activity": item.activity,
        "points": _points_of(rules, item),
        "done": item.pk in selectors.done_item_ids(user, [item.pk]),
        "published_at": timezone.localtime(item.published_at) if item.published_at else None,
        "quiz": (
            {
                "kind": item.quiz_kind,
                "question_count": len(questions) or item.question_count,
                "pass_mark": item.pass_mark,
                "max_attempts": item.max_attempts,
                "seconds_per_question": item.seconds_per_question,
            }
            if item.kind == ItemKind.QUIZ
            else None
        ),
        "questions": [question_payload(q) for q in questions],
    }


@router.get("/learning/items/{item_id}", response={200: LearningItemOut, **ERRORS})
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = request_user(request)
    return item_payload(request, user, selectors.item_visible(user, item_id))


@router.post("/learning/items/{item_id}/sessions", response={201: LearningSessionOut, **ERRORS})
def session_start(request: HttpRequest, item_id: int) -> Status[dict[str, Any]]:
    """Open an item; a quiz's questions for this attempt come with it, without their answers."""
    user = request_user(request)
    item = selectors.item_visible(user, item_id)
    session = services.session_start(worker=user, item=item)
    # A challenge hands out its questions one at a time, each timed from when it is handed out.
    ids = session.question_ids[:1] if item.quiz_kind == QuizKind.CHALLENGE else session.question_ids
    questions = selectors.questions_with_choices(ids) if ids else []
    return Status(
        201,
        {
            "session": session.pk,
            "started_at": timezone.localtime(session.started_at),
            "min_seconds": item.min_seconds,
            "seconds_per_question": item.seconds_per_question if item.kind == ItemKind.QUIZ else None,
            "questions": [question_payload(q) for q in questions],
        },
    )


@router.post("/learning/sessions/{session_id}/heartbeat", response={204: None, **ERRORS})
def session_heartbeat(request: HttpRequest, body: HeartbeatIn, session_id: int) -> HttpResponse:
    services.session_heartbeat(worker=request_user(request), session_id=session_id, position=body.position)
    return HttpResponse(status=204)


def finish_payload(result: services.FinishResult) -> dict[str, Any]:
    return {
        "credited": result.credited,
        "points": result.points,
        "reason": result.reason,
        "detail": result.detail,
        "score": result.score,
        "passed": result.passed,
        "results": result.results,
    }


@router.post("/learning/sessions/{session_id}/finish", response={200: FinishOut, **ERRORS})
def session_finish(request: HttpRequest, body: FinishIn, session_id: int) -> dict[str, Any]:
    """Credit the session once if the server saw enough of it; a quiz is marked here and its
    answers and explanations come back only now."""
    result = services.session_finish(worker=request_user(request), session_id=session_id, answers=body.answers)
    return finish_payload(result)


@router.post("/learning/sessions/{session_id}/answer", response={200: AnswerOut, **ERRORS})
def challenge_answer(request: HttpRequest, body: AnswerIn, session_id: int) -> dict[str, Any]:
    """A challenge's answer to the question handed out last, checked against its time limit: the
    next question comes back while the round goes on, the round's result once it is over."""
    answer = services.challenge_answer(
        worker=request_user(request), session_id=session_id, question_id=body.question, choices=body.choices
    )
    return {
        "correct": answer.correct,
        "late": answer.late,
        "over": answer.over,
        "streak": answer.streak,
        "seconds_per_question": answer.seconds_per_question,
        "question": question_payload(answer.next_question) if answer.next_question else None,
        "result": finish_payload(answer.finish) if answer.finish else None,
    }


@router.get("/learning/me", response={200: LearningMeOut, **ERRORS})
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller's streak and today's points per activity against its daily cap."""
    user = request_user(request)
    today = selectors.today_of(user)
    return {
        "streak_days": selectors.streak_days(user),
        "points_today": sum(a.points for a in today),
        "today": [{"activity": a.activity, "label": a.label, "points": a.points, "cap": a.cap} for a in today],
    }
