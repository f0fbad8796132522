"""Writes of the 随手拍 intake: the category catalogue, submitting a report, processing its
photos, the points on acceptance, and the worker's feedback."""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.db.models import F, FileField, Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image

from littlebee.accounts.models import WorkerProfile
from littlebee.cases import services as case_services
from littlebee.cases.models import Case, CaseAttachment, CaseKind, DeadlineRule, RoutingRule, RoutingTarget
from littlebee.cases.routing import RoutingInputs
from littlebee.core.background import background_run
from littlebee.core.errors import FieldError, InvalidInput, TooManyRequests
from littlebee.core.geo import valid_lat_lng
from littlebee.core.images import (
    PHASH_SIDE,
    PixelBudget,
    image_decode,
    image_fit,
    image_header,
    image_open,
    image_phash,
    image_read,
    image_save,
    image_thumbnail,
    jpeg_keep,
)
from littlebee.core.new_files import file_store_new
from littlebee.core.raw_insert import insert_chain, insert_instance
from littlebee.core.seeding import seed_missing
from littlebee.core.uploads import orphan_files_delete, upload_folder
from littlebee.orgs.models import DepartmentType, Region, RegionLevel
from littlebee.orgs.selectors import CommunityMatch, community_nearest, community_with_ancestors
from littlebee.points.models import PointsSource
from littlebee.points.services import points_award, points_defaults_ensure

from .flags import burst_flag_compute, photo_flags_compute
from .models import CLIENT_SOURCES, LocationSource, PhotoStatus, Report, ReportCategory, ReportPhoto, Sensitivity

if TYPE_CHECKING:
    from littlebee.accounts.models import User

log = logging.getLogger(__name__)

MAX_PHOTOS = 9
THUMB_SIDE = 480
# A stored photo at most this long on its longer side is its own thumbnail: its copy is stored as
# the thumbnail instead of a 480 px resize and encoding of it (on the A/B bench's 640×480 photo
# that resize, encoding and the decode they needed were most of the photo's job, ~4 of its ~5 ms
# of CPU). A list then loads at most 4/3 the side it asked for (pages size thumbnails by CSS).
THUMB_SELF_SIDE = 640
PHOTOS_FIELD = "photos"
# How far outside the city's extent a point may lie (a river bank, a ring road): about 2 km.
CITY_MARGIN_DEG = 0.02


# --- The catalogue ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _CategorySeed:
    code: str
    name: Any
    sensitivity: str
    icon: str
    department: str = ""  # routed to this department type of the district, else the community


CATEGORY_SEEDS = (
    _CategorySeed(
        "public_security_clue", _("治安线索"), Sensitivity.CONFIDENTIAL, "shield", DepartmentType.PUBLIC_SECURITY
    ),
    _CategorySeed("safety_hazard", _("安全隐患"), Sensitivity.INTERNAL, "alert"),
    _CategorySeed(
        "traffic_signal", _("信号灯故障"), Sensitivity.PUBLIC, "traffic-light", DepartmentType.TRAFFIC_POLICE
    ),
    _CategorySeed("road_damage", _("道路破损"), Sensitivity.PUBLIC, "road"),
    _CategorySeed("manhole_cover", _("井盖缺失"), Sensitivity.PUBLIC, "circle"),
    _CategorySeed("illegal_parking", _("违章停车"), Sensitivity.PUBLIC, "car"),
    _CategorySeed("fire_hazard", _("消防隐患"), Sensitivity.INTERNAL, "flame"),
    _CategorySeed("garbage", _("垃圾堆放"), Sensitivity.PUBLIC, "trash"),
    _CategorySeed("street_light", _("路灯损坏"), Sensitivity.PUBLIC, "lamp"),
    _CategorySeed("flooding", _("道路积水"), Sensitivity.PUBLIC, "droplet"),
)


def _english(text: Any) -> str:
    """A catalogue default's English, from the English message catalogue."""
    with translation.override("en"):
        return str(text)


def report_categories_ensure() -> int:
    """The city's report categories, their points rules (points_defaults_ensure: public-security
    clue 100, safety hazard 50, everything else 5–30) and routing to departments. Existing rows
    are left as they are. Returns how many categories were created. Safe to run again."""
    points_defaults_ensure()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        created_count = seed_missing(
            ReportCategory.objects.all(),
            (
                ReportCategory(
                    code=seed.code,
                    name=str(seed.name),
                    name_en=_english(seed.name),
                    sensitivity=seed.sensitivity,
                    icon=seed.icon,
                    order=order,
                )
                for order, seed in enumerate(CATEGORY_SEEDS)
            ),
            key=lambda category: category.code,
        )
        seed_missing(
            RoutingRule.objects.filter(kind=CaseKind.REPORT, region=None, target=RoutingTarget.DEPARTMENT),
            (
                RoutingRule(
                    kind=CaseKind.REPORT,
                    category=seed.code,
                    region=None,
                    target=RoutingTarget.DEPARTMENT,
                    department_type=seed.department,
                )
                for seed in CATEGORY_SEEDS
                if seed.department
            ),
            key=lambda rule: (rule.category, rule.department_type),
        )
    return created_count


