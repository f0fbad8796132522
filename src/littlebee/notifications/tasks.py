from __future__ import annotations

from celery import shared_task

from .sms import sms_pending_send


@shared_task(
    name="littlebee.notifications.sms_deliver",
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def sms_deliver(reference: str) -> bool:
    """Send a pending text. The argument is a reference to it, never its words (sms.py)."""
    return sms_pending_send(reference=reference)
