"""Where a new case goes first (RoutingRule), where a wrongly routed one goes back to (triage),
and where an overdue one escalates to.

Appeals add two targets (RoutingTarget): the party organisation of the enterprise an appeal
names, and the regulator of its industry; `route` takes the enterprise and industry for them.

Triage: a case whose place is unknown or has no receiving office goes to the party organisation
of its district; without even a district, to the city's party organisation.

Tie-break (`_one_per_region`, the one rule routing, triage and escalation all apply): when
several active offices of the wanted kind (and line of work) sit in the same region, the one set
up first (the lowest id) answers. A newer duplicate (a re-created office, a test office) never
silently takes over the work of the one people know, and a case escalates to the same office a
new case of that kind would be routed to. The single-office look-ups (city_party_org,
industry_committee, enterprise_party_org, _regulator) order by id the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from .models import RoutingRule, RoutingTarget


def ancestor_codes(region: Region) -> list[str]:
    """Codes from the city down to the region itself."""
    return [code for code in region.path.split("/") if code]


# --- Routing from what was read beforehand ------------------------------------------------------
@dataclass(frozen=True)
class RoutingInputs:
    """Everything routing a case of one kind and category at one region reads, read by the
    caller beforehand (the report intake reads it together with its other configuration in one
    statement, reports.selectors.intake_context): the region and its ancestors, the candidate
    rules with their organisations, and the active party organisations and departments of those
    regions. route_with_rule(inputs=…) then decides without a query, as it would with its own."""

    ancestors: list[Region]  # deepest first
    rules: list[RoutingRule]
    offices: list[Organisation]


# Columns the routing decision and the case's answer use (boundaries and timestamps are not read).
REGION_FIELDS = ("id", "code", "name", "level", "parent_id", "path", "lat", "lng")
ORGANISATION_FIELDS = (
    "id",
    "code",
    "kind",
    "name",
    "short_name",
    "region_id",
    "parent_id",
    "industry",
    "department_type",
    "enterprise_id",
    "is_active",
)


def ancestors_query(codes: list[str]) -> QuerySet[Region]:
    """The regions of these codes (ancestor_codes; any order: routing_inputs orders them)."""
    return Region.objects.filter(code__in=codes)


def rules_query(kind: str, category: str, codes: list[str] | None) -> QuerySet[RoutingRule]:
    """The active rules that may route such a case: of its category or any, for the whole city
    or one of the regions of these codes (the case's region's ancestor_codes; None: no region)."""
    where = Q(region__isnull=True)
    if codes:
        where |= Q(region__code__in=codes)
    return (
        RoutingRule.objects.filter(kind=kind, is_active=True)
        .filter(Q(category=category) | Q(category=""))
        .filter(where)
    )


def offices_query(codes: list[str]) -> QuerySet[Organisation]:
    """The active party organisations and departments of the regions of these codes."""
    return Organisation.objects.filter(
        kind__in=[OrgKind.PARTY_ORG, OrgKind.DEPARTMENT], is_active=True, region__code__in=codes
    )


def routing_inputs(
    region: Region | None, *, ancestors: list[Region], rules: list[RoutingRule], offices: list[Organisation]
) -> RoutingInputs:
    """RoutingInputs from the rows of ancestors_query, rules_query and offices_query, in any order."""
    if region is None:
        return RoutingInputs(ancestors=[], rules=rules, offices=[])
    by_code = {r.code: r for r in ancestors}
    ordered = [by_code[c] for c in reversed(ancestor_codes(region)) if c in by_code]
    return RoutingInputs(ancestors=ordered, rules=rules, offices=sorted(offices, key=lambda o: o.pk))


def _one_per_region(offices: Iterable[Organisation]) -> dict[int, Organisation]:
    """The tie-break (see the module's docstring): per region, the office with the lowest id."""
    chosen: dict[int, Organisation] = {}
    for office in sorted(offices, key=lambda o: o.pk):
        chosen.setdefault(office.region_id, office)
    return chosen


def _nearest(offices: Iterable[Organisation], regions: list[Region]) -> Organisation | None:
    """Of the first region in `regions` (deepest first) that has one of `offices`, its office by
    the tie-break."""
    found = _one_per_region(offices)
    return next((found[r.pk] for r in regions if r.pk in found), None)


def _offices_first(
    offices: list[Organisation], regions: list[Region], kind: str, department_type: str = ""
) -> Organisation | None:
    """routing's choice among read offices (RoutingInputs): the nearest by the tie-break."""
    wanted = {r.pk for r in regions}
    return _nearest(
        (
            o
            for o in offices
            if o.kind == kind
            and o.region_id in wanted
            and (not department_type or o.department_type == department_type)
        ),
        regions,
    )


def _ancestors(region: Region) -> list[Region]:
    """The region and its ancestors, deepest first, in one query."""
    codes = ancestor_codes(region)
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in reversed(codes) if c in by_code]


