"""Reads for 蜂巢 stations: nearest search, detail, and who manages which station."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import STATION_STAFF_ROLES, is_city_admin
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import bounding_box, haversine_m, valid_lat_lng
from littlebee.orgs.models import Organisation, OrgKind

from .. import hours
from ..models import AnnualServiceItem, Event, EventStatus, Hive, HivePhoto, OpeningException, OpeningInterval, Service

MAX_RADIUS_KM = 50.0
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# Without a radius the search starts small and widens until it has `limit` stations or reaches this.
START_RADIUS_KM = 3.0
MAX_AUTO_RADIUS_KM = 200.0
# Schedules are loaded for candidates nearest first, in growing batches: a bounded number of queries.
FIRST_BATCH = 40


@dataclass
class HiveRow:
    """What a search result shows of a station: plain values, no model instances (cheap for many rows)."""

    id: int
    name: str
    address: str
    lat: float
    lng: float
    demonstration: bool
    contact_phone: str
    always_open: bool
    managing_unit_id: int
    managing_unit_name: str
    services: list[ServiceRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ServiceRef:
    code: str
    name: str
    is_base: bool


@dataclass
class NearestHive:
    hive: HiveRow
    distance_m: float
    open_now: bool
    closes_at: datetime | None
    opens_at: datetime | None
    intervals: list[hours.WeeklyInterval] = field(default_factory=list)


@dataclass
class _Candidate:
    id: int
    distance_m: float
    always_open: bool
    time_zone: str
    loaded: bool = False
    open_now: bool | None = None
    intervals: list[hours.WeeklyInterval] = field(default_factory=list)
    exceptions: list[hours.DatedException] = field(default_factory=list)


def search_validate(
    *, lat: float, lng: float, radius_km: float | None, service: str | None, limit: int | None
) -> tuple[int, Service | None]:
    """Check a search's input: InvalidInput with every bad field, or (limit clamped to 1..100, the service)."""
    errors: list[FieldError] = []
    if not valid_lat_lng(lat, lng):
        errors.append(FieldError("lat", _("坐标无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。")))
    if radius_km is not None and not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RADIUS_KM):
        errors.append(FieldError("radius_km", _("搜索半径应大于 0 且不超过 50 公里。")))
    found: Service | None = None
    if service:
        found = Service.objects.filter(code=service).first()
        if found is None:
            errors.append(FieldError("service", _("未知的服务项目。")))
    if errors:
        raise InvalidInput(errors)
    return (DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))), found