# --- Submitting -------------------------------------------------------------------------------
def city_extent() -> tuple[float, float, float, float] | None:
    """(min_lat, max_lat, min_lng, max_lng) of the city: its boundary's box, else the extent of
    its communities' boxes and centres; None when no region is known at all. One query."""
    city = Q(level=RegionLevel.CITY, min_lat__isnull=False)
    community = Q(level=RegionLevel.COMMUNITY)
    agg = Region.objects.filter(city | community).aggregate(
        city_a=Min("min_lat", filter=city),
        city_b=Max("max_lat", filter=city),
        city_c=Min("min_lng", filter=city),
        city_d=Max("max_lng", filter=city),
        a=Min("lat", filter=community),
        b=Max("lat", filter=community),
        c=Min("lng", filter=community),
        d=Max("lng", filter=community),
        e=Min("min_lat", filter=community),
        f=Max("max_lat", filter=community),
        g=Min("min_lng", filter=community),
        h=Max("max_lng", filter=community),
    )
    if None not in (agg["city_a"], agg["city_b"], agg["city_c"], agg["city_d"]):
        return (agg["city_a"], agg["city_b"], agg["city_c"], agg["city_d"])
    if agg["a"] is None:
        return None
    pick_min = lambda *v: min(x for x in v if x is not None)  # noqa: E731
    pick_max = lambda *v: max(x for x in v if x is not None)  # noqa: E731
    return (
        pick_min(agg["a"], agg["e"]),
        pick_max(agg["b"], agg["f"]),
        pick_min(agg["c"], agg["g"]),
        pick_max(agg["d"], agg["h"]),
    )


def _in_city(lat: float, lng: float) -> bool:
    extent = city_extent()
    if extent is None:
        return True
    min_lat, max_lat, min_lng, max_lng = extent
    m = CITY_MARGIN_DEG
    return min_lat - m <= lat <= max_lat + m and min_lng - m <= lng <= max_lng + m


def _category_error(code: str) -> FieldError:
    """What report_category says of a code that names no active category."""
    return FieldError("category", _("请选择类别。") if not code else _("请从给定的类别中选择。"))


def _community_in_city(lat: float, lng: float) -> tuple[CommunityMatch | None, bool, int | None]:
    """(The community of a valid point, whether the point lies in the city, the intake's
    configuration version read with it or None.) A point inside a community's boundary lies in
    the city: the city's extent is read (city_extent) only for a point no boundary contains, and
    the nearest community only for one inside the extent."""
    from .selectors import community_and_version

    match, version = community_and_version(lat, lng)
    if match is not None:
        return match, True, version
    if not _in_city(lat, lng):
        return None, False, version
    return community_nearest(lat, lng), True, version


@dataclass(frozen=True)
class _CheckedPhoto:
    data: bytes
    exif_lat: float | None
    exif_lng: float | None