def _party_org_of_first(regions: list[Region], offices: list[Organisation] | None = None) -> Organisation | None:
    """The party organisation of the first (deepest) region that has an active one; from
    `offices` (RoutingInputs) when given."""
    if not regions:
        return None
    if offices is not None:
        return _offices_first(offices, regions, OrgKind.PARTY_ORG)
    return _nearest(
        Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region__in=regions, is_active=True).select_related(
            "region"
        ),
        regions,
    )


def city_party_org() -> Organisation | None:
    return (
        Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region__level=RegionLevel.CITY, is_active=True)
        .order_by("pk")
        .first()
    )


def triage_organisation(region: Region | None, inputs: RoutingInputs | None = None) -> Organisation | None:
    """The district's party organisation for a case in that district; else the city's."""
    if region is not None:
        ancestors = inputs.ancestors if inputs is not None else _ancestors(region)
        district = [r for r in ancestors if r.level in (RegionLevel.DISTRICT, RegionLevel.CITY)]
        found = _party_org_of_first(district, inputs.offices if inputs is not None else None)
        if found is not None:
            return found
    return city_party_org()


def enterprise_party_org(enterprise: Organisation) -> Organisation | None:
    """The enterprise's active party organisation, else the industry committee of its industry
    (someone must answer for an enterprise that has no party organisation yet)."""
    found = (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=enterprise, is_active=True)
        .order_by("pk")
        .first()
    )
    return found or industry_committee(enterprise.industry)


def industry_committee(industry: str) -> Organisation | None:
    if not industry:
        return None
    return (
        Organisation.objects.filter(kind=OrgKind.INDUSTRY_COMMITTEE, industry=industry, is_active=True)
        .order_by("pk")
        .first()
    )


def _regulator(industry: str, ancestors: list[Region]) -> Organisation | None:
    """The industry's regulator nearest the case (its district's before the city's)."""
    if not industry:
        return None
    found = list(Organisation.objects.filter(kind=OrgKind.REGULATOR, industry=industry, is_active=True).order_by("pk"))
    rank = {r.pk: i for i, r in enumerate(ancestors)}
    found.sort(key=lambda o: rank.get(o.region_id, len(rank)))
    return found[0] if found else None


def _target(
    rule: RoutingRule,
    ancestors: list[Region],
    enterprise: Organisation | None = None,
    industry: str = "",
    offices: list[Organisation] | None = None,
) -> Organisation | None:
    if rule.target == RoutingTarget.ORGANISATION:
        org = rule.organisation
        return org if org is not None and org.is_active else None
    if rule.target == RoutingTarget.ENTERPRISE_PARTY_ORG:
        return enterprise_party_org(enterprise) if enterprise is not None else None
    if rule.target == RoutingTarget.REGULATOR:
        return _regulator(industry, ancestors)
    if not ancestors:
        return None
    if rule.target == RoutingTarget.COMMUNITY:
        # The party organisation where the point lies (a street's, when only the street is known).
        below_district = [r for r in ancestors if r.level in (RegionLevel.COMMUNITY, RegionLevel.STREET)]
        return _party_org_of_first(below_district, offices)
    # A functional department of that kind in the case's district (or, failing that, the city's).
    if offices is not None:
        return _offices_first(offices, ancestors, OrgKind.DEPARTMENT, rule.department_type)
    return _nearest(
        Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT,
            department_type=rule.department_type,
            region__in=ancestors,
            is_active=True,
        ),
        ancestors,
    )


