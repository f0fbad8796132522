"""Load the Wuhan demo city: deterministic, idempotent and quick.

The city is first computed in memory (`city_plan()`: regions with their boundaries,
organisations, outlets, staff and workers, all from `wuhan_data` and seeded random numbers).
Loading then compares the plan with the database by stable keys (region code, organisation
code, outlet name under its enterprise and parent, phone number) and inserts only what is
missing, so a second run creates nothing. Bulk inserts keep the first run fast; enterprises
(with their party organisations), outlets and the demo accounts' roles go through the orgs
and accounts services. One password hash is computed and shared by every demo user. The
蜂巢 stations and their events (hives.py) load last, in the same transaction.
"""

from __future__ import annotations

import math
import random
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from littlebee.accounts.models import (
    CheckinStatus,
    EmploymentStatus,
    Membership,
    ProfileEvent,
    ProfileEventAction,
    Role,
    User,
    WorkerProfile,
    WorkerType,
)
from littlebee.accounts.services import membership_grant
from littlebee.cases.workdays import SHANGHAI
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.orgs.models import Organisation, OrgKind, Outlet, Region, RegionLevel
from littlebee.orgs.services import enterprise_create, outlet_create

from . import wuhan_data as data
from .geometry import Frame, disc, scatter, voronoi_cells
from .people import person_name

WORKER_COUNT = 300
# Generated users live in 177 0000 xxxx (workers), 177 0001 xxxx (community handlers) and
# 177 0002 xxxx (enterprise admins): far from the hand-picked 138/139 demo accounts.
WORKER_PHONE_BASE = 17700000000
HANDLER_PHONE_BASE = 17700010000
ENTERPRISE_ADMIN_PHONE_BASE = 17700020000
GENERATED_PHONE_PREFIX = "17700"
ORG_PREFIX = "wh-"

_INDUSTRY_OF_WORKER = {
    WorkerType.COURIER: "express",
    WorkerType.FOOD_DELIVERY: "food_delivery",
    WorkerType.RIDE_HAILING: "ride_hailing",
}
_WORKER_TYPE_WEIGHTS = {
    WorkerType.COURIER: 0.45,
    WorkerType.FOOD_DELIVERY: 0.35,
    WorkerType.RIDE_HAILING: 0.15,
    WorkerType.OTHER: 0.05,
}
_FEMALE_SHARE = {
    WorkerType.COURIER: 0.08,
    WorkerType.FOOD_DELIVERY: 0.1,
    WorkerType.RIDE_HAILING: 0.05,
    WorkerType.OTHER: 0.4,
}


# How long ago the demo workers registered (the pending driver: yesterday).
_DEMO_WORKER_DAYS = {"13800000001": 200.0, "13800000002": 90.0}


def _rng(key: str) -> random.Random:
    """A generator seeded by name: the same demo city on every machine (not for secrets)."""
    return random.Random(key)  # noqa: S311


# --- The plan: the whole city, computed without the database --------------------------------
@dataclass(frozen=True)
class RegionPlan:
    code: str
    name: str
    level: str
    parent_code: str | None
    lat: float
    lng: float
    boundary: dict[str, Any]
    urban: bool


@dataclass(frozen=True)
class OrgPlan:
    code: str
    kind: str
    name: str
    short_name: str
    region_code: str
    parent_code: str | None
    industry: str = ""
    department_type: str = ""
    address: str = ""


@dataclass(frozen=True)
class OutletPlan:
    enterprise_code: str
    path: tuple[str, ...]  # outlet names from the top outlet down
    community_code: str
    address: str
    lat: float
    lng: float


@dataclass(frozen=True)
class StaffPlan:
    phone: str
    name: str
    role: str
    organisation_code: str


@dataclass(frozen=True)
class WorkerPlan:
    phone: str
    name: str
    worker_type: str
    enterprise_code: str | None
    outlet_path: tuple[str, ...]
    community_code: str
    party_member: bool
    registered_days_ago: float
    checkin_status: str
    checkin_note: str
    checkin_after_hours: float
    employment_status: str
    employment_note: str
    employment_after_hours: float


@dataclass(frozen=True)
class CityPlan:
    regions: tuple[RegionPlan, ...]  # parents before children
    region_by_names: dict[tuple[str, ...], str]
    # Waves of organisations; a wave's parents are all in earlier waves.
    org_waves: tuple[tuple[OrgPlan, ...], ...]
    outlets: tuple[OutletPlan, ...]  # parents before children
    staff: tuple[StaffPlan, ...]
    workers: tuple[WorkerPlan, ...]


def party_org_code(region_code: str) -> str:
    return f"{ORG_PREFIX}party-{region_code}"


def enterprise_code(slug: str) -> str:
    return f"{ORG_PREFIX}ent-{slug}"


