"""The demo city's 认真学: the question bank, 27 articles, 4 quizzes and an audio and a video
lesson written for this product, in Chinese and English (learning_data, learning_articles_en;
the lessons' files are encoded on load by learning_media), published by 武昌区's admin and
reviewed by the city admin, and three weeks of learning history for demo workers, so the staff
figures and the workers' streaks show something.

Content is found by its text or title, so a second load adds nothing. History is written once
(when no session exists) the way the services leave it: a session per opening, credited through
points.services.points_award with the product's keys (`learning:<item>:<worker>[:<day>]`), so
`points_reconcile` agrees afterwards. Today is left alone: the demo courier can still read and
take the daily quiz for points.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.core.texts import names
from littlebee.learning.media import media_facts
from littlebee.learning.models import (
    Activity,
    Choice,
    ItemEvent,
    ItemKind,
    ItemStatus,
    LearningItem,
    LearningSession,
    Question,
    QuizKind,
    SessionFlag,
    SessionStatus,
)
from littlebee.learning.services import MEDIA_EXTENSIONS, MEDIA_TYPES, credit_key, exam_questions_set
from littlebee.orgs.models import Organisation, OrgKind
from littlebee.points.models import PointsSource
from littlebee.points.services import points_award

from . import learning_data as data
from .learning_articles_en import ARTICLES_EN, QUIZZES_EN
from .learning_media import chime_mp3, traffic_light_webm

AUTHOR = "13900000003"  # admin of 武昌区 (its party organisation)
REVIEWER = "13900000000"  # city admin
COURIER = "13800000001"
RIDER = "13800000002"
HISTORY_DAYS = 21
HISTORY_WORKERS = 40
SPECIAL_EXAM_TOPICS = ("traffic", "fire")


def _questions(author: User | None, created: Counter[str]) -> list[Question]:
    existing = {q.text: q for q in Question.objects.prefetch_related("choices")}
    made = 0
    for (topic, kind, text, options, answer, explanation), english in zip(
        data.QUESTIONS, data.QUESTIONS_EN, strict=True
    ):
        text_en, options_en, explanation_en = english
        if kind == "true_false":
            choices = [("正确", "True", answer == "对"), ("错误", "False", answer == "错")]
        else:
            choices = [
                (o, o_en, "ABCDEF"[i] in answer) for i, (o, o_en) in enumerate(zip(options, options_en, strict=True))
            ]
        found = existing.get(text)
        if found is not None:
            if not found.text_en:  # a city loaded before the bank had its English
                _english(found, text_en, explanation_en, [c[1] for c in choices])
            continue
        question = Question.objects.create(
            topic=topic,
            kind=kind,
            text=text,
            explanation=explanation,
            text_en=text_en,
            explanation_en=explanation_en,
            created_by=author,
        )
        Choice.objects.bulk_create(
            Choice(question=question, text=t, text_en=t_en, correct=ok, order=i)
            for i, (t, t_en, ok) in enumerate(choices)
        )
        made += 1
    if made:
        created["learning questions"] += made
    texts = [q[2] for q in data.QUESTIONS]
    return list(Question.objects.filter(text__in=texts).order_by("pk"))


def _english(question: Question, text_en: str, explanation_en: str, choices_en: list[str]) -> None:
    question.text_en, question.explanation_en = text_en, explanation_en
    question.save(update_fields=["text_en", "explanation_en"])
    choices = list(question.choices.all())
    for choice, english in zip(choices, choices_en, strict=False):
        choice.text_en = english
    Choice.objects.bulk_update(choices, ["text_en"])


def _publish(item: LearningItem, author: User | None, reviewer: User | None, at: datetime) -> None:
    for action, before, after, when in (
        ("create", "", ItemStatus.DRAFT, at - timedelta(days=2)),
        ("submit", ItemStatus.DRAFT, ItemStatus.REVIEW, at - timedelta(days=1)),
        ("publish", ItemStatus.REVIEW, ItemStatus.PUBLISHED, at),
    ):
        ItemEvent.objects.create(
            item=item,
            actor=author if action != "publish" else reviewer,
            action=action,
            from_status=before,
            to_status=after,
            at=when,
        )


def _items(now: datetime, users: dict[str, User], bank: list[Question], created: Counter[str]) -> list[LearningItem]:
    author = users.get(AUTHOR)
    reviewer = users.get(REVIEWER)
    organisation = (
        Organisation.objects.filter(kind=OrgKind.PARTY_ORG, memberships__user=author).order_by("pk").first()
        if author is not None
        else None
    )
    existing = set(LearningItem.objects.values_list("title", flat=True))
    _english_items(existing)
    made = 0
    for n, ((topic, title, summary, paragraphs, worker_types), (title_en, summary_en, paragraphs_en)) in enumerate(
        zip(data.ARTICLES, ARTICLES_EN, strict=True)
    ):
        if title in existing:
            continue
        at = now - timedelta(days=30 - n, hours=n % 7)
        item = LearningItem.objects.create(
            kind=ItemKind.ARTICLE,
            title=title,
            topic=topic,
            summary=summary,
            body="\n\n".join(paragraphs),
            title_en=title_en,
            summary_en=summary_en,
            body_en="\n\n".join(paragraphs_en),
            worker_types=worker_types,
            status=ItemStatus.PUBLISHED,
            organisation=organisation,
            author=author,
            reviewer=reviewer,
            published_at=at,
        )
        _publish(item, author, reviewer, at)
        made += 1
    for n, (kind, topic, title, summary, paragraphs, title_en, summary_en) in enumerate(data.MEDIA_LESSONS):
        if title in existing:
            continue
        at = now - timedelta(days=3 - n, hours=2)
        item = LearningItem(
            kind=kind,
            title=title,
            topic=topic,
            summary=summary,
            title_en=title_en,
            summary_en=summary_en,
            body="\n\n".join(paragraphs),
            status=ItemStatus.PUBLISHED,
            organisation=organisation,
            author=author,
            reviewer=reviewer,
            published_at=at,
        )
        _attach_media(item)
        item.save()
        _publish(item, author, reviewer, at)
        made += 1
    for (title, quiz_kind, summary, count, pass_mark, attempts, seconds), (title_en, summary_en) in zip(
        data.QUIZZES, QUIZZES_EN, strict=True
    ):
        if title in existing:
            continue
        at = now - timedelta(days=28)
        item = LearningItem.objects.create(
            kind=ItemKind.QUIZ,
            quiz_kind=quiz_kind,
            title=title,
            topic="party" if quiz_kind != QuizKind.SPECIAL else "traffic",
            summary=summary,
            title_en=title_en,
            summary_en=summary_en,
            question_count=count,
            pass_mark=pass_mark,
            max_attempts=attempts,
            seconds_per_question=seconds,
            status=ItemStatus.PUBLISHED,
            organisation=organisation,
            author=author,
            reviewer=reviewer,
            published_at=at,
        )
        if quiz_kind == QuizKind.SPECIAL:
            exam_questions_set(item, [q for q in bank if q.topic in SPECIAL_EXAM_TOPICS][:count])
        _publish(item, author, reviewer, at)
        made += 1
    if made:
        created["learning items"] += made
    return list(LearningItem.objects.filter(status=ItemStatus.PUBLISHED).order_by("pk"))


def _english_items(existing: set[str]) -> None:
    """English for the articles and quizzes of a city loaded before they had it (blank fields
    only: an English text a staff member has since written stays)."""
    english: dict[str, tuple[str, str, str]] = {
        article[1]: (title_en, summary_en, "\n\n".join(paragraphs_en))
        for article, (title_en, summary_en, paragraphs_en) in zip(data.ARTICLES, ARTICLES_EN, strict=True)
    }
    english.update(
        {
            quiz[0]: (title_en, summary_en, "")
            for quiz, (title_en, summary_en) in zip(data.QUIZZES, QUIZZES_EN, strict=True)
        }
    )
    if not existing.intersection(english):
        return
    items = list(LearningItem.objects.filter(title__in=list(english)).filter(Q(title_en="") | Q(summary_en="")))
    for item in items:
        title_en, summary_en, body_en = english[item.title]
        item.title_en = item.title_en or title_en
        item.summary_en = item.summary_en or summary_en
        item.body_en = item.body_en or body_en
    LearningItem.objects.bulk_update(items, ["title_en", "summary_en", "body_en"])


def _attach_media(item: LearningItem) -> None:
    """A real file for an audio or video lesson, made now (a few tens of kilobytes), its type and
    length read from it the way an upload's are."""
    made = chime_mp3() if item.kind == ItemKind.AUDIO else traffic_light_webm()
    facts = media_facts(io.BytesIO(made))
    if facts is None:  # pragma: no cover - the encoder made something FFmpeg cannot read back
        raise RuntimeError("the demo's media could not be read back")
    content_type = MEDIA_TYPES[(facts.container, facts.kind)]
    item.media.save(f"demo-{item.kind}.{MEDIA_EXTENSIONS[content_type]}", ContentFile(made), save=False)
    item.media_type = content_type
    item.duration_seconds = facts.duration_seconds