# The search's hot path runs plain parameterised SQL: compiling an ORM query costs more than
# running these indexed ones, and a search runs four to eight of them. Only quoted table names
# from the models and "%s" placeholders are put into the text (hence the S608 exemptions).
def _table(model: type[Any]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _time(value: Any) -> Any:
    return value if value is None or isinstance(value, time) else time.fromisoformat(value)


def _candidates(lat: float, lng: float, radius_m: float, service: Service | None) -> list[_Candidate]:
    """Active stations in the box around the circle (indexed lat, lng), nearest first, inside the circle only."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    sql = (
        f"SELECT h.id, h.lat, h.lng, h.always_open, h.time_zone FROM {_table(Hive)} h"  # noqa: S608
        " WHERE h.is_active = %s AND h.lat BETWEEN %s AND %s AND h.lng BETWEEN %s AND %s"
    )
    params: list[Any] = [True, min_lat, max_lat, min_lng, max_lng]
    if service is not None:
        # A correlated EXISTS probes the (hive, service) unique index once per row of the box, so its
        # cost follows the box, not the number of stations offering the service nationwide.
        link = _table(Hive.services.through)
        sql += f" AND EXISTS (SELECT 1 FROM {link} l WHERE l.hive_id = h.id AND l.service_id = %s)"  # noqa: S608
        params.append(service.pk)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, h_lat, h_lng, always_open, tz in cursor.fetchall():
            distance = haversine_m(lat, lng, h_lat, h_lng)
            if distance <= radius_m:
                found.append(_Candidate(pk, distance, bool(always_open), tz))
    found.sort(key=lambda c: (c.distance_m, c.id))
    return found


def _load_schedules(batch: list[_Candidate], at: datetime) -> None:
    """Two queries for a batch: weekly intervals, and exceptions around `at` (plain tuples, not models).

    The whole week is read even where only open-now matters: reading just yesterday's and today's
    intervals was measured no faster, and the stations shown would need the rest for their status.
    """
    ids = [c.id for c in batch]
    marks = ", ".join(["%s"] * len(ids))
    intervals: dict[int, list[hours.WeeklyInterval]] = {}
    exceptions: dict[int, list[hours.DatedException]] = {}
    # Station time zones differ by at most a day from UTC: a margin of two days covers them all.
    day = at.date()
    first, last = day - timedelta(days=2), day + timedelta(days=hours.LOOKAHEAD_DAYS + 2)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT hive_id, weekday, opens, closes FROM {_table(OpeningInterval)} WHERE hive_id IN ({marks})",  # noqa: S608
            ids,
        )
        for hive_id, weekday, opens, closes in cursor.fetchall():
            intervals.setdefault(hive_id, []).append(hours.WeeklyInterval(weekday, _time(opens), _time(closes)))
        cursor.execute(
            f"SELECT hive_id, date, closed, opens, closes FROM {_table(OpeningException)}"  # noqa: S608
            f" WHERE hive_id IN ({marks}) AND date BETWEEN %s AND %s",
            [*ids, first, last],
        )
        for hive_id, on, closed, opens, closes in cursor.fetchall():
            on = on if isinstance(on, date) else date.fromisoformat(on)
            exceptions.setdefault(hive_id, []).append(
                hours.DatedException(on, bool(closed), _time(opens), _time(closes))
            )
    for candidate in batch:
        candidate.intervals = sorted(intervals.get(candidate.id, []), key=lambda i: (i.weekday, i.opens))
        candidate.exceptions = exceptions.get(candidate.id, [])
        candidate.loaded = True


def _is_open(candidate: _Candidate, at: datetime) -> bool:
    if candidate.open_now is None:
        candidate.open_now = hours.is_open(
            at, candidate.intervals, candidate.exceptions, candidate.always_open, candidate.time_zone
        )
    return candidate.open_now


def _pick(candidates: list[_Candidate], open_now: bool, limit: int, at: datetime) -> list[_Candidate]:
    """The first `limit` candidates (open ones only if asked), loading schedules only as far as needed."""
    if not open_now:
        return candidates[:limit]
    chosen: list[_Candidate] = []
    position = 0
    batch_size = max(FIRST_BATCH, limit)
    while position < len(candidates) and len(chosen) < limit:
        batch = candidates[position : position + batch_size]
        pending = [c for c in batch if not c.loaded]
        if pending:
            _load_schedules(pending, at)
        for candidate in batch:
            if len(chosen) < limit and _is_open(candidate, at):
                chosen.append(candidate)
        position += len(batch)
        batch_size *= 2
    return chosen


def _rows(ids: list[int]) -> dict[int, HiveRow]:
    """Two queries: the stations' display fields with their managing unit, and their services."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    unit = _table(Organisation)
    service = _table(Service)
    rows: dict[int, HiveRow] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.id, h.name, h.address, h.lat, h.lng, h.demonstration, h.contact_phone, h.always_open,"  # noqa: S608
            f" h.managing_unit_id, u.name FROM {_table(Hive)} h JOIN {unit} u ON u.id = h.managing_unit_id"
            f" WHERE h.id IN ({marks})",
            ids,
        )
        for pk, name, address, lat, lng, demo, phone, always_open, unit_id, unit_name in cursor.fetchall():
            rows[pk] = HiveRow(pk, name, address, lat, lng, bool(demo), phone, bool(always_open), unit_id, unit_name)
        cursor.execute(
            f"SELECT l.hive_id, s.code, s.name, s.is_base FROM {_table(Hive.services.through)} l"  # noqa: S608
            f" JOIN {service} s ON s.id = l.service_id WHERE l.hive_id IN ({marks})"
            f" ORDER BY s.{connection.ops.quote_name('order')}, s.code",
            ids,
        )
        for hive_id, code, name, is_base in cursor.fetchall():
            rows[hive_id].services.append(ServiceRef(code, name, bool(is_base)))
    return rows


