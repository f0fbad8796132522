from __future__ import annotations

from celery import shared_task


@shared_task(name="littlebee.core.ping")
def ping(value: str) -> str:
    """Round-trip check for operators and tests: a worker answers through the broker."""
    return f"pong:{value}"
