"""Reads for the station finder pages and the map: stations in a map box, and search by words.

Nearest-first search lives in selectors.hives_nearest; this module adds what a map and a search
box need and turns both into the one row the finder list shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import FieldError, InvalidInput
from littlebee.core.geo import haversine_m, valid_lat_lng

from .. import hours
from ..models import Hive, Service
from .stations import SERVICE_UNKNOWN, STATION_COLUMNS, NearestHive, stations_read

# A map box answers at most this many stations; a wider view is clustered from a sample and
# tells the client to zoom in.
MAP_CAP = 3000
# A box wider than this (degrees) is refused: a whole-country view is not a station map.
MAP_MAX_SPAN = 20.0
SEARCH_LIMIT = 50
SEARCH_MIN_CHARS = 1
SEARCH_MAX_CHARS = 50


@dataclass(frozen=True)
class MapPoint:
    id: int
    name: str
    lat: float
    lng: float
    open_now: bool
    demonstration: bool


@dataclass
class FinderItem:
    """One row of the finder list, whichever search produced it."""

    id: int
    name: str
    address: str
    demonstration: bool
    contact_phone: str
    distance_m: float | None
    open_now: bool
    closes_at: datetime | None
    opens_at: datetime | None
    always_open: bool
    services: list[tuple[str, str]] = field(default_factory=list)  # (code, name)


def finder_items_from_nearest(rows: list[NearestHive]) -> list[FinderItem]:
    return [
        FinderItem(
            id=row.hive.id,
            name=row.hive.name,
            address=row.hive.address,
            demonstration=row.hive.demonstration,
            contact_phone=row.hive.contact_phone,
            distance_m=row.distance_m,
            open_now=row.open_now,
            closes_at=row.closes_at,
            opens_at=row.opens_at,
            always_open=row.hive.always_open,
            services=[(s.code, s.name) for s in row.hive.services],
        )
        for row in rows
    ]


def services_catalogue() -> list[Service]:
    return list(Service.objects.order_by("order", "code"))


def _service_or_error(code: str | None, errors: list[FieldError]) -> None:
    """With other bad fields, an unknown service is listed too; otherwise the search statement
    itself finds out (stations_read)."""
    if code and not Service.objects.filter(code=code).exists():
        errors.append(SERVICE_UNKNOWN)


def _candidates_sql(hives: QuerySet[Hive]) -> tuple[str, list[Any]]:
    """The candidates' SQL for stations_read: the queryset's stations with STATION_COLUMNS (its
    `seq` annotation last), compiled by the ORM once per search."""
    sql, params = hives.values_list(*STATION_COLUMNS).query.sql_with_params()
    return sql, list(params)


def hives_in_box(
    *,
    south: float,
    west: float,
    north: float,
    east: float,
    open_now: bool = False,
    service: str | None = None,
    at: datetime | None = None,
) -> tuple[list[MapPoint], bool]:
    """Active stations inside the box (indexed lat, lng), at most MAP_CAP of them, and whether
    more were left out. One round trip whatever the number of stations."""
    errors: list[FieldError] = []
    values = (south, west, north, east)
    if not all(math.isfinite(v) for v in values) or not (
        valid_lat_lng(south, west) and valid_lat_lng(north, east) and south <= north and west <= east
    ):
        # A box of no size (a map not laid out yet asks for one) is a box, holding what lies on it.
        errors.append(FieldError("south", _("地图范围无效：应满足 south ≤ north、west ≤ east，且坐标在有效范围内。")))
    elif north - south > MAP_MAX_SPAN or east - west > MAP_MAX_SPAN:
        errors.append(FieldError("south", _("地图范围太大，请放大地图后再试。")))
    if errors:
        _service_or_error(service, errors)
        raise InvalidInput(errors)
    at = at or timezone.now()
    hives = Hive.objects.filter(is_active=True, lat__range=(south, north), lng__range=(west, east))
    if service:
        hives = hives.filter(services__code=service)
    hives = hives.annotate(seq=F("id")).order_by("id")[: MAP_CAP + 1]
    sql, params = _candidates_sql(hives)
    chosen = stations_read(sql, params, at=at, service=service or None, with_services=False)
    truncated = len(chosen) > MAP_CAP
    points = []
    for candidate in chosen[:MAP_CAP]:
        row = candidate.row
        assert row is not None
        is_open = hours.is_open(at, candidate.intervals, candidate.exceptions, row.always_open, candidate.time_zone)
        if open_now and not is_open:
            continue
        points.append(MapPoint(row.id, row.name, row.lat, row.lng, is_open, row.demonstration))
    return points, truncated


def hives_matching(
    *,
    words: str,
    lat: float | None = None,
    lng: float | None = None,
    open_now: bool = False,
    service: str | None = None,
    at: datetime | None = None,
) -> list[FinderItem]:
    """hives_matching_all's first SEARCH_LIMIT stations."""
    found = hives_matching_all(words=words, lat=lat, lng=lng, open_now=open_now, service=service, at=at)
    return found[:SEARCH_LIMIT]


def hives_matching_all(
    *,
    words: str,
    lat: float | None = None,
    lng: float | None = None,
    open_now: bool = False,
    service: str | None = None,
    at: datetime | None = None,
) -> list[FinderItem]:
    """Active stations whose name, address or community contains the words (all of them), nearest
    first when a position is known, by name otherwise; all of them (the first 500 by name at
    most): the finder shows SEARCH_LIMIT and says how many match. One round trip."""
    errors: list[FieldError] = []
    words = " ".join(words.split())
    if not (SEARCH_MIN_CHARS <= len(words) <= SEARCH_MAX_CHARS):
        errors.append(FieldError("q", _("搜索词应为 1 到 50 个字。")))
    if lat is not None and lng is not None and not valid_lat_lng(lat, lng):
        errors.append(FieldError("lat", _("坐标无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。")))
    if errors:
        _service_or_error(service, errors)
        raise InvalidInput(errors)
    at = at or timezone.now()
    hives = Hive.objects.filter(is_active=True)
    for word in words.split(" "):
        hives = hives.filter(Q(name__icontains=word) | Q(address__icontains=word) | Q(community__name__icontains=word))
    if service:
        hives = hives.filter(services__code=service)
    # Search words narrow the set well below a city's stations; the cap keeps a one-letter search
    # cheap. The database orders by name (its collation), `seq` carries that order through.
    by_name = Window(RowNumber(), order_by=[F("name").asc(), F("id").asc()])
    hives = hives.annotate(seq=by_name).order_by("name", "id")[:500]
    sql, params = _candidates_sql(hives)
    candidates = stations_read(sql, params, at=at, service=service or None)
    items = []
    for candidate in candidates:
        row = candidate.row
        assert row is not None
        status = hours.status(at, candidate.intervals, candidate.exceptions, row.always_open, candidate.time_zone)
        if open_now and not status.open_now:
            continue
        distance = haversine_m(lat, lng, row.lat, row.lng) if lat is not None and lng is not None else None
        items.append(
            FinderItem(
                id=row.id,
                name=row.name,
                address=row.address,
                demonstration=row.demonstration,
                contact_phone=row.contact_phone,
                distance_m=distance,
                open_now=status.open_now,
                closes_at=status.closes_at,
                opens_at=status.opens_at,
                always_open=row.always_open,
                services=[(s.code, s.name) for s in row.services],
            )
        )
    if lat is not None and lng is not None:
        items.sort(key=lambda item: (item.distance_m or 0.0, item.id))
    return items
