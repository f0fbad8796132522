"""Events (活动) in the Stations section of API.md, plus the organisers' operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from littlebee.accounts.api_auth import optional_auth
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_schemas import Ref
from littlebee.core.errors import NotFound
from littlebee.core.pagination import clamp

from . import event_exports
from .models import Event, EventRegistration
from .selectors import events as event_selectors
from .services import events as event_services

router = Router(tags=["events"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
# Larger than any real id; keeps a hostile id from overflowing the database's integers.
MAX_ID = 2**31 - 1


class HiveEventOut(Schema):
    id: int
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    registered: int
    waitlisted: int
    points: int
    status: str
    hive: Ref | None
    organiser: Ref
    my_status: str | None
    # Only for staff who manage the event: what to show or print at the door.
    checkin_code: str | None = None


class EventList(Schema):
    count: int
    items: list[HiveEventOut]


class EventsQuery(Schema):
    hive: int | None = Field(None, ge=1, le=MAX_ID)
    upcoming: bool = True
    limit: int | None = None
    offset: int | None = None


class EventIn(Schema):
    organiser: int = Field(..., ge=1, le=MAX_ID)
    hive: int | None = Field(None, ge=1, le=MAX_ID)
    title: str = Field(..., max_length=500)
    description: str = Field("", max_length=20_000)
    place: str = Field(..., max_length=1_000)
    starts_at: datetime
    ends_at: datetime
    capacity: int
    points: int = 0


class RegistrationOut(Schema):
    id: int
    event: int
    status: str
    position: int | None = None
    registered_at: datetime
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    promoted_at: datetime | None


class MyRegistrationOut(RegistrationOut):
    event_detail: HiveEventOut


class MyRegistrationList(Schema):
    count: int
    items: list[MyRegistrationOut]


class CheckinIn(Schema):
    code: str = Field(..., max_length=64)


class AttendanceOut(Schema):
    registration_id: int
    name: str
    phone: str
    worker_type: str
    enterprise: str
    status: str
    registered_at: datetime
    checked_in_at: datetime | None


class AttendanceList(Schema):
    count: int
    registered: int
    waitlisted: int
    attended: int
    items: list[AttendanceOut]


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def event_payload(event: Event, *, my_status: str | None, manages: bool) -> dict[str, Any]:
    return {
        "id": event.pk,
        "title": event.title,
        "description": event.description,
        "place": event.place,
        "starts_at": _local(event.starts_at),
        "ends_at": _local(event.ends_at),
        "capacity": event.capacity,
        "registered": event.registered_count,
        "waitlisted": event.waitlisted_count,
        "points": event.points,
        "status": event.status,
        "hive": {"id": event.hive.pk, "name": event.hive.name} if event.hive else None,
        "organiser": {"id": event.organiser.pk, "name": event.organiser.name},
        "my_status": my_status,
        "checkin_code": event.checkin_code if manages else None,
    }


def registration_payload(registration: EventRegistration, *, position: int | None = None) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "event": registration.event_id,
        "status": registration.status,
        "position": position,
        "registered_at": _local(registration.created_at),
        "checked_in_at": _local(registration.checked_in_at),
        "cancelled_at": _local(registration.cancelled_at),
        "promoted_at": _local(registration.promoted_at),
    }


def _events_payload(request: HttpRequest, events: list[Event]) -> list[dict[str, Any]]:
    user = request.user
    ids = [e.pk for e in events]
    statuses = event_selectors.my_statuses(user, ids) if isinstance(user, User) else {}
    managed = event_selectors.manageable_ids(user, ids) if isinstance(user, User) else set()
    return [event_payload(e, my_status=statuses.get(e.pk), manages=e.pk in managed) for e in events]


@router.get("/events", auth=optional_auth, response={200: EventList, **ERRORS})
def events_list(request: HttpRequest, query: Query[EventsQuery]) -> dict[str, Any]:
    limit, offset = clamp(query.limit, query.offset)
    events = event_selectors.events_upcoming(hive_id=query.hive, upcoming=query.upcoming)
    page = list(events[offset : offset + limit])
    return {"count": events.count(), "items": _events_payload(request, page)}


@router.get("/events/{event_id}", auth=optional_auth, response={200: HiveEventOut, **ERRORS})
def event_get(request: HttpRequest, event_id: int) -> dict[str, Any]:
    event = event_selectors.event_get(event_id)
    return _events_payload(request, [event])[0]


@router.post("/events", response={201: HiveEventOut, **ERRORS})
def event_post(request: HttpRequest, payload: EventIn) -> Status[Any]:
    def aware(value: datetime) -> datetime:
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    event = event_services.event_create(
        actor=request_user(request),
        organiser=payload.organiser,
        hive=payload.hive,
        title=payload.title,
        description=payload.description,
        place=payload.place,
        starts_at=aware(payload.starts_at),
        ends_at=aware(payload.ends_at),
        capacity=payload.capacity,
        points=payload.points,
    )
    return Status(201, event_payload(event, my_status=None, manages=True))


@router.post("/events/{event_id}/cancel", response={200: HiveEventOut, **ERRORS})
def event_post_cancel(request: HttpRequest, event_id: int) -> dict[str, Any]:
    event = event_services.event_cancel(event_id=event_id, actor=request_user(request))
    return _events_payload(request, [event_selectors.event_get(event.pk)])[0]


@router.post("/events/{event_id}/registrations", response={201: RegistrationOut, **ERRORS})
def registration_post(request: HttpRequest, event_id: int) -> Status[Any]:
    registration = event_services.event_register(event_id=event_id, worker=request_user(request))
    position = event_selectors.waitlist_position(registration)
    return Status(201, registration_payload(registration, position=position))


@router.delete("/events/{event_id}/registrations/mine", response={200: RegistrationOut, **ERRORS})
def registration_delete_mine(request: HttpRequest, event_id: int) -> dict[str, Any]:
    # A larger id is no event of ours, and would overflow the registration query.
    if not 1 <= event_id <= MAX_ID:
        raise NotFound()
    registration = event_services.event_cancel_my_registration(event_id=event_id, worker=request_user(request))
    return registration_payload(registration)


@router.post("/registrations/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS})
def registration_post_cancel(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    registration = event_services.event_cancel_registration(
        registration_id=registration_id, worker=request_user(request)
    )
    return registration_payload(registration)


@router.get("/me/event-registrations", response={200: MyRegistrationList, **ERRORS})
def my_registrations(request: HttpRequest, limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
    user = request_user(request)
    limit, offset = clamp(limit, offset)
    rows = event_selectors.registrations_of(user)
    page = list(rows[offset : offset + limit])
    items = []
    for reg in page:
        live = reg.status != "cancelled"
        items.append(
            {
                **registration_payload(reg, position=event_selectors.waitlist_position(reg)),
                "event_detail": event_payload(reg.event, my_status=reg.status if live else None, manages=False),
            }
        )
    return {"count": rows.count(), "items": items}


@router.post("/events/{event_id}/checkin", response={200: RegistrationOut, **ERRORS, 429: ErrorOut})
def checkin_post(request: HttpRequest, event_id: int, payload: CheckinIn) -> dict[str, Any]:
    """The worker checks in with the door code; after 5 wrong codes in 15 minutes, 429 with Retry-After."""
    registration = event_services.event_checkin(event_id=event_id, worker=request_user(request), code=payload.code)
    return registration_payload(registration)


@router.get("/events/{event_id}/attendance", response={200: AttendanceList, **ERRORS})
def attendance_get(request: HttpRequest, event_id: int) -> dict[str, Any]:
    user = request_user(request)
    event = event_selectors.manageable_event(user, event_id)
    rows = event_exports.attendance_rows(event, user)
    counts = {"registered": 0, "waitlisted": 0, "attended": 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    items = [
        {
            "registration_id": r.registration_id,
            "name": r.name,
            "phone": r.phone,
            "worker_type": r.worker_type,
            "enterprise": r.enterprise,
            "status": r.status,
            "registered_at": _local(r.registered_at),
            "checked_in_at": _local(r.checked_in_at),
        }
        for r in rows
    ]
    return {"count": len(items), **counts, "items": items}


@router.post("/events/{event_id}/attendance/{registration_id}/checkin", response={200: RegistrationOut, **ERRORS})
def attendance_checkin(request: HttpRequest, event_id: int, registration_id: int) -> dict[str, Any]:
    registration = event_services.event_checkin_by_staff(
        event_id=event_id, registration_id=registration_id, actor=request_user(request)
    )
    return registration_payload(registration)


@router.get("/events/{event_id}/attendance.csv", response={200: None, **ERRORS})
def attendance_csv(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request_user(request)
    event = event_selectors.manageable_event(user, event_id)
    body = event_exports.attendance_csv(event_exports.attendance_rows(event, user))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event_exports.export_filename(event, "csv")}"'
    return response


@router.get("/events/{event_id}/attendance.xlsx", response={200: None, **ERRORS})
def attendance_xlsx(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request_user(request)
    event = event_selectors.manageable_event(user, event_id)
    body = event_exports.attendance_xlsx(event_exports.attendance_rows(event, user))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{event_exports.export_filename(event, "xlsx")}"'
    return response
