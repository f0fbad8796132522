"""Background work of the appeals app (a Celery worker in production, in process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="appeals.sweep_orphan_files")
def appeals_sweep_orphan_files() -> int:
    """Periodic: files of appeal attachments whose rows rolled back, deleted."""
    return services.appeal_orphan_files_delete()
