"""Reads for points: balances, history, titles, leaderboards, city figures, reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from littlebee.accounts.models import User, WorkerProfile

from .badges import Title, title_for
from .models import HonoraryTitle, LedgerEntry, LedgerReason, PointsAccount, WorkerBadge


def balance_of(worker: User) -> int:
    if not worker.is_authenticated:
        return 0
    return PointsAccount.objects.filter(worker=worker).values_list("balance", flat=True).first() or 0


def account_of(worker: User) -> PointsAccount:
    """The worker's account as it stands (an unsaved empty one before the first entry)."""
    return PointsAccount.objects.filter(worker=worker).first() or PointsAccount(worker=worker)


def title_of(worker: User) -> Title:
    return title_for(account_of(worker).lifetime_earned)


def ledger_of(worker: User) -> QuerySet[LedgerEntry]:
    """The worker's entries, newest first, with what a row names."""
    return LedgerEntry.objects.filter(worker=worker).select_related("reverses").order_by("-created_at", "-id")


def badges_of(worker: User) -> QuerySet[WorkerBadge]:
    return WorkerBadge.objects.filter(worker=worker).select_related("badge").order_by("awarded_at", "id")


def honorary_titles_of(worker: User) -> QuerySet[HonoraryTitle]:
    return HonoraryTitle.objects.filter(worker=worker, revoked_at__isnull=True).select_related("granted_by_org")


# --- Leaderboards ---------------------------------------------------------------------------
Scope = Literal["community", "district", "enterprise"]
Period = Literal["week", "all"]


@dataclass(frozen=True)
class BoardRow:
    rank: int
    worker_id: int
    name: str
    points: int


def week_start(at: datetime | None = None) -> datetime:
    local = timezone.localtime(at or timezone.now())
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _members(scope: Scope, scope_id: int) -> QuerySet[WorkerProfile]:
    profiles = WorkerProfile.objects.filter(user__is_active=True)
    if scope == "community":
        return profiles.filter(community_id=scope_id)
    if scope == "district":
        from littlebee.orgs.models import Region

        district = Region.objects.filter(pk=scope_id).values_list("path", flat=True).first() or "\0"
        return profiles.filter(community__path__startswith=district)
    return profiles.filter(enterprise_id=scope_id)


def leaderboard(*, scope: Scope, scope_id: int, period: Period, limit: int = 20) -> list[BoardRow]:
    """Top workers by points earned (this week, or all time), hidden workers left out. One query."""
    members = _members(scope, scope_id).values("user_id")
    hidden = PointsAccount.objects.filter(hide_from_boards=True).values("worker_id")
    earnings = LedgerEntry.objects.filter(
        Q(reason=LedgerReason.EARN) | Q(reason=LedgerReason.REVERSAL, reverses__reason=LedgerReason.EARN),
        worker_id__in=members,
    ).exclude(worker_id__in=hidden)
    if period == "week":
        earnings = earnings.filter(created_at__gte=week_start())
    rows = (
        earnings.values("worker_id", "worker__name")
        .annotate(points=Sum("amount"))
        .filter(points__gt=0)
        .order_by("-points", "worker_id")[:limit]
    )
    return [
        BoardRow(rank=i + 1, worker_id=r["worker_id"], name=r["worker__name"], points=r["points"])
        for i, r in enumerate(rows)
    ]


# --- City figures ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthFigures:
    month: datetime
    issued: int
    redeemed: int
    expired: int
    reversed: int


def city_figures(*, months: int = 12) -> list[MonthFigures]:
    """Points issued, redeemed, expired and reversed per month, newest first. One grouped query."""
    since = (timezone.localtime() - timedelta(days=31 * months)).replace(day=1, hour=0, minute=0, second=0)
    rows = (
        LedgerEntry.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "reason")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    by_month: dict[datetime, dict[str, int]] = {}
    for row in rows:
        by_month.setdefault(row["month"], {})[row["reason"]] = int(row["total"] or 0)
    return [
        MonthFigures(
            month=month,
            issued=values.get(LedgerReason.EARN, 0),
            redeemed=-values.get(LedgerReason.REDEMPTION, 0),
            expired=-values.get(LedgerReason.EXPIRY, 0),
            reversed=values.get(LedgerReason.REVERSAL, 0),
        )
        for month, values in sorted(by_month.items(), reverse=True)
    ]


# --- Reconciliation -------------------------------------------------------------------------
@dataclass(frozen=True)
class Mismatch:
    worker_id: int
    cached_balance: int
    ledger_balance: int
    cached_lifetime: int
    ledger_lifetime: int


def points_mismatches() -> list[Mismatch]:
    """Accounts whose cached balance or lifetime total differs from their ledger (two queries)."""
    sums = {
        row["worker_id"]: (int(row["balance"] or 0), int(row["lifetime"] or 0))
        for row in LedgerEntry.objects.values("worker_id").annotate(
            balance=Sum("amount"),
            lifetime=Sum(
                "amount",
                filter=Q(reason=LedgerReason.EARN)
                | Q(reason=LedgerReason.REVERSAL, reverses__reason=LedgerReason.EARN),
            ),
        )
    }
    found = []
    seen = set()
    for account in PointsAccount.objects.all().iterator():
        seen.add(account.worker_id)
        balance, lifetime = sums.get(account.worker_id, (0, 0))
        if (account.balance, account.lifetime_earned) != (balance, lifetime):
            found.append(Mismatch(account.worker_id, account.balance, balance, account.lifetime_earned, lifetime))
    for worker_id, (balance, lifetime) in sums.items():
        if worker_id not in seen:
            found.append(Mismatch(worker_id, 0, balance, 0, lifetime))
    return found
