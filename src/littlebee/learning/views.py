"""The worker's 认真学 pages: the learning home (today's points per activity against its cap, the
streak, what is new for me), an item's page (article with listening, audio, video) whose script
times the session through the API, and the quiz pages (one thumb: big choices, one card each),
posted as plain forms and marked on the server, with the result and its explanations.

Staff pages live in views_staff.py. Views parse, call services or selectors, and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from littlebee.accounts.requests import request_user
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, NotFound

from . import media, selectors, services
from .models import ItemKind, LearningSession, QuizKind, SessionStatus, Topic

HOME_ITEMS = 30


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    topic = request.GET.get("topic", "")
    items = selectors.items_visible_to(user).exclude(kind=ItemKind.QUIZ)
    if topic in Topic.values:
        items = items.filter(topic=topic)
    rows = list(items[:HOME_ITEMS])
    quizzes = list(selectors.items_visible_to(user).filter(kind=ItemKind.QUIZ)[:10])
    done = selectors.done_item_ids(user, [i.pk for i in rows + quizzes])
    today = selectors.today_of(user)
    rules = selectors.activity_rules(user)
    context = {
        "profile": selectors.learner_profile(user),
        "today": today,
        "points_today": sum(a.points for a in today),
        "streak": selectors.streak_days(user),
        "rows": [{"item": i, "done": i.pk in done, "points": _points(rules, i)} for i in rows],
        "quizzes": [{"item": q, "done": q.pk in done, "points": _points(rules, q)} for q in quizzes],
        "topics": Topic.choices,
        "topic": topic,
    }
    return render(request, "learning/home.html", context)


def _points(rules: dict[str, Any], item: Any) -> int:
    rule = rules.get(item.activity)
    return rule.points_max if rule is not None else 0


@login_required
@require_safe
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    user = request_user(request)
    found = selectors.item_visible(user, item_id)
    if found.kind == ItemKind.QUIZ:
        return redirect("learning:quiz", item_id=found.pk)
    rules = selectors.activity_rules(user)
    context = {
        "item": found,
        "points": _points(rules, found),
        "done": found.pk in selectors.done_item_ids(user, [found.pk]),
        "is_worker": selectors.learner_profile(user) is not None,
        "media_url": reverse("learning:media", args=[found.pk]) if found.media else "",
    }
    return render(request, "learning/item.html", context)


@login_required
@require_safe
def item_media(request: HttpRequest, item_id: int) -> HttpResponseBase:
    """The item's audio or video, with range requests (players seek and resume), for a worker the
    item is published to or an editor of it."""
    user = request_user(request)
    try:
        found = selectors.item_visible(user, item_id)
    except NotFound:
        found = selectors.item_editable(selectors.learning_editor_of(user), item_id)
    return media.ranged_response(request, found.media, found.media_type)


# --- Quizzes -------------------------------------------------------------------------------------
@login_required
@never_cache
def quiz(request: HttpRequest, item_id: int) -> HttpResponse:
    """A quiz's start page; POST starts an attempt and goes to its questions."""
    user = request_user(request)
    found = selectors.item_visible(user, item_id)
    if found.kind != ItemKind.QUIZ:
        return redirect("learning:item", item_id=found.pk)
    if request.method == "POST":
        try:
            session = services.session_start(worker=user, item=found)
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect("learning:quiz", item_id=found.pk)
        return redirect("learning:attempt", session_id=session.pk)
    rules = selectors.activity_rules(user)
    context = {
        "item": found,
        "points": _points(rules, found),
        "done": found.pk in selectors.done_item_ids(user, [found.pk]),
        "attempts": selectors.attempts_of(user, found) if found.quiz_kind == QuizKind.SPECIAL else None,
        "question_total": found.questions.count() if found.quiz_kind == QuizKind.SPECIAL else found.question_count,
    }
    return render(request, "learning/quiz.html", context)


