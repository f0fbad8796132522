"""Points in the Points and rewards section of API.md: the worker's balance, title and history,
leaderboards, hiding from them, and badges."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.accounts.selectors import worker_profile_of
from littlebee.core.api_answers import answer
from littlebee.core.api_schemas import PageQuery
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.pagination import clamp

from . import selectors, services
from .badges import Title, title_for
from .models import LedgerReason, PointsSource, ledger_note

router = Router(tags=["points"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
# Larger than any real id; keeps a hostile id from overflowing the database's integers.
MAX_ID = 2**31 - 1
BOARD_SIZE = 20


# --- GET /points ------------------------------------------------------------------------------
class TitleOut(Schema):
    name: str
    level: int
    lifetime: int
    next_name: str | None
    next_at: int | None
    to_next: int


class LedgerEntryOut(Schema):
    id: int
    amount: int
    reason: str
    reason_label: str
    source: str
    source_label: str
    note: str
    created_at: datetime
    reverses: int | None


class PointsOut(Schema):
    balance: int
    title: TitleOut
    count: int
    items: list[LedgerEntryOut]


def title_payload(title: Title) -> dict[str, Any]:
    return {
        "name": title.name,
        "level": title.level,
        "lifetime": title.lifetime,
        "next_name": title.next_name,
        "next_at": title.next_at,
        "to_next": title.to_next,
    }


# The labels of ledger reasons and sources, per language, made once per process: a history page
# asked each enum for all its values and labels twice a row (Django builds those lists anew on
# every access), more than the rest of the row cost.
_LABELS: dict[str | None, tuple[dict[str, str], dict[str, str]]] = {}


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    language = translation.get_language()
    found = _LABELS.get(language)
    if found is None:
        found = _LABELS[language] = (
            {value: str(label) for value, label in LedgerReason.choices},
            {value: str(label) for value, label in PointsSource.choices},
        )
    return found


def entry_payload(row: dict[str, Any], labels: tuple[dict[str, str], dict[str, str]] | None = None) -> dict[str, Any]:
    """A history row (selectors.points_page_of: plain values, no model instance)."""
    reasons, sources = labels or _labels()
    reason, source = row["reason"], row["source"]
    reason_label = reasons.get(reason, reason)
    return {
        "id": row["id"],
        "amount": row["amount"],
        "reason": reason,
        "reason_label": reason_label,
        "source": source,
        # LedgerEntry.source_label: the earning's source, else the kind of entry.
        "source_label": sources.get(source, reason_label),
        # A text of ours (a gift's names, a refund's reason) in the reader's language.
        "note": ledger_note(row["note"], row["note_text"]),
        "created_at": timezone.localtime(row["created_at"]),
        "reverses": row["reverses_id"],
    }


@router.get("/points", response={200: PointsOut, **ERRORS})
def points(request: HttpRequest, page: Query[PageQuery]) -> HttpResponse:
    """The caller's balance, title (level by lifetime points) and history, newest first."""
    user = request_user(request)
    limit, offset = clamp(page.limit, page.offset)
    summary, rows = selectors.points_page_of(user, limit=limit, offset=offset)
    labels = _labels()
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit PointsOut).
    return answer(
        {
            "balance": summary.balance,
            "title": title_payload(title_for(summary.lifetime_earned)),
            "count": summary.entries,
            "items": [entry_payload(r, labels) for r in rows],
        }
    )


# --- GET /points/leaderboard ------------------------------------------------------------------
class BoardQuery(Schema):
    scope: Literal["community", "district", "enterprise"] = "community"
    period: Literal["week", "all"] = "week"
    id: int | None = Field(None, ge=1, le=MAX_ID)


class BoardRowOut(Schema):
    rank: int
    name: str
    points: int
    me: bool


class BoardMeOut(Schema):
    rank: int | None
    points: int
    hidden: bool
    # Named in full on the boards (else 张*): PUT /me/points-privacy show_name_on_boards.
    show_name: bool


class BoardOut(Schema):
    scope: str
    period: str
    id: int
    name: str
    items: list[BoardRowOut]
    me: BoardMeOut | None


