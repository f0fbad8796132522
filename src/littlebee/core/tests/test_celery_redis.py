"""Celery on Redis for real: a worker process takes our task from the broker and answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from littlebee.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.redis

PROJECT_DIR = Path(__file__).resolve().parents[4]


def test_worker_runs_a_task_sent_through_redis(tmp_path: Path) -> None:
    # given a Celery worker of Little Bee started against Redis
    env = {
        **os.environ,
        "REDIS_URL": TEST_REDIS_URL,
        "LITTLEBEE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "littlebee.settings",
    }
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "littlebee",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    client = Celery(broker=TEST_REDIS_URL, backend=TEST_REDIS_URL)
    try:
        # when a task is sent by name through the broker
        started = time.monotonic()
        result = client.send_task("littlebee.core.ping", args=["bee"])

        # then the worker runs it and the answer comes back through Redis
        assert result.get(timeout=60) == "pong:bee"
        assert time.monotonic() - started < 60
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        client.close()
