"""SMS delivery behind one interface. Real providers implement `SmsBackend.send`.

A text often carries a login code, so its words never travel as a Celery task argument (the
broker, Celery's own log lines and monitoring tools all see those): the message waits in the
cache (Redis in production, shared with the workers) under a random key, and the task gets only
that key. The worker takes the message out and sends it.
"""

from __future__ import annotations

import logging
import secrets
import sys
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import transaction
from django.utils.module_loading import import_string

from littlebee.accounts.phones import mask_phone

logger = logging.getLogger(__name__)

CONSOLE_BACKEND = "littlebee.notifications.sms.ConsoleSmsBackend"
# A text still queued after a day is no use to anyone (a login code lives minutes).
PENDING_TTL_SECONDS = 24 * 60 * 60
_PENDING_PREFIX = "littlebee:sms:pending:"


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class ConsoleSmsBackend:
    """Writes each SMS to the server's standard output: the demo city's stand-in for a phone.

    It deliberately bypasses logging so that codes never reach log files or collectors, and
    production refuses it (settings.py), since there stdout is collected like a log.
    """

    def send(self, phone: str, message: str) -> None:
        print(f"[SMS → {phone}] {message}", file=sys.stdout, flush=True)


@dataclass
class SentSms:
    phone: str
    message: str


class LocmemSmsBackend:
    """Keeps messages in memory for tests, like Django's locmem mail backend."""

    outbox: list[SentSms] = []

    def send(self, phone: str, message: str) -> None:
        LocmemSmsBackend.outbox.append(SentSms(phone, message))


@cache
def _backend(path: str) -> SmsBackend:
    backend: SmsBackend = import_string(path)()
    return backend


def sms_backend() -> SmsBackend:
    return _backend(settings.SMS_BACKEND)


def sms_pending_put(*, phone: str, message: str) -> str:
    """Keep a text for a worker to send; the returned reference is all the task carries."""
    reference = secrets.token_urlsafe(16)
    django_cache.set(_PENDING_PREFIX + reference, {"phone": phone, "message": message}, PENDING_TTL_SECONDS)
    return reference


def sms_pending_send(*, reference: str) -> bool:
    """Send the text kept under `reference` and forget it. False when there is none (already
    sent by an earlier try, or expired). A failing backend raises and the text stays, so the
    task's retry sends it."""
    key = _PENDING_PREFIX + reference
    pending = django_cache.get(key)
    if not isinstance(pending, dict):
        logger.warning("SMS %s was not sent: it is no longer pending", reference[:6])
        return False
    sms_backend().send(pending["phone"], pending["message"])
    django_cache.delete(key)
    return True


def sms_send_on_commit(*, phone: str, message: str) -> None:
    """Send once the current transaction commits, so a rolled-back request sends nothing."""

    def deliver() -> None:
        from .tasks import sms_deliver

        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                # In process: Celery's eager trace would log the arguments, so no task at all.
                sms_backend().send(phone, message)
            else:
                sms_deliver.delay(sms_pending_put(phone=phone, message=message))
        except Exception:
            # Never the message itself: it carries the code.
            logger.exception("SMS delivery to %s failed", mask_phone(phone))

    transaction.on_commit(deliver)