def committee_code(industry: str) -> str:
    slug = next(i.slug for i in data.INDUSTRIES if i.industry == industry)
    return f"{ORG_PREFIX}ic-{slug}"


@lru_cache(maxsize=1)
def city_plan() -> CityPlan:
    regions, by_names = _plan_regions()
    outlets = _plan_outlets(regions, by_names)
    staff, handler_of_community, admin_of_enterprise = _plan_staff(regions, by_names)
    workers = _plan_workers(
        regions,
        by_names,
        outlets,
        handler_of_community=handler_of_community,
        admin_of_enterprise=admin_of_enterprise,
    )
    return CityPlan(
        regions=tuple(regions),
        region_by_names=by_names,
        org_waves=_plan_orgs(regions, by_names),
        outlets=tuple(outlets),
        staff=tuple(staff),
        workers=tuple(workers),
    )


def _community_names(rng: random.Random, street_name: str, count: int, used: set[str]) -> list[str]:
    names: list[str] = []
    first = street_name.removesuffix("街道") + "社区"
    if first not in used:
        names.append(first)
        used.add(first)
    while len(names) < count:
        stem = rng.choice(data.COMMUNITY_STEMS)
        suffix = "社区" if stem[-1] in "园苑湖城港村" else rng.choice(data.COMMUNITY_SUFFIXES)
        name = stem + suffix
        if name not in used:
            names.append(name)
            used.add(name)
    return names


def _plan_regions() -> tuple[list[RegionPlan], dict[tuple[str, ...], str]]:
    """City > districts > streets > communities, each with a Voronoi-cell boundary.

    A district's area is its Voronoi cell among the district centroids clipped to a disc of
    its radius; a street's area is its cell among the district's street centres clipped to
    the district; a community's likewise within its street. So every level tiles its parent
    and each centroid lies inside its own region.
    """
    frame = Frame(*data.CITY_CENTRE)
    district_points = [frame.to_xy(d.lat, d.lng) for d in data.DISTRICTS]
    discs = [disc(p, d.radius_km) for p, d in zip(district_points, data.DISTRICTS, strict=True)]
    cells = voronoi_cells(district_points, unary_union(discs))
    district_areas = [c.intersection(d) for c, d in zip(cells, discs, strict=True)]

    def plan(
        code: str,
        name: str,
        level: str,
        parent: str | None,
        xy: tuple[float, float],
        area: BaseGeometry,
        urban: bool,
    ) -> RegionPlan:
        lat, lng = frame.to_lat_lng(*xy)
        return RegionPlan(
            code=code,
            name=name,
            level=level,
            parent_code=parent,
            lat=round(lat, 6),
            lng=round(lng, 6),
            boundary=frame.to_geojson(area),
            urban=urban,
        )

    city_xy = frame.to_xy(*data.CITY_CENTRE)
    city = plan(
        data.CITY_CODE,
        data.CITY_NAME,
        RegionLevel.CITY,
        None,
        city_xy,
        unary_union(district_areas),
        True,
    )
    districts: list[RegionPlan] = []
    streets: list[RegionPlan] = []
    communities: list[RegionPlan] = []
    by_names: dict[tuple[str, ...], str] = {}
    used_names = {c for seeds in data.STREETS.values() for s in seeds for c in s.communities}

    for district, d_xy, d_area in zip(data.DISTRICTS, district_points, district_areas, strict=True):
        districts.append(
            plan(district.code, district.name, RegionLevel.DISTRICT, city.code, d_xy, d_area, district.urban)
        )
        by_names[(district.name,)] = district.code
        seeds = data.STREETS[district.code]
        rng = _rng(f"wuhan-{district.code}")
        fixed: dict[int, tuple[float, float]] = {}
        for index, seed in enumerate(seeds):
            if seed.at is not None:
                fixed[index] = _inside(frame.to_xy(*seed.at), d_area, seed.name)
        street_points = scatter(
            rng,
            area=d_area,
            centre=d_xy,
            radius_km=district.radius_km * 0.75,
            count=len(seeds),
            min_gap_km=0.8 * math.sqrt(d_area.area / len(seeds)),
            fixed=fixed,
        )
        street_areas = voronoi_cells(street_points, d_area)
        for index, (seed, s_xy, s_area) in enumerate(zip(seeds, street_points, street_areas, strict=True), start=1):
            s_code = f"{district.code}{index:03d}"
            streets.append(plan(s_code, seed.name, RegionLevel.STREET, district.code, s_xy, s_area, district.urban))
            by_names[(district.name, seed.name)] = s_code
            c_rng = _rng(f"wuhan-{s_code}")
            names = list(seed.communities) or _community_names(c_rng, seed.name, c_rng.randint(3, 6), used_names)
            c_fixed = {
                i: _inside(frame.to_xy(*data.FIXED_COMMUNITY_POINTS[(seed.name, n)]), s_area, n)
                for i, n in enumerate(names)
                if (seed.name, n) in data.FIXED_COMMUNITY_POINTS
            }
            c_points = scatter(
                c_rng,
                area=s_area,
                centre=s_xy,
                radius_km=math.sqrt(s_area.area / math.pi),
                count=len(names),
                min_gap_km=0.7 * math.sqrt(s_area.area / len(names)),
                fixed=c_fixed,
            )
            for c_index, (c_name, c_xy, c_area) in enumerate(
                zip(names, c_points, voronoi_cells(c_points, s_area), strict=True), start=1
            ):
                c_code = f"{s_code}{c_index:03d}"
                communities.append(plan(c_code, c_name, RegionLevel.COMMUNITY, s_code, c_xy, c_area, district.urban))
                by_names[(district.name, seed.name, c_name)] = c_code
    return [city, *districts, *streets, *communities], by_names


