"""SMS delivery behind one interface. Real providers implement `SmsBackend.send`."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from littlebee.accounts.phones import mask_phone

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class ConsoleSmsBackend:
    """Writes each SMS to the server's standard output: the demo city's stand-in for a phone.

    It deliberately bypasses logging so that codes never reach log files or collectors.
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


def sms_send_on_commit(*, phone: str, message: str) -> None:
    """Send once the current transaction commits, so a rolled-back request sends nothing."""

    def deliver() -> None:
        from .tasks import sms_deliver

        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                # In process: Celery's eager trace would log the raw arguments, code included.
                sms_backend().send(phone, message)
            else:
                # A Celery job on Redis. Celery copies task arguments into its log records, so
                # give it a masked representation instead of the code.
                masked: dict[str, Any] = {"argsrepr": repr((mask_phone(phone), "[redacted]")), "kwargsrepr": "{}"}
                sms_deliver.apply_async(args=(phone, message), **masked)
        except Exception:
            # Never the message itself: it carries the code.
            logger.exception("SMS delivery to %s failed", mask_phone(phone))

    transaction.on_commit(deliver)