def _check_photos(photos: list[Any]) -> list[_CheckedPhoto]:
    """Each upload's bytes after the quick checks (type by content, size, pixels, decodable), with
    the GPS point its EXIF carries; the first bad one refuses everything (InvalidInput on
    "photos", or PayloadTooLarge)."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput.one(PHOTOS_FIELD, _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
    checked: list[_CheckedPhoto] = []
    budget = PixelBudget()  # the request's pixels across all its photos
    for upload in photos:
        data = image_read(upload, PHOTOS_FIELD)
        # Only whether it decodes: at the smallest scale (1/8 for a JPEG). The real work is the
        # background task's.
        image = image_open(data, PHOTOS_FIELD, budget, target_side=0)
        try:
            exif_lat, exif_lng, _taken = exif_location_and_time(image)
        finally:
            image.close()
        checked.append(_CheckedPhoto(data, exif_lat, exif_lng))
    return checked


def _photo_point(checked: list[_CheckedPhoto]) -> tuple[float, float] | None:
    """The point of the first photo that carries EXIF GPS."""
    for photo in checked:
        if photo.exif_lat is not None and photo.exif_lng is not None:
            return photo.exif_lat, photo.exif_lng
    return None


# Enough of the worker's recent reports to count a burst exactly in any sane configuration.
_RECENT_READ = 500


# Statements of every submission (the worker's lock, their recent reports) and of every photo's
# job (marking it ready, clearing its original) that the ORM compiled again each time (about 1 ms
# of CPU each, several times what the database spends): made once per database, with the models'
# names.
_SQL: dict[tuple[str, str], str] = {}


def _sql(name: str, using: str) -> str:
    sql = _SQL.get((name, using))
    if sql is None:
        connection = connections[using]
        qn = connection.ops.quote_name
        if name == "reporter_lock":
            user = get_user_model()._meta
            # SQLite has no row locks (its writes take the whole database, in turn), as the
            # ORM's select_for_update leaves the clause out there.
            lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
            sql = f"SELECT {qn(user.pk.column)} FROM {qn(user.db_table)} WHERE {qn(user.pk.column)} = %s{lock}"  # noqa: S608
        elif name in ("photo_ready", "original_clear"):
            photo = ReportPhoto._meta

            def col(name: str) -> str:
                field: Any = photo.get_field(name)
                return qn(field.column)

            if name == "photo_ready":
                sets = ", ".join(f"{col(name)} = %s" for name in _READY_FIELDS)
                sql = (
                    f"UPDATE {qn(photo.db_table)} SET {sets} WHERE {qn(photo.pk.column)} = %s AND {col('status')} = %s"  # noqa: S608
                )
            else:
                sql = (
                    f"UPDATE {qn(photo.db_table)} SET {col('original')} = %s"  # noqa: S608 - names from the model
                    f" WHERE {qn(photo.pk.column)} = %s AND NOT ({col('original')} = %s)"
                )
        else:
            assert name == "recent_reports"
            case = Case._meta
            created = qn(case.get_field("created_at").column)
            sql = (
                f"SELECT {created} FROM {qn(case.db_table)}"  # noqa: S608 - names from the model
                f" WHERE {qn(case.get_field('reporter').column)} = %s AND {qn(case.get_field('kind').column)} = %s"
                f" AND {created} > %s AND {created} <= %s ORDER BY {created} DESC LIMIT %s"
            )
        _SQL[(name, using)] = sql
    return sql


def _reporter_lock(reporter_id: int) -> None:
    """The worker's row locked until the transaction ends (select_for_update's statement)."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_sql("reporter_lock", connection.alias), [reporter_id])
        cursor.fetchall()


def _recent_report_times(reporter_id: int, after: datetime, until: datetime, limit: int) -> list[datetime]:
    """The times of the worker's report cases in (after, until], newest first, at most `limit`:
    what Case.objects.filter(reporter=…, kind=REPORT, created_at__gt=after, created_at__lte=until)
    .order_by("-created_at").values_list("created_at", flat=True)[:limit] gives, by the indexed
    (reporter, created_at), with the datetimes bound and read back as the ORM does (SQLite's text)."""
    connection = transaction.get_connection()
    ops = connection.ops
    params = [reporter_id, CaseKind.REPORT, ops.adapt_datetimefield_value(after)]
    params += [ops.adapt_datetimefield_value(until), limit]
    with connection.cursor() as cursor:
        cursor.execute(_sql("recent_reports", connection.alias), params)
        rows = cursor.fetchall()
    field: Any = Case._meta.get_field("created_at")
    column = field.get_col(Case._meta.db_table)
    converters = ops.get_db_converters(column) + field.get_db_converters(connection)
    times = []
    for (value,) in rows:
        for convert in converters:
            value = convert(value, column, connection)
        times.append(value)
    return times


def _rate_check(reporter: User, at: datetime) -> list[datetime]:
    """429 when the worker already sent REPORTS_RATE_LIMIT_COUNT reports within the last
    REPORTS_RATE_LIMIT_MINUTES. Returns the times of their reports within the longer of that
    window and REPORTS_BURST_MINUTES (newest first), which the burst flag counts: one indexed
    read of (reporter, created_at) serves both."""
    rate_minutes = settings.REPORTS_RATE_LIMIT_MINUTES
    limit = settings.REPORTS_RATE_LIMIT_COUNT
    window = timedelta(minutes=max(rate_minutes, settings.REPORTS_BURST_MINUTES))
    recent = _recent_report_times(reporter.pk, at - window, at, max(limit, _RECENT_READ))
    in_window = [t for t in recent if t > at - timedelta(minutes=rate_minutes)]
    if len(in_window) >= limit:
        # The wait is until the oldest of the last `limit` leaves the window (core.ratelimit's rule).
        wait = (in_window[limit - 1] + timedelta(minutes=rate_minutes) - at).total_seconds()
        raise TooManyRequests(
            _("随手拍提交过于频繁：%(minutes)d 分钟内最多 %(count)d 条，请稍后再试。")
            % {"minutes": rate_minutes, "count": limit},
            retry_after=max(1, math.ceil(wait)),
        )
    return recent


@dataclass(frozen=True)
class ReportDraft:
    """A report as report_validate accepts it: every field checked, the point known (given, or
    read from a photo), the photos read and checked, the community found, and the configuration
    storing it needs (its deadline rule and routing's inputs, read with the category). Nothing
    stored yet."""

    category: ReportCategory
    description: str
    lat: float
    lng: float
    address: str
    location_source: str
    urgent: bool
    community: Region | None
    photos: tuple[_CheckedPhoto, ...]
    deadline_rule: DeadlineRule
    routing: RoutingInputs


