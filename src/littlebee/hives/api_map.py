"""The station map's data: every station in the visible box, for clustering on the client."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from littlebee.accounts.schemas import ErrorOut

from .selectors import finder as finder_selectors

router = Router(tags=["hives"])


class HiveMapQuery(Schema):
    south: float
    west: float
    north: float
    east: float
    open_now: bool = False
    service: str | None = None


class HiveMapPointOut(Schema):
    id: int
    name: str
    lat: float
    lng: float
    open_now: bool
    demonstration: bool


class HiveMapOut(Schema):
    count: int
    # True when the box held more stations than one answer carries: zoom in to see them all.
    truncated: bool
    items: list[HiveMapPointOut]


@router.get("/hives/map", auth=None, response={200: HiveMapOut, 400: ErrorOut})
def hives_map(request: HttpRequest, query: Query[HiveMapQuery]) -> dict[str, Any]:
    points, truncated = finder_selectors.hives_in_box(
        south=query.south,
        west=query.west,
        north=query.north,
        east=query.east,
        open_now=query.open_now,
        service=query.service,
    )
    return {"count": len(points), "truncated": truncated, "items": points}
