"""Statistics in API.md: GET /stats/overview, /stats/offices, /stats/enterprises. Each caller
sees its own scope (selectors.stats_scope_of); each figure comes from its measure (measures.py),
the same function the pages and exports call."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.errors import PermissionDenied
from littlebee.core.pagination import clamp
from littlebee.orgs.models import Industry

from . import measures
from .measures import Scope
from .selectors import stats_scope_narrowed, stats_scope_of

router = Router(tags=["statistics"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_ID = 2**31 - 1


def _scope(request: HttpRequest) -> Scope:
    scope = stats_scope_of(request_user(request))
    if scope is None:
        raise PermissionDenied(_("统计数据仅向工作人员开放。"))
    return scope


class PeriodQuery(Schema):
    from_: date | None = Field(None, alias="from")
    to: date | None = None


# --- GET /stats/overview ----------------------------------------------------------------------
class OverviewQuery(PeriodQuery):
    region: int | None = Field(None, ge=1, le=MAX_ID)


class StatsWorkersOut(Schema):
    registered: int
    checked_in: int
    active: int
    party_members: int


class StatsReportsOut(Schema):
    submitted: int
    accepted: int
    resolved: int
    disputed: int


class StatsAppealsOut(Schema):
    received: int
    resolved: int


class StatsStationsOut(Schema):
    visits: int
    event_attendances: int


class StatsVolunteeringOut(Schema):
    hours: float


class StatsLearningOut(Schema):
    credits: int


class StatsPointsOut(Schema):
    issued: int
    spent: int
    expired: int
    corrected: int
    held: int


class StatsRegionOut(Schema):
    id: int
    name: str
    level: str


class StatsOverviewOut(Schema):
    from_: date = Field(..., alias="from")
    to: date
    region: StatsRegionOut | None
    workers: StatsWorkersOut
    reports: StatsReportsOut
    appeals: StatsAppealsOut
    stations: StatsStationsOut
    volunteering: StatsVolunteeringOut
    learning: StatsLearningOut
    points: StatsPointsOut


def overview_payload(overview: measures.Overview, period: measures.Period) -> dict[str, Any]:
    return {
        "from": period.start,
        "to": period.end,
        "workers": overview.workers,
        "reports": overview.reports,
        "appeals": overview.appeals,
        "stations": overview.stations,
        "volunteering": overview.volunteering,
        "learning": overview.learning,
        "points": overview.points,
    }


@router.get("/stats/overview", response={200: StatsOverviewOut, **ERRORS}, by_alias=True)
def stats_overview(request: HttpRequest, query: Query[OverviewQuery]) -> Any:
    """The headline figures of the caller's scope (optionally one district, street or community
    within it) over `from`..`to` (default: the last 30 days)."""
    scope, region = stats_scope_narrowed(_scope(request), query.region)
    if not scope.sees_activity:
        raise PermissionDenied(_("你的单位只能查看本单位的办理情况（GET /stats/offices）。"))
    period = measures.period_of(query.from_, query.to)
    body = overview_payload(measures.overview(scope, period), period)
    body["region"] = {"id": region.pk, "name": region.name, "level": region.level} if region else None
    return body


# --- GET /stats/offices -----------------------------------------------------------------------
class OfficesQuery(PeriodQuery):
    kind: str | None = Field(None, pattern="^(report|appeal)$")
    sort: str | None = Field(None, pattern="^[a-z_]{1,40}$")
    limit: int | None = None
    offset: int | None = None


class StatsRateInputsOut(Schema):
    received: int
    signed_on_time: int
    due: int
    resolved_on_time: int
    resolved: int
    rated: int
    satisfied: int
    returned: int
    reopened: int


class StatsOfficeOut(Schema):
    organisation: int
    name: str
    received: int
    signed_on_time_rate: float | None
    resolved_on_time_rate: float | None
    satisfaction_rate: float | None
    returned_rate: float | None
    reopened_rate: float | None
    overdue_now: int
    inputs: StatsRateInputsOut


class StatsOfficesOut(Schema):
    from_: date = Field(..., alias="from")
    to: date
    min_sample: int
    count: int
    items: list[StatsOfficeOut]


def office_payload(row: measures.OfficeRow) -> dict[str, Any]:
    rates = row.rates
    return {
        "organisation": row.organisation_id,
        "name": row.name,
        "received": row.received,
        **{name: rates[name].value for name in measures.RATE_NAMES},
        "overdue_now": row.overdue,
        "inputs": {name: row.sums.get(name, 0) for name in measures.OFFICE_COUNTS},
    }


@router.get("/stats/offices", response={200: StatsOfficesOut, **ERRORS}, by_alias=True)
def stats_offices(request: HttpRequest, query: Query[OfficesQuery]) -> Any:
    """Per office in the caller's scope: cases received over the period, the five rates (null
    under the minimum sample) and the cases overdue now. Sorted by `sort` (a rate, `received`
    or `overdue_now`; rates without a value come last)."""
    scope = _scope(request)
    period = measures.period_of(query.from_, query.to)
    rows = measures.office_rows(scope, period, query.kind)
    rows = measures.offices_sorted(rows, query.sort or "received")
    limit, offset = clamp(query.limit, query.offset)
    return {
        "from": period.start,
        "to": period.end,
        "min_sample": measures.min_sample(),
        "count": len(rows),
        "items": [office_payload(r) for r in rows[offset : offset + limit]],
    }


# --- GET /stats/enterprises -------------------------------------------------------------------
class EnterprisesQuery(PeriodQuery):
    industry: Industry | None = None
    limit: int | None = None
    offset: int | None = None


class StatsScorePartOut(Schema):
    part: str
    label: str
    weight: int
    value: float | None
    score: float | None


class StatsEnterpriseOut(Schema):
    enterprise: int
    name: str
    industry: str
    workers_registered: int
    workers_checked_in: int
    workers_confirmed: int
    reports_accepted: int
    volunteer_hours: float
    learning_credits: int
    appeals_about: int
    escalated_to_committee: int
    score: float | None
    rank: int | None
    parts: list[StatsScorePartOut]


class StatsEnterprisesOut(Schema):
    from_: date = Field(..., alias="from")
    to: date
    min_sample: int
    count: int
    items: list[StatsEnterpriseOut]


def scorecard_payload(card: measures.Scorecard) -> dict[str, Any]:
    return {
        "enterprise": card.enterprise_id,
        "name": card.name,
        "industry": card.industry,
        "workers_registered": card.workers_registered,
        "workers_checked_in": card.workers_checked_in,
        "workers_confirmed": card.workers_confirmed,
        "reports_accepted": card.reports_accepted,
        "volunteer_hours": card.volunteer_hours,
        "learning_credits": card.learning_credits,
        "appeals_about": card.appeals_about,
        "escalated_to_committee": card.escalated,
        "score": card.score,
        "rank": card.rank,
        "parts": [
            {"part": p.code, "label": str(p.label), "weight": p.weight, "value": p.value, "score": p.score}
            for p in card.parts
        ],
    }


@router.get("/stats/enterprises", response={200: StatsEnterprisesOut, **ERRORS}, by_alias=True)
def stats_enterprises(request: HttpRequest, query: Query[EnterprisesQuery]) -> Any:
    """The enterprise scorecards (企业质量考核) in the caller's scope: city admins every
    enterprise, an industry committee its industry, an enterprise its own; ranked within each
    industry, `score` null (and no `rank`) under the minimum sample."""
    scope = _scope(request)
    if not scope.sees_enterprises:
        raise PermissionDenied(_("企业考核仅向市级管理员、行业党委和企业党组织开放。"))
    period = measures.period_of(query.from_, query.to)
    cards = measures.scorecards(scope, period, query.industry)
    limit, offset = clamp(query.limit, query.offset)
    return {
        "from": period.start,
        "to": period.end,
        "min_sample": measures.min_sample(),
        "count": len(cards),
        "items": [scorecard_payload(c) for c in cards[offset : offset + limit]],
    }
