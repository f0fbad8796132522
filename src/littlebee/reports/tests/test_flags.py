"""Fraud flags: reused and near-duplicate photos, old or far photos, bursts. They show on the case
for staff only and never award or take points."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.hives.tests.photo_files import upload
from littlebee.points.models import LedgerEntry
from littlebee.reports import flags, services
from littlebee.reports.models import FlagKind, Report, ReportFlag, ReportPhoto

from .test_exif_location import gps_jpeg

pytestmark = pytest.mark.django_db


def submit(
    capture: Any,
    *,
    photos: list[bytes] = (),  # type: ignore[assignment]
    reporter: Any = None,
    category: str = "garbage",
    lat: float | None = 30.55,
    lng: float | None = 114.30,
    at: datetime | None = None,
) -> Report:
    """A report whose photos are processed at once, as the task would after commit."""
    with capture(execute=True):
        return services.report_submit(
            reporter=reporter or worker(),
            category_code=category,
            description="",
            lat=lat,
            lng=lng,
            photos=[upload(p) for p in photos],
            at=at,
        )


def kinds(report: Report) -> list[str]:
    return sorted(ReportFlag.objects.filter(report=report).values_list("kind", flat=True))


def local_naive(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


# --- Reused and similar photos -----------------------------------------------------------------
def test_the_same_photo_in_another_report_is_flagged_reused(w: World, django_capture_on_commit_callbacks: Any) -> None:
    # given a report with a photo
    photo = gps_jpeg(pattern=0b00110011)
    first = submit(django_capture_on_commit_callbacks, photos=[photo])

    # when another worker sends the very same file
    second = submit(django_capture_on_commit_callbacks, photos=[photo])

    # then the second is flagged, naming the first; the first is not
    flag = ReportFlag.objects.get(report=second)
    assert flag.kind == FlagKind.PHOTO_REUSED
    assert flag.other_report_id == first.pk
    assert flag.photo == ReportPhoto.objects.get(report=second)
    assert flag.detail == f"与 #{first.pk} 的照片相同"
    assert kinds(first) == []


def test_a_recompressed_copy_is_flagged_similar(w: World, django_capture_on_commit_callbacks: Any) -> None:
    # given a report with a photo
    first = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b01010101, quality=95)])

    # when another arrives with the same picture saved at another quality (other bytes)
    second = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b01010101, quality=60)])

    # then it is flagged similar to the first
    flag = ReportFlag.objects.get(report=second)
    assert flag.kind == FlagKind.PHOTO_SIMILAR and flag.other_report_id == first.pk
    assert flag.data["distance"] <= 6


def test_a_different_picture_is_not_flagged(w: World, django_capture_on_commit_callbacks: Any) -> None:
    submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b00001111)])
    second = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b11110000, colour=(0, 90, 200))])
    assert kinds(second) == []


def test_photos_of_the_same_report_are_not_compared_with_each_other(
    w: World, django_capture_on_commit_callbacks: Any
) -> None:
    photo = gps_jpeg(pattern=0b00110011)
    report = submit(django_capture_on_commit_callbacks, photos=[photo, photo])
    assert kinds(report) == []


def test_the_similarity_threshold_is_a_setting(
    w: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # given a threshold of -1 bits: nothing is ever similar, only identical files are reused
    settings.REPORTS_PHASH_MAX_DISTANCE = -1
    submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b01010101, quality=95)])
    second = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(pattern=0b01010101, quality=60)])
    assert kinds(second) == []


def test_the_near_duplicate_scan_finds_a_close_hash_in_recent_photos(w: World) -> None:
    # given a recent photo in another report whose hash differs from ours by two bits
    other = services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)
    ReportPhoto.objects.create(report=other, status="ready", phash="ffff0000ffff0003", created_at=timezone.now())
    mine = services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)
    photo = ReportPhoto.objects.create(report=mine, status="ready", phash="ffff0000ffff0000", created_at=timezone.now())

    # when
    computed = flags.photo_flags_compute(photo, at=timezone.now())

    # then
    assert [(f.kind, f.other_report_id, f.data["distance"]) for f in computed] == [
        (FlagKind.PHOTO_SIMILAR, other.pk, 2)
    ]
    # and computing again stores nothing twice
    flags.photo_flags_compute(photo, at=timezone.now())
    assert ReportFlag.objects.filter(report=mine).count() == 1


# --- Old and far photos ------------------------------------------------------------------------
def test_a_photo_taken_days_before_is_flagged_old(w: World, django_capture_on_commit_callbacks: Any) -> None:
    # given a photo taken five days before submission
    taken = local_naive(timezone.now() - timedelta(days=5, minutes=5))

    # when
    report = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(taken=taken)])

    # then
    flag = ReportFlag.objects.get(report=report)
    assert flag.kind == FlagKind.PHOTO_OLD and flag.detail == "拍摄于 5 天前"


def test_a_photo_taken_hours_before_says_hours_and_a_fresh_one_is_fine(
    w: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # given a maximum age of 3 hours
    settings.REPORTS_PHOTO_MAX_AGE_HOURS = 3
    old = submit(
        django_capture_on_commit_callbacks,
        photos=[gps_jpeg(taken=local_naive(timezone.now() - timedelta(hours=5, minutes=1)))],
    )
    fresh = submit(
        django_capture_on_commit_callbacks,
        photos=[gps_jpeg(taken=local_naive(timezone.now() - timedelta(hours=2)), pattern=0b1)],
    )

    assert ReportFlag.objects.get(report=old).detail == "拍摄于 5 小时前"
    assert kinds(fresh) == []


def test_a_photo_taken_in_the_future_is_flagged_old(w: World, django_capture_on_commit_callbacks: Any) -> None:
    report = submit(
        django_capture_on_commit_callbacks, photos=[gps_jpeg(taken=local_naive(timezone.now() + timedelta(days=1)))]
    )
    flag = ReportFlag.objects.get(report=report)
    assert flag.kind == FlagKind.PHOTO_OLD and flag.data == {"future": True}


def test_a_photo_taken_far_from_the_point_is_flagged_far(w: World, django_capture_on_commit_callbacks: Any) -> None:
    # given a report at 30.55, 114.30 with a photo taken about 3.3 km north
    report = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(30.58, 114.30)])

    # then
    flag = ReportFlag.objects.get(report=report)
    assert flag.kind == FlagKind.PHOTO_FAR
    assert 3200 < flag.data["distance_m"] < 3400
    assert flag.detail == "相距 3.3 公里"


def test_a_photo_near_the_point_or_placing_it_is_not_far(w: World, django_capture_on_commit_callbacks: Any) -> None:
    near = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(30.553, 114.30)])  # ~330 m
    placed = submit(
        django_capture_on_commit_callbacks, photos=[gps_jpeg(30.58, 114.30, pattern=0b11)], lat=None, lng=None
    )
    assert kinds(near) == []
    assert placed.location_source == "photo" and kinds(placed) == []


# --- Bursts ------------------------------------------------------------------------------------
def test_more_than_five_reports_within_an_hour_flags_the_sixth(w: World) -> None:
    # given a worker who sent five reports in the last 50 minutes
    courier = worker()
    start = timezone.now() - timedelta(minutes=50)
    sent = [
        services.report_submit(
            reporter=courier,
            category_code="garbage",
            description="",
            lat=30.55,
            lng=114.30,
            at=start + timedelta(minutes=10 * i),
        )
        for i in range(5)
    ]

    # when he sends a sixth
    sixth = services.report_submit(reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30)

    # then only the sixth is flagged, and says so
    assert all(kinds(r) == [] for r in sent)
    flag = ReportFlag.objects.get(report=sixth)
    assert flag.kind == FlagKind.BURST and flag.photo is None
    assert flag.detail == "1 小时内第 6 条"
    with translation.override("en"):
        assert flag.detail_text  # built from data in the reader's language (translated by the lead)


def test_reports_spread_out_or_by_others_are_no_burst(w: World) -> None:
    courier = worker()
    start = timezone.now() - timedelta(hours=6)
    for i in range(6):
        services.report_submit(
            reporter=courier,
            category_code="garbage",
            description="",
            lat=30.55,
            lng=114.30,
            at=start + timedelta(hours=i),
        )
    for _ in range(6):
        services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)
    assert not ReportFlag.objects.exists()


def test_the_burst_limits_are_settings(w: World, settings: Any) -> None:
    settings.REPORTS_BURST_COUNT = 1
    settings.REPORTS_BURST_MINUTES = 10
    courier = worker()
    services.report_submit(reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30)
    second = services.report_submit(reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30)
    assert ReportFlag.objects.get(report=second).detail == "10 分钟内第 2 条"


# --- Points and who sees flags -------------------------------------------------------------------
def test_a_flagged_report_accepted_awards_exactly_the_category_points_once(
    w: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # given a safety hazard (50 points) with a reused photo, sent in a burst
    settings.REPORTS_BURST_COUNT = 1
    courier = worker()
    photo = gps_jpeg(pattern=0b1001)
    submit(django_capture_on_commit_callbacks, photos=[photo], reporter=courier, category="safety_hazard")
    report = submit(django_capture_on_commit_callbacks, photos=[photo], reporter=courier, category="safety_hazard")
    assert kinds(report) == [FlagKind.BURST, FlagKind.PHOTO_REUSED]
    assert not LedgerEntry.objects.exists()  # flags alone give or take nothing

    # when the handler accepts it
    case_services.case_accept(case_id=report.pk, actor=w.community_handler)

    # then the category's 50 points, once
    assert [e.amount for e in LedgerEntry.objects.filter(worker=courier)] == [50]


def test_flags_show_on_the_staff_case_and_never_to_the_worker(
    w: World, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a report with a photo taken far away
    courier = worker()
    report = submit(django_capture_on_commit_callbacks, photos=[gps_jpeg(30.58, 114.30)], reporter=courier)

    # when its community handler opens the case
    staff_view = api_as(w.community_handler).get(f"/cases/{report.pk}")

    # then the flag is there, labelled and explained
    assert staff_view.status_code == 200, staff_view.content
    assert [(f["kind"], f["label"], f["detail"]) for f in staff_view.json()["flags"]] == [
        ("photo_far", "照片拍摄地点与反映地点相距较远", "相距 3.3 公里")
    ]
    # and the city admin looking on sees it too
    assert len(api_as(w.city_admin).get(f"/cases/{report.pk}").json()["flags"]) == 1

    # but the reporter sees no flags, on the case nor on the report
    own_case = api_as(courier).get(f"/cases/{report.pk}")
    assert own_case.status_code == 200 and own_case.json()["flags"] == []
    own_report = api_as(courier).get(f"/reports/{report.pk}").json()
    assert "flags" not in own_report
