"""Reads for 蜂巢 stations: nearest search, detail, and who manages which station."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import STATION_STAFF_ROLES, is_city_admin
from littlebee.core.connection_check import first_statement_checks
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import EARTH_RADIUS_M, bounding_box, haversine_m, valid_lat_lng
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.texts import in_language
from littlebee.orgs.models import Organisation, OrgKind

from .. import hours
from ..models import AnnualServiceItem, Event, EventStatus, Hive, HivePhoto, OpeningException, OpeningInterval, Service

MAX_RADIUS_KM = 50.0
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# Without a radius the search finds the nearest `limit` stations within this distance.
MAX_AUTO_RADIUS_KM = 200.0
# Open stations only: the first read takes at least this many candidates with their hours.
FIRST_BATCH = 40
SERVICE_UNKNOWN = FieldError("service", _("未知的服务项目。"))


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
    # The station's schedule as the search read it: shared by the stations with that schedule.
    intervals: tuple[hours.WeeklyInterval, ...] = ()


@dataclass
class _Candidate:
    id: int
    distance_m: float
    always_open: bool
    time_zone: str
    loaded: bool = False
    # The candidates' `seq` column as read (the nearest search puts its area's count there).
    seq: int = 0
    open_now: bool | None = None
    intervals: tuple[hours.WeeklyInterval, ...] = ()
    exceptions: list[hours.DatedException] = field(default_factory=list)
    row: HiveRow | None = None


def search_validate(*, lat: float, lng: float, radius_km: float | None, service: str | None, limit: int | None) -> int:
    """Check a search's input: InvalidInput with every bad field, or the limit clamped to 1..100.
    A service code is looked up here only to list it among other bad fields; otherwise the search
    statement itself finds out whether it exists (SERVICE_UNKNOWN)."""
    errors: list[FieldError] = []
    if not valid_lat_lng(lat, lng):
        errors.append(FieldError("lat", _("坐标无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。")))
    if radius_km is not None and not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RADIUS_KM):
        errors.append(FieldError("radius_km", _("搜索半径应大于 0 且不超过 50 公里。")))
    if errors:
        if service and not Service.objects.filter(code=service).exists():
            errors.append(SERVICE_UNKNOWN)
        raise InvalidInput(errors)
    return DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))


# The search's hot path is one statement of plain parameterised SQL (two when open stations are
# asked for and the nearest ones are mostly closed): compiling ORM queries costs more than running
# them. Only quoted table and column names from the models and "%s" placeholders are put into the
# text (hence the S608 exemptions).
def _table(model: type[Any]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _time(value: Any) -> Any:
    return value if value is None or isinstance(value, time) else time.fromisoformat(value)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# One row shape for every part of the statement: (part, hive id, lat, lng, flag, flag2, number,
# opens, closes, date, text1..text5, seq, hours, services). A station (0) fills its display fields,
# its place in the candidates' order, its weekly intervals as one text ("weekday opens closes",
# comma-separated) and its services' ids as one text; an exception (2) its date, closed flag and
# times; the service asked for (4) only its id; a service of the catalogue (5) its order, base
# flag, code, name and English name. The station part names each column's type for the parts
# below it. A station's hours and services come aggregated on its own row: a search of 25 stations
# read ~430 rows (one per interval and per service link), each a tuple Python took apart, when
# stations share a handful of schedules and service sets (parsed once per process / request).
STATION_COLUMNS = (
    "id", "lat", "lng", "always_open", "demonstration", "managing_unit_id", "name", "address", "contact_phone",
    "time_zone", "seq",
)  # fmt: skip
_DETAILS_SQL: dict[tuple[bool, bool, str], str] = {}


def _details_sql(with_services: bool, service_check: bool) -> str:
    """What follows `WITH c (STATION_COLUMNS) AS (…)`: the candidates with their managing unit,
    weekly intervals and services (aggregated per station), exceptions between two dates, the
    service catalogue and the service asked for."""
    key = (with_services, service_check, connection.vendor)
    if key not in _DETAILS_SQL:
        q = connection.ops.quote_name
        link, service = _table(Hive.services.through), _table(Service)
        aggregate = "STRING_AGG" if connection.vendor == "postgresql" else "GROUP_CONCAT"
        weekly = (
            f"(SELECT {aggregate}(CAST(i.{q('weekday')} AS TEXT) || ' ' || CAST(i.{q('opens')} AS TEXT)"  # noqa: S608
            f" || ' ' || CAST(i.{q('closes')} AS TEXT), ',') FROM {_table(OpeningInterval)} i"
            f" WHERE i.{q('hive_id')} = c.id)"
        )
        linked = (
            f"(SELECT {aggregate}(CAST(l.{q('service_id')} AS TEXT), ',') FROM {link} l"  # noqa: S608
            f" WHERE l.{q('hive_id')} = c.id)"
            if with_services
            else "CAST(NULL AS TEXT)"
        )
        # PostgreSQL: the candidates' ids as one array, the table read by one index scan for all
        # of them (IN (SELECT …) hashes the candidates and probes the index once per station).
        in_c = "= ANY(ARRAY(SELECT id FROM c))" if connection.vendor == "postgresql" else "IN (SELECT id FROM c)"
        sql = (
            "SELECT 0, c.id, c.lat, c.lng, c.always_open, c.demonstration, CAST(c.managing_unit_id AS BIGINT),"  # noqa: S608
            " CAST(NULL AS TIME), CAST(NULL AS TIME), CAST(NULL AS DATE), c.name, c.address, c.contact_phone,"
            # The managing unit's name by its key, station by station: a join made PostgreSQL
            # hash every organisation of the city for a page of stations.
            f" c.time_zone, (SELECT u.{q('name')} FROM {_table(Organisation)} u"
            f" WHERE u.{q('id')} = c.managing_unit_id), CAST(c.seq AS BIGINT), {weekly}, {linked} FROM c"
            f" UNION ALL SELECT 2, e.{q('hive_id')}, NULL, NULL, e.{q('closed')}, NULL, NULL,"
            f" e.{q('opens')}, e.{q('closes')}, e.{q('date')}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
            f" FROM {_table(OpeningException)} e WHERE e.{q('hive_id')} {in_c} AND e.{q('date')} BETWEEN %s AND %s"
        )
        if with_services:
            # The catalogue once (its order, base flag, code and names): a handful of rows named
            # once, not the names again on every station.
            sql += (
                f" UNION ALL SELECT 5, s.{q('id')}, NULL, NULL, s.{q('is_base')}, NULL,"  # noqa: S608
                f" CAST(s.{q('order')} AS BIGINT), NULL, NULL, NULL, s.{q('code')}, s.{q('name')}, s.{q('name_en')},"
                f" NULL, NULL, NULL, NULL, NULL FROM {service} s"
            )
        if service_check:
            # Whether the service asked for exists at all: without it, the answer is a 400.
            sql += (
                f" UNION ALL SELECT 4, s.{q('id')}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"  # noqa: S608
                f" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM {service} s WHERE s.{q('code')} = %s"
            )
        _DETAILS_SQL[key] = sql
    return _DETAILS_SQL[key]


def stations_read(
    candidates: str, params: list[Any], *, at: datetime, service: str | None = None, with_services: bool = True
) -> list[_Candidate]:
    """One round trip: the stations the candidates' SQL selects (its columns STATION_COLUMNS), in
    its `seq` order, each with its display fields, weekly hours, exceptions around `at` and (if
    asked) services. `service`: the code the candidates were filtered by; InvalidInput if it names
    nothing. Distances are left at 0 for the caller."""
    return _stations_rows(
        _statement(candidates, with_services, service is not None), params, at, service, with_services
    )


def _statement(candidates: str, with_services: bool, service_check: bool) -> str:
    return f"WITH c ({', '.join(STATION_COLUMNS)}) AS ({candidates}) {_details_sql(with_services, service_check)}"


def _stations_rows(
    sql: str, params: list[Any], at: datetime, service: str | None, with_services: bool
) -> list[_Candidate]:
    """stations_read's work on its whole statement (_statement)."""
    day = at.date()
    # Station time zones differ by at most a day from UTC: a margin of two days covers them all.
    first, last = day - timedelta(days=2), day + timedelta(days=hours.LOOKAHEAD_DAYS + 2)
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, [*params, first, last, *([service] if service is not None else [])])
        rows = cursor.fetchall()
    stations: list[tuple[Any, ...]] = []
    exception_rows: list[tuple[Any, ...]] = []
    catalogue: list[tuple[Any, ...]] = []
    service_found = False
    for row in rows:
        part = row[0]
        if part == 0:
            stations.append(row)
        elif part == 2:
            exception_rows.append(row)
        elif part == 5:
            catalogue.append(row)
        else:
            service_found = True
    if service is not None and not service_found:
        raise InvalidInput([SERVICE_UNKNOWN])
    refs: dict[int, ServiceRef] = {}
    rank: dict[int, int] = {}
    if with_services:
        # Each service named once a request, in the reader's language (core.texts), its English
        # name when set; a station's services in the catalogue's order (order, then code).
        language = get_language()
        catalogue.sort(key=lambda r: (r[6], r[10]))
        refs = {r[1]: ServiceRef(r[10], in_language(r[11], r[12], language), bool(r[4])) for r in catalogue}
        rank = {r[1]: i for i, r in enumerate(catalogue)}
    service_sets: dict[str, list[ServiceRef]] = {}
    found: dict[int, _Candidate] = {}
    for _part, pk, h_lat, h_lng, flag, flag2, number, *_times, t1, t2, t3, t4, t5, seq, weekly, linked in stations:
        hive = HiveRow(pk, t1, t2, h_lat, h_lng, bool(flag2), t3, bool(flag), number, t5)
        if linked:
            refs_of = service_sets.get(linked)
            if refs_of is None:
                refs_of = service_sets[linked] = [
                    refs[i] for i in sorted((int(i) for i in linked.split(",")), key=rank.__getitem__)
                ]
            # One list per service set and search, shared by its stations: read it, never change it.
            hive.services = refs_of
        found[pk] = _Candidate(
            pk,
            0.0,
            bool(flag),
            t4,
            loaded=True,
            row=hive,
            seq=int(seq or 0),
            intervals=_schedule_read(weekly) if weekly else (),
        )
    for _part, pk, _lat, _lng, flag, _flag2, _number, opens, closes, on, *_rest in exception_rows:
        found[pk].exceptions.append(hours.DatedException(_date(on), bool(flag), _time(opens), _time(closes)))
    return sorted(found.values(), key=lambda c: (c.seq, c.id))


