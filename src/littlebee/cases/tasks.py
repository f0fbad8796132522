"""Periodic case job (Celery beat every 15 minutes; in process in the embedded default)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="cases.escalate_overdue")
def cases_escalate_overdue() -> int:
    """Escalate open cases past their deadline to the parent organisation and mark them overdue."""
    return services.cases_escalate_overdue()