def _inside(xy: tuple[float, float], area: BaseGeometry, name: str) -> tuple[float, float]:
    if not area.contains(Point(xy)):
        raise ValueError(f"demo data: the fixed point of {name} lies outside its parent's area")
    return xy


def _plan_orgs(regions: list[RegionPlan], by_names: dict[tuple[str, ...], str]) -> tuple[tuple[OrgPlan, ...], ...]:
    names = {r.code: r.name for r in regions}
    city = data.CITY_CODE
    waves: list[list[OrgPlan]] = [[], [], [], [], []]
    for region in regions:
        parent = party_org_code(region.parent_code) if region.parent_code else None
        if region.level == RegionLevel.CITY:
            name, short, wave = "中共武汉市委组织部", "市委组织部", 0
        elif region.level == RegionLevel.DISTRICT:
            name, short, wave = f"中共武汉市{region.name}委员会", f"{region.name}委", 1
        elif region.level == RegionLevel.STREET:
            district_name = names[region.parent_code or ""]
            name, short, wave = f"中共{district_name}{region.name}工作委员会", f"{region.name}党工委", 2
        else:
            street = names[region.parent_code or ""]
            name, short, wave = f"中共{street}{region.name}委员会", f"{region.name}党委", 3
        waves[wave].append(OrgPlan(party_org_code(region.code), OrgKind.PARTY_ORG, name, short, region.code, parent))
    last = waves[4]
    for industry in data.INDUSTRIES:
        last.append(
            OrgPlan(
                committee_code(industry.industry),
                OrgKind.INDUSTRY_COMMITTEE,
                industry.committee,
                industry.committee_short,
                city,
                party_org_code(city),
                industry=industry.industry,
            )
        )
        last.append(
            OrgPlan(
                f"{ORG_PREFIX}reg-{industry.slug}",
                OrgKind.REGULATOR,
                industry.regulator,
                industry.regulator_short,
                city,
                party_org_code(city),
                industry=industry.industry,
                department_type=industry.regulator_department_type,
            )
        )
    for district in data.DISTRICTS:
        short = district.name.removesuffix("区")
        for dept in data.DISTRICT_DEPARTMENTS:
            last.append(
                OrgPlan(
                    f"{ORG_PREFIX}{dept.code_prefix}-{district.code}",
                    OrgKind.DEPARTMENT,
                    dept.name.format(district=district.name, short=short),
                    dept.short_name.format(district=district.name, short=short),
                    district.code,
                    party_org_code(district.code),
                    department_type=dept.department_type,
                )
            )
    for unit in data.ALLIANCE_UNITS:
        key = tuple(n for n in (unit.district, unit.street) if n)
        region_code = by_names[key] if key else city
        last.append(
            OrgPlan(
                f"{ORG_PREFIX}alliance-{unit.slug}",
                OrgKind.ALLIANCE_UNIT,
                unit.name,
                unit.short_name,
                region_code,
                party_org_code(region_code),
                address=unit.address,
            )
        )
    return tuple(tuple(wave) for wave in waves)


def _plan_outlets(regions: list[RegionPlan], by_names: dict[tuple[str, ...], str]) -> list[OutletPlan]:
    by_code = {r.code: r for r in regions}
    outlets: list[OutletPlan] = []

    def add(slug: str, seed: data.OutletSeed, parent_path: tuple[str, ...]) -> None:
        street_code = by_names[(seed.district, seed.street)]
        community_code = (
            by_names[(seed.district, seed.street, seed.community)] if seed.community else f"{street_code}001"
        )
        community = by_code[community_code]
        rng = _rng(f"outlet-{slug}-{seed.name}")
        path = (*parent_path, seed.name)
        outlets.append(
            OutletPlan(
                enterprise_code=enterprise_code(slug),
                path=path,
                community_code=community_code,
                address=f"武汉市{seed.district}{seed.street}{community.name}",
                lat=round(community.lat + rng.uniform(-0.002, 0.002), 6),
                lng=round(community.lng + rng.uniform(-0.002, 0.002), 6),
            )
        )
        for child in seed.children:
            add(slug, child, path)

    for slug, seeds in data.OUTLETS.items():
        for seed in seeds:
            add(slug, seed, ())
    return outlets


