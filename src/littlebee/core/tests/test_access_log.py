"""The access log of the server `make run` starts never records a query string or a Referer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# A server of its own on the embedded default: never the pass's database.
pytestmark = pytest.mark.once


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str], deadline: float) -> None:
    while True:
        try:
            request = urllib.request.Request(url, headers=headers)
            # The first answer (the OpenAPI document) can take seconds on a loaded machine: a short
            # timeout gave up and asked again, queueing behind the single worker's first request.
            urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_logs_the_path_without_the_query_string_or_referer(tmp_path: Path) -> None:
    # given the server started with the project's gunicorn settings, as `make run` starts it
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}}
    env.update({"LITTLEBEE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "littlebee.settings"})
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "littlebee.wsgi:application",
            "-c",
            "python:littlebee.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # when a phone opens a page whose address and referring page carry secrets
        _get(
            f"http://127.0.0.1:{port}/api/v1/openapi.json?t=QR-SECRET-123&code=VOUCHER-456",
            {"Referer": "http://127.0.0.1/rewards/pickup/?code=VOUCHER-789"},
            time.monotonic() + 60,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    # then the request is logged by its path alone
    written = log.read_text()
    assert '"GET /api/v1/openapi.json HTTP/1.1" 200' in written
    for secret in ("QR-SECRET-123", "VOUCHER-456", "VOUCHER-789", "?"):
        assert secret not in written
