"""Background work of the reports app (a Celery worker in production, in process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reports.process_photo")
def reports_process_photo(photo_id: int) -> str:
    """Strip, resize and hash one uploaded report photo; returns its resulting status."""
    photo = services.report_photo_process(photo_id=photo_id)
    return photo.status if photo is not None else "missing"


@shared_task(name="reports.sweep_photos")
def reports_sweep_photos() -> dict[str, int]:
    """Periodic: photos stuck processing queued again, leftover originals deleted."""
    result = services.report_photos_sweep()
    return {"queued": result.queued, "failed": result.failed, "originals_deleted": result.originals_deleted}


@shared_task(name="reports.sweep_orphan_files")
def reports_sweep_orphan_files() -> int:
    """Periodic: files of report photos and case attachments whose rows rolled back, deleted."""
    return services.report_orphan_files_delete()
