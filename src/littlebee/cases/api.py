"""Casework (staff) as API.md fixes it.

GET  /cases?queue=mine      queue: mine (sitting with my organisations) · assigned (naming me) ·
                            overdue · urgent · all (everything I may see); filters status, kind,
                            overdue; paginated {count, count_capped, items}: count stops at
                            1000 (count_capped true beyond), so a long history costs no full count
GET  /cases/{id}            the case with its timeline
POST /cases/{id}/actions    {action, note, to_org, points, duplicate_of, handler, due_at} → 200 the case;
                            the supervising organisation's actions: supervise, set_deadline (due_at),
                            take_over
GET  /cases/{id}/templates?action=   reply templates [{id, title, body, action}] for staff who see it

404 for a case the caller may not see at all; 403 for one the caller sees but may not act on
(a city admin looking on, an organisation it passed through, its reporter); 409
`invalid_transition` for an action the case's status does not allow.

Where the case's kind hides its reporter from the caller (hooks.KindHooks.reporter_visible: an
anonymous appeal, to the enterprise's staff), `reporter` is null and the reporter's own timeline
rows carry no actor.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_answers import answer, moment
from littlebee.core.api_schemas import QuerySchema, Ref
from littlebee.core.errors import NotFound
from littlebee.core.pagination import clamp

from . import selectors, services
from .hooks import hooks_for
from .models import Case, CaseEvent, CaseKind, CaseStatus
from .selectors import stage_due

router = Router(tags=["cases"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_ID = 2**31 - 1


class CaseAttachmentOut(Schema):
    id: int
    url: str
    kind: str


class CaseEventOut(Schema):
    at: datetime
    actor_role: str
    actor: Ref | None
    action: str
    from_status: str
    to_status: str
    from_org: Ref | None
    to_org: Ref | None
    note: str
    attachments: list[CaseAttachmentOut]


class CaseOut(Schema):
    id: int
    kind: str
    status: str
    category: str
    # What a queue row shows first: an appeal's subject, a report's category and first words.
    title: str
    region: Ref | None
    lat: float | None
    lng: float | None
    organisation: Ref
    handler: Ref | None
    # null when the caller may not learn who filed it (an anonymous appeal, to the enterprise).
    reporter: Ref | None
    # The reporter's phone: in full only to the staff of the office holding the open case,
    # masked (138****0001) to everyone else; null where the reporter is hidden (selectors.reporter_phone_for).
    reporter_phone: str | None
    urgent: bool
    confidential: bool
    overdue: bool
    escalation_level: int
    dispute_count: int
    accept_due_at: datetime | None
    resolve_due_at: datetime | None
    dispute_due_at: datetime | None
    rating: int | None
    duplicate_of: int | None
    created_at: datetime
    updated_at: datetime
    # The staff actions the caller may take now (empty for onlookers).
    actions: list[str]


class FlagOut(Schema):
    kind: str
    label: str
    detail: str
    photo: int | None
    other_case: int | None
    created_at: datetime


class CaseDetailOut(CaseOut):
    timeline: list[CaseEventOut]
    # Staff only: what the owning app flags for a second look (see hooks.KindHooks.staff_flags).
    flags: list[FlagOut] = []


class CaseList(Schema):
    # At most selectors.COUNT_CAP (1000): a longer list answers that many with count_capped.
    count: int
    count_capped: bool = False
    items: list[CaseOut]


class CasesQuery(QuerySchema):
    queue: Literal["mine", "assigned", "overdue", "urgent", "all"] = "mine"
    status: CaseStatus | None = None
    kind: CaseKind | None = None
    overdue: bool | None = None
    limit: int | None = None
    offset: int | None = None


class FeedbackIn(Schema):
    """The reporter's rating of a resolved case (the worker apps' feedback endpoints)."""

    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)
    resolved: bool


class ActionIn(Schema):
    action: Literal[
        "accept",
        "reject",
        "start",
        "forward",
        "return",
        "resolve",
        "close",
        "merge",
        "assign",
        "supervise",
        "set_deadline",
        "take_over",
    ]
    note: str = Field("", max_length=services.NOTE_MAX)
    due_at: datetime | None = None
    to_org: int | None = Field(None, ge=1, le=MAX_ID)
    points: int | None = Field(None, ge=0, le=100_000)
    duplicate_of: int | None = Field(None, ge=1, le=MAX_ID)
    handler: int | None = Field(None, ge=1, le=MAX_ID)


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def local(value: datetime | None, zone: tzinfo | None = None) -> datetime | None:
    """The moment in the reader's time zone, or in `zone` (a list's rows ask for the current zone
    once: timezone.localtime asks for it each time, about 15 us under load)."""
    if not value:
        return None
    if zone is None or value.utcoffset() is None:
        return timezone.localtime(value, zone)  # a naive value is refused as localtime refuses it
    return value.astimezone(zone)


def deadline_of(case: Case) -> datetime | None:
    """The deadline of the stage the case is in now, in local time."""
    return local(stage_due(case))


def form_flag(value: str) -> bool:
    """A multipart form's checkbox-like field, as the worker apps' submit endpoints take it."""
    return value.strip().lower() in ("1", "true", "yes", "on")


def case_payload(
    case: Case,
    actions: list[str],
    *,
    reporter_visible: bool = True,
    reporter_phone: str | None = None,
    title: str = "",
) -> dict[str, Any]:
    zone = timezone.get_current_timezone()
    return {
        "id": case.pk,
        "kind": case.kind,
        "status": case.status,
        "category": case.category,
        "title": title,
        "region": ref(case.region),
        "lat": case.lat,
        "lng": case.lng,
        "organisation": ref(case.organisation),
        "handler": ref(case.handler),
        "reporter": ref(case.reporter) if reporter_visible else None,
        "reporter_phone": reporter_phone if reporter_visible else None,
        "urgent": case.urgent,
        "confidential": case.confidential,
        "overdue": case.overdue,
        "escalation_level": case.escalation_level,
        "dispute_count": case.dispute_count,
        "accept_due_at": local(case.accept_due_at, zone),
        "resolve_due_at": local(case.resolve_due_at, zone),
        "dispute_due_at": local(case.dispute_due_at, zone),
        "rating": case.rating,
        "duplicate_of": case.duplicate_of_id,
        "created_at": local(case.created_at, zone),
        "updated_at": local(case.updated_at, zone),
        "actions": actions,
    }


def event_payload(request: HttpRequest, event: CaseEvent, *, hidden_actor_id: int | None = None) -> dict[str, Any]:
    """A timeline row; `hidden_actor_id` (the reporter, when hidden from the caller) shows no actor."""
    hidden = hidden_actor_id is not None and event.actor_id == hidden_actor_id
    return {
        "at": local(event.at),
        "actor_role": event.actor_role,
        "actor": None if hidden else ref(event.actor),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "from_org": ref(event.from_org),
        "to_org": ref(event.to_org),
        "note": event.shown_note,
        "attachments": [
            {"id": a.pk, "url": request.build_absolute_uri(a.url), "kind": a.kind} for a in event.attachments.all()
        ],
    }


def _detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = request_user(request)
    case = selectors.case_for_actor(user, case_id)
    visible = selectors.reporter_visible(case, user)
    hidden = None if visible else case.reporter_id
    return {
        **case_payload(
            case,
            selectors.case_actions_for(user, case),
            reporter_visible=visible,
            reporter_phone=selectors.reporter_phone_for(case, user),
            title=selectors.case_title(case),
        ),
        "timeline": [event_payload(request, e, hidden_actor_id=hidden) for e in selectors.case_timeline(case)],
        "flags": hooks_for(case.kind).staff_flags(case, user),
    }


def _check_id(case_id: int) -> None:
    if not 1 <= case_id <= MAX_ID:
        raise NotFound()


@router.get("/cases", response={200: CaseList, **ERRORS})
def cases_list(request: HttpRequest, query: Query[CasesQuery]) -> HttpResponse:
    """A staff queue, newest first."""
    user = request_user(request)
    limit, offset = clamp(query.limit, query.offset)
    # Its statements compiled once per shape of the queue (selectors.cases_queue_page); a held
    # queue reads the caller's organisations in its own statement.
    page = selectors.cases_queue_page(
        user,
        query.queue,
        limit=limit,
        offset=offset,
        status=query.status,
        kind=query.kind,
        overdue=query.overdue,
    )
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit CaseList).
    return answer(
        {
            "count": page.count,
            "count_capped": page.capped,
            "items": [queue_item(c, user, page.org_ids) for c in page.cases],
        }
    )


# A queue row's moments, written as text as the answer's encoder would write them (api_answers.moment).
_ROW_MOMENTS = ("accept_due_at", "resolve_due_at", "dispute_due_at", "created_at", "updated_at")


def queue_item(case: Case, user: User, org_ids: list[int]) -> dict[str, Any]:
    """A staff queue's row: the case as this staff member may see and act on it."""
    row = case_payload(
        case,
        selectors.case_actions_for(user, case, org_ids),
        reporter_visible=selectors.reporter_visible(case, user),
        reporter_phone=selectors.reporter_phone_for(case, user, org_ids),
        title=getattr(case, "title", ""),
    )
    for name in _ROW_MOMENTS:
        row[name] = moment(row[name])
    return row


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **ERRORS})
def case_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _check_id(case_id)
    return _detail(request, case_id)