def report_validate(
    *,
    category_code: str,
    description: str,
    lat: float | None,
    lng: float | None,
    address: str = "",
    urgent: bool = False,
    photos: list[Any] | None = None,
    location_source: str = LocationSource.DEVICE,
    community_id: int | None = None,
    client_claims_source: bool = False,
) -> ReportDraft:
    """Everything a report's fields must be, checked whole, with no write: InvalidInput listing
    every bad field at once (or PayloadTooLarge for a photo too big), else the draft to store.

    Without lat and lng the point is read from the first photo carrying EXIF GPS (its
    location_source is then "photo"); location_source says where a given point came from
    ("device", the default, or "map" when picked on a map). The point must lie in the city.

    Without any point (none given, no photo carrying one), `community_id` names the community
    the worker chose: the point is its centre, location_source "community" (approximate), and
    the report is routed by that community.

    `client_claims_source`: the location_source comes from a client (the API, the report page),
    not from a server-side intake that placed the point itself (Open311's address). A client may
    then say only how it got the point it sends (CLIENT_SOURCES); when it sends none, the server
    finds the point (a photo's EXIF, the chosen community) and the source with it, so a claim is
    either empty or that very source. An approximate source for a sent point, or an exact one for
    a point the server derived, is a 400 on "location_source"."""
    from .selectors import intake_context

    errors: list[FieldError] = []
    description = (description or "").strip()
    if len(description) > 2000:
        errors.append(FieldError("description", _("描述最多 2000 字。")))
    address = (address or "").strip()
    if len(address) > 200:
        errors.append(FieldError("address", _("地址最多 200 字。")))
    claimed = location_source or ""
    source = claimed or LocationSource.DEVICE
    point_sent = lat is not None or lng is not None
    if source not in LocationSource.values:
        errors.append(FieldError("location_source", _("位置来源无效。")))
        claimed = ""
    elif client_claims_source and point_sent and claimed and claimed not in CLIENT_SOURCES:
        errors.append(
            FieldError(
                "location_source",
                _("随坐标提交时，位置来源只能是手机定位（device）、地图选点（map）或照片位置（photo）。"),
            )
        )
        claimed = ""
    checked: list[_CheckedPhoto] | None = None
    if lat is None and lng is None and photos:
        # The photo is the only place the point can come from: check it now, not after.
        try:
            checked = _check_photos(list(photos))
        except InvalidInput as exc:
            errors += exc.errors
        point = _photo_point(checked or [])
        if point is not None:
            lat, lng = point
            source = LocationSource.PHOTO
        elif checked is not None and community_id is None:
            errors.append(FieldError("lat", _("照片中没有位置信息：请在地图上选点，或选择所在街道和社区。")))
    elif lat is None and lng is None:
        if community_id is None:
            errors.append(FieldError("lat", _("请在地图上选点，或选择所在街道和社区。")))
    elif lat is None or lng is None:
        errors.append(FieldError("lat" if lat is None else "lng", _("请提供位置。")))
    chosen: Region | None = None
    if lat is None and lng is None and community_id is not None and (checked is not None or not photos):
        chosen = community_with_ancestors(community_id)
        if chosen is None:
            errors.append(FieldError("community", _("请从列表中选择社区。")))
        else:
            lat, lng, source = chosen.lat, chosen.lng, LocationSource.COMMUNITY
    if client_claims_source and not point_sent and claimed and lat is not None and claimed != source:
        errors.append(
            FieldError(
                "location_source",
                _("没有提交坐标时，位置由服务器从照片或所选社区得出，位置来源不能指定为其他值。"),
            )
        )
    match: CommunityMatch | None = None
    version: int | None = None  # the intake's configuration version, read with the community
    if lat is not None and lng is not None:
        if not valid_lat_lng(lat, lng):
            errors.append(FieldError("lat", _("位置无效。")))
        elif chosen is not None:
            if not _in_city(lat, lng):
                errors.append(FieldError("lat", _("该位置不在本市范围内。")))
        else:
            match, in_city, version = _community_in_city(lat, lng)
            if not in_city:
                errors.append(FieldError("lat", _("该位置不在本市范围内。")))
    community = chosen or (match.community if match is not None else None)
    # The category, with what storing the report reads of the configuration: one statement, or
    # none when this process read it under the version read with the community.
    context = intake_context(category_code, community, version=version)
    category = context.category
    if category is None:
        errors.insert(0, _category_error(category_code))
    if errors:
        raise InvalidInput(errors)
    assert category is not None and lat is not None and lng is not None
    if checked is None:
        checked = _check_photos(list(photos or []))
    return ReportDraft(
        category=category,
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        location_source=source,
        urgent=urgent,
        community=community,
        photos=tuple(checked),
        deadline_rule=context.deadline_rule,
        routing=context.routing,
    )


