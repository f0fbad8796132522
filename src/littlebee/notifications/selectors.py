"""Reads of the in-app inbox: always one person's own messages."""

from __future__ import annotations

from datetime import UTC
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.core.hot_cursor import hot_cursor

from .models import Notification, message_part


def inbox_of(user: User) -> QuerySet[Notification]:
    """The person's messages, newest first (nobody else's, ever)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


# GET /me/notifications is a hot path: its read is plain SQL built once per process from the
# model (quoted names, "%s" placeholders), as building and compiling the ORM queries cost more
# than running them; only the columns the answer shows are read (never `data`).
_INBOX_SQL: dict[str, str] = {}
INBOX_ROW_FIELDS = ("id", "kind", "title", "body", "message", "link", "created_at", "read_at")


def _inbox_sql(name: str) -> str:
    if not _INBOX_SQL:
        q = connection.ops.quote_name
        table, recipient = q(Notification._meta.db_table), q("recipient_id")
        _INBOX_SQL["counts"] = (
            f"SELECT COUNT(*) AS total, COUNT(CASE WHEN {q('read_at')} IS NULL THEN 1 END) AS unread"  # noqa: S608
            f" FROM {table} WHERE {recipient} = %s"
        )
        columns = ", ".join(q(f) for f in INBOX_ROW_FIELDS)
        order = f"{q('created_at')} DESC, {q('id')} DESC"
        _INBOX_SQL["page"] = f"SELECT {columns} FROM {table} WHERE {recipient} = %s ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608
        # The counts and the page in one statement (one round trip): the one row of counts joined
        # to the page's rows, or to none (a row of NULLs) when the page is empty. Each side keeps
        # its own plan: the count on the inbox index, the page stopping after its rows.
        page_columns = ", ".join(f"page.{q(f)}" for f in INBOX_ROW_FIELDS)
        _INBOX_SQL["counts_and_page"] = (
            f"SELECT counts.total, counts.unread, {page_columns}"  # noqa: S608
            f" FROM ({_INBOX_SQL['counts']}) counts"
            f" LEFT JOIN ({_INBOX_SQL['page']}) page ON 1 = 1"
            f" ORDER BY page.{q('created_at')} DESC, page.{q('id')} DESC"
        )
    return _INBOX_SQL[name]


def _aware(value: Any) -> Any:
    # SQLite hands back naive UTC datetimes; the ORM would make them aware, so do the same.
    return timezone.make_aware(value, UTC) if value is not None and timezone.is_naive(value) else value


def _inbox_rows(found: list[Any]) -> list[dict[str, Any]]:
    rows = [dict(zip(INBOX_ROW_FIELDS, row, strict=True)) for row in found]
    for row in rows:
        row["created_at"], row["read_at"] = _aware(row["created_at"]), _aware(row["read_at"])
        # Stored as message keys and parameters: rendered now, in the reader's language.
        row["title"] = message_part(row["message"], "title", row["title"])
        row["body"] = message_part(row["message"], "body", row["body"])
        del row["message"]
    return rows


def inbox_counts_and_page(user: User, *, limit: int, offset: int) -> tuple[int, int, list[dict[str, Any]]]:
    """(messages, unread messages, a page of them newest first as plain rows of
    INBOX_ROW_FIELDS) of the person's inbox, in one statement (GET /me/notifications)."""
    if not user.is_authenticated:
        return 0, 0, []
    with hot_cursor(connection) as cursor:
        cursor.execute(_inbox_sql("counts_and_page"), [user.pk, user.pk, limit, offset])
        found = cursor.fetchall()
    total, unread = int(found[0][0]), int(found[0][1])
    # An empty page is one row of counts with NULLs for the message (its id is never NULL otherwise).
    rows = [row[2:] for row in found if row[2] is not None]
    return total, unread, _inbox_rows(rows)


def unread_count(user: User) -> int:
    """How many of the person's messages are unread: one COUNT on the inbox index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


class InboxBadge:
    """The bell's unread count: one COUNT, run only if a page shows the bell. A view that has
    just counted passes `unread` (as `inbox_badge` in its context) to save the query."""

    def __init__(self, user: Any, unread: int | None = None) -> None:
        self._user = user
        if unread is not None:
            self.__dict__["unread"] = unread

    @cached_property
    def unread(self) -> int:
        return unread_count(self._user)