def route(
    kind: str,
    category: str,
    region: Region | None,
    *,
    enterprise: Organisation | None = None,
    industry: str = "",
) -> Organisation | None:
    """The first receiving organisation of a new case; None only when the city has no party
    organisation at all (a configuration error the caller reports)."""
    return route_with_rule(kind, category, region, enterprise=enterprise, industry=industry)[0]


def route_with_rule(
    kind: str,
    category: str,
    region: Region | None,
    *,
    enterprise: Organisation | None = None,
    industry: str = "",
    inputs: RoutingInputs | None = None,
) -> tuple[Organisation | None, RoutingRule | None]:
    """route(), with the rule that decided (None when the default did): the timeline says why.
    With `inputs` (read beforehand for this kind, category and region) it reads nothing more,
    but for targets the inputs do not cover (an appeal's enterprise or regulator, a city with no
    party organisation on the region's path)."""
    offices = inputs.offices if inputs is not None else None
    if inputs is not None:
        ancestors, rules = inputs.ancestors, list(inputs.rules)
    else:
        ancestors = _ancestors(region) if region is not None else []
        codes = ancestor_codes(region) if region is not None else None
        rules = list(rules_query(kind, category, codes).select_related("organisation"))
    depth = {r.pk: len(ancestors) - i for i, r in enumerate(ancestors)}  # deeper region → larger
    rules.sort(key=lambda r: (r.category == "", -depth.get(r.region_id or 0, 0), r.priority, r.pk))
    for rule in rules:
        org = _target(rule, ancestors, enterprise, industry, offices)
        if org is not None:
            return org, rule
    # No rule, or none that fits: the community where it lies, else triage.
    below_district = [r for r in ancestors if r.level in (RegionLevel.COMMUNITY, RegionLevel.STREET)]
    default = _party_org_of_first(below_district, offices)
    return default or triage_organisation(region, inputs), None


def _cleared_for(org: Organisation, candidate: Organisation) -> bool:
    """Whether `candidate` may hold a confidential case of `org`: an office of the same kind and,
    for departments, the same line of work (a district's police answers to the city's police,
    never to a party committee)."""
    return candidate.kind == org.kind and candidate.department_type == org.department_type


def _superior_department(org: Organisation) -> Organisation | None:
    """The department of the same type one region up (or higher): a district's police → the
    city's public security bureau."""
    ancestors = [r for r in _ancestors(org.region) if r.pk != org.region_id]
    if not ancestors:
        return None
    return _nearest(
        Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT,
            department_type=org.department_type,
            region__in=ancestors,
            is_active=True,
        ),
        ancestors,
    )


def escalation_parent(org: Organisation, *, confidential: bool = False) -> Organisation | None:
    """Where an overdue case of `org` goes, along the holder's own line: its configured parent;
    else, for a community's or street's party organisation, the party organisation one level up
    (community → street → district); for a department, the department of the same type above it
    (a district's police → the city's), failing that the party organisation of its own region;
    for any other office, the party organisation of its region. A district's party organisation
    is the top: nothing further.

    A confidential case never leaves offices cleared for it (`_cleared_for`): where the line
    leads elsewhere, it stays where it is, overdue."""
    parent = _line_parent(org)
    if confidential and parent is not None and not _cleared_for(org, parent):
        superior = _superior_department(org) if org.kind == OrgKind.DEPARTMENT else None
        return superior
    return parent


def _line_parent(org: Organisation) -> Organisation | None:
    if org.parent_id is not None:
        parent = Organisation.objects.filter(pk=org.parent_id, is_active=True).first()
        if parent is not None:
            return parent
    region = org.region
    if org.kind == OrgKind.PARTY_ORG:
        if region.level in (RegionLevel.COMMUNITY, RegionLevel.STREET) and region.parent_id is not None:
            return _party_org_of_first([r for r in _ancestors(region) if r.pk != region.pk and r.level != "city"])
        return None
    if org.kind == OrgKind.DEPARTMENT and org.department_type:
        superior = _superior_department(org)
        if superior is not None:
            return superior
    if region.level == RegionLevel.CITY:
        return None
    return _party_org_of_first([r for r in _ancestors(region) if r.level != RegionLevel.CITY])
