"""report_submit and the photo task: what is stored, and bad input refused with nothing stored."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.core.errors import InvalidInput, PayloadTooLarge
from littlebee.hives.tests.photo_files import PDF_BYTES, huge_png_bytes, jpeg_bytes, png_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def submit(**kwargs: Any) -> Report:
    values: dict[str, Any] = {
        "reporter": worker(),
        "category_code": "garbage",
        "description": "路口垃圾堆了三天",
        "lat": 30.55,
        "lng": 114.30,
    }
    values.update(kwargs)
    return services.report_submit(**values)


def test_a_photo_with_exif_gps_is_stored_clean_with_its_location_recorded(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a JPEG with GPS in its EXIF
    content = jpeg_bytes((300, 200), gps=True)

    # when a worker submits a report with it (the task runs eagerly after commit)
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(photos=[upload(content)])

    # then the photo is ready, stripped, with its EXIF point, a thumbnail and both hashes
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    assert photo.exif_lat == pytest.approx(30 + 35 / 60)
    assert photo.exif_lng == pytest.approx(114 + 18 / 60)
    assert len(photo.content_sha256) == 64 and len(photo.phash) == 16
    with photo.image.open("rb") as f:
        kept = Image.open(BytesIO(f.read()))
    assert not kept.getexif() and "exif" not in kept.info
    with photo.thumbnail.open("rb") as f:
        thumb = Image.open(BytesIO(f.read()))
    assert max(thumb.size) <= 480
    # and the original, with its GPS, is gone
    assert not photo.original
    assert len(stored_files(media_root)) == 2


def test_the_report_opens_a_routed_case_with_the_community(w: World) -> None:
    # when
    report = submit(urgent=True)

    # then
    case = report.case
    assert case.kind == "report" and case.category == "garbage" and case.urgent
    assert case.region == w.community
    assert case.organisation == w.community_org
    assert not case.confidential
    assert ReportPhoto.objects.count() == 0


def test_a_traffic_signal_report_goes_to_the_districts_traffic_police(w: World) -> None:
    report = submit(category_code="traffic_signal")
    assert report.case.organisation == w.traffic_police


def test_a_public_security_clue_is_confidential(w: World) -> None:
    report = submit(category_code="public_security_clue")
    assert report.case.confidential


def test_a_photo_that_cannot_be_processed_is_marked_failed(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a stored original that has become unreadable
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = submit(photos=[upload(png_bytes())])
    photo = ReportPhoto.objects.get(report=report)
    with open(photo.original.path, "wb") as f:
        f.write(b"garbage")

    # when the task runs
    for callback in callbacks:
        callback()

    # then
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.FAILED


def _truncated_jpeg() -> bytes:
    data = jpeg_bytes((400, 300))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category_code": ""}, "category"),
        ({"category_code": "no_such_thing"}, "category"),
        ({"lat": 39.90, "lng": 116.40}, "lat"),  # Beijing
        ({"lat": None}, "lat"),
        ({"photos": [upload(jpeg_bytes()) for _ in range(10)]}, "photos"),
        ({"photos": [upload(jpeg_bytes()), upload(PDF_BYTES, "scan.jpg")]}, "photos"),
        ({"photos": [upload(_truncated_jpeg())]}, "photos"),
        ({"photos": [upload(huge_png_bytes(), "big.png", "image/png")]}, "photos"),
    ],
    ids=["no-category", "unknown-category", "outside-city", "no-location", "ten-photos", "pdf", "truncated", "huge"],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    w: World, media_root: Path, kwargs: dict[str, Any], field: str
) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        submit(**kwargs)

    # then
    assert field in [e.field for e in refused.value.errors]
    assert Report.objects.count() == 0 and Case.objects.count() == 0 and ReportPhoto.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_too_large_photo_is_refused_with_413_and_nothing_stored(w: World, media_root: Path) -> None:
    # given a file of 10 MB and a byte
    big = upload(b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024 - 1))

    # when / then
    with pytest.raises(PayloadTooLarge):
        submit(photos=[upload(jpeg_bytes()), big])
    assert Report.objects.count() == 0 and Case.objects.count() == 0
    assert stored_files(media_root) == []


def test_an_inactive_category_is_refused(w: World) -> None:
    from littlebee.reports.models import ReportCategory

    ReportCategory.objects.filter(code="garbage").update(is_active=False)
    with pytest.raises(InvalidInput):
        submit()


def test_the_catalogue_loader_is_idempotent(w: World) -> None:
    from littlebee.cases.models import RoutingRule

    assert services.report_categories_ensure() == 0
    assert RoutingRule.objects.filter(category="traffic_signal").count() == 1


# --- Checking apart from storing ----------------------------------------------------------------
def test_validation_lists_every_bad_field_and_writes_nothing(
    w: World, media_root: Path, django_assert_max_num_queries: Any
) -> None:
    # when a report with a bad category, an overlong address and no point is checked
    with pytest.raises(InvalidInput) as refused, django_assert_max_num_queries(3):
        services.report_validate(category_code="nonsense", description="", lat=None, lng=30.0, address="路" * 201)
    # then every bad field is named at once, and nothing was stored (reads only)
    assert {e.field for e in refused.value.errors} == {"category", "address", "lat"}
    assert (Case.objects.count(), Report.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


def test_validation_reads_the_point_from_the_photo(w: World) -> None:
    # when a report without a point but with a photo carrying GPS is checked
    draft = services.report_validate(
        category_code="garbage", description=" 垃圾 ", lat=None, lng=None, photos=[upload(jpeg_bytes(gps=True))]
    )
    # then the draft is placed by the photo, with the photo read and the text trimmed; nothing stored
    assert (draft.lat, draft.lng) == (pytest.approx(30 + 35 / 60), pytest.approx(114 + 18 / 60))
    assert draft.location_source == "photo" and draft.description == "垃圾" and len(draft.photos) == 1
    assert Case.objects.count() == 0


def test_a_report_keeps_no_copy_of_its_cases_place_and_time(w: World) -> None:
    # given a submitted urgent report
    report = submit(urgent=True)
    # then where, when and how urgent live on its case only, and the API reads them from there
    columns = {f.name for f in Report._meta.get_fields()}
    assert not columns & {"lat", "lng", "urgent", "community", "created_at"}
    case = report.case
    assert (case.lat, case.lng, case.urgent, case.region) == (30.55, 114.30, True, w.community)


def test_the_catalogue_is_written_in_a_few_statements(django_assert_max_num_queries: Any) -> None:
    from littlebee.cases.models import RoutingRule
    from littlebee.reports.models import ReportCategory

    # given an empty database (every test's, and a new city's)
    # when the catalogue is loaded
    with django_assert_max_num_queries(20):
        created = services.report_categories_ensure()

    # then every category and department route is there, written together (get_or_create took
    # four round trips per default: ~220 statements)
    assert created == len(services.CATEGORY_SEEDS) == ReportCategory.objects.count()
    assert RoutingRule.objects.filter(category="public_security_clue", department_type="public_security").exists()