def hives_nearest(
    *,
    lat: float,
    lng: float,
    radius_km: float | None = None,
    open_now: bool = False,
    service: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    at: datetime | None = None,
) -> list[NearestHive]:
    """Active stations nearest to (lat, lng), nearest first.

    A bounding box on the indexed (lat, lng) columns selects candidates; exact great-circle
    distance orders them in Python; opening hours are loaded for candidates only, nearest first,
    in doubling batches (two queries each). Without a radius the box starts at 3 km and widens
    (to at most 200 km) until `limit` stations are found. Longitudes are not wrapped at ±180°.
    """
    clamped, found_service = search_validate(lat=lat, lng=lng, radius_km=radius_km, service=service, limit=limit)
    at = at or timezone.now()
    radius_m = (radius_km if radius_km is not None else START_RADIUS_KM) * 1000
    statuses: dict[int, _Candidate] = {}
    while True:
        candidates = _candidates(lat, lng, radius_m, found_service)
        # Keep what earlier, smaller boxes already loaded.
        candidates = [statuses.get(c.id, c) for c in candidates]
        chosen = _pick(candidates, open_now, clamped, at)
        statuses.update({c.id: c for c in candidates if c.loaded})
        if radius_km is not None or len(chosen) >= clamped or radius_m >= MAX_AUTO_RADIUS_KM * 1000:
            break
        # Grow by the density seen so far: enough area for `limit` stations, at least twice the radius.
        seen = max(len(chosen), 1)
        factor = min(8.0, max(2.0, math.sqrt(clamped / seen) * 1.3))
        radius_m = min(radius_m * factor, MAX_AUTO_RADIUS_KM * 1000)
    pending = [c for c in chosen if not c.loaded]
    if pending:
        _load_schedules(pending, at)
    hives = _rows([c.id for c in chosen])
    result = []
    for candidate in chosen:
        status = hours.status(at, candidate.intervals, candidate.exceptions, candidate.always_open, candidate.time_zone)
        result.append(
            NearestHive(
                hive=hives[candidate.id],
                distance_m=candidate.distance_m,
                open_now=status.open_now,
                closes_at=status.closes_at,
                opens_at=status.opens_at,
                intervals=candidate.intervals,
            )
        )
    return result


@dataclass
class HiveDetail:
    hive: Hive
    status: hours.Status
    intervals: list[OpeningInterval]
    exceptions: list[OpeningException]
    annual_items: list[AnnualServiceItem]
    photos: list[HivePhoto]
    events: list[Event]


def hive_detail(
    hive_id: int, *, at: datetime | None = None, upcoming_events: int = 20, active_only: bool = True
) -> HiveDetail:
    """An active station with everything its page shows; NotFound otherwise. `active_only=False`
    is for those who manage the station (checked by the caller), who still see it deactivated."""
    at = at or timezone.now()
    hives = Hive.objects.filter(pk=hive_id)
    if active_only:
        hives = hives.filter(is_active=True)
    hive = hives.select_related("managing_unit", "community").prefetch_related("services").first()
    if hive is None:
        raise NotFound()
    local_today: date = timezone.localtime(at, hours.zone(hive.time_zone)).date()
    intervals = list(hive.intervals.all())
    exceptions = list(hive.exceptions.filter(date__gte=local_today - timedelta(days=1)))
    return HiveDetail(
        hive=hive,
        status=hours.status(at, intervals, exceptions, hive.always_open, hive.time_zone),
        intervals=intervals,
        exceptions=[e for e in exceptions if e.date >= local_today],
        annual_items=list(hive.annual_items.filter(year=local_today.year)),
        photos=list(hive.photos.all()),
        events=list(
            Event.objects.filter(hive=hive, status=EventStatus.PUBLISHED, starts_at__gte=at).order_by(
                "starts_at", "id"
            )[:upcoming_events]
        ),
    )


