"""Nightly points jobs (Celery beat in production): expiry entries and the month-ahead warning."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="points.expire_due")
def points_expire_due() -> int:
    return services.points_expire_due()


@shared_task(name="points.warn_expiring")
def points_warn_expiring() -> int:
    return services.points_warn_expiring()
