"""The inbox in the API: GET /me/notifications, POST /me/notifications/read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_answers import answer
from littlebee.core.api_schemas import PageQuery
from littlebee.core.pagination import clamp

from .inbox import inbox_mark_read
from .selectors import inbox_counts_and_page, unread_count

router = Router(tags=["notifications"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
# Larger than any real id; keeps a hostile id from overflowing the database's integers.
MAX_ID = 2**31 - 1
MAX_IDS = 500


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class NotificationList(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


def notification_payload(row: dict[str, Any]) -> dict[str, Any]:
    """One message (selectors.inbox_counts_and_page: plain values, no model instance)."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "title": row["title"],
        "body": row["body"],
        "link": row["link"],
        "created_at": timezone.localtime(row["created_at"]),
        "read": row["read_at"] is not None,
    }


@router.get("/me/notifications", response={200: NotificationList, **ERRORS})
def my_notifications(request: HttpRequest, page: Query[PageQuery]) -> HttpResponse:
    """The caller's inbox, newest first. Reading it marks nothing: POST …/read does."""
    user = request_user(request)
    limit, offset = clamp(page.limit, page.offset)
    count, unread, rows = inbox_counts_and_page(user, limit=limit, offset=offset)
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit NotificationList).
    return answer({"count": count, "unread": unread, "items": [notification_payload(n) for n in rows]})


class ReadIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=MAX_IDS)


class ReadOut(Schema):
    unread: int


@router.post("/me/notifications/read", response={200: ReadOut, **ERRORS})
def mark_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    """Mark the caller's messages read: those of `ids` (anyone else's are ignored), or all
    of them when `ids` is left out. Answers how many are still unread."""
    user = request_user(request)
    inbox_mark_read(user=user, ids=payload.ids)
    return {"unread": unread_count(user)}
