"""Periodic jobs without Celery beat: the embedded mode's scheduler.

Production runs `celery beat` on Redis. The embedded default has no broker another process
could reach, so each web process checks, at most once a minute after a request, whether a
job of CELERY_BEAT_SCHEDULE is due and runs it in a background thread. Every job is
idempotent, and a conditional update claims each run, so several processes may check at once.
`littlebee run_periodic_jobs` does the same from cron.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import PeriodicJobRun

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60


def _claim(name: str, schedule: Any, now: datetime) -> bool:
    """True if this process won the job's due run (and recorded it)."""
    run = PeriodicJobRun.objects.filter(name=name).first()
    if run is None:
        try:
            with transaction.atomic():
                PeriodicJobRun.objects.create(name=name, last_run_at=now)
        except IntegrityError:
            return False
        # A job seen for the first time runs now: a missed night should not wait a day.
        return True
    due, _next = schedule.is_due(run.last_run_at)
    if not due:
        return False
    return bool(PeriodicJobRun.objects.filter(pk=run.pk, last_run_at=run.last_run_at).update(last_run_at=now))


def periodic_jobs_run_due() -> list[str]:
    """Run every due job of CELERY_BEAT_SCHEDULE in this process; returns the names run.
    (Celery's schedules judge "due" against the clock, so there is no `now` to pass.)"""
    from littlebee.celery import app

    app.loader.import_default_modules()  # autodiscovery is lazy: load every app's tasks.py
    now = timezone.now()
    ran = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if not _claim(name, entry["schedule"], now):
            continue
        task = app.tasks.get(entry["task"])
        if task is None:
            logger.error("periodic job %s names an unknown task %s", name, entry["task"])
            continue
        try:
            task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True)
        except Exception:
            logger.exception("periodic job %s failed", name)
        ran.append(name)
    return ran


class InProcessPeriodicJobs:
    """Middleware: in the embedded mode, look for due jobs at most once a minute per process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.next_check = 0.0
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERIODIC_JOBS_IN_PROCESS and time.monotonic() >= self.next_check and self.lock.acquire(False):
            self.next_check = time.monotonic() + CHECK_EVERY_SECONDS
            threading.Thread(target=self._run, daemon=True, name="littlebee-periodic").start()
        return response

    def _run(self) -> None:
        try:
            periodic_jobs_run_due()
        except Exception:
            logger.exception("periodic jobs check failed")
        finally:
            close_old_connections()
            self.lock.release()
