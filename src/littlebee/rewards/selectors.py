"""Reads for the rewards mall: the gifts on offer (near me, affordable), a worker's vouchers, the
voucher a keeper may hand over, and per-gift and city figures.

Who may hand a voucher over is decided here, once (`pickup_stations`), on top of the stations'
own permission rule `hives.selectors.hives_managed_by`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, connections
from django.db.models import Case, Count, Field, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import bounding_box, haversine_m, valid_lat_lng
from littlebee.core.hot_cursor import hot_cursor
from littlebee.hives.models import Hive
from littlebee.hives.selectors import hives_managed_by
from littlebee.orgs.models import Organisation
from littlebee.points.models import PointsAccount
from littlebee.points.selectors import balance_of

from .codes import voucher_code_normalise
from .models import LIVE_STATUSES, Gift, GiftStation, PickupRule, Voucher, VoucherEvent, VoucherStatus

NEAR_RADIUS_KM = 5.0
MAX_NEAR_RADIUS_KM = 50.0


# --- Gifts ----------------------------------------------------------------------------------
def _on_sale_q(at: datetime) -> Q:
    return (
        Q(is_active=True)
        & (Q(active_from__isnull=True) | Q(active_from__lte=at))
        & (Q(active_until__isnull=True) | Q(active_until__gt=at))
    )


def _active_stations() -> Prefetch:
    """A gift's pickup stations that are open for business, with the station (one query for a page)."""
    return Prefetch(
        "stations",
        queryset=GiftStation.objects.filter(hive__is_active=True).select_related("hive").order_by("hive__name", "id"),
        to_attr="active_stations",
    )


def near_validate(lat: float, lng: float, radius_km: float | None) -> float:
    errors: list[FieldError] = []
    if not valid_lat_lng(lat, lng):
        errors.append(FieldError("lat", _("坐标无效：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。")))
    radius = NEAR_RADIUS_KM if radius_km is None else radius_km
    if not (math.isfinite(radius) and 0 < radius <= MAX_NEAR_RADIUS_KM):
        errors.append(FieldError("radius_km", _("搜索半径应大于 0 且不超过 50 公里。")))
    if errors:
        raise InvalidInput(errors)
    return radius


def stations_near(lat: float, lng: float, radius_km: float) -> dict[int, float]:
    """Active stations within the radius: {hive id: metres}. A box on the indexed (lat, lng)
    columns, then exact distance."""
    radius_m = radius_km * 1000
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    rows = Hive.objects.filter(
        is_active=True, lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng)
    ).values_list("pk", "lat", "lng")
    found = {}
    for pk, h_lat, h_lng in rows:
        distance = haversine_m(lat, lng, h_lat, h_lng)
        if distance <= radius_m:
            found[pk] = distance
    return found


