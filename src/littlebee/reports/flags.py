"""Fraud flags: reasons for a handler to look twice at a report.

A flag is information for the handler, shown on the staff case page. It never awards or takes
points and never changes the case's state: the handler decides.

Photo flags are computed once a photo is processed (report_photo_process), burst flags when a
report is submitted (report_submit). Thresholds are settings:

    REPORTS_PHASH_MAX_DISTANCE     6      perceptual-hash bits that may differ for "similar"
                                          (-1 turns the near-duplicate search off)
    REPORTS_PHASH_SCAN_DAYS        90     how far back the near-duplicate scan looks
    REPORTS_PHASH_SCAN_LIMIT       5000   at most this many recent photos are scanned
    REPORTS_PHOTO_MAX_AGE_HOURS    72     a photo taken longer before submission is "old"
    REPORTS_PHOTO_MAX_DISTANCE_M   1000   a photo taken farther from the report's point is "far"
    REPORTS_BURST_COUNT            5      more reports than this by one worker ...
    REPORTS_BURST_MINUTES          60     ... within this many minutes is a burst

Near-duplicate search: a Hamming distance cannot use a B-tree index, and a BK-tree or a
database extension would be one more thing to run. The exact perceptual hash is looked up
through its index first (a re-saved or re-compressed copy usually hashes the same); then the
most recent photos (bounded by days and count, newest first, only id/report/phash fetched)
are compared — on PostgreSQL by the database (XOR and bit_count of bit(64) values: one row comes
back, not 5000 hashes), elsewhere in Python (5000 integer XORs are well under a millisecond, the
reading of them is not). A copy older than the window or beyond the cap is only caught when
byte-identical (content_sha256).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from littlebee.cases.models import Case, CaseKind
from littlebee.core.compiled_select import compiled_rows
from littlebee.core.geo import haversine_m
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.raw_insert import insert_instances_ignoring_conflicts

from .models import FlagKind, PhotoStatus, Report, ReportFlag, ReportPhoto

# A phone's clock and the server's may disagree by a few minutes: not "in the future".
FUTURE_SLACK = timedelta(minutes=10)


def phash_distance(a: str, b: str) -> int:
    """Bits that differ between two 64-bit perceptual hashes written as 16 hex digits."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def flag_detail_text(kind: str, data: dict[str, Any]) -> str:
    """A flag's detail in the active language, from its stored numbers."""
    other = data.get("other_report")
    if kind == FlagKind.PHOTO_REUSED and other:
        return _("与 #%(id)s 的照片相同") % {"id": other}
    if kind == FlagKind.PHOTO_SIMILAR and other:
        return _("与 #%(id)s 的照片相似") % {"id": other}
    if kind == FlagKind.PHOTO_OLD:
        if data.get("future"):
            return _("拍摄时间晚于提交时间")
        hours = int(data.get("hours", 0))
        if hours >= 48:
            days = hours // 24
            return ngettext("拍摄于 %(n)d 天前", "拍摄于 %(n)d 天前", days) % {"n": days}
        return ngettext("拍摄于 %(n)d 小时前", "拍摄于 %(n)d 小时前", hours) % {"n": hours}
    if kind == FlagKind.PHOTO_FAR and "distance_m" in data:
        metres = int(data["distance_m"])
        if metres >= 1000:
            return _("相距 %(km).1f 公里") % {"km": metres / 1000}
        return _("相距 %(m)d 米") % {"m": metres}
    if kind == FlagKind.BURST and "count" in data:
        minutes, count = int(data.get("minutes", 0)), int(data["count"])
        if minutes and minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(h)d 小时内第 %(n)d 条", "%(h)d 小时内第 %(n)d 条", hours) % {"h": hours, "n": count}
        return ngettext("%(m)d 分钟内第 %(n)d 条", "%(m)d 分钟内第 %(n)d 条", minutes) % {"m": minutes, "n": count}
    return ""


def _flag(report: Report, kind: str, at: datetime, data: dict[str, Any], **fields: Any) -> ReportFlag:
    # `detail` keeps the text in the city's language for exports and the admin.
    with translation.override(settings.LANGUAGE_CODE):
        detail = flag_detail_text(kind, data)[:200]
    return ReportFlag(report=report, kind=kind, data=data, detail=detail, created_at=at, **fields)


