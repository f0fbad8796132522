"""Periodic volunteering job (Celery beat every 10 minutes; in process in the embedded default)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="volunteering.close_ended")
def volunteering_close_ended() -> dict[str, int]:
    """No-shows, forgotten check-outs and leftover waiting lists of tasks that have ended."""
    return services.claims_close_ended()