@router.post("/cases/{case_id}/actions", response={200: CaseDetailOut, **ERRORS})
def case_action(request: HttpRequest, case_id: int, payload: ActionIn) -> dict[str, Any]:
    """Act on a case: 200 with the case; 409 `invalid_transition`; 403 for a case the caller
    sees but may not act on; 404 for one it may not see. The console's case page acts through
    the same services.case_act."""
    _check_id(case_id)
    services.case_act(
        case_id=case_id,
        actor=request_user(request),
        action=payload.action,
        note=payload.note,
        points=payload.points,
        to_org=payload.to_org,
        duplicate_of=payload.duplicate_of,
        handler=payload.handler,
        due_at=payload.due_at,
    )
    return _detail(request, case_id)


class TemplateOut(Schema):
    id: int
    title: str
    body: str
    action: str


TemplateAction = Literal["", "accept", "reject", "start", "forward", "return", "resolve", "close", "merge", "assign"]


@router.get("/cases/{case_id}/templates", response={200: list[TemplateOut], **ERRORS})
def case_templates(request: HttpRequest, case_id: int, action: TemplateAction = "") -> list[dict[str, Any]]:
    """Reply templates for the case's kind and category (its own category's first), for one
    action or (none given) every one; 404 for a case the caller may not see, and for its
    reporter, who has nothing to reply."""
    _check_id(case_id)
    user = request_user(request)
    case = selectors.case_for_actor(user, case_id)
    if not selectors.handles_cases(user):
        raise NotFound()
    return [
        {"id": t.pk, "title": t.title, "body": t.body, "action": t.action}
        for t in selectors.response_templates_for(case.kind, case.category, action)
    ]
