"""Celery on Redis for real: a worker process takes our task from the broker and answers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from celery import Celery

from littlebee.conftest import TEST_REDIS_URL

from .celery_worker import celery_worker_process

pytestmark = pytest.mark.redis


def test_worker_runs_a_task_sent_through_redis(tmp_path: Path) -> None:
    # given a Celery worker of Little Bee started against Redis
    with celery_worker_process({"REDIS_URL": TEST_REDIS_URL, "LITTLEBEE_VAR_DIR": str(tmp_path)}, name="test"):
        client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL)
        try:
            # when a task is sent by name through the broker
            started = time.monotonic()
            result = client.send_task("littlebee.core.ping", args=["bee"])

            # then the worker runs it and the answer comes back through Redis
            assert result.get(timeout=60) == "pong:bee"
            assert time.monotonic() - started < 60
        finally:
            client.close()