def report_submit(
    *,
    reporter: User,
    category_code: str,
    description: str,
    lat: float | None,
    lng: float | None,
    address: str = "",
    urgent: bool = False,
    photos: list[Any] | None = None,
    location_source: str = LocationSource.DEVICE,
    community_id: int | None = None,
    at: datetime | None = None,
    reporter_limits: bool = True,
    client_claims_source: bool = False,
) -> Report:
    """A new report: checked whole before anything is stored (report_validate), then in one
    transaction its case opened and routed (the case holds where, when and how urgent) and its
    originals stored; photo processing is queued after commit (reports.process_photo).

    A burst of reports by the same worker flags the new one (flags.burst_flag_compute). Beyond
    REPORTS_RATE_LIMIT_COUNT reports in REPORTS_RATE_LIMIT_MINUTES the worker is refused
    (TooManyRequests), counted with the worker's row locked, before anything is stored.

    `reporter_limits=False` leaves out that limit and the burst flag, for an account that files
    for many people (an Open311 partner's own account): its caller limits it instead."""
    at = at or timezone.now()
    draft = report_validate(
        category_code=category_code,
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        urgent=urgent,
        photos=photos,
        location_source=location_source,
        community_id=community_id,
        client_claims_source=client_claims_source,
    )
    return _report_store(reporter=reporter, draft=draft, at=at, reporter_limits=reporter_limits)


@transaction.atomic
def _report_store(*, reporter: User, draft: ReportDraft, at: datetime, reporter_limits: bool = True) -> Report:
    """The writes of report_submit, for a draft report_validate accepted."""
    recent: list[datetime] = []
    if reporter_limits:
        # The worker's row locked, then counted again: two sends at once cannot both be the tenth.
        _reporter_lock(reporter.pk)
        recent = _rate_check(reporter, at)
    case = case_services.case_open(
        kind=CaseKind.REPORT,
        reporter=reporter,
        category=draft.category.code,
        region=draft.community,
        lat=draft.lat,
        lng=draft.lng,
        urgent=draft.urgent,
        confidential=draft.category.sensitivity == Sensitivity.CONFIDENTIAL,
        note=draft.description[:500],
        at=at,
        routing_inputs=draft.routing,
        deadline_rule=draft.deadline_rule,
        # The office's notices need nothing the answer says: they are written after it.
        notify_after_answer=True,
    )
    # Plain INSERTs made once per model (core.raw_insert), as the case's own rows: the report with
    # its one photo in one statement on PostgreSQL (insert_chain), the usual report.
    using = transaction.get_connection().alias
    report = Report(
        case=case,
        category=draft.category,
        description=draft.description,
        address=draft.address,
        location_source=draft.location_source,
    )
    queued_at = timezone.now()
    stored = []
    for photo_in in draft.photos:
        photo = ReportPhoto(report=report, created_at=at, queued_at=queued_at, attempts=1)
        file_store_new(photo.original, f"{uuid.uuid4().hex}.bin", photo_in.data)
        stored.append(photo)
    if len(stored) == 1:
        insert_chain(report, [(stored[0], "report_id", False)], using=using)
    else:
        insert_instance(report, using=using)
        if stored:
            ReportPhoto.objects.bulk_create(stored)  # one INSERT for all nine
    for photo in stored:
        transaction.on_commit(partial(_queue_processing, photo.pk, _photo_for_job(photo)))
    # report.photos.all() answers with these (status "processing") without reading them back,
    # as after prefetch_related: the submission's answer lists them.
    listed = ReportPhoto.objects.none()
    listed._result_cache = stored
    report._prefetched_objects_cache = {"photos": listed}  # type: ignore[attr-defined]
    if reporter_limits:
        burst_minutes = timedelta(minutes=settings.REPORTS_BURST_MINUTES)
        burst_flag_compute(report, count=1 + sum(1 for t in recent if t > at - burst_minutes))
    return report


# Publishing gives up quickly when the broker is down: the sweep queues the photo again later.
_PHOTO_FIELDS = tuple(ReportPhoto._meta.concrete_fields)
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def _photo_for_job(photo: ReportPhoto) -> ReportPhoto:
    """A just-stored photo as a job of this process gets it: its row as written, with its report
    and case (read only there), sharing no file field with the answer being built meanwhile."""
    values = [
        getattr(photo, f.attname).name if isinstance(f, FileField) else getattr(photo, f.attname) for f in _PHOTO_FIELDS
    ]
    known = ReportPhoto.from_db(photo._state.db, [f.attname for f in _PHOTO_FIELDS], values)
    ReportPhoto.report.field.set_cached_value(known, photo.report)
    return known