def _plan_staff(
    regions: list[RegionPlan], by_names: dict[tuple[str, ...], str]
) -> tuple[list[StaffPlan], dict[str, str], dict[str, str]]:
    """Demo staff, one handler per community and one admin per enterprise party organisation.

    Returns the staff, the deciding handler's phone per community code and the deciding
    admin's phone per enterprise code.
    """
    staff: list[StaffPlan] = []
    handler_of_community: dict[str, str] = {}
    admin_of_enterprise: dict[str, str] = {}
    for demo in data.DEMO_STAFF:
        org = demo.organisation or party_org_code(by_names[demo.region])
        staff.append(StaffPlan(demo.phone, demo.name, demo.role, org))
        if demo.role == Role.HANDLER and demo.region and len(demo.region) == 3:
            handler_of_community[by_names[demo.region]] = demo.phone
        if demo.role == Role.ADMIN and org.endswith("-party") and org.startswith(f"{ORG_PREFIX}ent-"):
            admin_of_enterprise[org.removesuffix("-party")] = demo.phone

    rng = _rng("wuhan-staff")
    communities = [r for r in regions if r.level == RegionLevel.COMMUNITY]
    for number, community in enumerate(communities, start=1):
        name = person_name(rng, female_share=0.6)
        if community.code in handler_of_community:
            continue
        phone = str(HANDLER_PHONE_BASE + number)
        staff.append(StaffPlan(phone, name, Role.HANDLER, party_org_code(community.code)))
        handler_of_community[community.code] = phone
    for number, seed in enumerate(data.ENTERPRISES, start=1):
        name = person_name(rng, female_share=0.4)
        code = enterprise_code(seed.slug)
        if code in admin_of_enterprise:
            continue
        phone = str(ENTERPRISE_ADMIN_PHONE_BASE + number)
        staff.append(StaffPlan(phone, name, Role.ADMIN, f"{code}-party"))
        admin_of_enterprise[code] = phone
    return staff, handler_of_community, admin_of_enterprise


def _plan_workers(
    regions: list[RegionPlan],
    by_names: dict[tuple[str, ...], str],
    outlets: list[OutletPlan],
    *,
    handler_of_community: dict[str, str],
    admin_of_enterprise: dict[str, str],
) -> list[WorkerPlan]:
    workers: list[WorkerPlan] = []
    for demo in data.DEMO_WORKERS:
        workers.append(
            WorkerPlan(
                phone=demo.phone,
                name=demo.name,
                worker_type=demo.worker_type,
                enterprise_code=enterprise_code(demo.enterprise),
                outlet_path=demo.outlet,
                community_code=by_names[(demo.district, demo.street, demo.community)],
                party_member=demo.phone == "13800000001",
                registered_days_ago=_DEMO_WORKER_DAYS.get(demo.phone, 1.0),
                checkin_status=demo.checkin,
                checkin_note="",
                checkin_after_hours=5.0,
                employment_status=demo.employment,
                employment_note="",
                employment_after_hours=20.0,
            )
        )

    rng = _rng("wuhan-workers")
    communities = [r for r in regions if r.level == RegionLevel.COMMUNITY]
    community_weights = [3.0 if c.urban else 1.0 for c in communities]
    communities_of_street: dict[str, list[str]] = {}
    for c in communities:
        communities_of_street.setdefault(c.parent_code or "", []).append(c.code)
    street_of = {c.code: c.parent_code or "" for c in communities}
    leaf_outlets: dict[str, list[OutletPlan]] = {}
    parents = {(o.enterprise_code, o.path[:-1]) for o in outlets if len(o.path) > 1}
    for candidate in outlets:
        if (candidate.enterprise_code, candidate.path) not in parents:
            leaf_outlets.setdefault(candidate.enterprise_code, []).append(candidate)
    xichangkou = by_names[data.XICHANGKOU]
    members = set(rng.sample(range(WORKER_COUNT), round(WORKER_COUNT / 8)))
    types = list(_WORKER_TYPE_WEIGHTS)
    type_weights = list(_WORKER_TYPE_WEIGHTS.values())

    for index in range(WORKER_COUNT):
        worker_type = rng.choices(types, weights=type_weights)[0]
        name = person_name(rng, female_share=_FEMALE_SHARE[worker_type])
        enterprise: str | None = None
        outlet: OutletPlan | None = None
        if worker_type in _INDUSTRY_OF_WORKER:
            candidates = [e for e in data.ENTERPRISES if e.industry == _INDUSTRY_OF_WORKER[worker_type]]
            seed = rng.choices(candidates, weights=[e.weight for e in candidates])[0]
            enterprise = enterprise_code(seed.slug)
            choices = leaf_outlets.get(enterprise, [])
            if choices and rng.random() < 0.75:
                outlet = rng.choice(choices)
        if index % 37 == 0:
            community = xichangkou  # a queue worth looking at for the 西厂口 handler
        elif outlet is not None and rng.random() < 0.6:
            community = rng.choice(communities_of_street[street_of[outlet.community_code]])
        else:
            community = rng.choices(communities, weights=community_weights)[0].code

        draw = rng.random()
        if draw < 0.05:
            checkin, note = CheckinStatus.REJECTED, rng.choice(data.CHECKIN_REJECT_NOTES)
        elif draw < 0.20:
            checkin, note = CheckinStatus.PENDING, ""
        else:
            checkin, note = CheckinStatus.CONFIRMED, ""
        # Waiting check-ins are recent; decided ones spread over the year.
        days_ago = rng.uniform(0.2, 12) if checkin == CheckinStatus.PENDING else rng.uniform(3, 365)
        employment: str = EmploymentStatus.PENDING
        employment_note = ""
        if enterprise is not None:
            draw = rng.random()
            if draw < 0.04:
                employment = EmploymentStatus.REJECTED
                employment_note = rng.choice(data.EMPLOYMENT_REJECT_NOTES)
            elif draw > (0.5 if checkin == CheckinStatus.PENDING else 0.1):
                employment = EmploymentStatus.CONFIRMED
        workers.append(
            WorkerPlan(
                phone=str(WORKER_PHONE_BASE + index + 1),
                name=name,
                worker_type=worker_type,
                enterprise_code=enterprise,
                outlet_path=outlet.path if outlet else (),
                community_code=community,
                party_member=index in members,
                registered_days_ago=days_ago,
                checkin_status=checkin,
                checkin_note=note,
                checkin_after_hours=rng.uniform(1, 60),
                employment_status=employment,
                employment_note=employment_note,
                employment_after_hours=rng.uniform(2, 96),
            )
        )
    # Every decision needs a decider: a handler per community, an admin per enterprise.
    assert all(w.community_code in handler_of_community for w in workers)
    assert all(w.enterprise_code in admin_of_enterprise for w in workers if w.enterprise_code)
    return workers


