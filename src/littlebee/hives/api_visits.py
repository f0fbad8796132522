"""Station visits in the API: scan a station's QR, a keeper scans a member code, my visits, stats."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_schemas import PageQuery, Ref
from littlebee.core.errors import InvalidInput
from littlebee.core.pagination import clamp

from . import selectors
from .models import HiveVisit
from .selectors import visits as visit_selectors
from .services import visits as visit_services

router = Router(tags=["hives"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_STATS_DAYS = 366


class ServiceRef(Schema):
    code: str
    name: str


class VisitIn(Schema):
    token: str
    service: str | None = None


class MemberVisitIn(Schema):
    member_code: str
    service: str | None = None


class VisitOut(Schema):
    id: int
    hive: Ref
    at: datetime
    counted: bool


class MemberVisitOut(VisitOut):
    worker: Ref


class MyVisitOut(Schema):
    id: int
    hive: Ref
    at: datetime
    method: str
    service: ServiceRef | None


class MyVisitList(Schema):
    count: int
    items: list[MyVisitOut]


class StatsQuery(Schema):
    days: int = 30


class DayCount(Schema):
    date: date
    count: int


class ServiceCount(Schema):
    service: str | None
    count: int


class VisitStatsOut(Schema):
    hive: Ref
    since: datetime
    until: datetime
    total: int
    by_day: list[DayCount]
    by_service: list[ServiceCount]


def _ref(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "name": obj.name}


def visit_payload(result: visit_services.VisitResult) -> dict[str, Any]:
    visit = result.visit
    return {"id": visit.pk, "hive": _ref(visit.hive), "at": visit.at, "counted": result.counted}


def _answer(payload: dict[str, Any], counted: bool) -> Status[dict[str, Any]]:
    # 201 when a visit was counted now; 200 with counted=false for a repeat inside the cooldown.
    return Status(201 if counted else 200, payload)


@router.post("/hives/{hive_id}/visits", response={201: VisitOut, 200: VisitOut, **ERRORS})
def visit_by_qr(request: HttpRequest, hive_id: int, payload: VisitIn) -> Status[dict[str, Any]]:
    """Record the caller's visit with the token from the station's QR code."""
    result = visit_services.visit_record_by_qr(
        worker=request_user(request), hive_id=hive_id, token=payload.token, service_code=payload.service
    )
    return _answer(visit_payload(result), result.counted)


@router.post(
    "/hives/{hive_id}/visits/member", response={201: MemberVisitOut, 200: MemberVisitOut, **ERRORS}, tags=["staff"]
)
def visit_by_member_code(request: HttpRequest, hive_id: int, payload: MemberVisitIn) -> Status[dict[str, Any]]:
    """A keeper records a worker's visit from the worker's member code."""
    result = visit_services.visit_record_by_member_code(
        keeper=request_user(request), hive_id=hive_id, member_code=payload.member_code, service_code=payload.service
    )
    body = visit_payload(result)
    body["worker"] = _ref(result.visit.worker)
    return _answer(body, result.counted)


def _my_visit(visit: HiveVisit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "hive": _ref(visit.hive),
        "at": visit.at,
        "method": visit.method,
        "service": {"code": visit.service.code, "name": visit.service.local_name} if visit.service else None,
    }


@router.get("/me/visits", response={200: MyVisitList, **ERRORS})
def my_visits(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    limit, offset = clamp(page.limit, page.offset)
    visits = visit_selectors.visits_of(request_user(request))
    return {"count": visits.count(), "items": [_my_visit(v) for v in visits[offset : offset + limit]]}


@router.get("/hives/{hive_id}/visit-stats", response={200: VisitStatsOut, **ERRORS}, tags=["staff"])
def visit_stats(request: HttpRequest, hive_id: int, query: Query[StatsQuery]) -> dict[str, Any]:
    """Counted visits of the last `days` local days (today included), per day and per service."""
    hive = selectors.hive_managed(request_user(request), hive_id, active_only=True)
    if not 1 <= query.days <= MAX_STATS_DAYS:
        raise InvalidInput.one("days", _("天数须在 1 到 %(max)d 之间。") % {"max": MAX_STATS_DAYS})
    until = timezone.now()
    first_day = timezone.localdate(until) - timedelta(days=query.days - 1)
    since = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    counts = visit_selectors.visit_counts(hive_ids=[hive.pk], since=since, until=until)
    days = [first_day + timedelta(days=i) for i in range(query.days)]
    return {
        "hive": _ref(hive),
        "since": since,
        "until": until,
        "total": counts.total,
        "by_day": [{"date": d, "count": counts.by_day.get(d, 0)} for d in days],
        "by_service": [
            {"service": code, "count": n}
            for code, n in sorted(counts.by_service.items(), key=lambda item: (-item[1], item[0] or ""))
        ],
    }