def gifts_on_sale(*, at: datetime | None = None) -> QuerySet[Gift]:
    """Gifts on sale now, those still in stock first, cheapest first, with donor and stations."""
    at = at or timezone.now()
    return (
        Gift.objects.filter(_on_sale_q(at))
        .select_related("donor")
        .prefetch_related(_active_stations())
        .annotate(sold_out=Case(When(stock_available=0, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("sold_out", "points_cost", "id")
    )


def gifts_available(
    *,
    worker: User | None = None,
    affordable: bool = False,
    near: dict[int, float] | None = None,
    at: datetime | None = None,
) -> QuerySet[Gift]:
    """The mall. `affordable`: in stock and within the worker's balance. `near` (from
    stations_near): gifts that can be picked up at one of those stations — any-station gifts when
    there is any, listed ones when one of their stations is among them."""
    gifts = gifts_on_sale(at=at)
    if affordable:
        balance = balance_of(worker) if worker is not None else 0
        gifts = gifts.filter(points_cost__lte=balance, stock_available__gt=0)
    if near is not None:
        ids = list(near)
        listed_here = GiftStation.objects.filter(hive_id__in=ids).values("gift_id")
        near_q = Q(pickup=PickupRule.LISTED, pk__in=listed_here)
        if ids:
            near_q |= Q(pickup=PickupRule.ANY_HIVE)
        gifts = gifts.filter(near_q)
    return gifts


def nearest_pickup_m(gift: Gift, near: dict[int, float]) -> float | None:
    """How far the nearest place to pick the gift up is (gifts from gifts_on_sale or gift_page)."""
    if gift.pickup == PickupRule.ANY_HIVE:
        return min(near.values(), default=None)
    distances = [near[hive_id] for hive_id in pickup_hive_ids(gift) if hive_id in near]
    return min(distances, default=None)


def pickup_hive_ids(gift: Gift) -> list[int]:
    """The active pickup stations of a gift from gifts_on_sale (prefetched) or gift_page (ids)."""
    ids = getattr(gift, "active_hive_ids", None)
    if ids is not None:
        return list(ids)
    return [s.hive_id for s in getattr(gift, "active_stations", [])]


class GiftRow(NamedTuple):
    """A gift of the mall's list as GET /rewards answers it: the columns it shows, plain values."""

    id: int
    name: str
    name_en: str
    description: str
    description_en: str
    picture: str
    points_cost: int
    donor_id: int
    donor_name: str
    donor_note: str
    total_stock: int
    stock_available: int
    pickup: str
    per_worker_limit: int | None
    active_from: datetime | None
    active_until: datetime | None
    voucher_valid_days: int
    # A station-bound gift's active pickup stations, by the station's name; [] for any-station.
    station_ids: list[int]


# GiftRow's columns read from the gift row (donor_name and station_ids come from the join and the
# subquery), and those whose values need the ORM's converters (SQLite's text timestamps).
_GIFT_COLUMNS = [f for f in GiftRow._fields if f not in ("donor_name", "station_ids")]
_CONVERTED = ("active_from", "active_until")


@dataclass(frozen=True)
class GiftPage:
    count: int
    gifts: list[GiftRow]
    balance: int | None  # the signed-in worker's balance; None for an anonymous caller


# GET /rewards is a hot path: the page, its count, the caller's balance and each station-bound
# gift's active pickup stations are one statement of plain SQL (the filters of gifts_available, a
# window count, two subqueries), made once per shape and database, and its rows are answered as
# they come (GiftRow), as building the ORM's query, and then a model instance per gift and donor,
# cost more than running it; each further statement would cost a round trip to the database.
_PAGE_SQL: dict[tuple[Any, ...], tuple[str, str, str, list[tuple[int, list[Any], Any]]]] = {}


def _gift_field(name: str) -> Field[Any, Any]:
    field = Gift._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _page_sql(shape: tuple[Any, ...]) -> tuple[str, str, str, list[tuple[int, list[Any], Any]]]:
    """The page's statement for a shape (database, affordable, how many stations near or None,
    the balance read with the page), the count's FROM and WHERE, and the converters per column."""
    found = _PAGE_SQL.get(shape)
    if found is not None:
        return found
    using, affordable, near_size, with_balance = shape
    db = connections[using]
    q = db.ops.quote_name
    where = (
        f" WHERE g.{q('is_active')} = %s AND (g.{q('active_from')} IS NULL OR g.{q('active_from')} <= %s)"
        f" AND (g.{q('active_until')} IS NULL OR g.{q('active_until')} > %s)"
    )
    if affordable:
        where += f" AND g.{q('points_cost')} <= %s AND g.{q('stock_available')} > 0"
    if near_size is not None:
        marks = ", ".join(["%s"] * near_size)
        where += (
            f" AND (g.{q('pickup')} = %s OR (g.{q('pickup')} = %s AND g.{q('id')} IN"  # noqa: S608
            f" (SELECT {q('gift_id')} FROM {q(GiftStation._meta.db_table)} WHERE {q('hive_id')} IN ({marks}))))"
        )
    fields = [_gift_field(name) for name in _GIFT_COLUMNS]
    # The donor's name by its key, gift by gift (a subquery, not a join): joined, PostgreSQL
    # hashed every organisation of the city (511 in the bench city, more in a country) for a
    # page of gifts; by key the statement costs its backend a third less.
    tables = f" FROM {q(Gift._meta.db_table)} g"
    donor = (
        f"(SELECT d.{q('name')} FROM {q(Organisation._meta.db_table)} d"  # noqa: S608
        f" WHERE d.{q('id')} = g.{q('donor_id')}) AS donor_name"
    )
    balance = ""
    if with_balance:
        balance = (
            f", (SELECT a.{q('balance')} FROM {q(PointsAccount._meta.db_table)} a"  # noqa: S608
            f" WHERE a.{q('worker_id')} = %s) AS worker_balance"
        )
    # The row: GiftRow's fields in order (the donor's name after the gift's columns up to the
    # donor, the stations last), then the count (and the balance).
    donor_at = _GIFT_COLUMNS.index("donor_id") + 1
    head = ", ".join(f"g.{q(f.column)}" for f in fields[:donor_at])
    tail = ", ".join(f"g.{q(f.column)}" for f in fields[donor_at:])
    stations = _stations_column(q, db.vendor)
    sql = (
        f"SELECT {head}, {donor}, {tail}{stations}, COUNT(*) OVER () AS total_count{balance}"
        f"{tables}{where}"
        f" ORDER BY CASE WHEN g.{q('stock_available')} = 0 THEN 1 ELSE 0 END, g.{q('points_cost')}, g.{q('id')}"
        " LIMIT %s OFFSET %s"
    )
    converters = []
    for name in _CONVERTED:
        column = _gift_field(name).get_col(Gift._meta.db_table)
        own = db.ops.get_db_converters(column) + column.get_db_converters(db)
        if own:
            converters.append((GiftRow._fields.index(name), own, column))
    found = (sql, tables, where, converters)
    if len(_PAGE_SQL) >= 256:  # one shape per number of stations near: bounded
        _PAGE_SQL.clear()
    _PAGE_SQL[shape] = found
    return found


def gift_page(
    *,
    worker: User | None,
    affordable: bool = False,
    near: dict[int, float] | None = None,
    limit: int,
    offset: int,
    at: datetime | None = None,
) -> GiftPage:
    """A page of the mall as gifts_available orders and filters it, its count, and the balance."""
    at = at or timezone.now()
    signed_in = worker is not None and worker.is_authenticated
    # Asked before the page only when the page depends on it; otherwise read with the page.
    balance = balance_of(worker) if signed_in and affordable and worker is not None else None
    if near is not None and not near:
        return GiftPage(count=0, gifts=[], balance=balance)
    with_balance = signed_in and balance is None and worker is not None
    sql, tables, where, converters = _page_sql(
        (connection.alias, affordable, None if near is None else len(near), with_balance)
    )
    moment = connection.ops.adapt_datetimefield_value(at)
    params: list[Any] = [True, moment, moment]
    if affordable:
        params.append(balance or 0)
    if near is not None:
        params += [PickupRule.ANY_HIVE, PickupRule.LISTED, *near]
    extra_params: list[Any] = [PickupRule.LISTED, True]
    if with_balance:
        assert worker is not None
        extra_params.append(worker.pk)
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, [*extra_params, *params, limit, offset])
        rows = cursor.fetchall()
    width = len(GiftRow._fields)
    gifts = []
    for row in rows:
        values = list(row[:width])
        for i, own, column in converters:
            for convert in own:
                values[i] = convert(values[i], column, connection)
        values[-1] = _station_ids(values[-1])
        gifts.append(GiftRow(*values))
    if rows:
        count = int(rows[0][width])
    elif offset == 0:
        count = 0
    else:  # a page past the end: its window counted nothing
        with hot_cursor(connection) as cursor:
            cursor.execute(f"SELECT COUNT(*){tables}{where}", params)
            count = int(cursor.fetchone()[0])
    if with_balance:
        assert worker is not None
        # Read with the page; a page with no gifts read nothing, so it is asked on its own.
        balance = int(rows[0][width + 1] or 0) if rows else balance_of(worker)
    return GiftPage(count=count, gifts=gifts, balance=balance)


def _stations_column(q: Any, vendor: str) -> str:
    """A column of gift_page's statement: a station-bound gift's active pickup stations, by the
    station's name (an array on PostgreSQL, a JSON list on SQLite); NULL for any-station gifts."""
    gift_station, hive = q(GiftStation._meta.db_table), q(Hive._meta.db_table)
    rows = (
        f"SELECT s.{q('hive_id')} AS hive_id FROM {gift_station} s JOIN {hive} h ON h.{q('id')} = s.{q('hive_id')}"  # noqa: S608
        f" WHERE s.{q('gift_id')} = g.{q('id')} AND h.{q('is_active')} = %s ORDER BY h.{q('name')}, s.{q('id')}"
    )
    listed = f"g.{q('pickup')} = %s"
    if vendor == "postgresql":
        return f", CASE WHEN {listed} THEN ARRAY({rows}) END AS station_ids"
    return f", CASE WHEN {listed} THEN (SELECT json_group_array(hive_id) FROM ({rows})) END AS station_ids"  # noqa: S608


def _station_ids(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, str):  # SQLite's JSON list
        return [int(v) for v in json.loads(value)]
    return [int(v) for v in value]


def gift_on_sale(gift_id: int, *, at: datetime | None = None) -> Gift:
    """One gift of the mall, or NotFound."""
    gift = gifts_on_sale(at=at).filter(pk=gift_id).first()
    if gift is None:
        raise NotFound()
    return gift


def vouchers_held(worker: User, gift: Gift) -> int:
    """The worker's live (reserved or fulfilled) vouchers of the gift: what its limit counts."""
    if not worker.is_authenticated:
        return 0
    return Voucher.objects.filter(worker=worker, gift=gift, status__in=LIVE_STATUSES).count()


# --- Vouchers -------------------------------------------------------------------------------
VOUCHER_RELATED = ("gift", "gift__donor", "hive", "fulfilled_hive")


def vouchers_of(worker: User) -> QuerySet[Voucher]:
    """The worker's vouchers, newest first, with what a row shows."""
    if not worker.is_authenticated:
        return Voucher.objects.none()
    return Voucher.objects.filter(worker=worker).select_related(*VOUCHER_RELATED).order_by("-created_at", "-id")


def voucher_of(worker: User, code: str) -> Voucher:
    """One of the worker's vouchers by its (normalised) code; NotFound for anyone else's."""
    normalised = voucher_code_normalise(code)
    voucher = vouchers_of(worker).filter(code=normalised).first() if normalised else None
    if voucher is None:
        raise NotFound()
    return voucher


def voucher_timeline(voucher: Voucher) -> QuerySet[VoucherEvent]:
    return voucher.events.select_related("actor", "hive").order_by("at", "id")


@dataclass(frozen=True)
class KeeperVoucher:
    """A voucher as the pickup counter sees it, with the stations this keeper may hand it over at."""

    voucher: Voucher
    stations: list[Hive]

    @property
    def default_station(self) -> Hive | None:
        """The voucher's own station if the keeper runs it, else the keeper's only station."""
        for hive in self.stations:
            if hive.pk == self.voucher.hive_id:
                return hive
        return self.stations[0] if len(self.stations) == 1 else None


def pickup_stations(voucher: Voucher, keeper: User) -> list[Hive]:
    """Where this keeper may hand the voucher's gift over: for a gift bound to listed stations,
    only the voucher's station (if the keeper manages it); for an any-station gift, every active
    station the keeper manages. Empty: the voucher is none of the keeper's business."""
    managed = hives_managed_by(keeper).filter(is_active=True)
    if voucher.gift.pickup == PickupRule.LISTED:
        if voucher.hive_id is None:
            return []
        return list(managed.filter(pk=voucher.hive_id))
    return list(managed.order_by("name", "id"))


def pickup_counter_hives(keeper: User) -> QuerySet[Hive]:
    """The stations whose hand-overs the pickup counter lists: those the keeper manages (the
    stations' rule, hives_managed_by); NotFound (404) for someone who manages none."""
    managed = hives_managed_by(keeper)
    if not managed.exists():
        raise NotFound(_("只有驿站站长可以发放礼品。"))
    return managed


def voucher_for_keeper(code: str, keeper: User) -> KeeperVoucher:
    """The voucher behind a code, if this keeper may hand it over; NotFound otherwise (a code of
    another station's gift is as unknown as a made-up one)."""
    normalised = voucher_code_normalise(code)
    voucher = (
        Voucher.objects.filter(code=normalised).select_related(*VOUCHER_RELATED, "worker").first()
        if normalised and keeper.is_authenticated
        else None
    )
    if voucher is None:
        raise NotFound(_("找不到这张兑换券，或它不在你管理的驿站领取。"))
    stations = pickup_stations(voucher, keeper)
    if not stations:
        raise NotFound(_("找不到这张兑换券，或它不在你管理的驿站领取。"))
    return KeeperVoucher(voucher=voucher, stations=stations)


def vouchers_handed_over_at(hives: QuerySet[Hive], *, limit: int = 10) -> list[Voucher]:
    """Recent hand-overs at these stations, newest first (the pickup screen's list)."""
    return list(
        Voucher.objects.filter(status=VoucherStatus.FULFILLED, fulfilled_hive__in=hives)
        .select_related("gift", "worker", "fulfilled_hive")
        .order_by("-fulfilled_at", "-id")[:limit]
    )


# --- Figures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VoucherFigures:
    redeemed: int = 0  # every voucher issued
    reserved: int = 0  # waiting at a station
    fulfilled: int = 0
    cancelled: int = 0
    expired: int = 0
    points: int = 0  # points spent on vouchers that were not refunded


def _figures(vouchers: QuerySet[Voucher]) -> dict[str, int]:
    counts: dict[str, object] = {status: Count("id", filter=Q(status=status)) for status in VoucherStatus.values}
    return vouchers.aggregate(
        redeemed=Count("id"),
        points=Sum("points", filter=Q(status__in=LIVE_STATUSES)),
        **counts,
    )


def gift_figures(gift_ids: list[int] | None = None) -> dict[int, VoucherFigures]:
    """Per gift: vouchers redeemed, waiting, fulfilled, cancelled, expired; one grouped query."""
    vouchers = Voucher.objects.all()
    if gift_ids is not None:
        vouchers = vouchers.filter(gift_id__in=gift_ids)
    rows = (
        vouchers.values("gift_id")
        .annotate(
            redeemed=Count("id"),
            points=Sum("points", filter=Q(status__in=LIVE_STATUSES)),
            **{status: Count("id", filter=Q(status=status)) for status in VoucherStatus.values},
        )
        .order_by()
    )
    return {row.pop("gift_id"): VoucherFigures(**{k: int(v or 0) for k, v in row.items()}) for row in rows}


def city_figures(*, since: datetime | None = None) -> VoucherFigures:
    """The whole city's vouchers (since a date, if given), in one query."""
    vouchers = Voucher.objects.all()
    if since is not None:
        vouchers = vouchers.filter(created_at__gte=since)
    row = _figures(vouchers)
    return VoucherFigures(**{k: int(v or 0) for k, v in row.items()})