@functools.lru_cache(maxsize=4096)
def _schedule_read(text: str) -> tuple[hours.WeeklyInterval, ...]:
    """A station's weekly intervals from the statement's text ("weekday opens closes", comma-
    separated, in no particular order), sorted by weekday and opening time (intervals of a day
    never share one); made once per schedule and process: stations share schedules."""
    plain = []
    for interval in text.split(","):
        weekday, opens, closes = interval.split(" ")
        plain.append((int(weekday), time.fromisoformat(opens), time.fromisoformat(closes)))
    return tuple(hours.WeeklyInterval(*i) for i in sorted(plain))


# Candidates are ordered by the haversine term of each station's distance (the same function
# core.geo.haversine_m applies, so the order is the order of distances); a few more than asked
# are read, so rounding in the database can never leave out a station the exact distance keeps.
MARGIN = 5
_ALL = 1_000_000_000  # "no limit" that PostgreSQL and SQLite both accept after OFFSET


_NEAREST_SQL: dict[tuple[bool, str], str] = {}


def _nearest_statement(with_service: bool) -> str:
    """The nearest search's whole statement, made once per process and database (writing it
    cost a tenth of the search's Python time)."""
    key = (with_service, connection.vendor)
    if key not in _NEAREST_SQL:
        _NEAREST_SQL[key] = _statement(_nearest_sql(with_service), True, with_service)
    return _NEAREST_SQL[key]