def _store(flags: list[ReportFlag]) -> list[ReportFlag]:
    # A task run twice, or two at once, must not fail on the unique constraints. One plain
    # statement made once (core.raw_insert): bulk_create compiled it and wrapped it in a
    # transaction of its own for every processed photo and every burst.
    insert_instances_ignoring_conflicts(flags, using=router.db_for_write(ReportFlag))
    return flags


def _other_ready(report_id: int) -> QuerySet[ReportPhoto]:
    return ReportPhoto.objects.filter(status=PhotoStatus.READY).exclude(report_id=report_id).exclude(phash="")


def _same_hash(phash: str, report_id: int) -> QuerySet[ReportPhoto]:
    """Ready photos of other reports with this perceptual hash, oldest first (the order of
    reportphoto_phash_idx: the first is read without sorting every photo with that hash)."""
    return _other_ready(report_id).filter(phash=phash).order_by("created_at", "id")


def _same_hash_rows(key: object, *, phash: str, report_id: int) -> QuerySet[Any]:
    """_same_hash's report ids (compiled once: core.compiled_select)."""
    return _same_hash(phash, report_id).values("report_id")


def _similar_report(photo: ReportPhoto, at: datetime) -> tuple[int, int] | None:
    """(other report id, distance) of the closest near-duplicate in another report, if any."""
    limit = settings.REPORTS_PHASH_MAX_DISTANCE
    if limit < 0:  # near-duplicate search switched off
        return None
    exact = compiled_rows(_same_hash_rows, phash=photo.phash, report_id=photo.report_id, limit=1)
    if exact:
        return exact[0]["report_id"], 0
    since = at - timedelta(days=settings.REPORTS_PHASH_SCAN_DAYS)
    using = router.db_for_read(ReportPhoto)
    if connections[using].vendor == "postgresql" and _HEX64.fullmatch(photo.phash):
        return _closest_in_postgresql(using, photo, since, limit)
    recent = _other_ready(photo.report_id).filter(created_at__gte=since).order_by("-created_at", "-id")
    best: tuple[int, int] | None = None
    for report_id, phash in recent.values_list("report_id", "phash")[: settings.REPORTS_PHASH_SCAN_LIMIT]:
        try:
            distance = phash_distance(photo.phash, phash)
        except ValueError:  # a malformed stored hash: nothing to compare
            continue
        if distance <= limit and (best is None or distance < best[1]):
            best = (report_id, distance)
    return best


# A stored hash as imagehash writes it: 16 hex digits (64 bits).
_HEX64 = re.compile(r"[0-9A-Fa-f]{16}")

# The PostgreSQL scan's statement, made once per database. It reads the generated column
# phash_bits (the hash as a signed bigint, NULL unless 16 hex digits; migration 0009) through
# reportphoto_scan_idx, whose partial condition and order are the scan's: an index-only walk of
# the newest photos, each compared as an integer. Comparing the hex text (a regular expression
# and a text-to-bit(64) conversion per row) after a sort of the whole window cost about 11 ms of
# PostgreSQL CPU per processed photo at 5,000 photos in the window; this costs under 1 ms. The
# constant conditions are written out, not bound, so that even a generic plan matches the
# partial index.
_SCAN_SQL: dict[str, str] = {}


def _column(using: str, name: str) -> str:
    """A ReportPhoto field's column, quoted for the database (the statements made once below)."""
    field: Any = ReportPhoto._meta.get_field(name)
    return connections[using].ops.quote_name(field.column)