# --- Loading ----------------------------------------------------------------------------------
@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def already_loaded(self) -> bool:
        return not any(self.created.values())


# The hour of day the demo's tests replay the city at: history cut at a fixed hour is the same
# history whenever the suite runs (which cases are overdue, which the sweep escalated), so a
# test can't pass in the morning and fail at night.
DEMO_TEST_HOUR = 10


def demo_clock(real_now: datetime | None = None) -> datetime:
    """The replay's "now" for tests: the latest DEMO_TEST_HOUR:00 in Wuhan at or before
    `real_now` (at most a day back, so everything planned as upcoming is still upcoming)."""
    real_now = real_now or timezone.now()
    local = timezone.localtime(real_now, SHANGHAI)
    cut = local.replace(hour=DEMO_TEST_HOUR, minute=0, second=0, microsecond=0)
    if cut > local:
        cut -= timedelta(days=1)
    return cut


def load_wuhan(*, now: datetime | None = None) -> LoadResult:
    """Create whatever part of the Wuhan demo city (with its stations and events) is missing, in one transaction."""
    # Imported here: the stations are planned from this module's city plan.
    from .appeals import load_appeals
    from .casework import load_casework
    from .hives import load_hives
    from .learning import load_learning
    from .open311 import load_open311
    from .points import load_points
    from .volunteering import load_volunteering

    started = time.monotonic()
    plan = city_plan()
    now = now or timezone.now()
    result = LoadResult()
    with transaction.atomic():
        regions = _load_regions(plan, result.created)
        orgs = _load_orgs(plan, regions, result.created)
        outlets = _load_outlets(plan, regions, orgs, result.created)
        users = _load_users(plan, now, result.created)
        _load_memberships(plan, users, orgs, result.created)
        _load_profiles(plan, now, users, regions, orgs, outlets, result.created)
        load_hives(now=now, regions=regions, orgs=orgs, users=users, created=result.created)
        load_points(now=now, users=users, created=result.created)
        load_casework(now=now, users=users, created=result.created)
        load_appeals(now=now, users=users, created=result.created)
        load_learning(now=now, users=users, created=result.created)
        load_volunteering(now=now, created=result.created)
        load_open311(now=now, created=result.created)
    result.seconds = time.monotonic() - started
    return result


