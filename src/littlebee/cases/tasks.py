"""Case jobs (Celery; in process in the embedded default): escalation every 15 minutes, closing
unrated resolved cases hourly, and the notices of a step told after the answer."""

from __future__ import annotations

from celery import shared_task

from . import notify, services


@shared_task(name="cases.escalate_overdue")
def cases_escalate_overdue() -> int:
    """Escalate open cases past their deadline to the parent organisation and mark them overdue."""
    return services.cases_escalate_overdue()


@shared_task(name="cases.close_unrated")
def cases_close_unrated() -> int:
    """Close resolved cases whose reporter gave no feedback within CASES_AUTO_CLOSE_DAYS."""
    return services.cases_close_unrated()


@shared_task(name="cases.notify_event")
def cases_notify_event(event_id: int) -> int:
    """Tell everyone concerned about a timeline row (notify.case_notify_after_answer); how many."""
    return notify.case_event_notify(event_id)
