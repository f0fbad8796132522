"""A real Celery worker process of Little Bee for tests that need one (Redis as broker)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[4]


@contextmanager
def celery_worker_process(
    env: dict[str, str], *, name: str, queue: str | None = None, loglevel: str = "WARNING"
) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A littlebee worker` (solo pool) with `env` over this process's environment,
    listening on `queue` (default: Celery's), stopped on exit. Its output (log included) is
    on the process's stdout."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "littlebee",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{os.getpid()}@%h",
    ]
    if queue:
        command += ["-Q", queue]
    merged = {**os.environ, "DJANGO_SETTINGS_MODULE": "littlebee.settings", **env}
    if "DATABASE_URL" not in env:
        merged.pop("DATABASE_URL", None)
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=merged, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        # Stopped before the test database is flushed, which waits for the worker's connection.
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