def _queue_processing(photo_id: int, known: ReportPhoto | None = None) -> bool:
    """Hand the photo to the queue; False (logged) when the broker refuses. Never raises: it runs
    after commit, where the report is already filed and the worker must get their answer.

    Without Redis (Celery eager) the photo goes to this process's job threads
    (core.background), to be processed after the answer, with its row as the request wrote it
    (`known`, _photo_for_job) rather than read again; REPORTS_PHOTO_INLINE processes it right
    here instead. A job lost with its process is queued again by the sweep."""
    from .tasks import reports_process_photo

    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.REPORTS_PHOTO_INLINE:
        return background_run(("reports.process_photo", photo_id), _process_in_background, photo_id, known)
    try:
        reports_process_photo.apply_async((photo_id,), retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception:
        log.warning("report photo %s could not be queued; the sweep will queue it again", photo_id, exc_info=True)
        return False
    return True


def _process_in_background(photo_id: int, known: ReportPhoto | None = None) -> None:
    if known is None:
        report_photo_process(photo_id=photo_id)
    else:
        report_photo_process(photo_id=photo_id, known=known)


# --- Processing a photo -----------------------------------------------------------------------
def _rational(value: Any) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_rational(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if str(ref).upper().startswith(("S", "W")):
        degrees = -degrees
    return degrees


def exif_location_and_time(image: Image.Image) -> tuple[float | None, float | None, datetime | None]:
    """The GPS point and capture time a camera wrote, read before anything is stripped."""
    lat = lng = None
    taken: datetime | None = None
    try:
        exif = image.getexif()
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps:
            lat = _dms(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
            lng = _dms(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
            if lat is None or lng is None or not valid_lat_lng(lat, lng):
                lat = lng = None
        raw = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        if raw:
            naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
            # Cameras write local time without a zone: the city's.
            taken = timezone.make_aware(naive, timezone.get_default_timezone())
    except Exception:  # malformed EXIF: nothing to learn from it
        log.info("unreadable EXIF in a report photo", exc_info=True)
    return lat, lng, taken


def _photo_fail(photo: ReportPhoto) -> None:
    """A photo that will never be ready: marked failed (if still processing) and its original,
    which may carry the worker's location, deleted."""
    ReportPhoto.objects.filter(pk=photo.pk, status=PhotoStatus.PROCESSING).update(status=PhotoStatus.FAILED)
    _original_drop(photo)


def _original_drop(photo: ReportPhoto) -> bool:
    """The original's file deleted and the row cleared; False (logged, the row kept for the
    sweep) when the storage refuses."""
    name = photo.original.name
    if name:
        try:
            photo.original.storage.delete(name)
        except Exception:
            log.warning("original of report photo %s could not be deleted", photo.pk, exc_info=True)
            return False
    _photo_execute("original_clear", ["", photo.pk, ""])
    return True


# What marking a photo ready writes, in the order of the statement's parameters: with its
# original's name cleared in the same statement (the file is deleted right after), one UPDATE
# and one commit per processed photo instead of two.
_READY_FIELDS = (
    "image",
    "thumbnail",
    "content_sha256",
    "phash",
    "exif_lat",
    "exif_lng",
    "exif_taken_at",
    "status",
    "original",
)


def _photo_execute(name: str, params: list[Any]) -> int:
    """One of the photo job's plain UPDATEs (made once per database, _sql), on the photos'
    database outside any transaction of its own; the rows it changed. Every processed photo ran
    them through the ORM, compiled each time."""
    connection = connections[router.db_for_write(ReportPhoto)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(name, connection.alias), params)
        return int(cursor.rowcount)


def report_photo_process(*, photo_id: int, known: ReportPhoto | None = None) -> ReportPhoto | None:
    """Read EXIF GPS and time, then store an upright, ≤2048 px, metadata-free image and a ≤480 px
    thumbnail, with the original's sha256 (exact reuse) and the thumbnail's perceptual hash (near
    reuse). An upright JPEG needing no other change is stored as it was encoded, its metadata
    segments dropped (core.images.jpeg_keep); any other image is decoded and encoded again.
    The original is deleted once processed. Marks the photo ready, or failed when its bytes are
    not a usable image; a storage error leaves it processing for the sweep to queue again. Two
    runs of the same photo (a task delivered twice) finish it once: the second keeps nothing. A
    ready photo then gets its fraud flags (flags.photo_flags_compute).

    `known`: the photo's row with its report and case as the request that stored it wrote them
    (a job of the same process, right after the commit): not read again. A second run is still
    caught, by the conditional UPDATE that marks it ready."""
    if known is not None and known.pk == photo_id:
        photo: ReportPhoto | None = known
    else:
        photo = ReportPhoto.objects.filter(pk=photo_id).select_related("report__case").first()
    if photo is None or photo.status != PhotoStatus.PROCESSING:
        return photo
    if not photo.original:
        _photo_fail(photo)
        photo.refresh_from_db()
        return photo
    try:
        with photo.original.open("rb") as file:
            data = file.read()
    except FileNotFoundError:
        log.warning("report photo %s has lost its original", photo_id)
        _photo_fail(photo)
        photo.refresh_from_db()
        return photo
    except Exception:
        # The storage may be back in a minute: the sweep queues the photo again.
        log.warning("report photo %s could not be read; left for the sweep", photo_id, exc_info=True)
        return photo
    try:
        image = image_header(data, PHOTOS_FIELD)  # checked, not decoded yet
        exif_lat, exif_lng, taken = exif_location_and_time(image)  # from the original's EXIF
        # A JPEG needing nothing but its metadata dropped is kept as encoded (its segments
        # without EXIF, XMP, comments…), decoded only near the thumbnail's size; any other is
        # decoded near 2048 px and made upright, resized once, sRGB, no metadata, and encoded.
        # A kept JPEG that is its own thumbnail is decoded only for its hash (and to know its
        # data decodes): at the DCT scale nearest PHASH_SIDE, 1/8 for a 640 px photo.
        own_thumbnail = max(image.size) <= THUMB_SELF_SIDE
        decode_side = PHASH_SIDE if own_thumbnail else THUMB_SIDE
        kept = jpeg_keep(image, data, target_side=decode_side, field=PHOTOS_FIELD)
        if kept is not None:
            full, pixels = kept.stored, kept.pixels
        else:
            pixels = image_fit(image_decode(image, PHOTOS_FIELD), field=PHOTOS_FIELD)
            full = image_save(pixels, field=PHOTOS_FIELD)
        image.close()
        if max(full.width, full.height) <= THUMB_SELF_SIDE:
            thumb, thumbnail = full, pixels
        else:
            thumbnail = image_thumbnail(pixels, max_side=THUMB_SIDE)
            thumb = image_save(thumbnail, field=PHOTOS_FIELD)
        # The perceptual hash of the thumbnail's pixels in memory: it looks at 32×32 px, which a
        # 480 px picture of the photo, or a 1/8 decode of a 640 px one, gives as well as the photo
        # (a few of its 64 bits may differ, well within REPORTS_PHASH_MAX_DISTANCE), for a
        # fraction of the resampling.
        phash = image_phash(thumbnail)
    except Exception:
        log.warning("report photo %s could not be processed", photo_id, exc_info=True)
        _photo_fail(photo)
        photo.refresh_from_db()
        return photo
    name = uuid.uuid4().hex
    try:
        file_store_new(photo.image, f"{name}.{full.extension}", full.content)
        file_store_new(photo.thumbnail, f"{name}_t.{thumb.extension}", thumb.content)
    except Exception:
        log.warning("report photo %s could not be stored; left for the sweep", photo_id, exc_info=True)
        return photo
    processed = {
        "content_sha256": hashlib.sha256(data).hexdigest(),
        "phash": phash,
        "exif_lat": exif_lat,
        "exif_lng": exif_lng,
        "exif_taken_at": taken,
        "status": PhotoStatus.READY,
    }
    ops = connections[router.db_for_write(ReportPhoto)].ops
    written = {"image": photo.image.name, "thumbnail": photo.thumbnail.name, **processed, "original": ""}
    written["exif_taken_at"] = ops.adapt_datetimefield_value(taken)
    done = _photo_execute("photo_ready", [*(written[f] for f in _READY_FIELDS), photo.pk, PhotoStatus.PROCESSING])
    if not done:
        # Another run finished it first: what this run stored is nobody's.
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        return ReportPhoto.objects.filter(pk=photo_id).select_related("report").first()
    # The row is as this run wrote it: kept in memory rather than read again, with the report
    # and case read at the start, which the flags need.
    for field, value in processed.items():
        setattr(photo, field, value)
    storage, original = photo.original.storage, photo.original.name
    photo.original = ""
    try:
        # No row names the file any more: if the storage refuses now, the orphan sweep deletes
        # it (report_orphan_files_delete), as it deletes the file of a row never committed.
        storage.delete(original)
    except Exception:
        log.warning(
            "original of report photo %s could not be deleted; left for the orphan sweep", photo_id, exc_info=True
        )
    try:
        photo_flags_compute(photo, at=timezone.now())
    except Exception:
        # The photo itself is fine; a missing flag must not undo it.
        log.warning("flags of report photo %s could not be computed", photo_id, exc_info=True)
    return photo


# --- Photos that fell through -----------------------------------------------------------------
SWEEP_BATCH = 200


@dataclass(frozen=True)
class PhotoSweep:
    queued: int
    failed: int
    originals_deleted: int


def report_photos_sweep(*, at: datetime | None = None) -> PhotoSweep:
    """What a broker or worker fault left behind. A photo still processing
    REPORTS_PHOTO_REQUEUE_MINUTES after it was queued (its queueing failed after commit, or its
    worker died) is queued again, and marked failed after REPORTS_PHOTO_MAX_ATTEMPTS attempts; an
    original left beside a finished photo is deleted. Stops queueing at the first refusal of the
    broker (the next run tries again). Idempotent; reads through reportphoto_original_idx."""
    at = at or timezone.now()
    stale_before = at - timedelta(minutes=settings.REPORTS_PHOTO_REQUEUE_MINUTES)
    queued = failed = dropped = 0
    stale = list(
        ReportPhoto.objects.filter(status=PhotoStatus.PROCESSING)
        .filter(Q(queued_at__lt=stale_before) | Q(queued_at__isnull=True, created_at__lt=stale_before))
        .exclude(original="")
        .order_by("queued_at")[:SWEEP_BATCH]
    )
    for photo in stale:
        if photo.attempts >= settings.REPORTS_PHOTO_MAX_ATTEMPTS:
            log.warning("report photo %s failed after %d attempts", photo.pk, photo.attempts)
            _photo_fail(photo)
            failed += 1
            continue
        # Claimed first (the row's queued_at as it was read), so two sweeps queue it once.
        claimed = ReportPhoto.objects.filter(
            pk=photo.pk, status=PhotoStatus.PROCESSING, queued_at=photo.queued_at
        ).update(queued_at=at, attempts=F("attempts") + 1)
        if not claimed:
            continue
        if not _queue_processing(photo.pk):
            # Broker down: give the attempt back and leave the rest for the next run.
            ReportPhoto.objects.filter(pk=photo.pk, queued_at=at).update(
                queued_at=photo.queued_at, attempts=F("attempts") - 1
            )
            break
        queued += 1
    leftovers = list(
        ReportPhoto.objects.filter(status__in=[PhotoStatus.READY, PhotoStatus.FAILED])
        .exclude(original="")
        .order_by("pk")[:SWEEP_BATCH]
    )
    for photo in leftovers:
        dropped += _original_drop(photo)
    return PhotoSweep(queued=queued, failed=failed, originals_deleted=dropped)


def _report_files_known(names: list[str]) -> set[str]:
    rows = ReportPhoto.objects.filter(original__in=names).values_list("original", flat=True)
    known = set(rows)
    known |= set(ReportPhoto.objects.filter(image__in=names).values_list("image", flat=True))
    known |= set(ReportPhoto.objects.filter(thumbnail__in=names).values_list("thumbnail", flat=True))
    known |= set(CaseAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    return known


def report_orphan_files_delete(*, at: datetime | None = None) -> int:
    """Files of report photos and case attachments (a handler's photos) whose rows never
    committed, older than UPLOAD_ORPHAN_GRACE_MINUTES: deleted (core.uploads)."""
    folders = [upload_folder(ReportPhoto, name) for name in ("original", "image", "thumbnail")]
    folders.append(upload_folder(CaseAttachment, "file"))
    return orphan_files_delete(
        upload_to=folders,
        known=_report_files_known,
        grace=timedelta(minutes=settings.UPLOAD_ORPHAN_GRACE_MINUTES),
        at=at,
    )


# --- The loop ---------------------------------------------------------------------------------
def report_award_on_accept(*, case: Case, actor: User, points: int | None, at: datetime) -> dict[str, Any]:
    """The cases engine's on_accept hook for reports: the category's points, once per case
    (idempotency key case:{id}:accept). A fixed category refuses another amount and a ranged
    one needs the handler's pick (InvalidInput on "points", refusing the acceptance). A reporter
    without a worker profile earns nothing (refusal "not_a_worker")."""
    if not WorkerProfile.objects.filter(user_id=case.reporter_id).exists():
        # Points are a worker's: a report filed under an account that is no worker's (an
        # Open311 partner's own, for a courier its phone did not name) earns nobody anything.
        return {"points_awarded": 0, "points_refusal": "not_a_worker"}
    report = Report.objects.filter(case=case).first()
    result = points_award(
        worker=case.reporter,
        source=PointsSource.REPORT,
        idempotency_key=f"case:{case.pk}:accept",
        source_object=report,
        category=case.category,
        region=case.region,
        amount=points,
        actor=actor,
        at=at,
    )
    data: dict[str, Any] = {"points_awarded": result.awarded}
    if result.refusal:
        data["points_refusal"] = result.refusal
    return data


def report_follow(*, report_id: int, user: User, at: datetime | None = None) -> bool:
    """ "Me too" on a report offered as a possible duplicate: only an open report of a public
    category, never a confidential case (NotFound otherwise, the same as no such report).
    True if newly following; its reporter follows their own already (False)."""
    from .selectors import report_followable

    report = report_followable(report_id)
    return case_services.case_follow(case_id=report.case_id, user=user, at=at)


def report_feedback(
    *, report_id: int, worker: User, rating: int, comment: str = "", resolved: bool, at: datetime | None = None
) -> Report:
    """The reporter rates the handling; "not fixed" reopens the case as a dispute."""
    from .selectors import report_for

    report = report_for(worker, report_id)
    case_services.case_feedback(
        case_id=report.case_id, worker=worker, rating=rating, comment=comment, resolved=resolved, at=at
    )
    return report_for(worker, report_id)
