"""The report photo task on the real thing: submitting sends reports.process_photo through Redis,
and a Celery worker process, on the same PostgreSQL test database and media folder, processes it;
a photo whose queueing failed (the broker down at commit) is queued again by the periodic sweep."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.celery import app as celery_app
from littlebee.conftest import TEST_REDIS_URL
from littlebee.core.tests.celery_worker import celery_worker_process
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import PhotoStatus, ReportPhoto
from littlebee.reports.tasks import reports_sweep_photos

# The worker reads rows this test has committed: only a real server shares them between processes
# (an in-memory SQLite test database cannot).
pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def _database_url() -> str:
    """The test database this process uses, as a URL for the worker."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def queue() -> str:
    # A queue of this run's own: another run's worker on the same Redis must not take our task.
    return f"test-photos-{os.getpid()}"


def _forget_routing() -> None:
    # The app's messaging half caches what it made on first use (default queue and exchange,
    # router, producer pool): after an earlier test in this process our task never reached our
    # worker's queue. A fresh one is built from the settings as they are now.
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def broker(queue: str) -> Iterator[None]:
    """This process sends tasks to Redis instead of running them in process."""
    saved = {
        key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    celery_app.close()  # drop any connection pool made for the in-memory broker
    celery_app.conf.update(
        task_always_eager=False, broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_default_queue=queue
    )
    _forget_routing()
    yield
    celery_app.close()
    celery_app.conf.update(saved)
    _forget_routing()


@pytest.fixture
def celery_worker(media_root: Path, tmp_path: Path, queue: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        "REDIS_URL": TEST_REDIS_URL,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(media_root),
        "LITTLEBEE_VAR_DIR": str(tmp_path / "worker-var"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONN_MAX_AGE": "0",
    }
    with celery_worker_process(env, name="photos", queue=queue) as process:
        yield process


def _wait_for(photo_id: int, worker_process: subprocess.Popen[bytes]) -> ReportPhoto:
    """The photo once the worker's job has finished with it: out of processing and its original
    cleared. The job marks the photo ready (or failed) first and deletes the original after, in
    another statement: a photo read between the two is ready with its original still there."""
    deadline = time.monotonic() + WAIT_SECONDS
    photo = ReportPhoto.objects.get(pk=photo_id)
    while time.monotonic() < deadline:
        photo = ReportPhoto.objects.get(pk=photo_id)
        if photo.status != PhotoStatus.PROCESSING and not photo.original:
            return photo
        if worker_process.poll() is not None:
            output = worker_process.stdout.read().decode(errors="replace") if worker_process.stdout else ""
            pytest.fail(f"the Celery worker stopped (exit {worker_process.returncode}):\n{output}")
        time.sleep(0.2)
    worker_process.terminate()
    out = worker_process.stdout.read().decode(errors="replace") if worker_process.stdout else ""
    pytest.fail(
        f"the photo was not processed within {WAIT_SECONDS} s (status {photo.status},"
        f" original {photo.original.name!r}); worker said:\n{out}"
    )


def test_a_submitted_photo_is_processed_by_a_celery_worker_through_redis(
    w: World, media_root: Path, broker: None, celery_worker: subprocess.Popen[bytes]
) -> None:
    # given a worker process on Redis, and a JPEG with GPS and a camera make in its EXIF
    content = jpeg_bytes((1200, 900), gps=True)
    assert Image.open(BytesIO(content)).getexif()

    # when a worker submits a report with it (committed: the task goes out to the broker)
    report = services.report_submit(
        reporter=worker(),
        category_code="road_damage",
        description="非机动车道上有一个大坑",
        lat=30.55,
        lng=114.30,
        photos=[upload(content)],
    )
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.PROCESSING  # nothing ran in this process

    # then the worker process makes it ready: stripped of EXIF, hashed, its GPS point read
    photo = _wait_for(photo.pk, celery_worker)
    assert photo.status == PhotoStatus.READY
    assert len(photo.content_sha256) == 64 and len(photo.phash) == 16
    assert photo.exif_lat == pytest.approx(30 + 35 / 60)
    assert photo.exif_lng == pytest.approx(114 + 18 / 60)
    with photo.image.open("rb") as file:
        stored: Any = Image.open(BytesIO(file.read()))
    assert not stored.getexif() and "exif" not in stored.info
    assert max(stored.size) <= 2048
    assert photo.thumbnail and not photo.original


CLOSED_BROKER = "redis://127.0.0.1:1/15"  # nothing listens on port 1: every connection is refused


def _use_broker(url: str) -> None:
    celery_app.close()  # drop the pool made for the previous broker
    celery_app.conf.update(broker_url=url)
    _forget_routing()


def test_a_photo_sent_while_the_broker_is_down_is_processed_once_it_is_back(
    w: World, media_root: Path, broker: None, celery_worker: subprocess.Popen[bytes]
) -> None:
    # given a broker that refuses connections at the moment the report commits
    _use_broker(CLOSED_BROKER)

    # when a worker submits a report with a photo (the queueing after commit fails)
    report = services.report_submit(
        reporter=worker(),
        category_code="road_damage",
        description="非机动车道上有一个大坑",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((800, 600), gps=True))],
    )

    # then the report is filed all the same, its photo waiting with its original
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.PROCESSING and photo.original

    # when the broker is back and, a few minutes later, the periodic sweep runs (here, in this
    # process as beat's job would on a worker: its queueing goes out through Redis to our queue)
    _use_broker(TEST_REDIS_URL)
    ReportPhoto.objects.filter(pk=photo.pk).update(queued_at=timezone.now() - timedelta(minutes=10))
    assert reports_sweep_photos.apply().get()["queued"] == 1

    # then the sweep queues the photo again and the worker processes it
    photo = _wait_for(photo.pk, celery_worker)
    assert photo.status == PhotoStatus.READY
    assert photo.image and photo.thumbnail and not photo.original
    assert photo.attempts == 2
