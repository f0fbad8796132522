"""Periodic statistics jobs (Celery beat; in process in the embedded default)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from . import rollups, services

# The nightly pass recomputes this many recent days: a case's figures change while it is worked
# on (accepted, resolved, rated), mostly within its first weeks.
RECENT_DAYS = 45


@shared_task(name="analytics.refresh_rollups")
def analytics_refresh_rollups() -> int:
    """Compute again the rollup rows that changes marked stale."""
    return rollups.rollups_refresh_stale(limit=5_000)


@shared_task(name="analytics.rebuild_recent")
def analytics_rebuild_recent() -> int:
    """Recompute the last RECENT_DAYS days from the source rows; returns how many values differed."""
    today = rollups.day_of(timezone.now())
    return len(rollups.rollups_rebuild(start=today - timedelta(days=RECENT_DAYS), end=today))


@shared_task(name="analytics.build_export")
def analytics_build_export(export_id: int) -> None:
    """Build a requested export's file."""
    services.export_build(export_id=export_id)


@shared_task(name="analytics.expire_exports")
def analytics_expire_exports() -> int:
    """Delete exports past their download week."""
    return services.exports_expire()


@shared_task(name="analytics.mark_and_refresh")
def analytics_mark_and_refresh(items: list[list[Any]]) -> None:
    """Mark the rollup rows of what a committed transaction changed (tracking.py; days as ISO
    dates); `analytics.refresh_rollups` computes them again within a minute. (The name is kept
    for the messages queued before the computing moved to the minute's job.)"""
    from . import tracking

    tracking.rollups_mark(
        [
            tuple(date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 and v[4] == "-" else v for v in item)
            for item in items
        ]
    )
