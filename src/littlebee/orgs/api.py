"""Pick-lists for registration: regions, enterprises and their outlets, community lookup."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from littlebee.core.api_schemas import ErrorOut
from littlebee.core.errors import FieldError, InvalidInput, NotFound
from littlebee.core.geo import valid_lat_lng
from littlebee.core.pagination import clamp

from . import selectors
from .models import Industry, Organisation, OrgKind, Region

router = Router(tags=["organisations"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent: int | None
    lat: float
    lng: float


class RegionList(Schema):
    count: int
    items: list[RegionOut]


class RegionFilter(Schema):
    parent: int | None = None
    limit: int | None = None
    offset: int | None = None


class OutletOut(Schema):
    id: int
    name: str
    parent: int | None
    address: str


class EnterpriseOut(Schema):
    id: int
    name: str
    short_name: str
    industry: str
    industry_label: str


class EnterpriseList(Schema):
    count: int
    items: list[EnterpriseOut]


class EnterpriseFilter(Schema):
    industry: Industry | None = None
    search: str | None = None
    limit: int | None = None
    offset: int | None = None


class LocateOut(Schema):
    community: RegionOut
    # The levels above, so a client can set district → street → community pickers in one go.
    street: RegionOut | None
    district: RegionOut | None
    full_name: str
    approximate: bool
    distance_m: float


def _region(r: Region) -> dict[str, Any]:
    return {
        "id": r.pk,
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent_id,
        "lat": r.lat,
        "lng": r.lng,
    }


@router.get("/regions", auth=None, response={200: RegionList, 400: ErrorOut, 404: ErrorOut})
def regions(request: HttpRequest, filters: Query[RegionFilter]) -> dict[str, Any]:
    """Children of `parent`, or the top-level cities when no parent is given."""
    parent = get_object_or_404(Region, pk=filters.parent) if filters.parent is not None else None
    qs = selectors.regions_children(parent)
    # Pick-lists want whole levels at once: a street rarely has more than 100 communities.
    limit, offset = clamp(filters.limit if filters.limit is not None else 100, filters.offset)
    return {"count": qs.count(), "items": [_region(r) for r in qs[offset : offset + limit]]}


@router.get("/regions/locate", auth=None, response={200: LocateOut, 400: ErrorOut, 404: ErrorOut})
def regions_locate(request: HttpRequest, lat: float, lng: float) -> dict[str, Any]:
    """The community containing a WGS-84 point (approximate when matched by nearest centroid)."""
    if not valid_lat_lng(lat, lng):
        errors = [
            FieldError(name, _("坐标超出范围。"))
            for name, value, bound in (("lat", lat, 90), ("lng", lng, 180))
            if not (math.isfinite(value) and -bound <= value <= bound)
        ]
        raise InvalidInput(errors)
    match = selectors.community_at_point(lat, lng)
    if match is None:
        raise NotFound(_("附近没有社区。"))
    street = match.community.parent
    district = street.parent if street else None
    return {
        "community": _region(match.community),
        "street": _region(street) if street else None,
        "district": _region(district) if district else None,
        "full_name": match.community.full_name(),
        "approximate": match.approximate,
        "distance_m": round(match.distance_m, 1),
    }


@router.get("/enterprises", auth=None, response={200: EnterpriseList, 400: ErrorOut})
def enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> dict[str, Any]:
    qs = selectors.enterprises_list(industry=filters.industry, search=filters.search)
    limit, offset = clamp(filters.limit, filters.offset)
    return {
        "count": qs.count(),
        "items": [
            {
                "id": e.pk,
                "name": e.name,
                "short_name": e.short_name,
                "industry": e.industry,
                "industry_label": str(e.get_industry_display()),
            }
            for e in qs[offset : offset + limit]
        ],
    }


@router.get(
    "/enterprises/{enterprise_id}/outlets", auth=None, response={200: list[OutletOut], 400: ErrorOut, 404: ErrorOut}
)
def enterprise_outlets(request: HttpRequest, enterprise_id: int) -> list[dict[str, Any]]:
    enterprise = get_object_or_404(Organisation, pk=enterprise_id, kind=OrgKind.ENTERPRISE, is_active=True)
    return [
        {"id": o.pk, "name": str(o), "parent": o.parent_id, "address": o.address}
        for o in selectors.outlets_of(enterprise)
    ]
