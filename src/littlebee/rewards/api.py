"""The rewards half of API.md's "Points and rewards": the mall, redemptions and vouchers.

GET  /rewards                      the mall (filters: lat+lng[+radius_km] near me, affordable)
GET  /rewards/{id}                 one gift with its pickup stations
POST /rewards/{id}/redemptions     {"hive": id?} → 201 {"voucher_code", "status": "reserved", "expires_at", …}
GET  /me/vouchers                  the caller's vouchers
GET  /vouchers/{code}              the owner's voucher, or the one a keeper may hand over
POST /vouchers/{code}/fulfil       (keeper) {"hive": id?} → 200 {"status": "fulfilled", …}
POST /vouchers/{code}/cancel       (owner, before pickup) → 200 {"status": "cancelled", …}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from littlebee.accounts.api_auth import optional_auth
from littlebee.accounts.models import User
from littlebee.accounts.phones import mask_phone
from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_answers import answer
from littlebee.core.api_schemas import Ref
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.pagination import clamp
from littlebee.core.texts import is_english
from littlebee.points.selectors import balance_of

from . import selectors, services
from .models import Gift, PickupRule, Voucher, VoucherStatus

router = Router(tags=["rewards"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_ID = 2**31 - 1


class StationOut(Schema):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    # The station's own stock of the gift; null when the gift's stock is shared.
    stock_available: int | None
    distance_m: int | None = None


class GiftOut(Schema):
    id: int
    name: str
    points_cost: int
    stock_available: int
    donor: Ref
    pickup: Literal["any_hive"] | list[int]
    description: str
    picture: str | None
    total_stock: int
    donor_note: str
    per_worker_limit: int | None
    active_from: datetime | None
    active_until: datetime | None
    voucher_valid_days: int
    # For a signed-in caller: whether the balance covers it (and it is in stock); else null.
    affordable: bool | None
    # With lat, lng: metres to the nearest place to pick it up.
    distance_m: int | None = None


class GiftDetailOut(GiftOut):
    stations: list[StationOut]


class GiftList(Schema):
    count: int
    items: list[GiftOut]


class GiftsQuery(Schema):
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    affordable: bool = False
    limit: int | None = None
    offset: int | None = None


class RedeemIn(Schema):
    hive: int | None = Field(None, ge=1, le=MAX_ID)


class FulfilIn(Schema):
    hive: int | None = Field(None, ge=1, le=MAX_ID)


class GiftRef(Schema):
    id: int
    name: str
    picture: str | None


class WorkerRef(Schema):
    name: str
    phone: str  # masked: 138****0001


class VoucherOut(Schema):
    voucher_code: str
    code_display: str
    status: str
    expires_at: datetime
    created_at: datetime
    points: int
    gift: GiftRef
    # The station chosen at redemption (null: any station in the city).
    hive: Ref | None
    pickup: Literal["any_hive"] | Literal["listed"]
    fulfilled_at: datetime | None
    fulfilled_hive: Ref | None
    cancelled_at: datetime | None
    expired_at: datetime | None
    # Only for the keeper who may hand it over: who should come for it, and where it may be handed over.
    worker: WorkerRef | None = None
    stations: list[Ref] | None = None


class VoucherList(Schema):
    count: int
    items: list[VoucherOut]


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def _picture(request: HttpRequest, gift: Gift) -> str | None:
    return request.build_absolute_uri(gift.picture.url) if gift.picture else None


def gift_payload(
    request: HttpRequest, gift: Gift, *, balance: int | None, near: dict[int, float] | None = None
) -> dict[str, Any]:
    distance = selectors.nearest_pickup_m(gift, near) if near is not None else None
    return {
        "id": gift.pk,
        "name": gift.local_name,
        "points_cost": gift.points_cost,
        "stock_available": gift.stock_available,
        "donor": {"id": gift.donor.pk, "name": gift.donor.name},
        "pickup": "any_hive" if gift.pickup == PickupRule.ANY_HIVE else selectors.pickup_hive_ids(gift),
        "description": gift.local_description,
        "picture": _picture(request, gift),
        "total_stock": gift.total_stock,
        "donor_note": gift.donor_note,
        "per_worker_limit": gift.per_worker_limit,
        "active_from": _local(gift.active_from),
        "active_until": _local(gift.active_until),
        "voucher_valid_days": gift.voucher_valid_days,
        "affordable": None if balance is None else (gift.stock_available > 0 and gift.points_cost <= balance),
        "distance_m": round(distance) if distance is not None else None,
    }


def _list_items(
    request: HttpRequest, rows: list[selectors.GiftRow], *, balance: int | None, near: dict[int, float] | None
) -> list[dict[str, Any]]:
    """The list's gifts from plain rows: what gift_payload answers for each gift (tested equal),
    with the language asked once for the page rather than twice a gift."""
    english = is_english()
    storage = Gift._meta.get_field("picture").storage
    items = []
    for g in rows:
        if near is None:
            distance = None
        elif g.pickup == PickupRule.ANY_HIVE:
            distance = min(near.values(), default=None)
        else:
            distance = min((near[h] for h in g.station_ids if h in near), default=None)
        items.append(
            {
                "id": g.id,
                "name": g.name_en if english and g.name_en else g.name,
                "points_cost": g.points_cost,
                "stock_available": g.stock_available,
                "donor": {"id": g.donor_id, "name": g.donor_name},
                "pickup": "any_hive" if g.pickup == PickupRule.ANY_HIVE else g.station_ids,
                "description": g.description_en if english and g.description_en else g.description,
                "picture": request.build_absolute_uri(storage.url(g.picture)) if g.picture else None,
                "total_stock": g.total_stock,
                "donor_note": g.donor_note,
                "per_worker_limit": g.per_worker_limit,
                "active_from": _local(g.active_from),
                "active_until": _local(g.active_until),
                "voucher_valid_days": g.voucher_valid_days,
                "affordable": None if balance is None else (g.stock_available > 0 and g.points_cost <= balance),
                "distance_m": round(distance) if distance is not None else None,
            }
        )
    return items


def voucher_payload(request: HttpRequest, voucher: Voucher) -> dict[str, Any]:
    def ref(hive: Any) -> dict[str, Any] | None:
        return {"id": hive.pk, "name": hive.name} if hive is not None else None

    return {
        "voucher_code": voucher.code,
        "code_display": voucher.code_display,
        "status": voucher.status,
        "expires_at": _local(voucher.expires_at),
        "created_at": _local(voucher.created_at),
        "points": voucher.points,
        "gift": {"id": voucher.gift.pk, "name": voucher.gift.local_name, "picture": _picture(request, voucher.gift)},
        "hive": ref(voucher.hive),
        "pickup": voucher.gift.pickup,
        "fulfilled_at": _local(voucher.fulfilled_at),
        "fulfilled_hive": ref(voucher.fulfilled_hive),
        "cancelled_at": _local(voucher.cancelled_at),
        "expired_at": _local(voucher.expired_at),
    }


def _balance(request: HttpRequest) -> int | None:
    user = request.user
    return balance_of(user) if isinstance(user, User) and user.is_authenticated else None


def _near(query: GiftsQuery) -> dict[int, float] | None:
    if query.lat is None and query.lng is None:
        return None
    if query.lat is None or query.lng is None:
        raise InvalidInput.one("lat" if query.lat is None else "lng", _("请同时提供纬度和经度。"))
    radius = selectors.near_validate(query.lat, query.lng, query.radius_km)
    return selectors.stations_near(query.lat, query.lng, radius)


@router.get("/rewards", auth=optional_auth, response={200: GiftList, **ERRORS})
def gifts_list(request: HttpRequest, query: Query[GiftsQuery]) -> HttpResponse:
    """Gifts on sale, in stock first and cheapest first. `lat`+`lng` (and `radius_km`, default 5):
    only gifts that can be picked up that close. `affordable`: only what the caller's balance covers."""
    limit, offset = clamp(query.limit, query.offset)
    near = _near(query)
    user = request.user if isinstance(request.user, User) else None
    page = selectors.gift_page(worker=user, affordable=query.affordable, near=near, limit=limit, offset=offset)
    # A hot path: rendered without ninja's per-field check (core.api_answers; tested to fit GiftList).
    return answer({"count": page.count, "items": _list_items(request, page.gifts, balance=page.balance, near=near)})


