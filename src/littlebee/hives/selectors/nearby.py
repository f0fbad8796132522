"""The nearest search (GET /api/v1/hives) from the stations kept in memory.

A city has hundreds of stations and a country tens of thousands, edited a few times a day and
searched many times a second. The SQL search (stations.hives_search) costs a request ~0.6 ms of
Python and ~0.75 ms of PostgreSQL; this one reads one row, the stations' version
(hives.station_version, changed by triggers on every table the answer reads), and answers from
a grid of the active stations with their hours, exceptions, services and managing units kept
in this process. Whether a station is open is worked out at request time from its kept hours,
as the SQL search does from the ones it reads.

When the version read differs from the one the kept stations were read under, they are read
again (five plain reads) by one thread while the others wait for it. The version is read before
the stations: what is kept is at least as new as its label, and any later change has another
version, so a request never answers from stations older than what its own read saw.

Same answers as hives_search, field for field and in the same order (tests/test_nearby_index.py
compares the two over generated cities and searches); the SQL search stays for the station pages.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from littlebee.core.connection_check import first_statement_checks
from littlebee.core.errors import InvalidInput
from littlebee.core.geo import EARTH_RADIUS_M, bounding_box
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.texts import in_language, is_english

from .. import hours, station_version
from ..models import Hive, OpeningException, OpeningInterval, Service
from .stations import (
    DEFAULT_LIMIT,
    MAX_AUTO_RADIUS_KM,
    SERVICE_UNKNOWN,
    HiveRow,
    NearestHive,
    NearestResult,
    ServiceRef,
    _inner_box,
    _ring_box,
    search_validate,
)

# A grid cell's side in degrees (about 2.2 km north-south): the nearest 25 of a city's centre lie
# within a few cells. Blocks of BLOCK x BLOCK cells carry counts, so that a search's count adds
# up whole blocks inside its circle instead of looking at every station.
CELL_DEG = 0.02
BLOCK = 12
# Degrees kept between a proof's box and a cell's edge: far above the rounding of lat / CELL_DEG.
_EDGE = 1e-9
Box = tuple[float, float, float, float]  # south, north, west, east


@dataclass(slots=True, eq=False)
class _Station:
    id: int
    lat: float
    lng: float
    name: str
    address: str
    demonstration: bool
    contact_phone: str
    always_open: bool
    managing_unit_id: int
    managing_unit_name: str
    time_zone: str
    # One tuple per schedule, shared by the stations that have it (the answer writes each once).
    intervals: tuple[hours.WeeklyInterval, ...]
    # Every exception, by date, and their dates (a request takes the ones around its day).
    exceptions: tuple[hours.DatedException, ...]
    exception_dates: tuple[Any, ...]
    # Service ids in the catalogue's order; one tuple per set of services, shared.
    services: tuple[int, ...]
    service_set: frozenset[int]
    # The same hours as plain values for hours.status_plain (the schedule's tuple shared too).
    plain_intervals: tuple[hours.PlainInterval, ...]
    plain_exceptions: tuple[hours.PlainException, ...]
    # math.radians(lat) and its cosine, as haversine_m computes them; the time zone's object.
    phi: float = 0.0
    cos_phi: float = 0.0
    zone: ZoneInfo | None = None

    def __post_init__(self) -> None:
        self.phi = math.radians(self.lat)
        self.cos_phi = math.cos(self.phi)
        self.zone = hours.zone(self.time_zone)


@dataclass(slots=True, eq=False)
class _Block:
    stations: list[_Station] = field(default_factory=list)
    by_service: Counter[int] = field(default_factory=Counter)
    # The extent of its stations, not of the block: a block inside a circle is found so more often.
    extent: Box = (90.0, -90.0, 180.0, -180.0)


class StationIndex:
    """The active stations of one version of the database, on a grid."""

    def __init__(self, version: int | None, stations: list[_Station], catalogue: list[tuple[Any, ...]]) -> None:
        self.version = version
        self.count = len(stations)
        # The catalogue in its order (order, code): (id, code, name, name_en, is_base).
        self.catalogue = catalogue
        self.service_ids = {code: pk for pk, code, *_rest in catalogue}
        self.by_service: Counter[int] = Counter()
        self.cells: dict[tuple[int, int], list[_Station]] = {}
        self.blocks: dict[tuple[int, int], _Block] = {}
        for station in stations:
            i, j = _cell(station.lat), _cell(station.lng)
            self.cells.setdefault((i, j), []).append(station)
            block = self.blocks.setdefault((i // BLOCK, j // BLOCK), _Block())
            block.stations.append(station)
            block.by_service.update(station.service_set)
            self.by_service.update(station.service_set)
            s, n, w, e = block.extent
            block.extent = (min(s, station.lat), max(n, station.lat), min(w, station.lng), max(e, station.lng))
        self.block_list = list(self.blocks.values())
        if stations:
            self.extent: Box = (
                min(s.lat for s in stations),
                max(s.lat for s in stations),
                min(s.lng for s in stations),
                max(s.lng for s in stations),
            )
            self.cell_range = (
                _cell(self.extent[0]),
                _cell(self.extent[1]),
                _cell(self.extent[2]),
                _cell(self.extent[3]),
            )
        # Per language (English or not): each service set's references and each station's row.
        self._refs: dict[bool, dict[tuple[int, ...], list[ServiceRef]]] = {False: {}, True: {}}
        self._rows: dict[bool, dict[int, HiveRow]] = {False: {}, True: {}}

    def row(self, station: _Station, english: bool) -> HiveRow:
        """What the answer shows of the station, made once per language and kept (read-only)."""
        rows = self._rows[english]
        row = rows.get(station.id)
        if row is None:
            refs = self._refs[english]
            services = refs.get(station.services)
            if services is None:
                named = {pk: (code, name, name_en, is_base) for pk, code, name, name_en, is_base in self.catalogue}
                language = "en" if english else "zh-hans"
                services = refs[station.services] = [
                    ServiceRef(named[pk][0], in_language(named[pk][1], named[pk][2], language), bool(named[pk][3]))
                    for pk in station.services
                ]
            row = rows[station.id] = HiveRow(
                station.id,
                station.name,
                station.address,
                station.lat,
                station.lng,
                station.demonstration,
                station.contact_phone,
                station.always_open,
                station.managing_unit_id,
                station.managing_unit_name,
                services,
            )
        return row


def _cell(degrees: float) -> int:
    return math.floor(degrees / CELL_DEG)


def _inside(extent: Box, box: Box) -> bool:
    return box[0] <= extent[0] and extent[1] <= box[1] and box[2] <= extent[2] and extent[3] <= box[3]


def _apart(extent: Box, box: Box) -> bool:
    return extent[1] < box[0] or extent[0] > box[1] or extent[3] < box[2] or extent[2] > box[3]


# --- The kept index and its version ----------------------------------------------------------
_kept: StationIndex | None = None
_building = threading.Lock()


def _version_read() -> int | None:
    with hot_cursor(connection) as cursor:
        return station_version.read(cursor)


def station_index() -> StationIndex:
    """The stations as of the version this request's connection sees: the kept ones when they are
    of that version, else read again (and kept, unless the version row is missing)."""
    global _kept
    # Often a request's only statement: it stands in for the connection's health check.
    version = first_statement_checks(_version_read)
    index = _kept
    if index is not None and version is not None and index.version == version:
        return index
    with _building:
        index = _kept
        if index is not None and version is not None and index.version == version:
            return index  # another thread read it meanwhile
        index = _index_read(version)
        if version is not None:
            _kept = index
        return index


def _index_read(version: int | None) -> StationIndex:
    """The active stations with what the search answers of them (read after the version)."""
    catalogue = [
        (pk, code, name, name_en, is_base)
        for pk, code, name, name_en, is_base in Service.objects.order_by("order", "code").values_list(
            "id", "code", "name", "name_en", "is_base"
        )
    ]
    rank = {row[0]: i for i, row in enumerate(catalogue)}
    active = Hive.objects.filter(is_active=True)
    schedules: dict[int, list[tuple[int, Any, Any]]] = {}
    for hive_id, weekday, opens, closes in OpeningInterval.objects.filter(hive__is_active=True).values_list(
        "hive_id", "weekday", "opens", "closes"
    ):
        schedules.setdefault(hive_id, []).append((weekday, opens, closes))
    exceptions: dict[int, list[hours.DatedException]] = {}
    for hive_id, on, closed, special_opens, special_closes in (
        OpeningException.objects.filter(hive__is_active=True)
        .order_by("date")
        .values_list("hive_id", "date", "closed", "opens", "closes")
    ):
        exceptions.setdefault(hive_id, []).append(hours.DatedException(on, bool(closed), special_opens, special_closes))
    linked: dict[int, list[int]] = {}
    for hive_id, service_id in Hive.services.through.objects.filter(hive__is_active=True).values_list(
        "hive_id", "service_id"
    ):
        linked.setdefault(hive_id, []).append(service_id)
    shared_schedules: dict[tuple[tuple[int, Any, Any], ...], tuple[hours.WeeklyInterval, ...]] = {(): ()}
    shared_services: dict[tuple[int, ...], tuple[int, ...]] = {(): ()}
    shared_plain: dict[tuple[hours.PlainInterval, ...], tuple[hours.PlainInterval, ...]] = {}
    stations = []
    for row in active.values_list(
        "id",
        "lat",
        "lng",
        "name",
        "address",
        "demonstration",
        "contact_phone",
        "always_open",
        "managing_unit_id",
        "managing_unit__name",
        "time_zone",
    ):
        pk = row[0]
        plain = tuple(sorted(schedules.get(pk, ())))
        plain = shared_plain.setdefault(plain, plain)
        intervals = shared_schedules.get(plain)
        if intervals is None:
            intervals = shared_schedules[plain] = tuple(hours.WeeklyInterval(*i) for i in plain)
        ordered = tuple(sorted(linked.get(pk, ()), key=rank.__getitem__))
        services = shared_services.setdefault(ordered, ordered)
        dated = tuple(exceptions.get(pk, ()))
        stations.append(
            _Station(
                pk,
                row[1],
                row[2],
                row[3],
                row[4],
                bool(row[5]),
                row[6],
                bool(row[7]),
                row[8],
                row[9],
                row[10],
                intervals,
                dated,
                tuple(e.date for e in dated),
                services,
                frozenset(services),
                plain,
                tuple((e.date, e.closed, e.opens, e.closes) for e in dated),
            )
        )
    return StationIndex(version, stations, catalogue)


# --- The search --------------------------------------------------------------------------------
def hives_search_kept(
    *,
    lat: float,
    lng: float,
    radius_km: float | None = None,
    open_now: bool = False,
    service: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    at: datetime | None = None,
) -> NearestResult:
    """stations.hives_search's answer (same arguments, same stations, order, count and errors)
    from the kept stations: see the module's docstring."""
    clamped = search_validate(lat=lat, lng=lng, radius_km=radius_km, service=service, limit=limit)
    at = at or timezone.now()
    radius_m = (radius_km if radius_km is not None else MAX_AUTO_RADIUS_KM) * 1000
    index = station_index()
    service_id: int | None = None
    if service:
        service_id = index.service_ids.get(service)
        if service_id is None:
            raise InvalidInput([SERVICE_UNKNOWN])
    search = _Search(index, lat, lng, radius_m, service_id)
    day = at.date()
    # The exceptions the SQL search reads: two days either side of its week.
    window = (day - timedelta(days=2), day + timedelta(days=hours.LOOKAHEAD_DAYS + 2))
    if open_now:
        shared: dict[tuple[int, bool, str], bool] = {}
        opened = [
            (distance, station) for distance, station in search.all_inside() if _open(station, at, window, shared)
        ]
        chosen, count = opened[:clamped], len(opened)
    else:
        chosen, count = search.nearest(clamped), search.count()
    english = is_english(get_language())
    statuses: dict[tuple[int, bool, str], hours.Status] = {}
    items = []
    for distance, station in chosen:
        assert station.zone is not None
        if station.exceptions and _exceptions(station, window):
            status = hours.status_plain(
                at, station.plain_intervals, _plain_exceptions(station, window), station.always_open, station.zone
            )
        else:
            key = (id(station.intervals), station.always_open, station.time_zone)
            found_status = statuses.get(key)
            if found_status is None:
                found_status = statuses[key] = hours.status_plain(
                    at, station.plain_intervals, (), station.always_open, station.zone
                )
            status = found_status
        items.append(
            NearestHive(
                hive=index.row(station, english),
                distance_m=distance,
                open_now=status.open_now,
                closes_at=status.closes_at,
                opens_at=status.opens_at,
                intervals=station.intervals,
            )
        )
    return NearestResult(items, count)