def _scan_sql(using: str) -> str:
    sql = _SCAN_SQL.get(using)
    if sql is None:
        qn = connections[using].ops.quote_name

        def col(name: str) -> str:
            return _column(using, name)

        created, pk, report = col("created_at"), col("id"), col("report")
        table = qn(ReportPhoto._meta.db_table)
        sql = _SCAN_SQL[using] = (
            "SELECT scored.report_id, scored.distance FROM ("  # noqa: S608 - names from the model, values bound
            f"SELECT recent.report_id, recent.created_at, recent.id,"
            " bit_count((recent.phash_bits # %s)::bit(64)) AS distance FROM ("
            f"SELECT {report} AS report_id, {created} AS created_at, {pk} AS id, phash_bits"
            f" FROM {table} WHERE {col('status')} = '{PhotoStatus.READY.value}' AND {col('phash')} <> ''"
            f" AND {report} <> %s AND {created} >= %s ORDER BY {created} DESC, {pk} DESC LIMIT %s"
            ") recent WHERE recent.phash_bits IS NOT NULL"
            ") scored WHERE scored.distance <= %s"
            " ORDER BY scored.distance, scored.created_at DESC, scored.id DESC LIMIT 1"
        )
    return sql


def _scan_params(photo: ReportPhoto, since: datetime, limit: int) -> list[Any]:
    """_scan_sql's parameters; the hash's bits as PostgreSQL's signed bigint (two's complement),
    as phash_bits holds them."""
    bits = int(photo.phash, 16)
    if bits >= 1 << 63:
        bits -= 1 << 64
    return [bits, photo.report_id, since, settings.REPORTS_PHASH_SCAN_LIMIT, limit]


def _closest_in_postgresql(using: str, photo: ReportPhoto, since: datetime, limit: int) -> tuple[int, int] | None:
    """_similar_report's scan done by PostgreSQL: the same recent photos (newest first, at most
    REPORTS_PHASH_SCAN_LIMIT), each hash's distance counted there (XOR of two bigints,
    bit_count), the closest within `limit` given back, the newest of equals first, as the Python
    loop picks it. One row comes back instead of thousands of hashes per processed photo. A
    stored hash that is not 16 hex digits is skipped (imagehash writes none such)."""
    with hot_cursor(connections[using]) as cursor:
        cursor.execute(_scan_sql(using), _scan_params(photo, since, limit))
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row is not None else None


# photo_flags_compute's look-ups on PostgreSQL in one statement, made once per database: the
# oldest other photo with the same bytes (_same_bytes), the oldest other ready photo with the
# same hash (_same_hash) and the scan's closest (_scan_sql), each as its own read does it. One
# round trip instead of three for every processed photo; all three run (a photo matching
# nothing, the usual case, needed all three before too).
_MATCHES_SQL: dict[str, str] = {}


def _matches_sql(using: str) -> str:
    sql = _MATCHES_SQL.get(using)
    if sql is None:

        def col(name: str) -> str:
            return _column(using, name)

        table = connections[using].ops.quote_name(ReportPhoto._meta.db_table)
        report, order = col("report"), f"{col('created_at')}, {col('id')}"
        same_bytes = (
            f"SELECT {report} FROM {table} WHERE {col('content_sha256')} = %s AND NOT ({report} = %s)"  # noqa: S608
            f" ORDER BY {order} LIMIT 1"
        )
        same_hash = (
            f"SELECT {report} FROM {table} WHERE {col('status')} = '{PhotoStatus.READY.value}'"  # noqa: S608
            f" AND NOT ({report} = %s) AND NOT ({col('phash')} = '') AND {col('phash')} = %s"
            f" ORDER BY {order} LIMIT 1"
        )
        sql = _MATCHES_SQL[using] = (
            f"SELECT ({same_bytes}), ({same_hash}), scan.report_id, scan.distance"  # noqa: S608 - names from the model
            f" FROM (SELECT 1) one LEFT JOIN LATERAL ({_scan_sql(using)}) scan ON true"
        )
    return sql


def _matches_in_postgresql(using: str, photo: ReportPhoto, at: datetime) -> tuple[int | None, tuple[int, int] | None]:
    """(The report of the oldest other photo with the same bytes, the closest similar photo's
    (report, distance): the same hash's oldest at 0, else the scan's), in one statement."""
    since = at - timedelta(days=settings.REPORTS_PHASH_SCAN_DAYS)
    params = [photo.content_sha256, photo.report_id, photo.report_id, photo.phash]
    params += _scan_params(photo, since, settings.REPORTS_PHASH_MAX_DISTANCE)
    with hot_cursor(connections[using]) as cursor:
        cursor.execute(_matches_sql(using), params)
        reused, same_hash, near, distance = cursor.fetchone()
    if same_hash is not None:
        return reused, (int(same_hash), 0)
    return reused, (int(near), int(distance)) if near is not None else None


