"""Per-worker submission limits counted in the database (reports, appeals).

A cache counter would be per process in the embedded mode and lost on a Redis flush; the rows a
worker has already filed are the truth every process shares. The caller passes its own rows
filtered to the worker (an indexed query on (worker, created_at)); this reads at most `limit`
timestamps of them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from .errors import TooManyRequests


def submissions_rate_check(
    rows: QuerySet[Any],
    *,
    limit: int,
    minutes: int,
    at: datetime,
    detail: str | Promise,
    field: str = "created_at",
) -> None:
    """TooManyRequests (429, with Retry-After in seconds) when `rows` already hold `limit`
    submissions within the `minutes` before `at`; the wait is until the oldest of them leaves
    the window."""
    window = timedelta(minutes=minutes)
    recent = list(
        rows.filter(**{f"{field}__gt": at - window, f"{field}__lte": at})
        .order_by(f"-{field}")
        .values_list(field, flat=True)[:limit]
    )
    if len(recent) < limit:
        return
    wait = (recent[-1] + window - at).total_seconds()
    raise TooManyRequests(detail, retry_after=max(1, math.ceil(wait)))
