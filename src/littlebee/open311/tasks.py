"""Background work of the Open311 app (a Celery worker in production, in process when embedded)."""

from __future__ import annotations

from celery import shared_task

from . import webhooks


@shared_task(name="open311.deliver_webhook")
def open311_deliver_webhook(delivery_id: int) -> str:
    """One attempt at one webhook delivery; a failure queues the next attempt itself."""
    delivery = webhooks.webhook_deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"


@shared_task(name="open311.deliver_due_webhooks")
def open311_deliver_due_webhooks() -> int:
    """Periodic: pending webhook deliveries whose time has come (a lost task, the embedded mode)."""
    return webhooks.webhooks_deliver_due()
