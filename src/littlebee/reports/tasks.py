"""Background work of the reports app (a Celery worker in production, in process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reports.process_photo")
def reports_process_photo(photo_id: int) -> str:
    """Strip, resize and hash one uploaded report photo; returns its resulting status."""
    photo = services.report_photo_process(photo_id=photo_id)
    return photo.status if photo is not None else "missing"