def _nearest_sql(with_service: bool) -> str:
    if connection.vendor == "postgresql":
        return _nearest_sql_rings(with_service)
    q = connection.ops.quote_name
    columns = ", ".join(f"h.{q(c)}" for c in STATION_COLUMNS[:-1])
    return (
        f"SELECT {columns}, k.n FROM (SELECT d.id, COUNT(*) OVER () AS n FROM"  # noqa: S608
        f" ({_keyed_sql(with_service)}) d WHERE d.d <= %s ORDER BY d.d, d.id LIMIT %s OFFSET %s) k"
        f" JOIN {_table(Hive)} h ON h.{q('id')} = k.id"
    )


def _key_sql() -> str:
    """The haversine term of a station `h`'s distance from the search's point (parameters: the
    point's latitude in radians, its cosine, its longitude in degrees): the same text everywhere
    in a statement, so that every part of it computes the same value for a station."""
    q = connection.ops.quote_name
    return (
        f"POWER(SIN((RADIANS(h.{q('lat')}) - %s) / 2), 2)"
        f" + %s * COS(RADIANS(h.{q('lat')})) * POWER(SIN(RADIANS(h.{q('lng')} - %s) / 2), 2)"
    )


def _service_filter(with_service: bool) -> str:
    q = connection.ops.quote_name
    return (
        f" AND EXISTS (SELECT 1 FROM {_table(Hive.services.through)} l JOIN {_table(Service)} s"  # noqa: S608
        f" ON s.{q('id')} = l.{q('service_id')} WHERE l.{q('hive_id')} = h.{q('id')} AND s.{q('code')} = %s)"
        if with_service
        else ""
    )


