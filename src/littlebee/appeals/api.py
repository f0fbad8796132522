"""我的诉求 as API.md fixes it.

POST /appeals                multipart: type (rights / industry / group), involves (enterprise /
                             industry_management / grassroots), enterprise (id, when it involves
                             one), subject, description, anonymous_to_enterprise, outcome_public,
                             attachments (0–9 JPEG/PNG/WebP, re-encoded without metadata)
                             → 201 {id, status, assigned_to, supervisor, deadline}; 400 with field
                             errors (an unknown enterprise: "enterprise"); 413 too large
GET  /appeals?mine=true      the caller's appeals, newest first (paginated {count, items})
GET  /appeals/similar?q=     resolved appeals whose outcome their workers made public, matching
                             the words: subject, type, resolution — never who or exactly when
GET  /appeals/{id}           an appeal the caller may see (404 otherwise) with its timeline;
                             `worker` is null for those who may not learn who filed it
POST /appeals/{id}/feedback  {rating 1–5, comment, resolved} → 200 the appeal

Supervision (supervise, set_deadline, take_over) goes through POST /cases/{id}/actions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.cases.api import ERRORS, MAX_ID, FeedbackIn, Ref, deadline_of, form_flag, local, ref
from littlebee.cases.models import CaseEvent
from littlebee.cases.selectors import case_timeline, timeline_events
from littlebee.core.digits import is_number
from littlebee.core.errors import InvalidInput
from littlebee.core.pagination import clamp

from . import selectors, services
from .models import Appeal

router = Router(tags=["appeals"])


class AppealSubmittedOut(Schema):
    id: int
    status: str
    assigned_to: Ref
    supervisor: Ref | None
    deadline: datetime | None


class AppealEventOut(Schema):
    at: datetime
    actor_role: str
    action: str
    from_org: Ref | None
    to_org: Ref | None
    note: str


class AppealAttachmentOut(Schema):
    id: int
    url: str
    thumbnail: str | None


class AppealOut(Schema):
    id: int
    status: str
    type: str
    involves: str
    enterprise: Ref | None
    industry: str
    subject: str
    description: str
    anonymous_to_enterprise: bool
    outcome_public: bool
    assigned_to: Ref
    supervisor: Ref | None
    # Who filed it; null for the enterprise's staff when the worker hid their identity.
    worker: Ref | None
    deadline: datetime | None
    overdue: bool
    rating: int | None
    created_at: datetime
    attachments: list[AppealAttachmentOut]
    timeline: list[AppealEventOut]


class AppealList(Schema):
    count: int
    items: list[AppealOut]


class SimilarOut(Schema):
    subject: str
    type: str
    type_label: str
    involves: str
    involves_label: str
    resolution: str
    resolved_on: date | None


class SimilarList(Schema):
    count: int
    items: list[SimilarOut]


class SimilarQuery(Schema):
    q: str = Field("", max_length=200)
    type: str | None = Field(None, max_length=16)
    involves: str | None = Field(None, max_length=32)
    limit: int = Field(5, ge=1, le=20)


def appeal_payload(
    request: HttpRequest, appeal: Appeal, user: Any, *, events: list[CaseEvent] | None = None
) -> dict[str, Any]:
    """`events`: the case's timeline when the caller has loaded it (a list page prefetches every
    appeal's at once); otherwise it is read here."""
    case = appeal.case
    visible = selectors.identity_visible_to(user, case)
    if events is None:
        events = list(case_timeline(case))
    return {
        "id": appeal.pk,
        "status": case.status,
        "type": appeal.type,
        "involves": appeal.involves,
        "enterprise": ref(appeal.enterprise),
        "industry": appeal.industry,
        "subject": appeal.subject,
        "description": appeal.description,
        "anonymous_to_enterprise": appeal.anonymous_to_enterprise,
        "outcome_public": appeal.outcome_public,
        "assigned_to": ref(case.organisation),
        "supervisor": ref(appeal.supervisor),
        "worker": ref(case.reporter) if visible else None,
        "deadline": deadline_of(case),
        "overdue": case.overdue,
        "rating": case.rating,
        "created_at": local(appeal.created_at),
        "attachments": [
            {
                "id": a.pk,
                "url": request.build_absolute_uri(a.url),
                "thumbnail": request.build_absolute_uri(a.thumbnail_url) if a.thumbnail else None,
            }
            for a in appeal.attachments.all()
        ],
        # No actor names here: the worker's page shows the organisations, never the people.
        "timeline": [
            {
                "at": local(e.at),
                "actor_role": e.actor_role,
                "action": e.action,
                "from_org": ref(e.from_org),
                "to_org": ref(e.to_org),
                "note": e.shown_note,
            }
            for e in events
        ],
    }


