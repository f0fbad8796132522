"""Writes to regions and organisations."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from littlebee.core.errors import FieldError, InvalidInput
from littlebee.core.geo import valid_lat_lng

from .models import LEVEL_DEPTH, Industry, Organisation, OrgKind, Outlet, Region, RegionLevel


def _validated_boundary(boundary: dict[str, Any] | None) -> tuple[dict[str, Any] | None, tuple[float, ...]]:
    if boundary is None:
        return None, ()
    if not isinstance(boundary, dict):
        raise InvalidInput.one("boundary", _("边界不是有效的 GeoJSON 多边形。"))
    try:
        geometry = shape(boundary)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        raise InvalidInput.one("boundary", _("边界不是有效的 GeoJSON 多边形。")) from exc
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or geometry.is_empty or not geometry.is_valid:
        raise InvalidInput.one("boundary", _("边界不是有效的 GeoJSON 多边形。"))
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    # GeoJSON is (lng, lat): a boundary written (lat, lng), or in projected metres, lands here.
    if not (valid_lat_lng(min_lat, min_lng) and valid_lat_lng(max_lat, max_lng)):
        raise InvalidInput.one("boundary", _("边界的坐标超出经纬度范围（GeoJSON 的顺序是经度、纬度）。"))
    return boundary, (min_lat, max_lat, min_lng, max_lng)


def _full_clean(obj: Region | Organisation | Outlet, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput.from_django(exc) from exc


@transaction.atomic
def region_create(
    *,
    code: str,
    name: str,
    level: str,
    lat: float,
    lng: float,
    parent: Region | None = None,
    boundary: dict[str, Any] | None = None,
) -> Region:
    errors: list[FieldError] = []
    if "/" in code:
        # The materialised path separates codes with "/".
        errors.append(FieldError("code", _("区划代码不能包含“/”。")))
    if level not in RegionLevel.values:
        errors.append(FieldError("level", _("层级无效。")))
    if not (isinstance(lat, int | float) and math.isfinite(lat) and -90 <= lat <= 90):
        errors.append(FieldError("lat", _("坐标超出范围。")))
    if not (isinstance(lng, int | float) and math.isfinite(lng) and -180 <= lng <= 180):
        errors.append(FieldError("lng", _("坐标超出范围。")))
    if errors:
        raise InvalidInput(errors)
    if level == RegionLevel.CITY:
        if parent is not None:
            raise InvalidInput.one("parent", _("市级区划没有上级。"))
    elif parent is None or LEVEL_DEPTH[RegionLevel(parent.level)] != LEVEL_DEPTH[RegionLevel(level)] - 1:
        raise InvalidInput.one("parent", _("上级区划的层级不正确。"))
    boundary, bbox = _validated_boundary(boundary)
    region = Region(code=code, name=name, level=level, parent=parent, lat=lat, lng=lng, boundary=boundary)
    region.path = f"{parent.path if parent else ''}{code}/"
    if bbox:
        region.min_lat, region.max_lat, region.min_lng, region.max_lng = bbox
    _full_clean(region, exclude=["path"])
    region.save()
    return region


def region_set_boundary(*, region: Region, boundary: dict[str, Any] | None) -> Region:
    boundary, bbox = _validated_boundary(boundary)
    region.boundary = boundary
    region.min_lat, region.max_lat, region.min_lng, region.max_lng = bbox or (None, None, None, None)
    region.save(update_fields=["boundary", "min_lat", "max_lat", "min_lng", "max_lng", "updated_at"])
    return region


def organisation_create(
    *,
    code: str,
    kind: str,
    name: str,
    region: Region,
    short_name: str = "",
    parent: Organisation | None = None,
    industry: str = "",
    department_type: str = "",
    enterprise: Organisation | None = None,
    contact_phone: str = "",
    address: str = "",
) -> Organisation:
    if kind in {OrgKind.ENTERPRISE, OrgKind.ENTERPRISE_PARTY_ORG, OrgKind.INDUSTRY_COMMITTEE} and (
        industry not in Industry.values
    ):
        raise InvalidInput.one("industry", _("请选择所属行业。"))
    if kind == OrgKind.ENTERPRISE_PARTY_ORG and (enterprise is None or enterprise.kind != OrgKind.ENTERPRISE):
        raise InvalidInput.one("enterprise", _("企业党组织必须属于一家企业。"))
    if kind == OrgKind.ENTERPRISE_PARTY_ORG and enterprise is not None and enterprise.industry != industry:
        raise InvalidInput.one("industry", _("企业党组织与企业须属于同一行业。"))
    org = Organisation(
        code=code,
        kind=kind,
        name=name,
        short_name=short_name,
        region=region,
        parent=parent,
        industry=industry,
        department_type=department_type,
        enterprise=enterprise,
        contact_phone=contact_phone,
        address=address,
    )
    _full_clean(org)
    org.save()
    return org


@transaction.atomic
def enterprise_create(
    *,
    code: str,
    name: str,
    short_name: str,
    industry: str,
    region: Region,
    industry_committee: Organisation | None,
    contact_phone: str = "",
    address: str = "",
) -> Organisation:
    """An enterprise and its party organisation, which answers to the industry committee."""
    if industry_committee is not None and (
        industry_committee.kind != OrgKind.INDUSTRY_COMMITTEE or industry_committee.industry != industry
    ):
        raise InvalidInput.one("industry_committee", _("上级必须是本行业的行业党委。"))
    enterprise = organisation_create(
        code=code,
        kind=OrgKind.ENTERPRISE,
        name=name,
        short_name=short_name,
        region=region,
        industry=industry,
        contact_phone=contact_phone,
        address=address,
    )
    organisation_create(
        code=f"{code}-party",
        kind=OrgKind.ENTERPRISE_PARTY_ORG,
        name=f"{short_name or name}党委",
        short_name=f"{short_name or name}党委",
        region=region,
        industry=industry,
        enterprise=enterprise,
        parent=industry_committee,
    )
    return enterprise


def outlet_create(
    *,
    enterprise: Organisation,
    name: str,
    parent: Outlet | None = None,
    region: Region | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
) -> Outlet:
    if enterprise.kind != OrgKind.ENTERPRISE:
        raise InvalidInput.one("enterprise", _("网点必须属于一家企业。"))
    if parent is not None and parent.enterprise_id != enterprise.pk:
        raise InvalidInput.one("parent", _("上级网点必须属于同一企业。"))
    if (lat is None) != (lng is None) or (lat is not None and lng is not None and not valid_lat_lng(lat, lng)):
        raise InvalidInput.one("lat", _("坐标超出范围。"))
    outlet = Outlet(enterprise=enterprise, name=name, parent=parent, region=region, address=address, lat=lat, lng=lng)
    _full_clean(outlet)
    outlet.save()
    return outlet
