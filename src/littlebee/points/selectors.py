"""Reads for points: balances, history, titles, leaderboards, city figures, reconciliation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.accounts.selectors import StaffAccess, grants_community_titles, memberships_of
from littlebee.core.errors import PermissionDenied
from littlebee.core.hot_cursor import hot_cursor
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from .badges import Title, title_for
from .models import Badge, HonoraryTitle, LedgerEntry, LedgerReason, PointsAccount, WorkerBadge


def balance_of(worker: User) -> int:
    """The worker's balance (0 before the first entry): one indexed read, GET /rewards asks it."""
    if not worker.is_authenticated:
        return 0
    return _account_numbers(worker.pk)[0]


def _account_numbers(worker_id: int) -> tuple[int, int]:
    """(balance, lifetime points) of an account, (0, 0) before the first entry. Hot paths (GET /me,
    GET /rewards) read it: plain SQL, not an ORM query built and compiled per request."""
    with hot_cursor(connection) as cursor:
        cursor.execute(_points_sql("account"), [worker_id])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


def account_of(worker: User) -> PointsAccount:
    """The worker's account as it stands (an unsaved empty one before the first entry)."""
    return PointsAccount.objects.filter(worker=worker).first() or PointsAccount(worker=worker)


def me_points_columns(quote: Callable[[str], str], user_id: str) -> list[str]:
    """The points columns of GET /me's statement (accounts.hooks.me_columns): the balance and the
    lifetime points of the user's account (NULL before the first entry), from me_points_joins' row."""
    return [f"points_account.{quote(column)}" for column in ("balance", "lifetime_earned")]


def me_points_joins(quote: Callable[[str], str], user_id: str) -> list[str]:
    """The user's points account joined once into GET /me's statement (its worker_id is unique)."""
    account = quote(PointsAccount._meta.db_table)
    return [f"LEFT JOIN {account} points_account ON points_account.{quote('worker_id')} = {user_id}"]


def me_points_from(values: Sequence[Any], *, worker: bool) -> dict[str, Any]:
    """The points fields of GET /me from me_points_columns' values: the balance (0 before the first
    entry), and the worker's level by lifetime points (GET /points has the details); staff have none."""
    balance, lifetime = (int(value or 0) for value in values)
    return {"points_balance": balance, "title": title_for(lifetime).name if worker else None}


def title_of(worker: User) -> Title:
    return title_for(account_of(worker).lifetime_earned)


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    lifetime_earned: int
    entries: int  # how many ledger entries the worker has


# GET /points, /me and /rewards are hot paths: their reads of points are plain SQL built once per
# process from the models (quoted names, "%s" placeholders), as building and compiling the ORM
# queries cost more than running them. The columns are those the answer shows.
_POINTS_SQL: dict[str, str] = {}
LEDGER_ROW_FIELDS = ("id", "amount", "reason", "source", "note", "note_text", "created_at", "reverses_id")


def _points_sql(name: str) -> str:
    if not _POINTS_SQL:
        q = connection.ops.quote_name
        account, ledger = q(PointsAccount._meta.db_table), q(LedgerEntry._meta.db_table)
        worker = q("worker_id")
        _POINTS_SQL["account"] = f"SELECT {q('balance')}, {q('lifetime_earned')} FROM {account} WHERE {worker} = %s"  # noqa: S608
        _POINTS_SQL["summary"] = (
            f"SELECT (SELECT {q('balance')} FROM {account} WHERE {worker} = %s),"  # noqa: S608
            f" (SELECT {q('lifetime_earned')} FROM {account} WHERE {worker} = %s),"
            f" (SELECT COUNT(*) FROM {ledger} WHERE {worker} = %s)"
        )
        column_of = {f.attname: f.column for f in LedgerEntry._meta.concrete_fields}
        columns = ", ".join(q(column_of[f]) for f in LEDGER_ROW_FIELDS)
        _POINTS_SQL["rows"] = (
            f"SELECT {columns} FROM {ledger} WHERE {worker} = %s"  # noqa: S608
            f" ORDER BY {q('created_at')} DESC, {q('id')} DESC LIMIT %s OFFSET %s"
        )
        # The page with the summary beside each row: the account joined once, the entries counted
        # by a window over every entry of the worker (before LIMIT).
        _POINTS_SQL["page"] = (
            f"SELECT {', '.join(f'l.{q(column_of[f])}' for f in LEDGER_ROW_FIELDS)},"  # noqa: S608
            f" a.{q('balance')}, a.{q('lifetime_earned')}, COUNT(*) OVER ()"
            f" FROM {ledger} l LEFT JOIN {account} a ON a.{worker} = l.{worker} WHERE l.{worker} = %s"
            f" ORDER BY l.{q('created_at')} DESC, l.{q('id')} DESC LIMIT %s OFFSET %s"
        )
    return _POINTS_SQL[name]


