"""The near-duplicate scan (flags._similar_report) on PostgreSQL compares the recent hashes in the
database (issue 13: up to REPORTS_PHASH_SCAN_LIMIT hashes were read into Python for every
processed photo), finding exactly what the Python loop finds."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.reports import flags, services
from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _report() -> Report:
    return services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)


def _python_scan(photo: ReportPhoto, at: Any) -> tuple[int, int] | None:
    """The scan as the Python loop does it (newest first, the first of the closest kept)."""
    from django.conf import settings

    since = at - timedelta(days=settings.REPORTS_PHASH_SCAN_DAYS)
    recent = (
        ReportPhoto.objects.filter(status=PhotoStatus.READY, created_at__gte=since)
        .exclude(report_id=photo.report_id)
        .exclude(phash="")
        .order_by("-created_at", "-id")
        .values_list("report_id", "phash")[: settings.REPORTS_PHASH_SCAN_LIMIT]
    )
    best = None
    for report_id, phash in recent:
        distance = flags.phash_distance(photo.phash, phash)
        if distance <= settings.REPORTS_PHASH_MAX_DISTANCE and (best is None or distance < best[1]):
            best = (report_id, distance)
    return best


def test_the_database_finds_the_closest_recent_hash_as_the_loop_does(w: World, settings: Any) -> None:
    # given photos in other reports: hashes a few bits from ours (some at equal distances), far
    # ones, old ones beyond the window, processing ones, more than the scan's cap
    settings.REPORTS_PHASH_SCAN_LIMIT = 25
    rng = random.Random(13)
    now = timezone.now()
    ours = 0xFFFF0000FFFF0000
    others = [_report() for _ in range(6)]
    for i in range(40):
        flipped = ours
        for bit in rng.sample(range(64), rng.choice([1, 2, 2, 3, 5, 7, 9, 30])):
            flipped ^= 1 << bit
        ReportPhoto.objects.create(
            report=rng.choice(others),
            status=PhotoStatus.READY if i % 9 else PhotoStatus.PROCESSING,
            phash=f"{flipped:016x}" if i % 4 else f"{flipped:016X}",
            created_at=now - timedelta(days=rng.choice([0, 1, 2, 120]), minutes=i),
        )
    mine = _report()
    photo = ReportPhoto.objects.create(report=mine, status="ready", phash=f"{ours:016x}", created_at=now)

    for limit in (0, 1, 2, 3, 6, 12):
        settings.REPORTS_PHASH_MAX_DISTANCE = limit
        # when the scan runs
        with CaptureQueriesContext(connection) as ctx:
            found = flags._similar_report(photo, now)

        # then it finds what the loop finds, with the hashes compared by the database
        assert found == _python_scan(photo, now), limit
        scan = ctx.captured_queries[-1]["sql"]
        assert "bit_count" in scan and scan.endswith("LIMIT 1")
    assert flags._similar_report(photo, now) is not None