def _enterprise_id(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not is_number(text) or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput.one("enterprise", _("该企业不存在。"))
    return int(text)


@router.post("/appeals", response={201: AppealSubmittedOut, **ERRORS, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut})
def appeal_post(
    request: HttpRequest,
    type: Form[str] = "",
    involves: Form[str] = "",
    enterprise: Form[str] = "",
    subject: Form[str] = "",
    description: Form[str] = "",
    anonymous_to_enterprise: Form[str] = "",
    outcome_public: Form[str] = "",
    attachments: File[list[UploadedFile] | None] = None,
) -> Status[dict[str, Any]]:
    """multipart/form-data; `attachments` may repeat up to 9 times. Any bad field or image
    refuses the whole appeal and nothing is stored."""
    user = request_user(request)
    appeal = services.appeal_submit(
        worker=user,
        type=type.strip(),
        involves=involves.strip(),
        enterprise_id=_enterprise_id(enterprise),
        subject=subject,
        description=description,
        anonymous_to_enterprise=form_flag(anonymous_to_enterprise),
        outcome_public=form_flag(outcome_public),
        attachments=list(attachments or []),
    )
    case = appeal.case
    return Status(
        201,
        {
            "id": appeal.pk,
            "status": case.status,
            "assigned_to": ref(case.organisation),
            "supervisor": ref(appeal.supervisor),
            "deadline": deadline_of(case),
        },
    )


class AppealListQuery(Schema):
    mine: bool = True
    limit: int | None = None
    offset: int | None = None


@router.get("/appeals", response={200: AppealList, **ERRORS})
def appeals_list(request: HttpRequest, query: Query[AppealListQuery]) -> dict[str, Any]:
    """The caller's own appeals (`mine=true`, the only list offered here; staff use /cases)."""
    if not query.mine:
        raise InvalidInput.one("mine", _("只能查看自己的诉求；办理请使用案件列表。"))
    user = request_user(request)
    limit, offset = clamp(query.limit, query.offset)
    appeals = selectors.appeals_of(user)
    timelines = Prefetch("case__events", queryset=timeline_events())
    page = list(appeals.select_related("case__reporter").prefetch_related(timelines)[offset : offset + limit])
    return {
        "count": appeals.count(),
        "items": [appeal_payload(request, a, user, events=list(a.case.events.all())) for a in page],
    }


@router.get("/appeals/similar", response={200: SimilarList, **ERRORS})
def appeals_similar(request: HttpRequest, query: Query[SimilarQuery]) -> dict[str, Any]:
    """Before sending: resolved appeals like the one being written, and how they ended."""
    request_user(request)
    items = selectors.similar_appeals(query.q, type=query.type, involves=query.involves, limit=query.limit)
    return {
        "count": len(items),
        "items": [
            {
                "subject": s.subject,
                "type": s.type,
                "type_label": s.type_label,
                "involves": s.involves,
                "involves_label": s.involves_label,
                "resolution": s.resolution,
                "resolved_on": timezone.localtime(s.resolved_on).date() if s.resolved_on else None,
            }
            for s in items
        ],
    }


@router.get("/appeals/{appeal_id}", response={200: AppealOut, **ERRORS})
def appeal_get(request: HttpRequest, appeal_id: int) -> dict[str, Any]:
    user = request_user(request)
    return appeal_payload(request, selectors.appeal_for(user, appeal_id), user)


@router.post("/appeals/{appeal_id}/feedback", response={200: AppealOut, **ERRORS})
def appeal_post_feedback(request: HttpRequest, appeal_id: int, body: FeedbackIn) -> dict[str, Any]:
    user = request_user(request)
    appeal = services.appeal_feedback(
        appeal_id=appeal_id, worker=user, rating=body.rating, comment=body.comment, resolved=body.resolved
    )
    return appeal_payload(request, appeal, user)
