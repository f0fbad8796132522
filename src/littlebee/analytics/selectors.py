"""Who sees which figures: the one rule every statistics page, export and API call applies.

    city admin                                   everything
    party organisation of a district / street / community
                                                 that place: its workers, the reports and
                                                 stations in it, its offices
    industry party committee                     its industry: the enterprises' workers, their
                                                 appeals, the offices of the industry, its cards
    enterprise party organisation                its enterprise: its workers, appeals about it,
                                                 its own office, its own card
    any other office (a department, a regulator) its own office's rates only

Handlers and admins of an organisation count; keepers do not. Workers see no statistics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from django.db import connection
from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from littlebee.accounts.models import Membership, User
from littlebee.accounts.selectors import STAFF_DECISION_ROLES, is_city_admin
from littlebee.core.errors import NotFound
from littlebee.orgs.models import OrgKind, Region, RegionLevel

from .measures import Scope

LEVEL_FIELDS: dict[str, str] = {
    RegionLevel.DISTRICT: "district_id",
    RegionLevel.STREET: "street_id",
    RegionLevel.COMMUNITY: "region_id",
}


def stats_scope_of(user: User) -> Scope | None:
    """The scope of the user's figures; None for someone who may see none (workers, keepers)."""
    if not user.is_authenticated:
        return None
    if is_city_admin(user):
        return Scope(everything=True)
    memberships = Membership.objects.filter(
        user=user, role__in=STAFF_DECISION_ROLES, organisation__is_active=True
    ).select_related("organisation", "organisation__region")
    districts: set[int] = set()
    streets: set[int] = set()
    communities: set[int] = set()
    industries: set[str] = set()
    enterprises: set[int] = set()
    offices: set[int] = set()
    for m in memberships:
        org = m.organisation
        offices.add(org.pk)
        if org.kind == OrgKind.PARTY_ORG:
            level = org.region.level
            if level == RegionLevel.DISTRICT:
                districts.add(org.region_id)
            elif level == RegionLevel.STREET:
                streets.add(org.region_id)
            elif level == RegionLevel.COMMUNITY:
                communities.add(org.region_id)
        elif org.kind == OrgKind.INDUSTRY_COMMITTEE and org.industry:
            industries.add(org.industry)
        elif org.kind == OrgKind.ENTERPRISE_PARTY_ORG and org.enterprise_id is not None:
            enterprises.add(org.enterprise_id)
        elif org.kind == OrgKind.ENTERPRISE:
            enterprises.add(org.pk)
    if not offices:
        return None
    return Scope(
        district_ids=tuple(sorted(districts)),
        street_ids=tuple(sorted(streets)),
        community_ids=tuple(sorted(communities)),
        industries=tuple(sorted(industries)),
        enterprise_ids=tuple(sorted(enterprises)),
        office_ids=tuple(sorted(offices)),
    )


def stats_scope_narrowed(scope: Scope, region_id: int | None) -> tuple[Scope, Region | None]:
    """The scope narrowed to a district, street or community (the dashboard's drill-down, the
    API's `region`). 404 for a region that does not exist, is not a district, street or community,
    or lies outside a place scope (a district admin asking for another district)."""
    if region_id is None:
        return scope, None
    region = Region.objects.filter(pk=region_id).only("pk", "name", "level", "path").first()
    if region is None or region.level not in LEVEL_FIELDS:
        raise NotFound(_("找不到该区域。"))
    places = (*scope.district_ids, *scope.street_ids, *scope.community_ids)
    if not scope.everything and places:
        paths = Region.objects.filter(pk__in=places).values_list("path", flat=True)
        if not any(region.path.startswith(path) for path in paths):
            raise NotFound(_("找不到该区域。"))
    return replace(scope, within=(LEVEL_FIELDS[region.level], region.pk)), region


@dataclass(frozen=True)
class MapPlace:
    """A region as the dashboard's map draws it: its rank by name (ties in the regions' own
    order), by which the map sorts communities with as many reports, and its point's JSON up to
    its count of reports."""

    rank: int
    json_start: str


# The regions' names and positions, per process: the same for every request (a city's 1,404
# communities cost 7 ms of the database and 11 ms of Python a dashboard to read, convert and encode
# again), read again when a region is added, removed or saved (its count, latest change or
# highest id differs).
_map_places: tuple[tuple[object, ...], dict[int, MapPlace]] | None = None


def map_places() -> dict[int, MapPlace]:
    """Every region's MapPlace by id, kept in this process while the regions are unchanged (one
    aggregate a request checks it)."""
    global _map_places
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(updated_at), MAX(id) FROM {Region._meta.db_table}"  # noqa: S608
        )
        version = tuple(cursor.fetchone() or ())
    kept = _map_places
    if kept is not None and kept[0] == version:
        return kept[1]
    regions = list(Region.objects.values_list("pk", "name", "lat", "lng"))
    # sorted() is stable: equal names keep the regions' own order, as the map's sort did.
    by_name = sorted(regions, key=lambda r: r[1])
    places = {}
    for rank, (pk, name, lat, lng) in enumerate(by_name):
        # The point as json_script writes {"name", "lat", "lng", "reports"}, without the count.
        start = json.dumps({"name": name, "lat": lat, "lng": lng})[:-1] + ', "reports": '
        places[pk] = MapPlace(rank=rank, json_start=start.translate(_json_script_escapes))
    _map_places = (version, places)
    return places


def forget_map_places() -> None:
    """Drop the kept regions (a test's regions are rolled back with the same count and time)."""
    global _map_places
    _map_places = None