def _exceptions(station: _Station, window: tuple[Any, Any]) -> tuple[hours.DatedException, ...]:
    if not station.exceptions:
        return ()
    dates = station.exception_dates
    return station.exceptions[bisect.bisect_left(dates, window[0]) : bisect.bisect_right(dates, window[1])]


def _plain_exceptions(station: _Station, window: tuple[Any, Any]) -> tuple[hours.PlainException, ...]:
    dates = station.exception_dates
    return station.plain_exceptions[bisect.bisect_left(dates, window[0]) : bisect.bisect_right(dates, window[1])]


def _open(station: _Station, at: datetime, window: tuple[Any, Any], shared: dict[tuple[int, bool, str], bool]) -> bool:
    """Whether the station is open at `at`: once a search per schedule unless it has exceptions."""
    dated = _exceptions(station, window)
    if dated:
        return hours.is_open(at, station.intervals, dated, station.always_open, station.time_zone)
    key = (id(station.intervals), station.always_open, station.time_zone)
    found = shared.get(key)
    if found is None:
        found = shared[key] = hours.is_open(at, station.intervals, (), station.always_open, station.time_zone)
    return found


def _nearest_first(pair: tuple[float, _Station]) -> tuple[float, int]:
    return pair[0], pair[1].id


class _Search:
    """One search's circle over an index: the active stations (with the service) inside the
    search's box (bounding_box, as the SQL search's) and within `radius_m` by haversine_m."""

    def __init__(self, index: StationIndex, lat: float, lng: float, radius_m: float, service_id: int | None) -> None:
        self.index, self.lat, self.lng, self.radius_m, self.service_id = index, lat, lng, radius_m, service_id
        self.p1 = math.radians(lat)
        self.cos_p1 = math.cos(self.p1)
        self.box: Box = bounding_box(lat, lng, radius_m)
        # Every point of it is within the circle (stations._inner_box's proof), inside the box too.
        inner = _inner_box(lat, lng, math.sin(radius_m / (2 * EARTH_RADIUS_M)) ** 2) if radius_m >= 100 else None
        self.inner: Box | None = (
            None
            if inner is None
            else (
                max(inner[0], self.box[0]),
                min(inner[1], self.box[1]),
                max(inner[2], self.box[2]),
                min(inner[3], self.box[3]),
            )
        )

    def _matching(self, stations: list[_Station], into: list[tuple[float, _Station]]) -> None:
        """Append the stations that match, with their distances, to `into`. The distance is
        core.geo.haversine_m's, computed as it does, operation for operation (the same float),
        with the station's radians and cosine made once and kept: this loop is the search."""
        south, north, west, east = self.box
        service_id, radius_m, lng, p1, cos_p1 = self.service_id, self.radius_m, self.lng, self.p1, self.cos_p1
        sin, asin, sqrt, radians, diameter = math.sin, math.asin, math.sqrt, math.radians, 2 * EARTH_RADIUS_M
        for station in stations:
            if not (south <= station.lat <= north and west <= station.lng <= east):
                continue
            if service_id is not None and service_id not in station.service_set:
                continue
            a = sin((station.phi - p1) / 2) ** 2 + cos_p1 * station.cos_phi * sin(radians(station.lng - lng) / 2) ** 2
            distance = diameter * asin(sqrt(a))
            if distance <= radius_m:
                into.append((distance, station))

    def count(self) -> int:
        """How many stations match: whole blocks inside the circle counted by their numbers."""
        index, inner, service_id = self.index, self.inner, self.service_id
        if not index.count:
            return 0
        if inner is not None and _inside(index.extent, inner):
            return index.count if service_id is None else index.by_service[service_id]
        total = 0
        for block in index.block_list:
            if _apart(block.extent, self.box):
                continue
            if inner is not None and _inside(block.extent, inner):
                total += len(block.stations) if service_id is None else block.by_service[service_id]
                continue
            matching: list[tuple[float, _Station]] = []
            self._matching(block.stations, matching)
            total += len(matching)
        return total

    def all_inside(self) -> list[tuple[float, _Station]]:
        """Every matching station with its distance, nearest first (then by id)."""
        found: list[tuple[float, _Station]] = []
        for block in self.index.block_list:
            if not _apart(block.extent, self.box):
                self._matching(block.stations, found)
        found.sort(key=_nearest_first)
        return found

    def nearest(self, limit: int) -> list[tuple[float, _Station]]:
        """The `limit` nearest matching stations, nearest first (then by id): the grid's cells
        looked at ring by ring around the search's point, until the box holding every point as
        near as the limit-th station found (stations._ring_box) lies within the rings looked at,
        or they cover the stations' and the box's cells."""
        index = self.index
        if not index.count:
            return []
        lo_i, hi_i, lo_j, hi_j = index.cell_range
        lo_i, hi_i = max(lo_i, _cell(self.box[0])), min(hi_i, _cell(self.box[1]))
        lo_j, hi_j = max(lo_j, _cell(self.box[2])), min(hi_j, _cell(self.box[3]))
        if lo_i > hi_i or lo_j > hi_j:
            return []
        ci, cj = _cell(self.lat), _cell(self.lng)
        cells = index.cells
        found: list[tuple[float, _Station]] = []
        matching = self._matching
        ring = 0
        while True:
            for i in range(max(ci - ring, lo_i), min(ci + ring, hi_i) + 1):
                edge = i in (ci - ring, ci + ring)
                columns = range(max(cj - ring, lo_j), min(cj + ring, hi_j) + 1) if edge else (cj - ring, cj + ring)
                for j in columns:
                    if not (lo_j <= j <= hi_j):
                        continue
                    cell = cells.get((i, j))
                    if cell is not None:
                        matching(cell, found)
            if ci - ring <= lo_i and ci + ring >= hi_i and cj - ring <= lo_j and cj + ring >= hi_j:
                break  # every cell that may hold a match has been looked at
            if len(found) >= limit:
                kth = sorted([pair[0] for pair in found])[limit - 1]
                south, north, west, east = _ring_box(self.lat, self.lng, kth)
                if (
                    south > (ci - ring) * CELL_DEG + _EDGE
                    and north < (ci + ring + 1) * CELL_DEG - _EDGE
                    and west > (cj - ring) * CELL_DEG + _EDGE
                    and east < (cj + ring + 1) * CELL_DEG - _EDGE
                ):
                    break  # no station outside the rings is as near as the limit-th
            ring += 1
        found.sort(key=_nearest_first)
        return found[:limit]
