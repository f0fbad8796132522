"""Periodic volunteering job (Celery beat every 10 minutes; in process in the embedded default)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="volunteering.close_ended")
def volunteering_close_ended() -> dict[str, int]:
    """No-shows, forgotten check-outs and leftover waiting lists of tasks that have ended; and,
    on the same beat (both look at the clock against the tasks' days and are idempotent), each
    day's copy of the tasks repeated every day."""
    counts = services.claims_close_ended()
    counts["repeated"] = services.tasks_repeat_daily()
    return counts
