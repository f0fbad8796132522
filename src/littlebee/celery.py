"""The Celery application: a Redis-backed worker in production, eager in the embedded default."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")

app = Celery("littlebee")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