def _same_bytes(key: object, *, sha256: str, report_id: int) -> QuerySet[Any]:
    """The oldest photo of another report with the same bytes (compiled once: core.compiled_select)."""
    return (
        ReportPhoto.objects.filter(content_sha256=sha256)
        .exclude(report_id=report_id)
        .order_by("created_at", "id")
        .values("report_id")
    )


def photo_flags_compute(photo: ReportPhoto, *, at: datetime) -> list[ReportFlag]:
    """Flags for a processed photo: reused (same bytes in another report), similar (perceptual
    hash within REPORTS_PHASH_MAX_DISTANCE), old (taken long before, or after, submission),
    far (taken far from the report's point). Stored; returns the ones computed."""
    report = photo.report
    flags: list[ReportFlag] = []
    reused: int | None = None
    similar: tuple[int, int] | None = None
    using = router.db_for_read(ReportPhoto)
    if (
        connections[using].vendor == "postgresql"
        and photo.content_sha256
        and _HEX64.fullmatch(photo.phash)
        and settings.REPORTS_PHASH_MAX_DISTANCE >= 0
    ):
        # Every processed photo's case: the three look-ups below in one round trip.
        reused, similar = _matches_in_postgresql(using, photo, at)
    else:
        if photo.content_sha256:
            rows = compiled_rows(_same_bytes, sha256=photo.content_sha256, report_id=report.pk, limit=1)
            reused = rows[0]["report_id"] if rows else None
        if reused is None and photo.phash:
            similar = _similar_report(photo, at)
    if reused is not None:
        flags.append(
            _flag(report, FlagKind.PHOTO_REUSED, at, {"other_report": reused}, photo=photo, other_report_id=reused)
        )
    elif similar is not None:
        other, distance = similar
        data = {"other_report": other, "distance": distance}
        flags.append(_flag(report, FlagKind.PHOTO_SIMILAR, at, data, photo=photo, other_report_id=other))

    if photo.exif_taken_at is not None:
        submitted = report.case.created_at
        max_age = timedelta(hours=settings.REPORTS_PHOTO_MAX_AGE_HOURS)
        if photo.exif_taken_at > submitted + FUTURE_SLACK:
            flags.append(_flag(report, FlagKind.PHOTO_OLD, at, {"future": True}, photo=photo))
        elif submitted - photo.exif_taken_at > max_age:
            hours = int((submitted - photo.exif_taken_at).total_seconds() // 3600)
            flags.append(_flag(report, FlagKind.PHOTO_OLD, at, {"hours": hours}, photo=photo))

    # A report placed by this very photo's GPS is 0 m from it, so it is never "far" from itself;
    # another photo of the same report still is when taken elsewhere.
    case = report.case
    if photo.exif_lat is not None and photo.exif_lng is not None and case.lat is not None and case.lng is not None:
        metres = haversine_m(case.lat, case.lng, photo.exif_lat, photo.exif_lng)
        if metres > settings.REPORTS_PHOTO_MAX_DISTANCE_M:
            flags.append(_flag(report, FlagKind.PHOTO_FAR, at, {"distance_m": round(metres)}, photo=photo))
    return _store(flags)


def burst_flag_compute(report: Report, *, count: int | None = None) -> ReportFlag | None:
    """A burst flag on the report when its reporter sent more than REPORTS_BURST_COUNT reports
    (this one included) within REPORTS_BURST_MINUTES before it. `count`: that number when the
    caller has read it already (report_submit reads the recent reports for the rate limit)."""
    minutes = settings.REPORTS_BURST_MINUTES
    at = report.case.created_at
    if count is None:
        # The reporter's report cases, by the indexed (reporter, created_at).
        count = Case.objects.filter(
            kind=CaseKind.REPORT,
            reporter_id=report.case.reporter_id,
            created_at__gt=at - timedelta(minutes=minutes),
            created_at__lte=at,
        ).count()
    if count <= settings.REPORTS_BURST_COUNT:
        return None
    flag = _flag(report, FlagKind.BURST, at, {"count": count, "minutes": minutes})
    _store([flag])
    return flag
