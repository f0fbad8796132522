"""Stations section of API.md (GET /hives, GET /hives/{id}) plus the keeper's and admin's operations:
details, weekly hours, dated exceptions, the annual service list and photos."""

from __future__ import annotations

import functools
import json
import math
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, UploadedFile
from ninja.responses import NinjaJSONEncoder, Status

from littlebee.accounts.requests import request_user
from littlebee.accounts.schemas import ErrorOut
from littlebee.core.api_answers import CONTENT_TYPE
from littlebee.core.api_schemas import QuerySchema

from . import hours, selectors, services
from .models import Hive, HivePhoto
from .schemas import (
    AnnualItemCreatedOut,
    AnnualItemIn,
    ExceptionIn,
    ExceptionOut,
    HiveDetailOut,
    HiveList,
    HivePhotoOut,
    HiveUpdateIn,
    HoursIn,
    HoursOut,
)

router = Router(tags=["hives"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class NearestQuery(QuerySchema):
    lat: float
    lng: float
    radius_km: float | None = None
    open_now: bool = False
    service: str | None = None
    limit: int | None = None


def _services(hive: Hive) -> list[dict[str, Any]]:
    return [{"code": s.code, "name": s.local_name, "is_base": s.is_base} for s in hive.services.all()]


@router.get("/hives", auth=None, response={200: HiveList, **ERRORS})
def hives_list(request: HttpRequest, query: Query[NearestQuery]) -> HttpResponse:
    # From the stations kept in memory (selectors.nearby): one read of their version a request.
    found = selectors.hives_search_kept(
        lat=query.lat,
        lng=query.lng,
        radius_km=query.radius_km,
        open_now=query.open_now,
        service=query.service,
        limit=query.limit,
    )
    # A hot path: the answer's JSON is written here, piece by piece, as django-ninja's encoder
    # writes it (json.dumps, NinjaJSONEncoder: ", " and ": ", ASCII escapes, float repr),
    # without ninja's per-field check (core.api_answers; tested to fit HiveList and to be
    # byte for byte what json.dumps writes). A search names the same few times again and again:
    # each is written once a search. Encoding the answer's dicts was a fifth of the request (25 KB
    # of escaped Chinese for 20 stations).
    # `count`: every station that matches, as in every list of API.md, not this page's length.
    # The kept stations' rows live as long as their version: what the answer writes of a station
    # but its distance and status is written once per row and kept with it (_pieces).
    moments: dict[datetime | None, str] = {None: "null"}
    items = []
    for row in found.items:
        head, tail = _pieces(row)
        for moment in (row.closes_at, row.opens_at):
            if moment not in moments:
                moments[moment] = _text(_ENCODER.default(moment))
        items.append(
            f'{head}{round(row.distance_m)}, "open_now": {_TRUTH[row.open_now]},'
            f' "closes_at": {moments[row.closes_at]}, "opens_at": {moments[row.opens_at]}{tail}'
        )
    return HttpResponse(f'{{"count": {found.count}, "items": [{", ".join(items)}]}}', content_type=CONTENT_TYPE)


# Each kept station row's pieces of the answer (before its distance; after its status), by the
# row's identity: the row and its schedule are kept in the entry, so that an id reused by a later
# object never finds another row's pieces. Emptied when it grows past a few cities' worth (every
# new version of the stations brings new rows).
_PIECES: dict[int, tuple[selectors.HiveRow, tuple[hours.WeeklyInterval, ...], str, str]] = {}
_PIECES_MAX = 50_000


def _pieces(row: selectors.NearestHive) -> tuple[str, str]:
    hive = row.hive
    kept = _PIECES.get(id(hive))
    if kept is not None and kept[0] is hive and kept[1] is row.intervals:
        return kept[2], kept[3]
    head = (
        f'{{"id": {hive.id}, "name": {_text(hive.name)}, "address": {_text(hive.address)},'
        f' "lat": {_number(hive.lat)}, "lng": {_number(hive.lng)}, "distance_m": '
    )
    tail = (
        f', "opening_hours": {hours.schedule_json(row.intervals, hive.always_open)},'
        f' "services": {_services_json(tuple(hive.services))},'
        f' "demonstration": {_TRUTH[hive.demonstration]}, "managing_unit": {{"id": {hive.managing_unit_id},'
        f' "name": {_text(hive.managing_unit_name)}}}, "contact_phone": {_text(hive.contact_phone)}}}'
    )
    if len(_PIECES) >= _PIECES_MAX:
        _PIECES.clear()
    _PIECES[id(hive)] = (hive, row.intervals, head, tail)
    return head, tail


# What json.dumps writes for a string (ASCII, escaped), a bool and a number: the C encoder's own
# string function; floats by float.__repr__, as json does (finite: the table's check constraint).
_text = encode_basestring_ascii
_TRUTH = {True: "true", False: "false"}
# The encoder's own rule for a time (milliseconds, "Z" for UTC), without a new encoder each time.
_ENCODER = NinjaJSONEncoder()


@functools.lru_cache(maxsize=1024)
def _services_json(services: tuple[selectors.ServiceRef, ...]) -> str:
    """A station's services as the answer writes them: once per set, names and language, per process."""
    return _to_json([{"code": ref.code, "name": ref.name, "is_base": ref.is_base} for ref in services])


def _number(value: float) -> str:
    return float.__repr__(value) if isinstance(value, float) and math.isfinite(value) else _to_json(value)


def _to_json(value: Any) -> str:
    return json.dumps(value, cls=NinjaJSONEncoder)


def photo_payload(photo: HivePhoto) -> dict[str, Any]:
    return {"id": photo.pk, "url": photo.image.url, "caption": photo.caption}


def detail_payload(hive_id: int, *, active_only: bool = True) -> dict[str, Any]:
    detail = selectors.hive_detail(hive_id, active_only=active_only)
    hive = detail.hive
    return {
        "id": hive.pk,
        "name": hive.name,
        "address": hive.address,
        "lat": hive.lat,
        "lng": hive.lng,
        "community": {"id": hive.community.pk, "name": hive.community.name},
        "managing_unit": {"id": hive.managing_unit.pk, "name": hive.managing_unit.name},
        "responsible_person": hive.responsible_person,
        "contact_phone": hive.contact_phone,
        "description": hive.description,
        "demonstration": hive.demonstration,
        "time_zone": hive.time_zone,
        "open_now": detail.status.open_now,
        "closes_at": detail.status.closes_at,
        "opens_at": detail.status.opens_at,
        "opening_hours": hours.schedule_as_dict(detail.intervals, hive.always_open),
        "exceptions": detail.exceptions,
        "services": _services(hive),
        "annual_items": detail.annual_items,
        "photos": [photo_payload(p) for p in detail.photos],
        "events": detail.events,
    }


@router.get("/hives/{hive_id}", auth=None, response={200: HiveDetailOut, **ERRORS})
def hive_get(request: HttpRequest, hive_id: int) -> dict[str, Any]:
    return detail_payload(hive_id)


@router.patch("/hives/{hive_id}", response={200: HiveDetailOut, **ERRORS})
def hive_patch(request: HttpRequest, hive_id: int, payload: HiveUpdateIn) -> dict[str, Any]:
    hive = services.hive_update(hive_id=hive_id, actor=request_user(request), **payload.dict(exclude_unset=True))
    # The editor manages the station (the service checked): a deactivated one still answers.
    return detail_payload(hive.pk, active_only=False)


@router.put("/hives/{hive_id}/hours", response={200: HoursOut, **ERRORS})
def hive_put_hours(request: HttpRequest, hive_id: int, payload: HoursIn) -> dict[str, Any]:
    hive = services.hive_set_schedule(hive_id=hive_id, actor=request_user(request), schedule=payload.dict())
    return {"opening_hours": hours.schedule_as_dict(hive.intervals.all(), hive.always_open)}


@router.post("/hives/{hive_id}/exceptions", response={201: ExceptionOut, **ERRORS})
def hive_post_exception(request: HttpRequest, hive_id: int, payload: ExceptionIn) -> Status[Any]:
    exception = services.hive_add_exception(
        hive_id=hive_id,
        actor=request_user(request),
        on=payload.date,
        closed=payload.closed,
        opens=payload.opens,
        closes=payload.closes,
        note=payload.note,
        today=timezone.localdate(),
    )
    return Status(201, exception)


@router.post("/hives/{hive_id}/annual-items", response={201: AnnualItemCreatedOut, **ERRORS})
def hive_post_annual_item(request: HttpRequest, hive_id: int, payload: AnnualItemIn) -> Status[Any]:
    """Add an item to a year's 年度服务项目清单 (last, this or next year)."""
    item = services.hive_add_annual_item(
        hive_id=hive_id,
        actor=request_user(request),
        year=payload.year,
        title=payload.title,
        description=payload.description,
        on=payload.date,
        frequency=payload.frequency,
    )
    return Status(201, item)


@router.delete("/hives/{hive_id}/annual-items/{item_id}", response={204: None, **ERRORS})
def hive_delete_annual_item(request: HttpRequest, hive_id: int, item_id: int) -> Status[None]:
    services.hive_remove_annual_item(hive_id=hive_id, item_id=item_id, actor=request_user(request))
    return Status(204, None)


@router.post("/hives/{hive_id}/photos", response={201: HivePhotoOut, **ERRORS, 413: ErrorOut, 415: ErrorOut})
def hive_post_photo(
    request: HttpRequest, hive_id: int, photo: File[UploadedFile | None] = None, caption: Form[str] = ""
) -> Status[Any]:
    """multipart/form-data: `photo` (required: a JPEG, PNG or WebP image, at most 10 MB and 40
    megapixels) and `caption`. The stored photo is re-encoded without metadata (no EXIF or
    location), at most 2048 px on the longer side. At most 9 photos a station (409 `limit_reached`)."""
    # Optional in the signature so that a missing file is the service's error on "photo".
    added = services.hive_add_photo(hive_id=hive_id, actor=request_user(request), upload=photo, caption=caption)
    return Status(201, photo_payload(added))


@router.delete("/hives/{hive_id}/photos/{photo_id}", response={204: None, **ERRORS})
def hive_delete_photo(request: HttpRequest, hive_id: int, photo_id: int) -> Status[None]:
    services.hive_remove_photo(hive_id=hive_id, photo_id=photo_id, actor=request_user(request))
    return Status(204, None)