def points_summary_of(worker: User) -> PointsSummary:
    """Balance, lifetime points and the number of ledger entries, in one query (GET /points)."""
    with hot_cursor(connection) as cursor:
        cursor.execute(_points_sql("summary"), [worker.pk] * 3)
        balance, lifetime, count = cursor.fetchone()
    return PointsSummary(int(balance or 0), int(lifetime or 0), int(count or 0))


def points_page_of(worker: User, *, limit: int, offset: int) -> tuple[PointsSummary, list[dict[str, Any]]]:
    """points_summary_of and a page of ledger_rows_of in one statement (GET /points); a page with
    no entries (none yet, or past the end) asks the summary on its own."""
    width = len(LEDGER_ROW_FIELDS)
    with hot_cursor(connection) as cursor:
        cursor.execute(_points_sql("page"), [worker.pk, limit, offset])
        found = cursor.fetchall()
    if not found:
        return points_summary_of(worker), []
    balance, lifetime, count = found[0][width:]
    return PointsSummary(int(balance or 0), int(lifetime or 0), int(count)), _rows([row[:width] for row in found])


def ledger_rows_of(worker: User, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """A page of the worker's entries, newest first, as plain rows of LEDGER_ROW_FIELDS."""
    with hot_cursor(connection) as cursor:
        cursor.execute(_points_sql("rows"), [worker.pk, limit, offset])
        return _rows(cursor.fetchall())


def _rows(found: list[Any]) -> list[dict[str, Any]]:
    rows = [dict(zip(LEDGER_ROW_FIELDS, row, strict=True)) for row in found]
    for row in rows:
        # SQLite hands back naive UTC datetimes; the ORM would make them aware, so do the same.
        if timezone.is_naive(row["created_at"]):
            row["created_at"] = timezone.make_aware(row["created_at"], UTC)
    return rows


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
        district = Region.objects.filter(pk=scope_id).values_list("path", flat=True).first() or "\0"
        return profiles.filter(community__path__startswith=district)
    return profiles.filter(enterprise_id=scope_id)


def masked_name(name: str) -> str:
    """张三 → 张*: the family name, nothing that tells who, nor how long the name is."""
    name = name.strip()
    return f"{name[0]}*" if name else "*"


def board_name(name: str, show_name: bool | None) -> str:
    """The name a board shows: in full only for a worker who chose to be named."""
    return name if show_name else masked_name(name)


def leaderboard(*, scope: Scope, scope_id: int, period: Period, limit: int = 20) -> list[BoardRow]:
    """Top workers by points earned (this week, or all time), hidden workers left out, names
    masked unless the worker chose to be named (board_name). One query."""
    hidden = PointsAccount.objects.filter(hide_from_boards=True).values("worker_id")
    earnings = _board_earnings(scope, scope_id, period).exclude(worker_id__in=hidden)
    rows = (
        earnings.values("worker_id", "worker__name", "worker__points_account__show_name_on_boards")
        .annotate(points=Sum("amount"))
        .filter(points__gt=0)
        .order_by("-points", "worker_id")[:limit]
    )
    return [
        BoardRow(
            rank=i + 1,
            worker_id=r["worker_id"],
            name=board_name(r["worker__name"], r["worker__points_account__show_name_on_boards"]),
            points=r["points"],
        )
        for i, r in enumerate(rows)
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
            # Earnings and positive adjustments count towards titles; reversing one takes it back.
            lifetime=Sum(
                "amount",
                filter=Q(reason__in=(LedgerReason.EARN, LedgerReason.ADJUSTMENT), amount__gt=0)
                | Q(reason=LedgerReason.REVERSAL, reverses__amount__gt=0),
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


def _board_earnings(scope: Scope, scope_id: int, period: Period) -> QuerySet[LedgerEntry]:
    """The earnings (less their reversals) a board counts: the scope's active members, this week or ever."""
    members = _members(scope, scope_id).values("user_id")
    earnings = LedgerEntry.objects.filter(
        Q(reason=LedgerReason.EARN) | Q(reason=LedgerReason.REVERSAL, reverses__reason=LedgerReason.EARN),
        worker_id__in=members,
    )
    if period == "week":
        earnings = earnings.filter(created_at__gte=week_start())
    return earnings


@dataclass(frozen=True)
class BoardPosition:
    """Where a worker stands on a board, hidden or not (only they see this)."""

    rank: int | None  # None: no points in this period yet
    points: int


def board_position(*, worker: User, scope: Scope, scope_id: int, period: Period) -> BoardPosition | None:
    """The worker's own rank among the visible workers of the board (two queries), or None when
    they are not a member of it. Ties share the better rank."""
    earnings = _board_earnings(scope, scope_id, period)
    mine = earnings.filter(worker=worker).aggregate(points=Sum("amount"), n=Count("id"))
    if not mine["n"]:
        if not _members(scope, scope_id).filter(user=worker).exists():
            return None
        return BoardPosition(rank=None, points=0)
    points = int(mine["points"] or 0)
    if points <= 0:
        return BoardPosition(rank=None, points=0)
    hidden = PointsAccount.objects.filter(hide_from_boards=True).values("worker_id")
    ahead = (
        earnings.exclude(worker_id__in=hidden)
        .exclude(worker=worker)
        .values("worker_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=points)
        .count()
    )
    return BoardPosition(rank=ahead + 1, points=points)


def board_scope_id(profile: WorkerProfile | None, scope: Scope) -> int | None:
    """A worker's own community, district or enterprise: the board they see by default."""
    if profile is None:
        return None
    if scope == "community":
        return profile.community_id
    if scope == "district":
        from .rules import district_of

        district = district_of(profile.community)
        return district.pk if district is not None else None
    return profile.enterprise_id


def board_scope_name(scope: Scope, scope_id: int) -> str | None:
    """The name a board is titled with, or None when the id names nothing of that kind."""
    if scope == "enterprise":
        org = Organisation.objects.filter(pk=scope_id, kind=OrgKind.ENTERPRISE).first()
        return org.display_name if org is not None else None
    level = RegionLevel.COMMUNITY if scope == "community" else RegionLevel.DISTRICT
    return Region.objects.filter(pk=scope_id, level=level).values_list("name", flat=True).first()


# --- Badges -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BadgeState:
    badge: Badge
    awarded_at: datetime | None

    @property
    def earned(self) -> bool:
        return self.awarded_at is not None


def badges_overview(worker: User) -> list[BadgeState]:
    """Every badge, earned ones with their date, locked ones without (two queries)."""
    held = dict(WorkerBadge.objects.filter(worker=worker).values_list("badge_id", "awarded_at"))
    return [BadgeState(badge=b, awarded_at=held.get(b.pk)) for b in Badge.objects.order_by("order", "code")]


# --- Honorary titles --------------------------------------------------------------------------
def title_granting_orgs(user: User) -> list[Organisation]:
    """Community party organisations whose handler or admin the user is: who may grant titles
    (accounts.selectors.grants_community_titles, which the console's menu reads too)."""
    if not user.is_authenticated:
        return []
    return [m.organisation for m in memberships_of(user) if grants_community_titles(m)]


def title_granting_required(access: StaffAccess) -> None:
    """The titles pages are for community staff only: PermissionDenied (403) for anyone else."""
    if not access.grants_titles:
        raise PermissionDenied(_("荣誉称号由社区党组织的工作人员授予。"))


def city_figures_required(access: StaffAccess) -> None:
    """The city's points figures are for city admins only: PermissionDenied (403) for anyone else."""
    if not access.city_admin:
        raise PermissionDenied(_("全市积分统计仅向市级管理员开放。"))


def workers_titleable_by(user: User) -> QuerySet[WorkerProfile]:
    """Workers checked in at a community whose party organisation the user works for."""
    communities = [org.region_id for org in title_granting_orgs(user)]
    return (
        WorkerProfile.objects.filter(
            community_id__in=communities, checkin_status=CheckinStatus.CONFIRMED, user__is_active=True
        )
        .select_related("user", "community")
        .order_by("user__name", "pk")
    )


def honorary_titles_granted_by(user: User) -> QuerySet[HonoraryTitle]:
    """Titles the user's community organisations granted, live ones first, newest first."""
    orgs = [org.pk for org in title_granting_orgs(user)]
    return (
        HonoraryTitle.objects.filter(granted_by_org_id__in=orgs)
        .select_related("worker", "granted_by_org", "granted_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-id")
    )