def _box_sql(with_service: bool) -> str:
    """Active stations of a box (parameters: south, north, west, east; the service's code).
    `is_active` is written, not bound: a prepared statement's generic plan may then read the
    positions from the active stations' index (hive_active_position_idx) alone."""
    q = connection.ops.quote_name
    return (
        f"{_table(Hive)} h WHERE h.{q('is_active')} AND h.{q('lat')} BETWEEN %s AND %s"
        f" AND h.{q('lng')} BETWEEN %s AND %s{_service_filter(with_service)}"
    )


def _keyed_sql(with_service: bool) -> str:
    """A box's stations with their haversine term `d`, computed once a station (in a subquery
    PostgreSQL may not merge into its parent: OFFSET 0)."""
    q = connection.ops.quote_name
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    return f"SELECT h.{q('id')} AS id, {_key_sql()} AS d FROM {_box_sql(with_service)}{fence}"  # noqa: S608


# PostgreSQL: the nearest stations are looked for in small circles first (RINGS_M, each only for
# a search circle at least twice as wide): when one holds `offset + limit` stations, those are the
# nearest of the whole circle (every station outside it is farther than every one inside), and
# only its box's stations get their haversine term computed and sorted, not the ~600 of a city
# in the default 200 km circle. The circle's count reads an inner box that lies inside the circle
# (proven below, _inner_box) from the index alone; only stations between it and the circle's box
# get their term computed.
RINGS_M = (5_000.0, 15_000.0)


def _nearest_sql_rings(with_service: bool) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(f"h.{q(c)}" for c in STATION_COLUMNS[:-1])
    keyed = _keyed_sql(with_service)
    rings = [
        f"r{i} AS MATERIALIZED (SELECT x.id, x.d FROM ({keyed}) x WHERE x.d <= %s)"  # noqa: S608
        for i in range(len(RINGS_M))
    ]
    count = (
        f"n AS (SELECT COUNT(*) FILTER (WHERE (h.{q('lat')} BETWEEN %s AND %s AND h.{q('lng')} BETWEEN %s AND %s)"  # noqa: S608
        f" OR {_key_sql()} <= %s) AS n FROM {_box_sql(with_service)})"
    )
    # Which circle serves: the first holding enough stations (one-time conditions: PostgreSQL
    # reads a later circle only when the earlier ones hold too few).
    parts = []
    for i in range(len(RINGS_M)):
        holds = [*(f"(SELECT COUNT(*) FROM r{j}) < %s" for j in range(i)), f"(SELECT COUNT(*) FROM r{i}) >= %s"]  # noqa: S608
        parts.append(f"(SELECT id, d FROM r{i} WHERE {' AND '.join(holds)} ORDER BY d, id LIMIT %s OFFSET %s)")  # noqa: S608
    short = " AND ".join(f"(SELECT COUNT(*) FROM r{j}) < %s" for j in range(len(RINGS_M)))  # noqa: S608
    parts.append(
        f"(SELECT x.id, x.d FROM ({keyed}) x WHERE x.d <= %s AND {short} ORDER BY x.d, x.id LIMIT %s OFFSET %s)"  # noqa: S608
    )
    # The chosen stations' rows by their key, one at a time (a plain join hashed every station
    # of the city to find the page's 25). They come in no particular order: _search orders them.
    return (
        f"WITH {', '.join(rings)}, {count} SELECT {columns}, n.n FROM ({' UNION ALL '.join(parts)}) k"  # noqa: S608
        f" CROSS JOIN n CROSS JOIN LATERAL (SELECT {columns} FROM {_table(Hive)} h"
        f" WHERE h.{q('id')} = k.id OFFSET 0) h"
    )


