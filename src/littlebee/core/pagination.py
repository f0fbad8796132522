"""The one pagination rule of the API: ?limit=&offset= answered by {count, items}."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Beyond any real list; keeps a hostile ?offset=10**30 from overflowing the database's integers.
MAX_OFFSET = 1_000_000_000


def clamp(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))
    offset = 0 if offset is None else max(0, min(offset, MAX_OFFSET))
    return limit, offset


def paginate(queryset: QuerySet[M], limit: int | None, offset: int | None) -> dict[str, Any]:
    limit, offset = clamp(limit, offset)
    return {"count": queryset.count(), "items": list(queryset[offset : offset + limit])}
