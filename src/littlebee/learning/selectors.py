"""Reads of 认真学 that need rules: which items a worker sees, which a staff member may write or
review, today's points per activity against its cap, the streak, and the staff figures.

`items_visible_to(worker)` is the one rule for workers (every list, page and API call asks it);
`learning_editor_of(user)` the one rule for staff. Items neither lets you see answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from littlebee.accounts.models import User, WorkerProfile
from littlebee.accounts.selectors import StaffAccess, staff_access_of, writes_learning
from littlebee.core.errors import NotFound
from littlebee.orgs.models import Organisation
from littlebee.points.models import EarningRule, LedgerEntry, LedgerReason, PointsSource

from .models import (
    Activity,
    ItemStatus,
    LearningItem,
    LearningSession,
    Question,
    QuizKind,
    SessionStatus,
)

# The points source of each activity's earning rule (its category is the activity).
ACTIVITY_SOURCES: dict[str, str] = {
    Activity.READING: PointsSource.ARTICLE_READ,
    Activity.LISTENING: PointsSource.ARTICLE_READ,
    Activity.DAILY_QUIZ: PointsSource.QUIZ_PASSED,
    Activity.WEEKLY_QUIZ: PointsSource.QUIZ_PASSED,
    Activity.SPECIAL_EXAM: PointsSource.QUIZ_PASSED,
    Activity.CHALLENGE: PointsSource.QUIZ_PASSED,
}
# Larger than any real id; keeps a hostile id from overflowing the database's integers.
MAX_ID = 2**31 - 1
DONE_STATUSES = (SessionStatus.CREDITED, SessionStatus.COMPLETED)


# --- Workers: what they see ----------------------------------------------------------------------
def published_now(at: datetime | None = None) -> Q:
    at = at or timezone.now()
    return (
        Q(status=ItemStatus.PUBLISHED)
        & (Q(publish_from__isnull=True) | Q(publish_from__lte=at))
        & (Q(publish_until__isnull=True) | Q(publish_until__gt=at))
    )


def audience_of(profile: WorkerProfile | None) -> Q:
    """Items whose audience includes this worker: no worker type named or theirs; no region named
    or one their community lies in; no enterprise named or theirs."""
    regions = LearningItem.regions.through.objects.filter(learningitem_id=OuterRef("pk"))
    enterprises = LearningItem.enterprises.through.objects.filter(learningitem_id=OuterRef("pk"))
    if profile is None:
        return Q(worker_types="") & ~Exists(regions) & ~Exists(enterprises)
    codes = _path_codes(profile)
    # Codes never contain one another ("courier", "food_delivery", "ride_hailing", "other"), so a
    # containment test on the space-separated list is exact.
    type_ok = Q(worker_types="") | Q(worker_types__contains=profile.worker_type)
    region_ok = ~Exists(regions) | Exists(regions.filter(region__code__in=codes))
    enterprise_ok = ~Exists(enterprises) | Exists(enterprises.filter(organisation_id=profile.enterprise_id or 0))
    return Q(type_ok, region_ok, enterprise_ok)


def learner_profile(worker: User) -> WorkerProfile | None:
    """The worker's profile with its community, read once per request (kept on the user object):
    the audience, the district's rules and the start of a session all need it."""
    if hasattr(worker, "_learning_profile"):
        cached: WorkerProfile | None = worker._learning_profile
        return cached
    profile = WorkerProfile.objects.select_related("community").filter(user_id=worker.pk).first()
    worker._learning_profile = profile  # type: ignore[attr-defined]
    return profile


def _path_codes(profile: WorkerProfile | None) -> list[str]:
    return [code for code in profile.community.path.split("/") if code] if profile is not None else []


def items_visible_to(worker: User, *, at: datetime | None = None) -> QuerySet[LearningItem]:
    """The published items in their window whose audience includes the worker."""
    if not worker.is_authenticated:
        return LearningItem.objects.none()
    profile = learner_profile(worker)
    return LearningItem.objects.filter(published_now(at)).filter(audience_of(profile))


def item_visible(worker: User, item_id: int) -> LearningItem:
    if not 1 <= item_id <= MAX_ID:
        raise NotFound()
    item = items_visible_to(worker).filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def done_item_ids(worker: User, item_ids: list[int], *, at: datetime | None = None) -> set[int]:
    """Which of these items the worker has finished: ever, or for the daily and weekly quizzes
    today and this week."""
    at = at or timezone.now()
    day = day_start(at)
    week = day - timedelta(days=timezone.localtime(day).weekday())
    rows = (
        LearningSession.objects.filter(worker=worker, item_id__in=item_ids, status__in=DONE_STATUSES)
        .values_list("item_id", "item__quiz_kind", "finished_at")
        .order_by()
    )
    done: set[int] = set()
    for item_id, quiz_kind, finished_at in rows:
        since = day if quiz_kind == QuizKind.DAILY else week if quiz_kind == QuizKind.WEEKLY else None
        if quiz_kind == QuizKind.CHALLENGE or (since is not None and finished_at is not None and finished_at < since):
            continue  # a challenge is never done; the daily and weekly quizzes come back
        done.add(item_id)
    return done