@router.get("/rewards/{gift_id}", auth=optional_auth, response={200: GiftDetailOut, **ERRORS})
def gift_get(request: HttpRequest, gift_id: int) -> dict[str, Any]:
    if not 1 <= gift_id <= MAX_ID:
        raise NotFound()
    gift = selectors.gift_on_sale(gift_id)
    stations = [
        {
            "id": s.hive.pk,
            "name": s.hive.name,
            "address": s.hive.address,
            "lat": s.hive.lat,
            "lng": s.hive.lng,
            "stock_available": s.stock_available,
        }
        for s in getattr(gift, "active_stations", [])
    ]
    return {**gift_payload(request, gift, balance=_balance(request)), "stations": stations}


@router.post("/rewards/{gift_id}/redemptions", response={201: VoucherOut, **ERRORS})
def redemption_post(request: HttpRequest, gift_id: int, payload: RedeemIn | None = None) -> HttpResponse:
    """Redeem one: 201 with the voucher; 409 `insufficient_points`, `out_of_stock`, `limit_reached`,
    `gift_inactive`; 400 a pickup station the gift does not allow."""
    if not 1 <= gift_id <= MAX_ID:
        raise NotFound()
    voucher = services.gift_redeem(
        worker=request_user(request), gift_id=gift_id, hive_id=payload.hive if payload else None
    )
    # The voucher as written, with its gift and station: nothing to read back. A hot write:
    # rendered without ninja's per-field check (core.api_answers; tested to fit VoucherOut).
    return answer({**voucher_payload(request, voucher), "worker": None, "stations": None}, status=201)