# No box at all: BETWEEN 1 AND 0 holds for nothing.
_EMPTY_BOX = (1.0, 0.0, 1.0, 0.0)
# Relative margins of the proofs below, far wider than the rounding of a haversine term (about
# 1e-12 relative for a circle of 100 m, more for smaller ones: hence the 100 m floors).
_WIDER = 1e-6


def _within(box: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The part of `box` inside `outer` (empty when they do not meet: BETWEEN holds for nothing)."""
    return (max(box[0], outer[0]), min(box[1], outer[1]), max(box[2], outer[2]), min(box[3], outer[3]))


def _ring_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box holding every point within radius_m of (lat, lng), a hair wider. Latitude: a point
    at angular distance x differs by at most x in latitude (no path is shorter than the meridian
    arc). Longitude: at most asin(sin x / cos lat) — unless the circle holds a pole (sin x ≥ cos
    lat), when every longitude is within reach."""
    x = radius_m * (1 + _WIDER) / EARTH_RADIUS_M
    cos_lat = math.cos(math.radians(lat))
    dlat = math.degrees(x)
    dlng = 360.0 if math.sin(x) >= cos_lat else math.degrees(math.asin(math.sin(x) / cos_lat))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def _inner_box(lat: float, lng: float, within: float) -> tuple[float, float, float, float]:
    """A box whose every point has a haversine term below `within`: with |Δφ|, |Δλ| ≤ a (radians),
    sin²(Δφ/2) + cos φ0 cos φ sin²(Δλ/2) ≤ (1 + cos φ0) sin²(a/2), so a = 2 asin(√(within /
    (1 + cos φ0))) — taken a little narrower, so that the database's rounding cannot carry a
    station of the box past `within`."""
    cos_lat = math.cos(math.radians(lat))
    a = math.degrees(2 * math.asin(math.sqrt(within * (1 - _WIDER) / (1 + cos_lat))))
    return lat - a, lat + a, lng - a, lng + a


def _nearest_params(
    lat: float, lng: float, radius_m: float, service: str | None, *, limit: int, offset: int
) -> list[Any]:
    """The parameters of _nearest_sql for a search, in its statement's order."""
    outer = bounding_box(lat, lng, radius_m)
    phi = math.radians(lat)
    key = [phi, math.cos(phi), lng]
    code = [service] if service is not None else []
    # The haversine term of the radius, a hair wider: the exact distance in _search has the last word.
    within = math.sin(radius_m * (1 + 1e-9) / (2 * EARTH_RADIUS_M)) ** 2
    if connection.vendor != "postgresql":
        return [*key, *outer, *code, within, limit, offset]
    params: list[Any] = []
    for ring_m in RINGS_M:
        if 2 * ring_m <= radius_m:
            ring = _within(_ring_box(lat, lng, ring_m), outer)
            params += [*key, *ring, *code, math.sin(ring_m / (2 * EARTH_RADIUS_M)) ** 2]
        else:  # a circle not much smaller than the search's: not worth its statement
            params += [*key, *_EMPTY_BOX, *code, -1.0]
    inner = _within(_inner_box(lat, lng, within), outer) if radius_m >= 100 else _EMPTY_BOX
    params += [*inner, *key, within, *outer, *code]
    wanted = limit + offset
    for i in range(len(RINGS_M)):
        params += [wanted] * (i + 1) + [limit, offset]
    params += [*key, *outer, *code, within, *[wanted] * len(RINGS_M), limit, offset]
    return params


def _search(
    lat: float, lng: float, radius_m: float, service: str | None, at: datetime, *, limit: int, offset: int
) -> tuple[list[_Candidate], int, int]:
    """One round trip: the active stations of the circle (their box on the index, the circle by
    the haversine term), nearest first from `offset`, at most `limit`, with what stations_read
    adds. Returns those inside the circle, nearest first, how many stations were read, and how
    many the circle holds (0 when nothing was read)."""
    params = _nearest_params(lat, lng, radius_m, service, limit=limit, offset=offset)
    # Often a request's only statement (the finder needs no sign-in): it is the connection's check.
    found = first_statement_checks(
        lambda: _stations_rows(_nearest_statement(service is not None), params, at, service, True)
    )
    inside = []
    for candidate in found:
        assert candidate.row is not None
        candidate.distance_m = haversine_m(lat, lng, candidate.row.lat, candidate.row.lng)
        if candidate.distance_m <= radius_m:
            inside.append(candidate)
    inside.sort(key=lambda c: (c.distance_m, c.id))
    return inside, len(found), found[0].seq if found else 0


def _is_open(candidate: _Candidate, at: datetime, shared: dict[tuple[int, bool, str], bool]) -> bool:
    """Whether the station is open at `at`; worked out once a search per schedule (stations share
    schedules, one object per schedule: _schedule_read) unless the station has exceptions."""
    if candidate.open_now is None:
        if candidate.exceptions:
            candidate.open_now = hours.is_open(
                at, candidate.intervals, candidate.exceptions, candidate.always_open, candidate.time_zone
            )
        else:
            key = (id(candidate.intervals), candidate.always_open, candidate.time_zone)
            if key not in shared:
                shared[key] = hours.is_open(at, candidate.intervals, (), candidate.always_open, candidate.time_zone)
            candidate.open_now = shared[key]
    return candidate.open_now


@dataclass
class NearestResult:
    """A page of the nearest search and how many stations match it."""

    items: list[NearestHive]
    count: int


def hives_search(
    *,
    lat: float,
    lng: float,
    radius_km: float | None = None,
    open_now: bool = False,
    service: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    at: datetime | None = None,
) -> NearestResult:
    """Active stations nearest to (lat, lng), nearest first: within `radius_km`, or without one
    the nearest `limit` within MAX_AUTO_RADIUS_KM. Longitudes are not wrapped at ±180°. `count`:
    how many stations match (in the circle, with the service, and open when `open_now`).

    One statement reads the nearest candidates of the circle on the indexed (lat, lng) columns,
    ordered by distance in the database, with their hours and services and the circle's count
    (a window); the exact great-circle distance orders them here. Asking for open stations reads
    twice as many; when the circle holds more, a second statement reads the rest, which both
    fills the page and counts the open ones: two round trips at most.
    """
    clamped = search_validate(lat=lat, lng=lng, radius_km=radius_km, service=service, limit=limit)
    at = at or timezone.now()
    radius_m = (radius_km if radius_km is not None else MAX_AUTO_RADIUS_KM) * 1000
    code = service or None
    first_read = max(FIRST_BATCH, 2 * clamped) if open_now else clamped + MARGIN
    candidates, read, total = _search(lat, lng, radius_m, code, at, limit=first_read, offset=0)
    if open_now:
        # Whether a station is open is the hours' rule, not SQL's: the count needs them all.
        if total > read:
            rest, _read, _total = _search(lat, lng, radius_m, code, at, limit=_ALL, offset=first_read)
            candidates = sorted([*candidates, *rest], key=lambda c: (c.distance_m, c.id))
        open_by_schedule: dict[tuple[int, bool, str], bool] = {}
        opened = [c for c in candidates if _is_open(c, at, open_by_schedule)]
        chosen, count = opened[:clamped], len(opened)
    else:
        chosen, count = candidates[:clamped], total
    result = []
    # Stations share schedules (one object per schedule, _schedule_read): each schedule's status
    # at `at` is worked out once a search; a station with exceptions has its own.
    statuses: dict[tuple[int, bool, str], hours.Status] = {}
    for candidate in chosen:
        if candidate.exceptions:
            status = hours.status(
                at, candidate.intervals, candidate.exceptions, candidate.always_open, candidate.time_zone
            )
        else:
            key = (id(candidate.intervals), candidate.always_open, candidate.time_zone)
            if key not in statuses:
                statuses[key] = hours.status(at, candidate.intervals, (), candidate.always_open, candidate.time_zone)
            status = statuses[key]
        assert candidate.row is not None
        result.append(
            NearestHive(
                hive=candidate.row,
                distance_m=candidate.distance_m,
                open_now=status.open_now,
                closes_at=status.closes_at,
                opens_at=status.opens_at,
                intervals=candidate.intervals,
            )
        )
    return NearestResult(result, count)


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
    """hives_search's stations without their count."""
    return hives_search(
        lat=lat, lng=lng, radius_km=radius_km, open_now=open_now, service=service, limit=limit, at=at
    ).items


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
