"""Reads of regions and organisations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from littlebee.core.compiled_select import compiled_rows
from littlebee.core.geo import bounding_box, haversine_m

from .models import Organisation, OrgKind, Outlet, Region, RegionLevel


@dataclass(frozen=True)
class CommunityMatch:
    community: Region
    # True when no boundary contains the point and the nearest centroid was taken instead.
    approximate: bool
    distance_m: float


# How far to look for a centroid before widening to the whole table. Communities in a Chinese
# city are rarely more than a few kilometres apart.
_NEAREST_SEARCH_RADII_M = (3_000, 15_000, 80_000)


def community_at_point(lat: float, lng: float) -> CommunityMatch | None:
    """The community whose boundary contains the WGS-84 point, else the one with the nearest centroid."""
    return community_covering(lat, lng) or community_nearest(lat, lng)


_COVERING_FIELDS = ("id", "code", "name", "level", "parent_id", "lat", "lng", "path")


def covering_candidates(key: object, *, lat: float, lng: float) -> QuerySet[Any]:
    """The communities whose box holds the point (compiled once: core.compiled_select), each
    boundary as its JSON text, in the table's order: community_covering's read, which a caller
    may extend (a column of its own, reports' configuration version) and choose among with
    community_covering_of."""
    return (
        Region.objects.filter(
            level=RegionLevel.COMMUNITY, min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
        )
        .order_by("code")  # the model's ordering, as the ORM's read had it
        .values(*_COVERING_FIELDS, boundary_text=Cast("boundary", TextField()))
    )


# A boundary's shape by its JSON text. Every report submission asks which community holds its
# point: decoding the candidates' boundaries (a few KB of GeoJSON each) and building their shapes
# cost more CPU than the read. A boundary changed is another text, and so another shape.
_SHAPES: dict[str, BaseGeometry | None] = {}
_SHAPES_MAX = 4096


def _shape_of(text: str) -> BaseGeometry | None:
    found = _SHAPES.get(text, _MISSING)
    if found is _MISSING:
        geojson = json.loads(text)
        found = shape(geojson) if geojson else None
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[text] = found
    return found


_MISSING = object()


def community_covering(lat: float, lng: float) -> CommunityMatch | None:
    """The community whose boundary contains the WGS-84 point, if one does: one query (the
    communities whose box holds the point). The community is loaded with its id, code, name,
    level, parent, centre, path and boundary."""
    return community_covering_of(compiled_rows(covering_candidates, lat=float(lat), lng=float(lng)), lat, lng)


def community_covering_of(rows: list[dict[str, Any]], lat: float, lng: float) -> CommunityMatch | None:
    """community_covering's answer from the rows of covering_candidates (other columns ignored)."""
    point = Point(lng, lat)
    for row in rows:
        text = row["boundary_text"]
        geometry = _shape_of(text) if text else None
        if geometry is not None and geometry.covers(point):
            loaded = {**{name: row[name] for name in _COVERING_FIELDS}, "boundary": json.loads(text)}
            # As .only(…) loads it: the fields in the model's order, the others deferred.
            names = [f.attname for f in Region._meta.concrete_fields if f.attname in loaded]
            community = Region.from_db(Region.objects.db, names, [loaded[name] for name in names])
            return CommunityMatch(community, approximate=False, distance_m=0.0)
    return None


def community_nearest(lat: float, lng: float) -> CommunityMatch | None:
    """The community with the centroid nearest the point (approximate), for a point no boundary
    contains; None when there is no community at all."""
    communities = Region.objects.filter(level=RegionLevel.COMMUNITY).only(
        "id", "code", "name", "level", "parent_id", "lat", "lng", "path"
    )
    for radius in _NEAREST_SEARCH_RADII_M:
        min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
        nearby = list(communities.filter(lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng)))
        if nearby:
            break
    else:
        nearby = list(communities)
    if not nearby:
        return None
    best = min(nearby, key=lambda c: haversine_m(lat, lng, c.lat, c.lng))
    return CommunityMatch(best, approximate=True, distance_m=haversine_m(lat, lng, best.lat, best.lng))


def regions_children(parent: Region | None) -> QuerySet[Region]:
    qs = Region.objects.filter(parent=parent) if parent else Region.objects.filter(level=RegionLevel.CITY)
    return qs.order_by("code")


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def region_ancestors(region: Region) -> list[Region]:
    """From the region itself up to the city."""
    codes = [code for code in region.path.split("/") if code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in reversed(codes) if code in by_code]


def region_party_org(region: Region) -> Organisation | None:
    return Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region=region).first()


def organisation_chain(organisation: Organisation) -> list[Organisation]:
    """The organisation and its parents, the route a case escalates along."""
    chain = [organisation]
    seen = {organisation.pk}
    current = organisation
    while current.parent_id is not None and current.parent_id not in seen:
        current = Organisation.objects.get(pk=current.parent_id)
        chain.append(current)
        seen.add(current.pk)
    return chain


def enterprises_list(*, industry: str | None = None, search: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
    if industry:
        qs = qs.filter(industry=industry)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search))
    return qs.order_by("industry", "name")


def enterprise_party_org(enterprise: Organisation) -> Organisation | None:
    return Organisation.objects.filter(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=enterprise).first()


def outlets_of(enterprise: Organisation) -> QuerySet[Outlet]:
    return Outlet.objects.filter(enterprise=enterprise).select_related("parent").order_by("parent__name", "name")


# --- Pick-lists for server-rendered forms ---------------------------------------------------
def regions_at_level(level: str) -> QuerySet[Region]:
    """Every region of one level, e.g. all districts for the first of the cascading selects."""
    return Region.objects.filter(level=level).order_by("code")


def regions_under(parent_id: int, level: str) -> QuerySet[Region]:
    """Children of the region with this id, restricted to the expected level (bad ids give nothing)."""
    return Region.objects.filter(parent_id=parent_id, level=level).order_by("code")


def community_with_ancestors(community_id: int) -> Region | None:
    """A community with its street and district loaded, to preselect the cascading selects."""
    return (
        Region.objects.select_related("parent__parent__parent")
        .filter(pk=community_id, level=RegionLevel.COMMUNITY)
        .first()
    )


def outlets_of_enterprise_id(enterprise_id: int) -> QuerySet[Outlet]:
    """Outlets of an active enterprise, by id; empty for anything that is not one."""
    return (
        Outlet.objects.filter(
            enterprise_id=enterprise_id,
            enterprise__kind=OrgKind.ENTERPRISE,
            enterprise__is_active=True,
        )
        .select_related("parent")
        .order_by("parent__name", "name")
    )
