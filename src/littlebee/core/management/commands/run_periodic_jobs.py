"""Run the periodic jobs that are due (for cron, when no Celery beat runs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from littlebee.core.periodic import periodic_jobs_run_due


class Command(BaseCommand):
    help = "Run every job of CELERY_BEAT_SCHEDULE that is due now, in this process."

    def handle(self, *args: Any, **options: Any) -> None:
        ran = periodic_jobs_run_due()
        self.stdout.write(", ".join(ran) if ran else "Nothing was due.")