# --- Who manages a station: THE rule for stations --------------------------------------------
# Everything else about stations is derived from hives_managed_by (or from its two clauses below):
# hive_managed, hive_is_managed_by, hive_administered_by (its second clause), the menu's
# StaffAccess.manages_hives (the roles every clause needs), and the events' rules
# (selectors.events: hosting, managing an event at a station).


def station_unit_ids(user: User) -> QuerySet[Membership, Any]:
    """Organisations the user runs stations for, as keeper or admin (STATION_STAFF_ROLES): the
    first clause of the rule, also the managing units they publish events for."""
    return Membership.objects.filter(user=user, role__in=STATION_STAFF_ROLES).values("organisation_id")


def _region_admins(user: User) -> QuerySet[Membership]:
    """The user's admin memberships of party organisations: the second clause of the rule holds
    for a station under such an organisation's region."""
    return Membership.objects.filter(user=user, role=Role.ADMIN, organisation__kind=OrgKind.PARTY_ORG)


def _station_staff_q(user: User) -> Q:
    """Stations the user runs through a membership: keeper or admin of the managing unit, or admin
    of a party organisation whose region contains the station's community. Subqueries only, so it
    adds no query of its own and nests inside other querysets (events by host station)."""
    region_admin = _region_admins(user).filter(StartsWith(OuterRef("community__path"), F("organisation__region__path")))
    return Q(managing_unit_id__in=station_unit_ids(user)) | Q(Exists(region_admin))


def hives_managed_by(user: User, *, through_membership: bool = False) -> QuerySet[Hive]:
    """THE permission rule for stations: which ones the user may edit, show the QR poster of, record
    visits at, see visit stats of, hand vouchers over at, and whose hosted events the user may manage.

    - a keeper or an admin of the station's managing unit;
    - an admin of a party organisation whose region contains the station's community
      (a street's admins manage every station of the street's communities);
    - a city admin (or superuser): every station, unless `through_membership` asks only for
      stations the user runs through a membership of their own (the events' "organiser staff").

    Inactive stations are included (an admin may reactivate one); callers that act at the counter
    filter them out (`hive_managed(..., active_only=True)`). Anything else answers 404.
    """
    base = Hive.objects.all()
    if not user.is_authenticated:
        return base.none()
    if not through_membership and is_city_admin(user):
        return base
    return base.filter(_station_staff_q(user))


def hive_managed(user: User, hive_id: int, *, active_only: bool = False) -> Hive:
    """The station if the user manages it (see hives_managed_by); NotFound otherwise, never telling
    which stations exist. `active_only` also refuses a deactivated station."""
    hives = hives_managed_by(user).select_related("community", "managing_unit").filter(pk=hive_id)
    if active_only:
        hives = hives.filter(is_active=True)
    hive = hives.first()
    if hive is None:
        raise NotFound()
    return hive


def hive_is_managed_by(user: User | AnonymousUser, hive_id: int) -> bool:
    """Whether the station's public page offers its management links: hives_managed_by, asked."""
    return isinstance(user, User) and hives_managed_by(user).filter(pk=hive_id).exists()


def hive_administered_by(user: User, hive: Hive) -> bool:
    """Whether the user edits this station as an administrator (demonstration flag, activation, time
    zone; adding stations), not only as its keeper: a city admin, or the rule's second clause (an
    admin of a party organisation whose region contains the station's community). The station may
    be unsaved (a new one, being added): its community decides."""
    if is_city_admin(user):
        return True
    path = Value(hive.community.path, output_field=CharField())
    return _region_admins(user).filter(StartsWith(path, F("organisation__region__path"))).exists()
