"""The Celery application: a Redis-backed worker in production, eager in the embedded default."""

from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")

app = Celery("littlebee")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _use_django_logging(*, loglevel: int | str | None = None, **kwargs: Any) -> None:
    """Workers and beat log through settings.LOGGING, whose handlers redact secrets.

    Left alone, Celery would replace the root logger's handlers with its own (which know
    nothing of redaction) and send the worker's stdout to a logger too. Answering this
    signal tells Celery that logging is configured; the command line's --loglevel still
    decides how much a worker says.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
