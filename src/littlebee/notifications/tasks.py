from __future__ import annotations

from celery import shared_task

from .sms import sms_backend


@shared_task(
    name="littlebee.notifications.sms_deliver",
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def sms_deliver(phone: str, message: str) -> None:
    sms_backend().send(phone, message)