def items_passed_by(worker: User, item_ids: list[int]) -> set[int]:
    """Which of these items the worker has passed, ever: a quiz finished with a pass, any other
    item finished (credited, or completed without points). Flagged sessions do not count. What
    another module asks when it requires an item (a volunteer task needing fire-safety
    training); one query."""
    if not worker.is_authenticated or not item_ids:
        return set()
    rows = (
        LearningSession.objects.filter(worker=worker, item_id__in=item_ids, status__in=DONE_STATUSES)
        .filter(Q(passed=True) | Q(passed__isnull=True))
        .values_list("item_id", flat=True)
        .distinct()
        .order_by()
    )
    return set(rows)


# --- Points per activity -------------------------------------------------------------------------
def day_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def activity_rules(worker: User, *, at: datetime | None = None) -> dict[str, EarningRule]:
    """The earning rule of each activity for this worker, in one query: a district's override
    (within the city rule's district maximum) wins over the city's, as points.rules.rule_for picks."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    # The worker's district is one of the regions on their community's path: no query of its own.
    codes = _path_codes(learner_profile(worker))
    scope = Q(district__isnull=True) | Q(district__code__in=codes)
    rules = EarningRule.objects.filter(
        scope,
        Q(active_from__isnull=True) | Q(active_from__lte=day),
        Q(active_until__isnull=True) | Q(active_until__gte=day),
        is_active=True,
        source__in=set(ACTIVITY_SOURCES.values()),
        category__in=Activity.values,
    )
    found: dict[str, EarningRule] = {}
    city = {(r.source, r.category): r for r in rules if r.district_id is None}
    local = {(r.source, r.category): r for r in rules if r.district_id is not None}
    for activity, source in ACTIVITY_SOURCES.items():
        key = (source, str(activity))
        chosen = city.get(key)
        override = local.get(key)
        if chosen is not None and override is not None:
            limit = chosen.district_max_points
            if limit is not None and override.points_max <= limit:
                chosen = override
        if chosen is not None:
            found[str(activity)] = chosen
    return found


def earned_today(worker: User, *, at: datetime | None = None) -> dict[str, int]:
    """Points the worker earned today per activity, from the ledger, in one query."""
    at = at or timezone.now()
    rows = (
        LedgerEntry.objects.filter(
            worker=worker,
            reason=LedgerReason.EARN,
            source__in=set(ACTIVITY_SOURCES.values()),
            category__in=Activity.values,
            created_at__gte=day_start(at),
        )
        .values("category")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["category"]: int(row["total"] or 0) for row in rows}


@dataclass(frozen=True)
class ActivityToday:
    activity: str
    label: str
    points: int
    cap: int | None
    per_item: int

    @property
    def reached(self) -> bool:
        return self.cap is not None and self.points >= self.cap


def today_of(worker: User, *, at: datetime | None = None) -> list[ActivityToday]:
    """Today's points per activity against its daily cap (two queries)."""
    rules = activity_rules(worker, at=at)
    earned = earned_today(worker, at=at)
    rows = []
    for activity in Activity:
        rule = rules.get(str(activity))
        rows.append(
            ActivityToday(
                activity=str(activity),
                label=str(activity.label),
                points=earned.get(str(activity), 0),
                cap=rule.daily_cap if rule is not None else None,
                per_item=rule.points_max if rule is not None else 0,
            )
        )
    return rows


def streak_days(worker: User, *, at: datetime | None = None) -> int:
    """Consecutive days, ending today (or yesterday, while today has nothing yet), on which the
    worker had learning credited. One query over the last 400 days."""
    at = at or timezone.now()
    since = day_start(at) - timedelta(days=400)
    finished = LearningSession.objects.filter(
        worker=worker, status=SessionStatus.CREDITED, finished_at__gte=since
    ).values_list("finished_at", flat=True)
    days = {timezone.localdate(f) for f in finished}
    today = timezone.localdate(at)
    cursor = today if today in days else today - timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= timedelta(days=1)
    return count


# --- Quizzes -------------------------------------------------------------------------------------
def questions_with_choices(question_ids: list[int]) -> list[Question]:
    """The questions in the order given, each with its choices (two queries)."""
    found = {q.pk: q for q in Question.objects.filter(pk__in=question_ids).prefetch_related("choices")}
    return [found[qid] for qid in question_ids if qid in found]


