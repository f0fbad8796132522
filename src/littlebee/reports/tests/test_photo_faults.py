"""Photos survive a broker or database fault (issue 11 item 6): a failed queueing after commit
still answers 201, and the periodic sweep queues stuck photos again, deletes originals once
processed and removes files of uploads whose transaction rolled back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.core.periodic import periodic_jobs_run_due
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import PhotoStatus, Report, ReportPhoto
from littlebee.reports.tasks import reports_process_photo

pytestmark = pytest.mark.django_db


def broker_down(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Queueing raises as kombu does when Redis refuses the connection; returns the tries."""
    tries: list[int] = []

    def refuse(args: tuple[int], **kwargs: Any) -> None:
        tries.append(args[0])
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(reports_process_photo, "apply_async", refuse)
    return tries


def submit(**kw: Any) -> Report:
    return services.report_submit(
        reporter=kw.pop("reporter", None) or worker(),
        category_code="garbage",
        description="",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((400, 300), gps=True))],
        **kw,
    )


def test_the_report_is_filed_when_the_broker_is_down_and_the_sweep_processes_the_photo_later(
    w: World, api_as: Any, media_root: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given a broker that refuses every connection
    tries = broker_down(monkeypatch)

    # when a worker sends a report with a photo (the queueing runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/reports",
            {"category": "garbage", "lat": "30.55", "lng": "114.30", "photos": [upload(jpeg_bytes((400, 300)))]},
            headers=api_as(worker())._headers(),
        )

    # then the report is filed all the same, its photo waiting
    assert response.status_code == 201, response.content
    photo = ReportPhoto.objects.get(report_id=response.json()["id"])
    assert len(tries) == 1 and photo.status == PhotoStatus.PROCESSING and photo.original

    # when the sweep runs a little later while the broker is still down
    monkeypatch.undo()
    tries = broker_down(monkeypatch)
    later = timezone.now() + timedelta(minutes=django_settings.REPORTS_PHOTO_REQUEUE_MINUTES + 1)
    result = services.report_photos_sweep(at=later)

    # then it tried, gave the attempt back and will try again
    photo.refresh_from_db()
    assert tries == [photo.pk] and result.queued == 0
    assert photo.status == PhotoStatus.PROCESSING and photo.attempts == 1

    # when the broker is back (in process here) and the sweep runs again
    monkeypatch.undo()
    result = services.report_photos_sweep(at=later)

    # then the photo is processed and its original deleted
    photo.refresh_from_db()
    assert result.queued == 1
    assert photo.status == PhotoStatus.READY and photo.image and photo.thumbnail
    assert not photo.original and photo.attempts == 2
    assert not list((media_root / "reports" / "originals").rglob("*.bin"))


def test_a_fresh_photo_is_left_to_its_own_task(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a photo queued a minute ago, not yet processed
    report = submit()
    assert ReportPhoto.objects.get(report=report).status == PhotoStatus.PROCESSING
    tries = broker_down(monkeypatch)

    # when the sweep runs
    services.report_photos_sweep(at=timezone.now() + timedelta(minutes=1))

    # then it does not queue it a second time
    assert tries == []


def test_a_photo_that_never_gets_processed_fails_after_the_last_attempt(
    w: World, settings: Any, media_root: Path
) -> None:
    # given a photo still processing after its last allowed attempt
    report = submit()
    photo = ReportPhoto.objects.get(report=report)
    ReportPhoto.objects.filter(pk=photo.pk).update(attempts=settings.REPORTS_PHOTO_MAX_ATTEMPTS)
    original = media_root / photo.original.name

    # when the sweep finds it
    result = services.report_photos_sweep(at=timezone.now() + timedelta(hours=1))

    # then it is marked failed and its original (which may carry a location) deleted
    photo.refresh_from_db()
    assert result.failed == 1
    assert photo.status == PhotoStatus.FAILED and not photo.original and not original.exists()


def test_an_original_left_beside_a_finished_photo_is_deleted(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a processed photo whose original's deletion was lost (the process died in between)
    with django_capture_on_commit_callbacks(execute=True):
        report = submit()
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    leftover = "reports/originals/2026/01/left.bin"
    (media_root / "reports/originals/2026/01").mkdir(parents=True)
    (media_root / leftover).write_bytes(b"original")
    ReportPhoto.objects.filter(pk=photo.pk).update(original=leftover)

    # when the sweep runs
    result = services.report_photos_sweep()

    # then the original is gone, the photo untouched
    photo.refresh_from_db()
    assert result.originals_deleted == 1 and not (media_root / leftover).exists()
    assert photo.status == PhotoStatus.READY and not photo.original and photo.image


def test_a_second_run_of_the_same_photo_keeps_nothing(w: World, media_root: Path) -> None:
    # given a photo processed once
    report = submit()
    photo = ReportPhoto.objects.get(report=report)
    first = services.report_photo_process(photo_id=photo.pk)
    assert first is not None and first.status == PhotoStatus.READY

    # when the task is delivered again, then nothing changes
    again = services.report_photo_process(photo_id=photo.pk)
    assert again is not None and again.image.name == first.image.name
    assert len(list((media_root / "reports" / "photos").rglob("*.*"))) == 1


def test_files_of_a_rolled_back_report_are_deleted_after_the_grace_period(w: World, media_root: Path) -> None:
    # given a filed report's photo, and an original whose report rolled back (no row names it)
    report = submit()
    photo = ReportPhoto.objects.get(report=report)
    folder = (media_root / photo.original.name).parent
    orphan = folder / "rolled-back.bin"
    orphan.write_bytes(b"original of a report that never was")

    # when the sweep runs within the grace period, then the file stays
    assert services.report_orphan_files_delete() == 0 and orphan.exists()

    # when it runs after the grace period
    later = timezone.now() + timedelta(minutes=django_settings.UPLOAD_ORPHAN_GRACE_MINUTES + 5)
    deleted = services.report_orphan_files_delete(at=later)

    # then the orphan is gone and the filed report's original is kept
    assert deleted == 1 and not orphan.exists()
    assert (media_root / photo.original.name).exists()


def test_the_sweeps_are_periodic_jobs(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the beat schedule (Celery beat in production, core.periodic when embedded)
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reports.sweep_photos", "reports.sweep_orphan_files", "appeals.sweep_orphan_files"} <= schedule

    # when the embedded scheduler runs the due jobs (all, the first time)
    ran = periodic_jobs_run_due()

    # then the sweeps ran without error among them
    assert {"reports-sweep-photos", "reports-sweep-orphan-files", "appeals-sweep-orphan-files"} <= set(ran)