def _credit(session: LearningSession, at: datetime, amount: int | None) -> None:
    key = credit_key(session, at)
    source = PointsSource.ARTICLE_READ if session.activity == Activity.READING else PointsSource.QUIZ_PASSED
    award = points_award(
        worker=session.worker,
        source=source,
        category=session.activity,
        idempotency_key=f"learning:{key}",
        source_object=session,
        amount=amount,
        # As learning's own credits: the item's titles in both languages (core.texts).
        note=names(session.item.title, session.item.title_en),
        at=at,
    )
    if award.created:
        session.status = SessionStatus.CREDITED
        session.points = award.awarded
        session.credit_key = key
    else:
        session.status = SessionStatus.COMPLETED
        session.reason = award.refusal or "already_credited"
    session.save(update_fields=["status", "points", "credit_key", "reason"])


def _history(now: datetime, users: dict[str, User], items: list[LearningItem], created: Counter[str]) -> None:
    if LearningSession.objects.exists():
        return
    rng = random.Random(2024)  # noqa: S311 - demo data, not security
    articles = [i for i in items if i.kind == ItemKind.ARTICLE]
    daily = next((i for i in items if i.quiz_kind == QuizKind.DAILY), None)
    if not articles or daily is None:
        return
    bank = list(Question.objects.filter(is_active=True).values_list("pk", flat=True))
    profiles = list(
        WorkerProfile.objects.filter(checkin_status=CheckinStatus.CONFIRMED, user__in=users.values())
        .select_related("user")
        .order_by("pk")
    )
    stars = [p for p in profiles if p.user.phone in (COURIER, RIDER)]
    others = [p for p in profiles if p not in stars]
    learners = stars + rng.sample(others, min(len(others), HISTORY_WORKERS))
    today = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    sessions = 0
    for profile in learners:
        worker = profile.user
        star = profile in stars
        read: set[int] = set()
        for days_ago in range(HISTORY_DAYS, 0, -1):
            # The demo courier and rider learned one article and the daily quiz on each of the last
            # six days (a streak to see), and left most articles for the demo itself.
            if star and days_ago > 6:
                continue
            if not star and rng.random() > 0.45:
                continue
            day = today - timedelta(days=days_ago) + timedelta(minutes=rng.randint(0, 480))
            visible = [a for a in articles if a.pk not in read and a.published_at and a.published_at < day]
            visible = [a for a in visible if not a.worker_types or profile.worker_type in a.worker_types.split()]
            for n, item in enumerate(rng.sample(visible, min(len(visible), 1 if star else rng.randint(1, 3)))):
                at = day + timedelta(minutes=4 * n)
                session = LearningSession.objects.create(
                    worker=worker,
                    item=item,
                    activity=Activity.READING,
                    started_at=at - timedelta(seconds=item.min_seconds + 20),
                    last_seen_at=at,
                    heartbeats=(item.min_seconds + 20) // 5,
                    visible_ms=(item.min_seconds + 20) * 1000,
                    finished_at=at,
                    status=SessionStatus.COMPLETED,
                )
                _credit(session, at, None)
                read.add(item.pk)
                sessions += 1
            if star or rng.random() < 0.7:
                at = day + timedelta(minutes=20)
                asked = rng.sample(bank, min(5, len(bank)))
                score = rng.randint(2, 5)
                session = LearningSession.objects.create(
                    worker=worker,
                    item=daily,
                    activity=Activity.DAILY_QUIZ,
                    started_at=at - timedelta(minutes=2),
                    finished_at=at,
                    status=SessionStatus.COMPLETED,
                    question_ids=asked,
                    score=score,
                    passed=score * 100 >= daily.pass_mark * len(asked),
                )
                _credit(session, at, score)
                sessions += 1
        # A few openings staff should look at: two articles beating at once.
        if not star and rng.random() < 0.08 and len(articles) > 1:
            at = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
            for item in articles[:2]:
                LearningSession.objects.create(
                    worker=worker,
                    item=item,
                    activity=Activity.READING,
                    started_at=at,
                    last_seen_at=at + timedelta(seconds=40),
                    heartbeats=8,
                    visible_ms=40_000,
                    finished_at=at + timedelta(seconds=45),
                    status=SessionStatus.FLAGGED,
                    flag=SessionFlag.PARALLEL,
                    reason="flagged",
                )
                sessions += 1
    if sessions:
        created["learning sessions"] += sessions


def load_learning(*, now: datetime | None = None, users: dict[str, User], created: Counter[str]) -> None:
    """The bank, the items and the history (what is missing only)."""
    now = now or timezone.now()
    bank = _questions(users.get(AUTHOR), created)
    items = _items(now, users, bank, created)
    _history(now, users, items, created)