def region_bbox(boundary: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) exactly as orgs.services computes it."""
    geometry = shape(boundary)
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid:
        raise ValueError(f"demo data: invalid boundary {geometry.geom_type}")
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    return min_lat, max_lat, min_lng, max_lng


def _load_regions(plan: CityPlan, created: Counter[str]) -> dict[str, Region]:
    existing = {r.code: r for r in Region.objects.filter(code__startswith=data.CITY_CODE)}
    for level in (RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY):
        new: list[Region] = []
        for spec in plan.regions:
            if spec.level != level or spec.code in existing:
                continue
            parent = existing[spec.parent_code] if spec.parent_code else None
            region = Region(
                code=spec.code,
                name=spec.name,
                level=spec.level,
                parent=parent,
                lat=spec.lat,
                lng=spec.lng,
                boundary=spec.boundary,
                path=f"{parent.path if parent else ''}{spec.code}/",
            )
            region.min_lat, region.max_lat, region.min_lng, region.max_lng = region_bbox(spec.boundary)
            region.full_clean(exclude=["path", "parent"], validate_unique=False, validate_constraints=False)
            new.append(region)
        if new:
            Region.objects.bulk_create(new, batch_size=250)
            created["regions"] += len(new)
            existing.update((r.code, r) for r in Region.objects.filter(code__in=[r.code for r in new]))
    return existing


def _load_orgs(plan: CityPlan, regions: dict[str, Region], created: Counter[str]) -> dict[str, Organisation]:
    existing = {o.code: o for o in Organisation.objects.filter(code__startswith=ORG_PREFIX)}
    for wave in plan.org_waves:
        new: list[Organisation] = []
        for spec in wave:
            if spec.code in existing:
                continue
            org = Organisation(
                code=spec.code,
                kind=spec.kind,
                name=spec.name,
                short_name=spec.short_name,
                region=regions[spec.region_code],
                parent=existing[spec.parent_code] if spec.parent_code else None,
                industry=spec.industry,
                department_type=spec.department_type,
                address=spec.address,
            )
            org.full_clean(
                exclude=["region", "parent", "enterprise"],
                validate_unique=False,
                validate_constraints=False,
            )
            new.append(org)
        if new:
            Organisation.objects.bulk_create(new, batch_size=250)
            created["organisations"] += len(new)
            existing.update((o.code, o) for o in Organisation.objects.filter(code__in=[o.code for o in new]))
    city = regions[data.CITY_CODE]
    added = False
    for seed in data.ENTERPRISES:
        if enterprise_code(seed.slug) in existing:
            continue
        # The service creates the enterprise and its party organisation under the committee.
        enterprise_create(
            code=enterprise_code(seed.slug),
            name=seed.name,
            short_name=seed.short_name,
            industry=seed.industry,
            region=city,
            industry_committee=existing[committee_code(seed.industry)],
            contact_phone=seed.contact_phone,
        )
        created["organisations"] += 2
        added = True
    if added:
        existing = {o.code: o for o in Organisation.objects.filter(code__startswith=ORG_PREFIX)}
    return existing


def _load_outlets(
    plan: CityPlan,
    regions: dict[str, Region],
    orgs: dict[str, Organisation],
    created: Counter[str],
) -> dict[tuple[str, tuple[str, ...]], Outlet]:
    existing: dict[tuple[str, tuple[str, ...]], Outlet] = {}
    for outlet in Outlet.objects.filter(enterprise__code__startswith=ORG_PREFIX).select_related("enterprise", "parent"):
        path = (outlet.parent.name, outlet.name) if outlet.parent else (outlet.name,)
        existing[(outlet.enterprise.code, path)] = outlet
    for spec in plan.outlets:
        key = (spec.enterprise_code, spec.path)
        if key in existing:
            continue
        existing[key] = outlet_create(
            enterprise=orgs[spec.enterprise_code],
            name=spec.path[-1],
            parent=existing[(spec.enterprise_code, spec.path[:-1])] if len(spec.path) > 1 else None,
            region=regions[spec.community_code],
            address=spec.address,
            lat=spec.lat,
            lng=spec.lng,
        )
        created["outlets"] += 1
    return existing


def _demo_users_q(prefix: str = "") -> Q:
    demo_phones = [s.phone for s in data.DEMO_STAFF] + [w.phone for w in data.DEMO_WORKERS]
    return Q(**{f"{prefix}phone__startswith": GENERATED_PHONE_PREFIX}) | Q(**{f"{prefix}phone__in": demo_phones})


def _load_users(plan: CityPlan, now: datetime, created: Counter[str]) -> dict[str, User]:
    existing = set(User.objects.filter(_demo_users_q()).values_list("phone", flat=True))
    staff_joined = now - timedelta(days=400)
    wanted: list[tuple[str, str, datetime]] = [(s.phone, s.name, staff_joined) for s in plan.staff]
    wanted += [(w.phone, w.name, now - timedelta(days=w.registered_days_ago)) for w in plan.workers]
    missing = [item for item in wanted if item[0] not in existing]
    if missing:
        # Argon2 is slow on purpose: hash the shared demo password once.
        password = make_password(data.DEMO_PASSWORD)
        User.objects.bulk_create(
            [User(phone=p, name=n, password=password, date_joined=j) for p, n, j in missing],
            batch_size=250,
        )
        created["users"] += len(missing)
    return {u.phone: u for u in User.objects.filter(_demo_users_q())}


def _load_memberships(
    plan: CityPlan, users: dict[str, User], orgs: dict[str, Organisation], created: Counter[str]
) -> None:
    existing = set(Membership.objects.filter(_demo_users_q("user__")).values_list("user_id", "organisation_id", "role"))
    city_admin = next(users[s.phone] for s in plan.staff if s.role == Role.CITY_ADMIN)
    bulk: list[Membership] = []
    demo_phones = {s.phone for s in data.DEMO_STAFF}
    for spec in plan.staff:
        user, org = users[spec.phone], orgs[spec.organisation_code]
        if (user.pk, org.pk, spec.role) in existing:
            continue
        granted_by = None if user == city_admin else city_admin
        if spec.phone in demo_phones:
            membership_grant(user=user, organisation=org, role=spec.role, actor=granted_by)
        else:
            bulk.append(Membership(user=user, organisation=org, role=spec.role, granted_by=granted_by))
        created["memberships"] += 1
    Membership.objects.bulk_create(bulk, batch_size=250)


def _load_profiles(
    plan: CityPlan,
    now: datetime,
    users: dict[str, User],
    regions: dict[str, Region],
    orgs: dict[str, Organisation],
    outlets: dict[tuple[str, tuple[str, ...]], Outlet],
    created: Counter[str],
) -> None:
    have_profile = set(WorkerProfile.objects.filter(_demo_users_q("user__")).values_list("user_id", flat=True))
    deciders = {s.organisation_code: users[s.phone] for s in plan.staff if s.role != Role.KEEPER}
    handler_of = {s.organisation_code: users[s.phone] for s in plan.staff if s.role == Role.HANDLER}
    latest = now - timedelta(minutes=1)
    new: list[tuple[WorkerProfile, tuple[datetime, datetime], list[ProfileEvent]]] = []
    for spec in plan.workers:
        user = users[spec.phone]
        if user.pk in have_profile:
            continue
        registered = now - timedelta(days=spec.registered_days_ago)
        profile = WorkerProfile(
            user=user,
            worker_type=spec.worker_type,
            enterprise=orgs[spec.enterprise_code] if spec.enterprise_code else None,
            outlet=outlets[(spec.enterprise_code, spec.outlet_path)]
            if spec.enterprise_code and spec.outlet_path
            else None,
            community=regions[spec.community_code],
            party_member=spec.party_member,
            checkin_status=spec.checkin_status,
            checkin_note=spec.checkin_note,
            employment_status=spec.employment_status,
            employment_note=spec.employment_note,
        )
        events = [
            ProfileEvent(
                profile=profile,
                action=ProfileEventAction.REGISTERED,
                actor=user,
                actor_role="worker",
                to_status=CheckinStatus.PENDING,
                at=registered,
            )
        ]
        touched = registered
        if spec.checkin_status != CheckinStatus.PENDING:
            party_org = orgs[party_org_code(spec.community_code)]
            handler = handler_of[party_org.code]
            at = min(registered + timedelta(hours=spec.checkin_after_hours), latest)
            profile.checkin_decided_by, profile.checkin_decided_at = handler, at
            events.append(
                ProfileEvent(
                    profile=profile,
                    action=ProfileEventAction.CHECKIN_CONFIRMED
                    if spec.checkin_status == CheckinStatus.CONFIRMED
                    else ProfileEventAction.CHECKIN_REJECTED,
                    actor=handler,
                    actor_role=Role.HANDLER,
                    organisation=party_org,
                    from_status=CheckinStatus.PENDING,
                    to_status=spec.checkin_status,
                    note=spec.checkin_note,
                    at=at,
                )
            )
            touched = max(touched, at)
        if spec.enterprise_code and spec.employment_status != EmploymentStatus.PENDING:
            party_org = orgs[f"{spec.enterprise_code}-party"]
            admin = deciders[party_org.code]
            at = min(registered + timedelta(hours=spec.employment_after_hours), latest)
            profile.employment_decided_by, profile.employment_decided_at = admin, at
            events.append(
                ProfileEvent(
                    profile=profile,
                    action=ProfileEventAction.EMPLOYMENT_CONFIRMED
                    if spec.employment_status == EmploymentStatus.CONFIRMED
                    else ProfileEventAction.EMPLOYMENT_REJECTED,
                    actor=admin,
                    actor_role=Role.ADMIN,
                    organisation=party_org,
                    from_status=EmploymentStatus.PENDING,
                    to_status=spec.employment_status,
                    note=spec.employment_note,
                    at=at,
                )
            )
            touched = max(touched, at)
        new.append((profile, (registered, touched), events))
    if not new:
        return
    profiles = [profile for profile, _times, _events in new]
    WorkerProfile.objects.bulk_create(profiles, batch_size=250)
    # bulk_create stamps created_at/updated_at with "now" (auto_now_add): put the history back.
    stored = {
        p.user_id: p
        for p in WorkerProfile.objects.filter(user_id__in=[p.user_id for p in profiles]).only("id", "user_id")
    }
    for profile, (registered, touched), _events in new:
        stored_profile = stored[profile.user_id]
        stored_profile.created_at, stored_profile.updated_at = registered, touched
        profile.pk = stored_profile.pk
        profile.created_at, profile.updated_at = registered, touched
    WorkerProfile.objects.bulk_update(stored.values(), ["created_at", "updated_at"], batch_size=250)
    counted_rows_changed(Counted.WORKER_PROFILE, *profiles)
    events = [event for _profile, _times, evs in new for event in evs]
    for event in events:
        event.profile_id = event.profile.pk
    ProfileEvent.objects.bulk_create(events, batch_size=250)
    created["worker profiles"] += len(profiles)
    created["profile events"] += len(events)


# --- Reporting -------------------------------------------------------------------------------
def city_counts() -> dict[str, int]:
    """What the demo city holds now (only rows the loader owns)."""
    counts: dict[str, int] = {}
    by_level = dict(
        Region.objects.filter(code__startswith=data.CITY_CODE)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    for level in RegionLevel:
        counts[f"regions.{level.value}"] = by_level.get(level.value, 0)
    by_kind = dict(
        Organisation.objects.filter(code__startswith=ORG_PREFIX)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    for kind in OrgKind:
        counts[f"organisations.{kind.value}"] = by_kind.get(kind.value, 0)
    counts["outlets"] = Outlet.objects.filter(enterprise__code__startswith=ORG_PREFIX).count()
    profiles = WorkerProfile.objects.filter(_demo_users_q("user__"))
    counts["workers"] = profiles.count()
    for worker_type in WorkerType:
        counts[f"workers.{worker_type.value}"] = profiles.filter(worker_type=worker_type).count()
    counts["workers.party_member"] = profiles.filter(party_member=True).count()
    for status in CheckinStatus:
        counts[f"checkin.{status.value}"] = profiles.filter(checkin_status=status).count()
    for employment in EmploymentStatus:
        counts[f"employment.{employment.value}"] = profiles.filter(employment_status=employment).count()
    counts["profile_events"] = ProfileEvent.objects.filter(profile__in=profiles).count()
    counts["users"] = User.objects.filter(_demo_users_q()).count()
    counts["memberships"] = Membership.objects.filter(_demo_users_q("user__")).count()
    from .hives import hive_counts  # here: hives.py builds on this module

    counts.update(hive_counts())
    return counts


def summary_lines() -> list[str]:
    c = city_counts()
    return [
        f"regions: 1 city, {c['regions.district']} districts, {c['regions.street']} streets, "
        f"{c['regions.community']} communities",
        f"organisations: {c['organisations.party_org']} party orgs, "
        f"{c['organisations.department']} departments, "
        f"{c['organisations.industry_committee']} industry committees, "
        f"{c['organisations.regulator']} regulators, {c['organisations.enterprise']} enterprises "
        f"(+{c['organisations.enterprise_party_org']} party orgs), "
        f"{c['organisations.alliance_unit']} alliance units; {c['outlets']} outlets",
        f"workers: {c['workers']} ({c['workers.courier']} couriers, "
        f"{c['workers.food_delivery']} food delivery, {c['workers.ride_hailing']} ride-hailing, "
        f"{c['workers.other']} other), {c['workers.party_member']} party members; check-in "
        f"{c['checkin.confirmed']} confirmed / {c['checkin.pending']} pending / "
        f"{c['checkin.rejected']} rejected",
        f"accounts: {c['users']} users, {c['memberships']} staff roles",
        f"stations: {c['hives']} ({c['hives.demonstration']} demonstration, {c['hives.always_open']} open 24 h), "
        f"{c['opening_exceptions']} dated exceptions; {c['events']} events, "
        f"{c['event_registrations']} registrations",
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def accounts_table() -> str:
    """The demo accounts for `make run` to show."""
    rows = [(w.phone, w.name, w.description) for w in data.DEMO_WORKERS]
    rows += [(s.phone, s.name, s.description) for s in data.DEMO_STAFF]
    rows.sort()
    lines = [f"  Demo accounts (password for all: {data.DEMO_PASSWORD})"]
    lines += [f"  {phone}  {_pad(name, 6)}  {who}" for phone, name, who in rows]
    return "\n".join(lines)