@router.get("/points/leaderboard", response={200: BoardOut, **ERRORS})
def leaderboard(request: HttpRequest, query: Query[BoardQuery]) -> dict[str, Any]:
    """A board of the caller's own community, district or enterprise (or the one `id` names),
    this week or all time. Workers who hide are left out; the caller's own standing comes along."""
    user = request_user(request)
    scope_id = query.id
    if scope_id is None:
        scope_id = selectors.board_scope_id(worker_profile_of(user), query.scope)
        if scope_id is None:
            raise InvalidInput.one("id", _("请指定排行榜的范围。"))
    name = selectors.board_scope_name(query.scope, scope_id)
    if name is None:
        raise NotFound()
    rows = selectors.leaderboard(scope=query.scope, scope_id=scope_id, period=query.period, limit=BOARD_SIZE)
    position = selectors.board_position(worker=user, scope=query.scope, scope_id=scope_id, period=query.period)
    account = selectors.account_of(user) if position is not None else None
    return {
        "scope": query.scope,
        "period": query.period,
        "id": scope_id,
        "name": name,
        "items": [{"rank": r.rank, "name": r.name, "points": r.points, "me": r.worker_id == user.pk} for r in rows],
        "me": {
            "rank": position.rank,
            "points": position.points,
            "hidden": account.hide_from_boards,
            "show_name": account.show_name_on_boards,
        }
        if position is not None and account is not None
        else None,
    }


# --- GET, PUT /me/points-privacy --------------------------------------------------------------
class PrivacyIn(Schema):
    """How the caller appears on the boards; a field left out stays as it is."""

    hide_from_boards: bool | None = None
    # Boards show 张* unless the worker opts in to the full name.
    show_name_on_boards: bool | None = None


class PrivacyOut(Schema):
    hide_from_boards: bool
    show_name_on_boards: bool


def privacy_payload(account: Any) -> dict[str, bool]:
    return {"hide_from_boards": account.hide_from_boards, "show_name_on_boards": account.show_name_on_boards}


@router.get("/me/points-privacy", response={200: PrivacyOut, **ERRORS})
def points_privacy_get(request: HttpRequest) -> dict[str, bool]:
    return privacy_payload(selectors.account_of(request_user(request)))


@router.put("/me/points-privacy", response={200: PrivacyOut, **ERRORS})
def points_privacy(request: HttpRequest, payload: PrivacyIn) -> dict[str, bool]:
    account = services.points_board_privacy_set(
        worker=request_user(request),
        hide_from_boards=payload.hide_from_boards,
        show_name_on_boards=payload.show_name_on_boards,
    )
    return privacy_payload(account)


# --- GET /me/badges, /me/honorary-titles ------------------------------------------------------
class BadgeOut(Schema):
    code: str
    name: str
    description: str
    icon: str
    source: str
    threshold: int
    earned: bool
    awarded_at: datetime | None


class BadgeList(Schema):
    count: int
    items: list[BadgeOut]


@router.get("/me/badges", response={200: BadgeList, **ERRORS})
def my_badges(request: HttpRequest) -> dict[str, Any]:
    """Every badge: earned ones with the time, locked ones to aim for."""
    states = selectors.badges_overview(request_user(request))
    return {
        "count": len(states),
        "items": [
            {
                "code": s.badge.code,
                "name": s.badge.local_name,
                "description": s.badge.local_description,
                "icon": s.badge.icon,
                "source": s.badge.source,
                "threshold": s.badge.threshold,
                "earned": s.earned,
                "awarded_at": timezone.localtime(s.awarded_at) if s.awarded_at else None,
            }
            for s in states
        ],
    }


class HonoraryTitleOut(Schema):
    id: int
    title: str
    citation: str
    granted_by: str
    granted_at: datetime


class HonoraryTitleList(Schema):
    count: int
    items: list[HonoraryTitleOut]


@router.get("/me/honorary-titles", response={200: HonoraryTitleList, **ERRORS})
def my_honorary_titles(request: HttpRequest) -> dict[str, Any]:
    titles = list(selectors.honorary_titles_of(request_user(request)))
    return {
        "count": len(titles),
        "items": [
            {
                "id": t.pk,
                # In the reader's language: the English one under English when the community wrote it.
                "title": t.local_title,
                "citation": t.local_citation,
                "granted_by": t.granted_by_org.name,
                "granted_at": timezone.localtime(t.created_at),
            }
            for t in titles
        ],
    }