def _own_session(user: Any, session_id: int) -> LearningSession:
    session = (
        LearningSession.objects.select_related("item").filter(pk=session_id, worker=user).first()
        if 1 <= session_id <= selectors.MAX_ID
        else None
    )
    if session is None:
        raise NotFound()
    return session


@login_required
@never_cache
def attempt(request: HttpRequest, session_id: int) -> HttpResponse:
    """The questions of an attempt (never their answers); POST hands the answers in. A challenge
    shows one question at a time with its countdown, and each POST answers that one."""
    user = request_user(request)
    session = _own_session(user, session_id)
    if session.status != SessionStatus.OPEN:
        return redirect("learning:result", session_id=session.pk)
    if session.item.quiz_kind == QuizKind.CHALLENGE:
        return _challenge(request, session)
    questions = selectors.questions_with_choices(session.question_ids)
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers: dict[str, list[int]] = {}
        for question in questions:
            picked = _picked(request, question.pk)
            if picked:
                answers[str(question.pk)] = picked
        try:
            result = services.session_finish(worker=user, session_id=session.pk, answers=answers)
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            errors = {e.field: str(e.detail) for e in exc.errors}
        else:
            level = messages.SUCCESS if result.credited else messages.INFO
            messages.add_message(request, level, _credit_message(result))
            return redirect("learning:result", session_id=session.pk)
    context = {
        "session": session,
        "item": session.item,
        "questions": questions,
        "errors": errors,
        "challenge": False,
    }
    return render(request, "learning/attempt.html", context, status=400 if errors else 200)


def _picked(request: HttpRequest, question_id: int) -> list[int]:
    return [int(v) for v in request.POST.getlist(f"q{question_id}") if is_number(v) and len(v) < 11]


def _challenge(request: HttpRequest, session: LearningSession) -> HttpResponse:
    """The challenge question handed out last, its time left counted by the server; POST answers
    it (or, with `stop`, ends the round keeping the streak)."""
    user = request_user(request)
    question = services.challenge_current(session)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if "stop" in request.POST or question is None:
                finish = services.session_finish(worker=user, session_id=session.pk)
            else:
                answer = services.challenge_answer(
                    worker=user, session_id=session.pk, question_id=question.pk, choices=_picked(request, question.pk)
                )
                if answer.finish is None:
                    return redirect("learning:attempt", session_id=session.pk)
                if answer.late:
                    messages.warning(request, _late_message())
                finish = answer.finish
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            errors = {e.field: str(e.detail) for e in exc.errors}
        else:
            level = messages.SUCCESS if finish.credited else messages.INFO
            messages.add_message(request, level, _credit_message(finish))
            return redirect("learning:result", session_id=session.pk)
    answered = len(session.answers or {})
    context = {
        "session": session,
        "item": session.item,
        "questions": [question] if question is not None else [],
        "errors": errors,
        "challenge": True,
        "number": answered + 1,
        "streak": answered,
        "seconds_left": services.challenge_seconds_left(session),
    }
    return render(request, "learning/attempt.html", context, status=400 if errors else 200)


def _late_message() -> str:
    from django.utils.translation import gettext as _

    return _("这道题超过了时限，本轮结束。")


def _credit_message(result: services.FinishResult) -> str:
    from django.utils.translation import gettext as _

    if result.credited:
        return _("获得 %(points)d 积分！") % {"points": result.points}
    return result.detail


@login_required
@require_safe
def result(request: HttpRequest, session_id: int) -> HttpResponse:
    """A finished attempt: the score, each question with the right answer and its explanation."""
    user = request_user(request)
    session = _own_session(user, session_id)
    if session.status == SessionStatus.OPEN:
        return redirect("learning:attempt", session_id=session.pk)
    context = {
        "session": session,
        "item": session.item,
        "rows": selectors.attempt_rows(session),
        "detail": services.REASON_DETAILS.get(session.reason, ""),
    }
    return render(request, "learning/result.html", context)
