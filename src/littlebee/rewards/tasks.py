"""Periodic rewards job (Celery beat every 10 minutes; in process in the embedded default)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="rewards.expire_vouchers")
def rewards_expire_vouchers() -> int:
    """Expire unclaimed vouchers past their date, refunding points and stock."""
    return services.vouchers_expire_due()
