"""The photo flags' look-ups of the oldest other photo with the same bytes or the same perceptual
hash (issue 13): read through an index in their order, so that a picture sent thousands of times
(the A/B bench sends one photo for every report) costs the first row, not a sort of every copy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.reports import flags, services
from littlebee.reports.models import PhotoStatus, ReportPhoto

pytestmark = pytest.mark.django_db

SHA = "ab" * 32
PHASH = "c3d2e1f0a5b49687"


def plan(queryset: QuerySet[Any]) -> str:
    """How the database would run the queryset's first row's read, as text."""
    sql, params = queryset[:1].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a test's nearly empty table a sequential scan always wins: the question is
            # which index serves the read when the table is large.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: flags._same_bytes(None, sha256=SHA, report_id=1), "reportphoto_sha256_idx"),
        (lambda: flags._same_hash(PHASH, 1), "reportphoto_phash_idx"),
    ],
    ids=["same bytes", "same hash"],
)
def test_the_oldest_same_photo_is_read_in_an_index_order_without_sorting(w: World, queryset: Any, index: str) -> None:
    # given photos with their own bytes and hashes, and the database's statistics of them (on an
    # empty table PostgreSQL may as well walk the near-duplicate scan's index of every ready
    # photo, reportphoto_scan_idx, which is in time order too; on a real one it never would)
    report = services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)
    now = timezone.now()
    ReportPhoto.objects.bulk_create(
        ReportPhoto(
            report=report,
            status=PhotoStatus.READY,
            content_sha256=f"{i:064x}",
            phash=f"{i * 7919:016x}",
            created_at=now - timedelta(minutes=i),
        )
        for i in range(300)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_reportphoto")
    # and the flags' read of the oldest other photo with the same bytes (or hash)
    # when the database plans it
    text = plan(queryset())

    # then it walks the value's index in time order and sorts nothing
    assert index in text, text
    assert "Sort" not in text and "TEMP B-TREE" not in text, text
