"""A login code on the real worker path: the service queues the text through Redis, a Celery
worker process sends it, and the code appears in no log line, the worker's output included."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import signals

from littlebee.accounts import services as account_services
from littlebee.accounts.tests.factories import worker
from littlebee.celery import app as celery_app
from littlebee.conftest import TEST_REDIS_URL
from littlebee.core.tests.celery_worker import celery_worker_process

# Imported now, while the app is registered: `celery_app.close()` (the broker fixtures) takes the
# app off Celery's list of live apps, and a shared task first imported after that, on an app
# finalized before, would never be registered with it.
from littlebee.notifications import tasks as _registered  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

WAIT_SECONDS = 60


@pytest.fixture
def queue() -> str:
    # A queue of this run's own: another run's worker on the same Redis must not take our task.
    return f"test-sms-{os.getpid()}"


@pytest.fixture
def broker(queue: str, settings: Any) -> Iterator[None]:
    """This process queues texts on Redis (cache and broker) instead of sending them itself."""
    # Saved before the settings change: Celery reads its configuration from the settings lazily,
    # and read afterwards it would save (and later restore) the changed values for every test after.
    saved = {
        key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}
    settings.CACHES = {"default": redis_cache}
    celery_app.close()
    celery_app.conf.update(
        task_always_eager=False, broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_default_queue=queue
    )
    # The messaging half is cached from its first use; rebuilt from the settings as they are now.
    celery_app.__dict__.pop("amqp", None)
    yield
    celery_app.close()
    celery_app.conf.update(saved)
    celery_app.__dict__.pop("amqp", None)


def _wait_for_text(outbox: Path, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        text = outbox.read_text(encoding="utf-8") if outbox.exists() else ""
        # The backend appends a line and its newline: a first line without it may still be
        # being written, and would not parse.
        if "\n" in text:
            sent: dict[str, str] = json.loads(text.split("\n", 1)[0])
            return sent
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    pytest.fail(f"the worker sent no text within {WAIT_SECONDS} s (exit {process.returncode}); it said:\n{output}")


def test_a_login_code_sent_by_a_celery_worker_reaches_the_phone_and_no_log(
    broker: None,
    queue: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a registered worker, and a Celery worker process on Redis that logs everything
    user = worker()
    outbox = tmp_path / "sms.jsonl"
    env = {
        "REDIS_URL": TEST_REDIS_URL,
        "LITTLEBEE_VAR_DIR": str(tmp_path / "worker-var"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SMS_BACKEND": "littlebee.notifications.tests.file_sms.FileSmsBackend",
        "LITTLEBEE_TEST_SMS_FILE": str(outbox),
        "LOG_LEVEL": "DEBUG",
    }
    caplog.set_level(logging.DEBUG)
    published: list[str] = []

    def keep_payload(*, body: Any, **kwargs: Any) -> None:
        published.append(repr(body))

    signals.before_task_publish.connect(keep_payload, weak=False)
    with celery_worker_process(env, name="sms", queue=queue, loglevel="DEBUG") as process:
        # when a login code is requested (committed: the text goes out through the broker)
        with django_capture_on_commit_callbacks(execute=True):
            account_services.sms_code_send(phone=user.phone)
        signals.before_task_publish.disconnect(keep_payload)

        # then the worker process sends the text with the code to the phone
        sent = _wait_for_text(outbox, process)
    worker_output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    assert sent["phone"] == user.phone
    code = next(word for word in sent["message"].replace("，", " ").split() if word.isdigit() and len(word) == 6)

    # and the task on the broker carried a reference, not the text
    assert len(published) == 1
    assert code not in published[0] and user.phone not in published[0]

    # and the worker logged through Little Bee's handlers (Celery did not take the root logger
    # over), saw the task arrive and run, yet neither its log nor this process's holds the code
    assert "celery.worker.strategy" in worker_output, worker_output
    assert "littlebee.notifications.sms_deliver" in worker_output
    assert code not in worker_output, worker_output
    assert user.phone not in worker_output
    assert code not in caplog.text
