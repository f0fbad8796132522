"""Reads for the rewards mall: the gifts on offer (near me, affordable), a worker's vouchers, the
voucher a keeper may hand over, and per-gift and city figures.

Who may hand a voucher over is decided here, once (`pickup_stations`), on top of the stations'
own permission rule `hives.selectors.hives_managed_by`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import bounding_box, haversine_m, valid_lat_lng
from littlebee.hives.models import Hive
from littlebee.hives.selectors import hives_managed_by
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
    """How far the nearest place to pick the gift up is (gifts from gifts_on_sale)."""
    if gift.pickup == PickupRule.ANY_HIVE:
        return min(near.values(), default=None)
    distances = [near[s.hive_id] for s in getattr(gift, "active_stations", []) if s.hive_id in near]
    return min(distances, default=None)


def pickup_hive_ids(gift: Gift) -> list[int]:
    return [s.hive_id for s in getattr(gift, "active_stations", [])]


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
