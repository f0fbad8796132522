"""随手拍 as API.md fixes it.

GET  /report-categories        [{code, name, points, sensitivity, icon}]; `points` is
                               {"min": n, "max": n} — equal for a fixed category (public-security
                               clue 100), a range the handler picks within otherwise; null when
                               no rule gives points
POST /reports                  multipart: category, description, lat, lng, address?, urgent?,
                               location_source? (device / map / photo, only with lat and lng;
                               without them the server derives it and a different claim is a
                               400), community? (without a point: its centre, location_source
                               "community"), photos (0–9
                               JPEG/PNG/WebP, ≤10 MB and ≤40 Mpx each) → 201 {id, status,
                               category, community, assigned_to, deadline, location_source,
                               possible_duplicates[]}; 400 with field errors; 413 too large.
                               Without lat and lng, the first photo's EXIF GPS gives the point.
GET  /reports/nearby           ?category=&lat=&lng= open public reports of the category within
                               REPORTS_DUPLICATE_RADIUS_M, nearest first, to say "me too" to
                               (only reports placed exactly: never one at a community's centre
                               or an address's estimate; a report filed at one gets no
                               possible_duplicates either)
POST /reports/{id}/follow      "me too" → 200 {following: true}; 404 unless public and open
GET  /reports/map              public, no login: rounded points of public reports for the map
GET  /reports?mine=true        the caller's reports, newest first (only `mine` is offered)
GET  /reports/{id}             a report the caller may see (404 otherwise) with timeline[],
                               points_awarded and photos [{url, thumbnail, status}]
POST /reports/{id}/feedback    {rating 1–5, comment, resolved} → 200 the report
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.cases.api import ERRORS, MAX_ID, FeedbackIn, Ref, deadline_of, form_flag, local, ref
from littlebee.cases.models import Case, CaseAction, CaseEvent
from littlebee.cases.selectors import case_timeline, stage_due
from littlebee.core.api_answers import answer
from littlebee.core.digits import is_number
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import haversine_m, valid_lat_lng
from littlebee.core.pagination import clamp
from littlebee.core.texts import render
from littlebee.points import rules
from littlebee.points.models import PointsSource

from . import selectors, services
from .models import PhotoUrlParts, Report, ReportCategory, photo_url_parts, photo_urls
from .selectors import report_point

router = Router(tags=["reports"])


class CategoryPointsOut(Schema):
    min: int
    max: int


class CategoryOut(Schema):
    code: str
    name: str
    points: CategoryPointsOut | None
    sensitivity: str
    icon: str


class DuplicateOut(Schema):
    id: int
    status: str
    lat: float
    lng: float
    distance_m: int
    created_at: datetime


class ReportPhotoOut(Schema):
    id: int
    url: str | None
    thumbnail: str | None
    status: str


class ReportSubmittedOut(Schema):
    id: int
    status: str
    category: str
    community: Ref | None
    assigned_to: Ref
    deadline: datetime | None
    location_source: str
    possible_duplicates: list[DuplicateOut]
    # Processed after the answer: each is "processing" here, with no url yet.
    photos: list[ReportPhotoOut]


class ReportEventOut(Schema):
    at: datetime
    actor_role: str
    action: str
    note: str


class ReportOut(Schema):
    id: int
    status: str
    category: str
    description: str
    lat: float
    lng: float
    address: str
    location_source: str
    urgent: bool
    community: Ref | None
    assigned_to: Ref
    deadline: datetime | None
    overdue: bool
    rating: int | None
    created_at: datetime
    points_awarded: int
    photos: list[ReportPhotoOut]
    timeline: list[ReportEventOut]


class ReportList(Schema):
    count: int
    items: list[ReportOut]


def category_points(category: ReportCategory) -> dict[str, int] | None:
    rule = rules.rule_for(source=PointsSource.REPORT, category=category.code, region=None, on=timezone.now())
    return {"min": rule.points_min, "max": rule.points_max} if rule is not None else None


def _photo(photo: Any) -> dict[str, Any]:
    # Authorised URLs (views_files.py): the client sends its token, as for the API itself.
    return {
        "id": photo.pk,
        "url": photo.image_url or None,
        "thumbnail": photo.thumbnail_url or None,
        "status": photo.status,
    }


def report_payload(report: Report, *, events: list[CaseEvent] | None = None, follower: bool = False) -> dict[str, Any]:
    """`events`: the case's timeline when the caller has loaded it (the list prefetches a page's).
    `follower`: the caller said "me too" to someone else's report: they get what a follower may
    see (category, status, place, photos, each step and the answer's note), not the reporter's
    description, points or rating, nor the notes between the office and the reporter."""
    case = report.case
    if events is None:
        events = list(case_timeline(case))
    points = sum(int(e.data.get("points_awarded", 0) or 0) for e in events if e.action == CaseAction.ACCEPT)
    if follower:
        return {
            **report_payload(report, events=events),
            "description": "",
            "rating": None,
            "points_awarded": 0,
            "timeline": [
                {
                    "at": local(e.at),
                    "actor_role": e.actor_role,
                    "action": e.action,
                    "note": e.shown_note if e.action == CaseAction.RESOLVE else "",
                }
                for e in events
            ],
        }
    return {
        "id": report.pk,
        "status": case.status,
        "category": report.category.code,
        "description": report.description,
        "lat": case.lat,
        "lng": case.lng,
        "address": report.address,
        "location_source": report.location_source,
        "urgent": case.urgent,
        "community": ref(case.region),
        "assigned_to": ref(case.organisation),
        "deadline": deadline_of(case),
        "overdue": case.overdue,
        "rating": case.rating,
        "created_at": local(case.created_at),
        "points_awarded": points,
        "photos": [_photo(p) for p in report.photos.all()],
        "timeline": [
            {"at": local(e.at), "actor_role": e.actor_role, "action": e.action, "note": e.shown_note} for e in events
        ],
    }


@router.get("/report-categories", response={200: list[CategoryOut], **ERRORS}, auth=None)
def report_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.local_name,
            "points": category_points(c),
            "sensitivity": c.sensitivity,
            "icon": c.icon,
        }
        for c in selectors.report_categories_active()
    ]


def _coordinate(value: str, name: str, errors: list[FieldError]) -> float | None:
    # Blank is left to the service: a photo's EXIF GPS may give the point.
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        errors.append(FieldError(name, _("位置无效。")))
        return None
    return number


@router.post("/reports", response={201: ReportSubmittedOut, **ERRORS, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut})
def report_post(
    request: HttpRequest,
    category: Form[str] = "",
    description: Form[str] = "",
    lat: Form[str] = "",
    lng: Form[str] = "",
    address: Form[str] = "",
    urgent: Form[str] = "",
    location_source: Form[str] = "",
    community: Form[str] = "",
    photos: File[list[UploadedFile] | None] = None,
) -> HttpResponse:
    """multipart/form-data. `photos` may repeat up to 9 times. Any bad photo refuses the whole
    report (400 on "photos", 413 for one over 10 MB) and nothing is stored. Photos are processed
    after the answer: they show `status: processing` until ready. Without `lat` and `lng` the
    point comes from the first photo with EXIF GPS (`location_source: "photo"`); neither is a
    400 on "lat". Without any point, `community` (a community's id, from GET /regions) places the
    report at that community's centre (`location_source: "community"`, approximate) and routes
    it to that community."""
    user = request_user(request)
    errors: list[FieldError] = []
    lat_value = _coordinate(lat, "lat", errors)
    lng_value = _coordinate(lng, "lng", errors)
    community_id: int | None = None
    if community.strip():
        if is_number(community.strip()) and len(community.strip()) < 12:
            community_id = int(community.strip())
        else:
            errors.append(FieldError("community", _("请从列表中选择社区。")))
    if errors:
        raise InvalidInput(errors)
    report = services.report_submit(
        reporter=user,
        category_code=category.strip(),
        description=description,
        lat=lat_value,
        lng=lng_value,
        address=address,
        urgent=form_flag(urgent),
        photos=list(photos or []),
        location_source=location_source.strip(),
        community_id=community_id,
        client_claims_source=True,
    )
    case = report.case
    lat_value, lng_value = report_point(report)
    # A report placed at an approximate point (a community's centre) has no distance to others.
    duplicates = (
        []
        if report.location_approximate
        else [
            d
            for d in selectors.duplicate_points(report.category, lat_value, lng_value, exclude_id=report.pk)
            if d.reporter_id != user.pk
        ]
    )
    # Rendered without ninja's per-field check (core.api_answers; tested to fit
    # ReportSubmittedOut): the answer lists every open report nearby, dozens on a busy corner.
    return answer(
        {
            "id": report.pk,
            "status": case.status,
            "category": report.category.code,
            "community": ref(case.region),
            "assigned_to": ref(case.organisation),
            "deadline": deadline_of(case),
            "location_source": report.location_source,
            "possible_duplicates": [
                {
                    "id": d.id,
                    "status": d.status,
                    "lat": round(d.lat, 4),
                    "lng": round(d.lng, 4),
                    "distance_m": round(d.distance_m),
                    "created_at": local(d.created_at),
                }
                for d in duplicates
            ],
            "photos": [_photo(p) for p in report.photos.all()],
        },
        status=201,
    )


class ReportListQuery(Schema):
    mine: bool = True
    limit: int | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class _Stage:
    """What cases.selectors.stage_due reads of a case, from a list row's columns."""

    status: str
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    dispute_due_at: datetime | None


def _event_note(note: str, data: dict[str, Any]) -> str:
    # CaseEvent.shown_note from the columns: a system note's stored text, else the words written.
    stored = data.get("note_text")
    return render(stored if stored else note)


def _list_item(
    row: dict[str, Any],
    events: list[dict[str, Any]],
    photos: list[dict[str, Any]],
    *,
    follower: bool,
    zone: tzinfo,
    url_parts: PhotoUrlParts,
) -> dict[str, Any]:
    """report_payload of a list row (selectors.reports_page_of), value for value; its moments in
    `zone` and its photos' URLs of `url_parts` (the reader's, asked once for the page)."""
    points = sum(int(e["extra"].get("points_awarded", 0) or 0) for e in events if e["text2"] == CaseAction.ACCEPT)
    region, organisation = row["case__region"], row["case__organisation"]
    stage = _Stage(
        row["case__status"], row["case__accept_due_at"], row["case__resolve_due_at"], row["case__dispute_due_at"]
    )
    shown = []
    for photo in photos:
        url, thumbnail = photo_urls(
            row["pk"], photo["row_id"], photo["text3"], photo["text1"], photo["text2"], url_parts
        )
        shown.append(
            {"id": photo["row_id"], "url": url or None, "thumbnail": thumbnail or None, "status": photo["text3"]}
        )
    return {
        "id": row["pk"],
        "status": row["case__status"],
        "category": row["category__code"],
        "description": "" if follower else row["description"],
        "lat": row["case__lat"],
        "lng": row["case__lng"],
        "address": row["address"],
        "location_source": row["location_source"],
        "urgent": row["case__urgent"],
        "community": {"id": region, "name": row["case__region__name"]} if region is not None else None,
        "assigned_to": (
            {"id": organisation, "name": row["case__organisation__name"]} if organisation is not None else None
        ),
        "deadline": local(stage_due(cast(Case, stage)), zone),
        "overdue": row["case__overdue"],
        "rating": None if follower else row["case__rating"],
        "created_at": local(row["case__created_at"], zone),
        "points_awarded": 0 if follower else points,
        "photos": shown,
        # A follower reads each step and the answer's note, not the notes between office and reporter.
        "timeline": [
            {
                "at": local(e["when"], zone),
                "actor_role": e["text1"],
                "action": e["text2"],
                "note": _event_note(e["text3"], e["extra"]) if not follower or e["text2"] == CaseAction.RESOLVE else "",
            }
            for e in events
        ],
    }


@router.get("/reports", response={200: ReportList, **ERRORS})
def reports_list(request: HttpRequest, query: Query[ReportListQuery]) -> HttpResponse:
    """The caller's own reports (`mine=true`, the only list offered here; staff use /cases),
    newest first, a page at a time (`count` is all of them); every report's timeline and photos
    are read with the page, so the queries do not grow with its length."""
    if not query.mine:
        raise InvalidInput.one("mine", _("只能查看自己的随手拍；办理请使用案件列表。"))
    limit, offset = clamp(query.limit, query.offset)
    user = request_user(request)
    page = selectors.reports_page_of(user, limit=limit, offset=offset)
    zone, url_parts = timezone.get_current_timezone(), photo_url_parts()
    items = [
        _list_item(
            row,
            page.events[row["pk"]],
            page.photos[row["pk"]],
            follower=row["case__reporter"] != user.pk,
            zone=zone,
            url_parts=url_parts,
        )
        for row in page.rows
    ]
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit ReportList).
    return answer({"count": page.count, "items": items})


class NearbyQuery(Schema):
    category: str = Field(..., max_length=40)
    lat: float
    lng: float


class CategoryRef(Schema):
    code: str
    name: str


class NearbyOut(Schema):
    id: int
    category: CategoryRef
    status: str
    status_label: str
    address: str
    distance_m: int
    created_at: datetime
    followers: int
    # Whether the caller already said "me too".
    following: bool


class NearbyList(Schema):
    count: int
    items: list[NearbyOut]


NEARBY_LIMIT = 20


@router.get("/reports/nearby", response={200: NearbyList, **ERRORS})
def reports_nearby(request: HttpRequest, query: Query[NearbyQuery]) -> dict[str, Any]:
    """While reporting: open reports of the same category nearby, another worker's, nearest
    first (at most 20), to follow ("me too") instead of reporting again. Only public categories
    and never a confidential case."""
    user = request_user(request)
    if not valid_lat_lng(query.lat, query.lng):
        raise InvalidInput.one("lat", _("位置无效。"))
    category = selectors.report_category(query.category.strip())
    nearby = [
        r for r in selectors.possible_duplicates(category, query.lat, query.lng) if r.case.reporter_id != user.pk
    ][:NEARBY_LIMIT]
    following = selectors.followed_case_ids(user, [r.pk for r in nearby])
    items = [
        {
            "id": r.pk,
            "category": {"code": r.category.code, "name": r.category.local_name},
            "status": r.case.status,
            "status_label": r.case.get_status_display(),
            "address": r.address,
            "distance_m": round(haversine_m(query.lat, query.lng, *report_point(r))),
            "created_at": local(r.case.created_at),
            "followers": getattr(r, "followers_count", 0),
            "following": r.pk in following,
        }
        for r in nearby
    ]
    return {"count": len(items), "items": items}


class FollowOut(Schema):
    following: bool


@router.post("/reports/{report_id}/follow", response={200: FollowOut, **ERRORS})
def report_post_follow(request: HttpRequest, report_id: int) -> dict[str, Any]:
    """ "Me too": follow an open public report (told of each step). 404 for a report that is
    not public, confidential, no longer open, or does not exist. Saying it twice is fine."""
    if not 1 <= report_id <= MAX_ID:
        raise NotFound()
    services.report_follow(report_id=report_id, user=request_user(request))
    return {"following": True}


class ReportMapQuery(Schema):
    min_lat: float | None = Field(None, ge=-90, le=90)
    max_lat: float | None = Field(None, ge=-90, le=90)
    min_lng: float | None = Field(None, ge=-180, le=180)
    max_lng: float | None = Field(None, ge=-180, le=180)
    category: str | None = Field(None, max_length=40)
    status: Literal["open", "resolved"] | None = None


class MapCategoryOut(Schema):
    code: str
    name: str
    icon: str


class ReportMapPointOut(Schema):
    id: int
    category: MapCategoryOut
    # Public wording only: "open" (处理中) or "resolved" (已办结).
    status: str
    status_label: str
    lat: float
    lng: float
    created_at: date


class ReportMapOut(Schema):
    count: int
    # True when more reports matched than one answer carries (2000): zoom in to see them all.
    truncated: bool
    items: list[ReportMapPointOut]


def map_point_payload(point: selectors.MapPoint) -> dict[str, Any]:
    return {
        "id": point.id,
        "category": {"code": point.category_code, "name": point.category_name, "icon": point.category_icon},
        "status": point.status,
        "status_label": point.status_label,
        "lat": point.lat,
        "lng": point.lng,
        "created_at": point.created_on,
    }


@router.get("/reports/map", response={200: ReportMapOut, 400: ErrorOut}, auth=None)
def reports_map(request: HttpRequest, query: Query[ReportMapQuery]) -> dict[str, Any]:
    """The public map: public-category, non-confidential reports that are being handled or are
    done, newest first, points rounded to about 100 m. No description, address, photo or
    reporter. Filters: the box, a category code, a status (open / resolved). Reports without a
    real point (placed at a community's centre, or where an address named) are not pins: the
    list under the map names their community instead."""
    box = selectors.map_box(query.min_lat, query.max_lat, query.min_lng, query.max_lng)
    points, truncated = selectors.reports_public_map(
        box=box, category=query.category or None, status=query.status, limit=selectors.MAP_LIMIT, exact_only=True
    )
    return {"count": len(points), "truncated": truncated, "items": [map_point_payload(p) for p in points]}


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS})
def report_get(request: HttpRequest, report_id: int) -> dict[str, Any]:
    if not 1 <= report_id <= MAX_ID:
        raise NotFound()
    user = request_user(request)
    report = selectors.report_for(user, report_id)
    follower = report.case.reporter_id != user.pk and selectors.followed_at(user, report.pk) is not None
    return report_payload(report, follower=follower)


@router.post("/reports/{report_id}/feedback", response={200: ReportOut, **ERRORS})
def report_post_feedback(request: HttpRequest, report_id: int, body: FeedbackIn) -> dict[str, Any]:
    if not 1 <= report_id <= MAX_ID:
        raise NotFound()
    report = services.report_feedback(
        report_id=report_id,
        worker=request_user(request),
        rating=body.rating,
        comment=body.comment,
        resolved=body.resolved,
    )
    return report_payload(report)
