"""A report's own statements made once per process (issue 13): the worker's lock, their recent
reports, the report's and its photo's INSERTs are plain SQL built once, giving what the ORM gave."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler, SQLUpdateCompiler

from littlebee.accounts.models import User
from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case, CaseEvent, CaseKind, CaseOrganisation
from littlebee.cases.tests.factories import WORKING_MORNING, World
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.reports import services
from littlebee.reports.flags import photo_flags_compute
from littlebee.reports.models import FlagKind, PhotoStatus, Report, ReportFlag, ReportPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture
def compiled_models(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The model of every SELECT, INSERT and UPDATE the ORM compiles from here on."""
    models: list[Any] = []
    select_sql, insert_sql, update_sql = SQLCompiler.as_sql, SQLInsertCompiler.as_sql, SQLUpdateCompiler.as_sql

    def select(self: Any, *args: Any, **kwargs: Any) -> Any:
        models.append(self.query.model)
        return select_sql(self, *args, **kwargs)

    def insert(self: Any, *args: Any, **kwargs: Any) -> Any:
        models.append(self.query.model)
        return insert_sql(self, *args, **kwargs)

    def update(self: Any, *args: Any, **kwargs: Any) -> Any:
        models.append(self.query.model)
        return update_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", select)
    monkeypatch.setattr(SQLInsertCompiler, "as_sql", insert)
    monkeypatch.setattr(SQLUpdateCompiler, "as_sql", update)
    return models


def submit(reporter: User, **kwargs: Any) -> Report:
    return services.report_submit(
        reporter=reporter, category_code="garbage", description="垃圾", lat=30.55, lng=114.30, **kwargs
    )


def test_the_report_s_own_statements_are_not_compiled_by_the_orm(
    w: World, media_root: Path, compiled_models: list[Any]
) -> None:
    # given a worker who has reported once (whatever is made once per process is made)
    reporter = worker()
    submit(reporter, photos=[upload(jpeg_bytes((40, 30)))])
    compiled_models.clear()

    # when they send a report with a photo
    report = submit(reporter, photos=[upload(jpeg_bytes((40, 30)))])

    # then neither their lock, their recent reports, the report nor its photo went through the ORM
    assert User not in compiled_models
    assert Report not in compiled_models and ReportPhoto not in compiled_models
    # and nor did the case's rows the cases' service wrote: the case, its holder, its timeline row
    assert Case not in compiled_models and CaseEvent not in compiled_models
    assert CaseOrganisation not in compiled_models
    # and the case's row reads back as the service answered it, with its holder and timeline row
    case = Case.objects.get(pk=report.case_id)
    assert [getattr(case, f.attname) for f in Case._meta.concrete_fields] == [
        getattr(report.case, f.attname) for f in Case._meta.concrete_fields
    ]
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor_id, event.to_org_id, event.to_status, event.data["routed"]) == (
        "open",
        reporter.pk,
        case.organisation_id,
        case.status,
        True,
    )
    assert list(CaseOrganisation.objects.filter(case=case).values_list("organisation_id", flat=True)) == [
        case.organisation_id
    ]
    # and both were stored as the ORM stores them
    stored = Report.objects.get(pk=report.pk)
    assert (stored.category.code, stored.description, stored.location_source) == ("garbage", "垃圾", "device")
    photo = ReportPhoto.objects.get(report=report)
    assert (photo.pk, photo.status, photo.attempts, photo.original.name) == (
        report.photos.all()[0].pk,
        PhotoStatus.PROCESSING,
        1,
        report.photos.all()[0].original.name,
    )


def test_the_recent_reports_read_gives_what_the_orm_gave(w: World) -> None:
    # given a worker's report cases at several times, one of another worker and an appeal of theirs
    reporter, other = worker(), worker()
    times = [WORKING_MORNING - timedelta(minutes=m, microseconds=m * 7) for m in (0, 1, 5, 59, 60, 61, 200)]
    for at in times:
        submit(reporter, at=at, reporter_limits=False)
    submit(other, at=WORKING_MORNING, reporter_limits=False)

    # when the window before WORKING_MORNING is read, plain and through the ORM
    after = WORKING_MORNING - timedelta(minutes=60)
    with transaction.atomic():
        plain = services._recent_report_times(reporter.pk, after, WORKING_MORNING, 500)
        capped = services._recent_report_times(reporter.pk, after, WORKING_MORNING, 2)
    orm = list(
        Case.objects.filter(
            reporter=reporter, kind=CaseKind.REPORT, created_at__gt=after, created_at__lte=WORKING_MORNING
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )

    # then the same aware datetimes, newest first, capped by the limit
    assert plain == orm and len(plain) == 4
    assert all(t.tzinfo is not None for t in plain)
    assert capped == orm[:2]


def test_processing_a_photo_compiles_only_its_read_and_stores_as_the_orm_did(
    w: World, media_root: Path, compiled_models: list[Any]
) -> None:
    # given three reports sent with the same photo (taken far from their point), the first two
    # processed (whatever is made once per process is made)
    content = jpeg_bytes((400, 300), gps=True)
    reports = [submit(worker(), photos=[upload(content)]) for _ in range(3)]
    photos = [ReportPhoto.objects.get(report=r) for r in reports]
    for photo in photos[:2]:
        services.report_photo_process(photo_id=photo.pk)
    compiled_models.clear()

    # when the third is processed
    processed = services.report_photo_process(photo_id=photos[2].pk)

    # then the ORM compiled only the read of the photo by id (a job of the request that stored it
    # has the row in memory): marking it ready, clearing its original, looking up the same bytes
    # and storing its flags are statements made once
    assert compiled_models == [ReportPhoto]
    # and the row is as the ORM's UPDATEs left it
    stored = ReportPhoto.objects.get(pk=photos[2].pk)
    assert processed is not None
    assert (stored.status, stored.original.name, stored.image.name, stored.thumbnail.name) == (
        PhotoStatus.READY,
        "",
        processed.image.name,
        processed.thumbnail.name,
    )
    assert (stored.phash, stored.content_sha256) == (processed.phash, processed.content_sha256)
    assert stored.exif_lat == pytest.approx(30 + 35 / 60) and stored.exif_lng == pytest.approx(114 + 18 / 60)
    assert len(stored.content_sha256) == 64 and len(stored.phash) == 16
    # and flagged as the first report's photo, taken far away
    flags = ReportFlag.objects.filter(report=reports[2]).order_by("kind")
    assert [(f.kind, f.other_report_id, f.photo_id, f.data) for f in flags] == [
        (FlagKind.PHOTO_FAR, None, stored.pk, flags[0].data),
        (FlagKind.PHOTO_REUSED, reports[0].pk, stored.pk, {"other_report": reports[0].pk}),
    ]
    assert flags[0].detail and flags[1].detail == f"与 #{reports[0].pk} 的照片相同"

    # when the same photo is processed again (a task delivered twice), and its flags stored again
    assert services.report_photo_process(photo_id=photos[2].pk) is not None
    photo_flags_compute(ReportPhoto.objects.select_related("report__case").get(pk=stored.pk), at=WORKING_MORNING)

    # then nothing is doubled
    assert ReportFlag.objects.filter(report=reports[2]).count() == 2