@router.get("/me/vouchers", response={200: VoucherList, **ERRORS})
def my_vouchers(
    request: HttpRequest, status: str | None = None, limit: int | None = None, offset: int | None = None
) -> dict[str, Any]:
    limit, offset = clamp(limit, offset)
    vouchers = selectors.vouchers_of(request_user(request))
    if status:
        if status not in VoucherStatus.values:
            raise InvalidInput.one("status", _("请从给定的选项中选择。"))
        vouchers = vouchers.filter(status=status)
    page = list(vouchers[offset : offset + limit])
    return {"count": vouchers.count(), "items": [voucher_payload(request, v) for v in page]}


def _voucher_for(request: HttpRequest, code: str) -> dict[str, Any]:
    """The owner's view of a voucher, or the keeper's (with who should come for it)."""
    user = request_user(request)
    try:
        return voucher_payload(request, selectors.voucher_of(user, code))
    except NotFound:
        found = selectors.voucher_for_keeper(code, user)
    voucher = found.voucher
    return {
        **voucher_payload(request, voucher),
        "worker": {"name": voucher.worker.name, "phone": mask_phone(voucher.worker.phone)},
        "stations": [{"id": h.pk, "name": h.name} for h in found.stations],
    }


@router.get("/vouchers/{code}", response={200: VoucherOut, **ERRORS})
def voucher_get(request: HttpRequest, code: str) -> dict[str, Any]:
    return _voucher_for(request, code[:100])


@router.post("/vouchers/{code}/fulfil", response={200: VoucherOut, **ERRORS})
def voucher_post_fulfil(request: HttpRequest, code: str, payload: FulfilIn | None = None) -> dict[str, Any]:
    """The keeper hands the gift over: 200 `{"status": "fulfilled", …}`; 404 for a voucher the
    keeper may not hand over (another station's gift); 409 `already_fulfilled`, `voucher_expired`,
    `voucher_cancelled`. `hive`: the station handing it over, needed only when the keeper runs
    several and the gift may be picked up at any of them."""
    services.voucher_fulfil(code=code[:100], keeper=request_user(request), hive_id=payload.hive if payload else None)
    return _voucher_for(request, code[:100])


@router.post("/vouchers/{code}/cancel", response={200: VoucherOut, **ERRORS})
def voucher_post_cancel(request: HttpRequest, code: str) -> dict[str, Any]:
    """The owner gives the voucher back before pickup: points and stock return. 409 when it is
    fulfilled, cancelled or expired already."""
    user = request_user(request)
    voucher = services.voucher_cancel(worker=user, code=code[:100])
    return voucher_payload(request, selectors.voucher_of(user, voucher.code))
