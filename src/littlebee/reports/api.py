"""随手拍 as API.md fixes it.

GET  /report-categories        [{code, name, points, sensitivity, icon}]; `points` is
                               {"min": n, "max": n} — equal for a fixed category (public-security
                               clue 100), a range the handler picks within otherwise; null when
                               no rule gives points
POST /reports                  multipart: category, description, lat, lng, address?, urgent?,
                               photos (0–9 JPEG/PNG/WebP, ≤10 MB and ≤40 Mpx each) → 201
                               {id, status, category, community, assigned_to, deadline,
                               possible_duplicates[]}; 400 with field errors; 413 too large
GET  /reports?mine=true        the caller's reports, newest first (only `mine` is offered)
GET  /reports/{id}             a report the caller may see (404 otherwise) with timeline[],
                               points_awarded and photos [{url, thumbnail, status}]
POST /reports/{id}/feedback    {rating 1–5, comment, resolved} → 200 the report
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.cases.models import Case, CaseAction, CaseStatus
from littlebee.cases.selectors import case_timeline
from littlebee.core.errors import FieldError, InvalidInput
from littlebee.points import rules
from littlebee.points.models import PointsSource

from . import selectors, services
from .models import PhotoStatus, Report, ReportCategory

router = Router(tags=["reports"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class Ref(Schema):
    id: int
    name: str


class PointsOut(Schema):
    min: int
    max: int


class CategoryOut(Schema):
    code: str
    name: str
    points: PointsOut | None
    sensitivity: str
    icon: str


class DuplicateOut(Schema):
    id: int
    status: str
    lat: float
    lng: float
    distance_m: int
    created_at: datetime


class SubmittedOut(Schema):
    id: int
    status: str
    category: str
    community: Ref | None
    assigned_to: Ref
    deadline: datetime | None
    possible_duplicates: list[DuplicateOut]


class EventOut(Schema):
    at: datetime
    actor_role: str
    action: str
    note: str


class PhotoOut(Schema):
    id: int
    url: str | None
    thumbnail: str | None
    status: str


class ReportOut(Schema):
    id: int
    status: str
    category: str
    description: str
    lat: float
    lng: float
    address: str
    urgent: bool
    community: Ref | None
    assigned_to: Ref
    deadline: datetime | None
    overdue: bool
    rating: int | None
    created_at: datetime
    points_awarded: int
    photos: list[PhotoOut]
    timeline: list[EventOut]


class ReportList(Schema):
    count: int
    items: list[ReportOut]


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)
    resolved: bool


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def deadline_of(case: Case) -> datetime | None:
    """The deadline of the stage the case is in now."""
    if case.status == CaseStatus.SUBMITTED:
        return _local(case.accept_due_at)
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return _local(case.resolve_due_at)
    if case.status == CaseStatus.DISPUTED:
        return _local(case.dispute_due_at)
    return None


def category_points(category: ReportCategory) -> dict[str, int] | None:
    rule = rules.rule_for(source=PointsSource.REPORT, category=category.code, region=None, on=timezone.now())
    return {"min": rule.points_min, "max": rule.points_max} if rule is not None else None


def _photo(photo: Any) -> dict[str, Any]:
    ready = photo.status == PhotoStatus.READY
    return {
        "id": photo.pk,
        "url": photo.image.url if ready and photo.image else None,
        "thumbnail": photo.thumbnail.url if ready and photo.thumbnail else None,
        "status": photo.status,
    }


def report_payload(report: Report) -> dict[str, Any]:
    case = report.case
    events = list(case_timeline(case))
    points = sum(int(e.data.get("points_awarded", 0) or 0) for e in events if e.action == CaseAction.ACCEPT)
    return {
        "id": report.pk,
        "status": case.status,
        "category": report.category.code,
        "description": report.description,
        "lat": report.lat,
        "lng": report.lng,
        "address": report.address,
        "urgent": report.urgent,
        "community": _ref(report.community),
        "assigned_to": _ref(case.organisation),
        "deadline": deadline_of(case),
        "overdue": case.overdue,
        "rating": case.rating,
        "created_at": _local(report.created_at),
        "points_awarded": points,
        "photos": [_photo(p) for p in report.photos.all()],
        "timeline": [
            {"at": _local(e.at), "actor_role": e.actor_role, "action": e.action, "note": e.note} for e in events
        ],
    }


@router.get("/report-categories", response={200: list[CategoryOut], **ERRORS}, auth=None)
def report_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "points": category_points(c),
            "sensitivity": c.sensitivity,
            "icon": c.icon,
        }
        for c in selectors.report_categories_active()
    ]


def _coordinate(value: str, name: str, errors: list[FieldError]) -> float | None:
    if not value.strip():
        errors.append(FieldError(name, _("请提供位置。")))
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        errors.append(FieldError(name, _("位置无效。")))
        return None
    return number


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@router.post("/reports", response={201: SubmittedOut, **ERRORS, 413: ErrorOut})
def report_post(
    request: HttpRequest,
    category: Form[str] = "",
    description: Form[str] = "",
    lat: Form[str] = "",
    lng: Form[str] = "",
    address: Form[str] = "",
    urgent: Form[str] = "",
    photos: File[list[UploadedFile] | None] = None,
) -> Status[dict[str, Any]]:
    """multipart/form-data. `photos` may repeat up to 9 times. Any bad photo refuses the whole
    report (400 on "photos", 413 for one over 10 MB) and nothing is stored. Photos are processed
    after the answer: they show `status: processing` until ready."""
    user = request_user(request)
    errors: list[FieldError] = []
    lat_value = _coordinate(lat, "lat", errors)
    lng_value = _coordinate(lng, "lng", errors)
    if errors:
        raise InvalidInput(errors)
    report = services.report_submit(
        reporter=user,
        category_code=category.strip(),
        description=description,
        lat=lat_value,
        lng=lng_value,
        address=address,
        urgent=_flag(urgent),
        photos=list(photos or []),
    )
    case = report.case
    duplicates = [
        r
        for r in selectors.possible_duplicates(report.category, report.lat, report.lng, exclude_id=report.pk)
        if r.case.reporter_id != user.pk
    ]
    from littlebee.core.geo import haversine_m

    return Status(
        201,
        {
            "id": report.pk,
            "status": case.status,
            "category": report.category.code,
            "community": _ref(report.community),
            "assigned_to": _ref(case.organisation),
            "deadline": deadline_of(case),
            "possible_duplicates": [
                {
                    "id": d.pk,
                    "status": d.case.status,
                    "lat": round(d.lat, 4),
                    "lng": round(d.lng, 4),
                    "distance_m": round(haversine_m(report.lat, report.lng, d.lat, d.lng)),
                    "created_at": _local(d.created_at),
                }
                for d in duplicates
            ],
        },
    )


@router.get("/reports", response={200: ReportList, **ERRORS})
def reports_list(request: HttpRequest, mine: bool = True) -> dict[str, Any]:
    """The caller's own reports (`mine=true`, the only list offered here; staff use /cases)."""
    if not mine:
        raise InvalidInput.one("mine", _("只能查看自己的随手拍；办理请使用案件列表。"))
    items = [report_payload(r) for r in selectors.reports_of(request_user(request))[:100]]
    return {"count": len(items), "items": items}


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS})
def report_get(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return report_payload(selectors.report_for(request_user(request), report_id))


@router.post("/reports/{report_id}/feedback", response={200: ReportOut, **ERRORS})
def report_post_feedback(request: HttpRequest, report_id: int, body: FeedbackIn) -> dict[str, Any]:
    report = services.report_feedback(
        report_id=report_id,
        worker=request_user(request),
        rating=body.rating,
        comment=body.comment,
        resolved=body.resolved,
    )
    return report_payload(report)
