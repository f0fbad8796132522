"""Badges and titles: what a worker has achieved, shown on the profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User

from .models import Badge, LedgerEntry, LedgerReason, PointsAccount, WorkerBadge

# Levels by lifetime points: names a worker is proud to carry.
LEVELS: tuple[tuple[int, Promise], ...] = (
    (0, _("见习小蜂")),
    (100, _("勤劳工蜂")),
    (500, _("采蜜能手")),
    (1000, _("护城蜜蜂")),
    (2000, _("金牌蜜蜂")),
    (5000, _("江城蜂王")),
)


@dataclass(frozen=True)
class Title:
    level: int  # 1-based
    name: str
    lifetime: int
    next_name: str | None
    next_at: int | None

    @property
    def to_next(self) -> int:
        return 0 if self.next_at is None else self.next_at - self.lifetime

    @property
    def progress_percent(self) -> int:
        """How far from this level's threshold to the next one."""
        if self.next_at is None:
            return 100
        floor = LEVELS[self.level - 1][0]
        return max(0, min(100, round(100 * (self.lifetime - floor) / (self.next_at - floor))))


def title_for(lifetime: int) -> Title:
    index = max(i for i, (threshold, _name) in enumerate(LEVELS) if lifetime >= threshold)
    following = LEVELS[index + 1] if index + 1 < len(LEVELS) else None
    names = level_names()
    return Title(
        level=index + 1,
        name=names[index],
        lifetime=lifetime,
        next_name=names[index + 1] if following else None,
        next_at=following[0] if following else None,
    )


# GET /me, /points and /rewards name the caller's level (and the next): each str() of a lazy name
# looked the active translation up again (twice a request, about a tenth of /me's own work).
_LEVEL_NAMES: dict[str, tuple[str, ...]] = {}


def level_names() -> tuple[str, ...]:
    """LEVELS' names in the active language, translated once per language and process."""
    language = get_language() or ""
    names = _LEVEL_NAMES.get(language)
    if names is None:
        names = _LEVEL_NAMES[language] = tuple(str(name) for _threshold, name in LEVELS)
    return names


def badges_check(*, worker: User, at: datetime) -> list[WorkerBadge]:
    """Give the worker every badge whose milestone they have reached (three queries)."""
    held = set(WorkerBadge.objects.filter(worker=worker).values_list("badge_id", flat=True))
    missing = [b for b in Badge.objects.all() if b.pk not in held]
    if not missing:
        return []
    counts = dict(
        LedgerEntry.objects.filter(worker=worker, reason=LedgerReason.EARN, reversed_by__isnull=True)
        .values_list("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    lifetime = PointsAccount.objects.filter(worker=worker).values_list("lifetime_earned", flat=True).first() or 0
    given = []
    for badge in missing:
        reached = counts.get(badge.source, 0) >= badge.threshold if badge.source else lifetime >= badge.threshold
        if not reached:
            continue
        try:
            with transaction.atomic():
                given.append(WorkerBadge.objects.create(worker=worker, badge=badge, awarded_at=at))
        except IntegrityError:
            continue  # a concurrent award gave it first
    return given