def attempts_of(worker: User, item: LearningItem) -> int:
    return LearningSession.objects.filter(worker=worker, item=item).exclude(status=SessionStatus.OPEN).count()


# --- Staff: who may write and review -------------------------------------------------------------


@dataclass(frozen=True)
class LearningEditor:
    """Who may write, review and publish learning items: city admins every item; handlers and
    admins of a city's or district's party organisation the items of that organisation. The
    reviewer of an item is an editor of it who is not its author."""

    city: bool
    organisations: tuple[Organisation, ...] = field(default_factory=tuple)

    @property
    def edits_any(self) -> bool:
        return self.city or bool(self.organisations)

    def items(self) -> QuerySet[LearningItem]:
        if self.city:
            return LearningItem.objects.all()
        return LearningItem.objects.filter(organisation__in=[o.pk for o in self.organisations])

    def covers(self, organisation_id: int | None) -> bool:
        if self.city:
            return True
        return organisation_id is not None and organisation_id in {o.pk for o in self.organisations}


def learning_editor_of_access(access: StaffAccess) -> LearningEditor:
    """The rule from the memberships already read for the console (no query of its own)."""
    orgs = tuple(m.organisation for m in access.memberships if writes_learning(m))
    return LearningEditor(city=access.city_admin, organisations=orgs)


def learning_editor_of(user: User) -> LearningEditor:
    return learning_editor_of_access(staff_access_of(user))


def item_editable(editor: LearningEditor, item_id: int) -> LearningItem:
    if not 1 <= item_id <= MAX_ID:
        raise NotFound()
    item = editor.items().filter(pk=item_id).select_related("author", "reviewer", "organisation").first()
    if item is None:
        raise NotFound()
    return item


def questions_visible_to(editor: LearningEditor) -> QuerySet[Question]:
    """The bank is the city's: every editor reads and adds to it."""
    if not editor.edits_any:
        return Question.objects.none()
    return Question.objects.all()


# --- Staff figures -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemFigures:
    opened: int
    finished: int
    passed: int
    credited: int
    flagged: int


def item_figures(item_ids: list[int]) -> dict[int, ItemFigures]:
    """Per item, in one query:
    opened = distinct workers with a session of it;
    finished = distinct workers with a session finished normally (credited or completed);
    passed = distinct workers with a passed quiz session;
    credited = distinct workers with a credited session;
    flagged = sessions flagged for staff (parallel sessions, finish without heartbeats)."""
    rows = (
        LearningSession.objects.filter(item_id__in=item_ids)
        .values("item_id")
        .annotate(
            opened=Count("worker_id", distinct=True),
            finished=Count("worker_id", distinct=True, filter=Q(status__in=DONE_STATUSES)),
            passed=Count("worker_id", distinct=True, filter=Q(passed=True)),
            credited=Count("worker_id", distinct=True, filter=Q(status=SessionStatus.CREDITED)),
            flagged=Count("pk", filter=Q(status=SessionStatus.FLAGGED)),
        )
        .order_by()
    )
    figures = {
        row["item_id"]: ItemFigures(row["opened"], row["finished"], row["passed"], row["credited"], row["flagged"])
        for row in rows
    }
    return {pk: figures.get(pk, ItemFigures(0, 0, 0, 0, 0)) for pk in item_ids}


def attempt_rows(session: LearningSession) -> list[dict[str, object]]:
    """A finished attempt, question by question: what was chosen, what was right, the explanation.
    A challenge shows the questions up to its first wrong answer."""
    questions = questions_with_choices([int(q) for q in session.question_ids])
    answers = session.answers or {}
    rows: list[dict[str, object]] = []
    for question in questions:
        chosen = set(answers.get(str(question.pk), []))
        choices = list(question.choices.all())
        correct = {c.pk for c in choices if c.correct}
        ok = chosen == correct
        rows.append(
            {
                "question": question,
                "ok": ok,
                "answered": bool(chosen),
                "choices": [{"choice": c, "chosen": c.pk in chosen, "correct": c.correct} for c in choices],
            }
        )
        if session.item.quiz_kind == QuizKind.CHALLENGE and not ok:
            break
    return rows


def flagged_sessions(item_id: int, limit: int = 20) -> list[LearningSession]:
    """The latest sessions of an item flagged for staff (parallel sessions, a finish without
    heartbeats), with their worker: what staff check by hand."""
    return list(
        LearningSession.objects.filter(item_id=item_id, status=SessionStatus.FLAGGED)
        .select_related("worker")
        .order_by("-started_at", "-id")[:limit]
    )
