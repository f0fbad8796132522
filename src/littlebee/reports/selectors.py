"""Reads of reports, each through the case engine's one visibility rule (cases_visible_to)."""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, Count, F, JSONField, OuterRef, QuerySet, Subquery, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from littlebee.accounts.models import User
from littlebee.accounts.selectors import is_city_admin
from littlebee.cases import routing
from littlebee.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseFollower,
    CaseKind,
    CaseStatus,
    DeadlineRule,
    RoutingRule,
)
from littlebee.cases.selectors import case_ids_of_reporter, cases_visible_to, staff_org_ids
from littlebee.cases.services import deadline_rule_pick, deadline_rules_query
from littlebee.core.compiled_select import compiled_count, compiled_rows
from littlebee.core.errors import InvalidInput, NotFound
from littlebee.core.geo import bounding_box, haversine_m
from littlebee.core.pagination import MAX_LIMIT, MAX_OFFSET
from littlebee.core.read_together import Part, read_together
from littlebee.core.texts import in_language
from littlebee.orgs.models import Organisation, OrgKind, Region
from littlebee.orgs.selectors import CommunityMatch, community_covering_of, covering_candidates

from . import intake_version
from .models import APPROXIMATE_SOURCES, Report, ReportCategory, ReportFlag, ReportPhoto, Sensitivity

# A report's place and time are its case's (lat, lng, urgent, created_at, and its community as
# the case's region): loaded with it.
REPORT_RELATED = ("case", "case__organisation", "case__handler", "case__region__parent", "category")


def report_categories_active() -> QuerySet[ReportCategory]:
    return ReportCategory.objects.filter(is_active=True).order_by("order", "code")


def report_category(code: str) -> ReportCategory:
    """An active category by code; InvalidInput on "category" when missing or unknown."""
    if not code:
        raise InvalidInput.one("category", _("请选择类别。"))
    category = ReportCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise InvalidInput.one("category", _("请从给定的类别中选择。"))
    return category


@dataclass(frozen=True)
class IntakeContext:
    """What filing a report reads of the configuration: its category (None when no active one
    has the code), the deadline rule of its case, and what routing it reads (cases.routing) for
    the community where it lies."""

    category: ReportCategory | None
    deadline_rule: DeadlineRule
    routing: routing.RoutingInputs


def _columns(model: type[Any]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def _intake_parts(category_code: str, codes: list[str] | None) -> dict[str, Part]:
    """intake_context's queries, for the category and the community's ancestor codes."""
    kind = CaseKind.REPORT
    parts = {
        "category": Part(ReportCategory.objects.filter(code=category_code, is_active=True), _columns(ReportCategory)),
        "deadline": Part(deadline_rules_query(kind, category_code), _columns(DeadlineRule)),
        "rule": Part(
            routing.rules_query(kind, category_code, codes),
            _columns(RoutingRule),
            related={"organisation": routing.ORGANISATION_FIELDS},
        ),
    }
    if codes is not None:
        parts["ancestor"] = Part(routing.ancestors_query(codes), routing.REGION_FIELDS)
        parts["office"] = Part(routing.offices_query(codes), routing.ORGANISATION_FIELDS)
    return parts


def intake_context(category_code: str, community: Region | None, *, version: int | None = None) -> IntakeContext:
    """IntakeContext in one statement (core.read_together, compiled once per path length): the
    category by code, the deadline rules, the routing rules, the community's ancestors and their
    offices. The rules of each are their owners' (cases.routing, cases.services): only the round
    trips are saved.

    `version`: the intake's configuration version (reports.intake_version) as the caller read
    it, before this call (community_and_version reads it with the community). Then the whole of
    what any report reads of the configuration (the active categories, the reports' deadline and
    active routing rules, the regions and the active offices: a city's few thousand rows, no
    boundary) is read once per version and process, in one statement, and each report's part is
    picked from it in memory, as the statement above would pick it: the same rows, no statement.
    The instances are shared by the requests that get them: read them, never change them."""
    codes = routing.ancestor_codes(community) if community is not None else None
    if version is None:
        return _intake_read(category_code, community, codes)
    kept = _intake_kept
    if kept is None or kept.version != version:
        # Read after the version was: what is read is as new as that version or newer, never
        # older (a newer read kept under the older version is read again at the next version).
        kept = _IntakeKept.read(version)
        with _intake_lock:
            _set_kept(kept)
    key = (category_code, tuple(codes) if codes is not None else None)
    found = kept.contexts.get(key)
    if found is None:
        found = kept.context(category_code, community, codes)
        if len(kept.contexts) < _INTAKE_CONTEXTS_MAX:
            kept.contexts[key] = found
    return found


def _intake_all_parts() -> dict[str, Part]:
    """Everything _intake_parts reads for any category and community, at once (no boundary)."""
    kind = CaseKind.REPORT
    return {
        "category": Part(ReportCategory.objects.filter(is_active=True), _columns(ReportCategory)),
        "deadline": Part(DeadlineRule.objects.filter(kind=kind), _columns(DeadlineRule)),
        "rule": Part(
            RoutingRule.objects.filter(kind=kind, is_active=True),
            _columns(RoutingRule),
            related={"organisation": routing.ORGANISATION_FIELDS, "region": ("id", "code")},
        ),
        "region": Part(Region.objects.all(), routing.REGION_FIELDS),
        "office": Part(
            Organisation.objects.filter(kind__in=[OrgKind.PARTY_ORG, OrgKind.DEPARTMENT], is_active=True),
            routing.ORGANISATION_FIELDS,
        ),
    }


@dataclass
class _IntakeKept:
    """The report intake's whole configuration as of one version, and the contexts picked from it."""

    version: int
    categories: dict[str, ReportCategory]
    deadlines: dict[str, DeadlineRule]  # by category ("" the kind's default)
    rules: dict[str, list[RoutingRule]]  # by category ("" any category)
    regions: dict[str, Region]  # by code
    offices: dict[int, list[Organisation]]  # by region id
    contexts: dict[Hashable, IntakeContext]

    @classmethod
    def read(cls, version: int) -> _IntakeKept:
        rows = read_together(_intake_all_parts)
        rules: dict[str, list[RoutingRule]] = {}
        for rule in rows["rule"]:
            rules.setdefault(rule.category, []).append(rule)
        offices: dict[int, list[Organisation]] = {}
        for office in rows["office"]:
            offices.setdefault(office.region_id, []).append(office)
        return cls(
            version=version,
            categories={c.code: c for c in rows["category"]},
            deadlines={d.category: d for d in rows["deadline"]},
            rules=rules,
            regions={r.code: r for r in rows["region"]},
            offices=offices,
            contexts={},
        )

    def context(self, category_code: str, community: Region | None, codes: list[str] | None) -> IntakeContext:
        """What _intake_read reads for this category and community path, picked from the rows."""
        deadlines = [d for d in (self.deadlines.get(category_code), self.deadlines.get("")) if d is not None]
        # rules_query: of the category or any, for the whole city or a region of the path.
        wanted = set(codes or ())
        candidates = self.rules.get(category_code, []) + (self.rules.get("", []) if category_code else [])
        rules = [r for r in candidates if r.region_id is None or (r.region is not None and r.region.code in wanted)]
        # ancestors_query and offices_query: the regions of the path's codes and their offices.
        ancestors = [self.regions[c] for c in codes or () if c in self.regions]
        offices = [o for region in ancestors for o in self.offices.get(region.pk, [])]
        return IntakeContext(
            category=self.categories.get(category_code),
            deadline_rule=deadline_rule_pick(deadlines, CaseKind.REPORT, category_code),
            routing=routing.routing_inputs(community, ancestors=ancestors, rules=rules, offices=offices),
        )


def _set_kept(kept: _IntakeKept) -> None:
    global _intake_kept
    _intake_kept = kept


# The configuration of one version at a time, replaced whole (one reference: a request reads the
# version and its rows together).
_intake_kept: _IntakeKept | None = None
_intake_lock = threading.Lock()
# Categories × communities of a big city, and then some: beyond it, contexts are picked each time.
_INTAKE_CONTEXTS_MAX = 50_000


def _intake_read(category_code: str, community: Region | None, codes: list[str] | None) -> IntakeContext:
    rows = read_together(_intake_parts, category_code=category_code, codes=codes)
    return IntakeContext(
        category=rows["category"][0] if rows["category"] else None,
        deadline_rule=deadline_rule_pick(rows["deadline"], CaseKind.REPORT, category_code),
        routing=routing.routing_inputs(
            community, ancestors=rows.get("ancestor", []), rules=rows["rule"], offices=rows.get("office", [])
        ),
    )


def _covering_with_version(key: object, *, lat: float, lng: float) -> QuerySet[Any]:
    """orgs' communities whose box holds the point, each row with the intake's configuration
    version (a scalar subquery: the same snapshot as the communities)."""
    return covering_candidates(key, lat=lat, lng=lng).annotate(
        intake_version=RawSQL(intake_version.READ_SQL, (), output_field=BigIntegerField())  # noqa: S611 - a constant
    )


def community_and_version(lat: float, lng: float) -> tuple[CommunityMatch | None, int | None]:
    """orgs.selectors.community_covering (the same read, the same answer) and the intake's
    configuration version, in one statement; the version is None when no community's box holds
    the point (no row to carry it) or its row is missing."""
    rows = compiled_rows(_covering_with_version, lat=float(lat), lng=float(lng))
    version = rows[0]["intake_version"] if rows else None
    return community_covering_of(rows, lat, lng), version


def followed_case_ids(user: User, case_ids: list[int]) -> set[int]:
    """Which of these cases the user follows ("me too")."""
    if not case_ids or not user.is_authenticated:
        return set()
    return set(CaseFollower.objects.filter(user=user, case_id__in=case_ids).values_list("case_id", flat=True))


def followed_at(user: User, case_id: int) -> datetime | None:
    """When the user said "me too" to the case (or their own report was merged into it); None
    if they do not follow it."""
    return CaseFollower.objects.filter(user=user, case_id=case_id).values_list("created_at", flat=True).first()


def reports_of(worker: User) -> QuerySet[Report]:
    """The worker's own reports (and those they follow), newest first."""
    return (
        Report.objects.filter(case__in=case_ids_of_reporter(worker))
        .select_related(*REPORT_RELATED)
        .prefetch_related("photos")
        .order_by("-case__created_at", "-pk")
    )


# What the API's list of a worker's reports shows (reports.api), and nothing else: no region
# boundary, no whole rows of the people and offices involved.
_PAGE_COLUMNS = (
    "pk",
    "description",
    "address",
    "location_source",
    "category__code",
    "case__status",
    "case__reporter",
    "case__lat",
    "case__lng",
    "case__urgent",
    "case__overdue",
    "case__rating",
    "case__created_at",
    "case__accept_due_at",
    "case__resolve_due_at",
    "case__dispute_due_at",
    "case__region",
    "case__region__name",
    "case__organisation",
    "case__organisation__name",
)


@dataclass
class ReportPage:
    """A page of a worker's reports (reports_page_of): each row's columns (_PAGE_COLUMNS, plus
    `total`), and per report its timeline (oldest first: case_id, at, actor_role, action, note,
    data) and its photos (by id: id, image, thumbnail, status), as plain dicts."""

    count: int
    rows: list[dict[str, Any]]
    events: dict[int, list[dict[str, Any]]]
    photos: dict[int, list[dict[str, Any]]]


def _page_query(key: object, *, user_id: int) -> QuerySet[Any]:
    """reports_page_of's page: the worker's reports newest first, with how many there are (a
    window over the rows before LIMIT: the count without a statement of its own)."""
    # Only the id shapes the cases' rule (case_ids_of_reporter reads `pk`): no row is read for it.
    reporter = User(pk=user_id)
    return (
        Report.objects.filter(case__in=case_ids_of_reporter(reporter))
        .order_by("-case__created_at", "-pk")
        .values(*_PAGE_COLUMNS, total=Window(Count("pk")))
    )


def _details_query(key: object, *, case_ids: list[int]) -> QuerySet[Any]:
    """The page's timelines and photos in one statement: one row shape for both (part 0 an event,
    part 1 a photo; a photo's image, thumbnail and status in the text columns)."""
    events = CaseEvent.objects.filter(case_id__in=case_ids).values(
        part=Value(0),
        owner=F("case_id"),
        row_id=F("id"),
        when=F("at"),
        text1=F("actor_role"),
        text2=F("action"),
        text3=F("note"),
        extra=F("data"),
    )
    photos = ReportPhoto.objects.filter(report_id__in=case_ids).values(
        part=Value(1),
        owner=F("report_id"),
        row_id=F("id"),
        when=F("created_at"),
        text1=F("image"),
        text2=F("thumbnail"),
        text3=F("status"),
        extra=Value(None, output_field=JSONField()),
    )
    return events.order_by().union(photos.order_by(), all=True)


def reports_page_of(worker: User, *, limit: int, offset: int) -> ReportPage:
    """A page of the worker's own reports (and those they follow, case_ids_of_reporter), newest
    first, with how many there are, each report's timeline and photos. Two statements for a page
    (the page with its count; the timelines and photos), one when the worker has none; each
    compiled once per process (core.compiled_select), not per request. A page past the end
    counts with a third."""
    rows = compiled_rows(_page_query, user_id=worker.pk, limit=limit, offset=offset)
    if not rows:
        count = 0 if offset == 0 else compiled_count(_page_query, cap=MAX_OFFSET + MAX_LIMIT, user_id=worker.pk)
        return ReportPage(count=count, rows=[], events={}, photos={})
    events: dict[int, list[dict[str, Any]]] = {row["pk"]: [] for row in rows}
    photos: dict[int, list[dict[str, Any]]] = {row["pk"]: [] for row in rows}
    for detail in compiled_rows(_details_query, case_ids=list(events)):
        (events if detail["part"] == 0 else photos)[detail["owner"]].append(detail)
    for timeline in events.values():
        timeline.sort(key=lambda e: (e["when"], e["row_id"]))
    for shown in photos.values():
        shown.sort(key=lambda p: p["row_id"])
    return ReportPage(count=rows[0]["total"], rows=rows, events=events, photos=photos)


def report_for(user: User, report_id: int) -> Report:
    """The report if the user may see its case (its reporter, or staff of an organisation it sits
    or sat with, city admins for non-confidential ones); NotFound (404) otherwise."""
    report = (
        Report.objects.filter(pk=report_id, case__in=cases_visible_to(user).values("pk"))
        .select_related(*REPORT_RELATED)
        .prefetch_related("photos")
        .first()
    )
    if report is None:
        raise NotFound()
    return report


def report_point(report: Report) -> tuple[float, float]:
    """Where the report was made: its case's point (report_submit always gives the case one)."""
    case = report.case
    if case.lat is None or case.lng is None:
        raise ValueError(f"the case of report {report.pk} has no point")
    return case.lat, case.lng


def duplicate_radius_m() -> float:
    return float(settings.REPORTS_DUPLICATE_RADIUS_M)


# A possible duplicate is given back whole, as the ORM loaded it (callers read its case, its
# category and how many follow it), from plain columns in this order.
_REPORT_FIELDS = tuple(f.attname for f in Report._meta.concrete_fields)
_CASE_FIELDS = tuple(f.attname for f in Case._meta.concrete_fields)
_CATEGORY_FIELDS = tuple(f.attname for f in ReportCategory._meta.concrete_fields)


def _duplicates_query(
    key: object,
    *,
    code: str,
    min_lat: float,
    max_lat: float,
    min_lng: float,
    max_lng: float,
    exclude_id: int | None,
) -> QuerySet[Any]:
    """possible_duplicates' candidates: the box around the point, open public reports of the
    category placed exactly, each with its case's and category's columns and its followers (a
    subquery, not a GROUP BY over every column)."""
    followers = (
        CaseFollower.objects.filter(case_id=OuterRef("case_id"))
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _duplicate_candidates(code, min_lat, max_lat, min_lng, max_lng, exclude_id)
        .order_by()
        .values(
            *_REPORT_FIELDS,
            *(f"case__{name}" for name in _CASE_FIELDS),
            *(f"category__{name}" for name in _CATEGORY_FIELDS),
            followers_count=Coalesce(Subquery(followers), 0),
        )
    )


def _duplicate_candidates(
    code: str, min_lat: float, max_lat: float, min_lng: float, max_lng: float, exclude_id: int | None
) -> QuerySet[Report]:
    """The box around the point: open public reports of the category, placed exactly."""
    candidates = Report.objects.filter(
        case__kind=CaseKind.REPORT,
        case__category=code,
        case__lat__range=(min_lat, max_lat),
        case__lng__range=(min_lng, max_lng),
        case__confidential=False,
        case__status__in=list(OPEN_STATUSES),
        category__sensitivity=Sensitivity.PUBLIC,
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return candidates.exclude(location_source__in=APPROXIMATE_SOURCES)


def _duplicate_points_query(
    key: object,
    *,
    code: str,
    min_lat: float,
    max_lat: float,
    min_lng: float,
    max_lng: float,
    exclude_id: int | None,
) -> QuerySet[Any]:
    """duplicate_points' candidates: possible_duplicates' rows, with only what a submission's
    answer says of each."""
    return (
        _duplicate_candidates(code, min_lat, max_lat, min_lng, max_lng, exclude_id)
        .order_by()
        .values("pk", "case__status", "case__lat", "case__lng", "case__created_at", "case__reporter_id")
    )


def _duplicate_from(row: dict[str, Any], using: str) -> Report:
    """A candidate row as select_related("case", "category") loads it, with followers_count."""
    report = Report.from_db(using, _REPORT_FIELDS, [row[name] for name in _REPORT_FIELDS])
    case = Case.from_db(using, _CASE_FIELDS, [row[f"case__{name}"] for name in _CASE_FIELDS])
    category = ReportCategory.from_db(using, _CATEGORY_FIELDS, [row[f"category__{name}"] for name in _CATEGORY_FIELDS])
    Report.case.field.set_cached_value(report, case)
    Report.case.field.remote_field.set_cached_value(case, report)
    Report.category.field.set_cached_value(report, category)
    report.followers_count = row["followers_count"]  # type: ignore[attr-defined]
    return report


def _rows_in_box(
    query: Any, category: ReportCategory | str, lat: float, lng: float, radius: float, exclude_id: int | None
) -> Any:
    """The compiled read `query`'s rows for the category's reports in the box around the circle."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    return compiled_rows(
        query,
        code=category if isinstance(category, str) else category.code,
        min_lat=float(min_lat),
        max_lat=float(max_lat),
        min_lng=float(min_lng),
        max_lng=float(max_lng),
        exclude_id=exclude_id,
    )


def possible_duplicates(
    category: ReportCategory | str,
    lat: float,
    lng: float,
    radius_m: float | None = None,
    *,
    exclude_id: int | None = None,
) -> list[Report]:
    """Open public reports of the same category within radius_m (setting
    REPORTS_DUPLICATE_RADIUS_M, default 250 m), nearest first; each with `followers_count`. The
    case's kind, category and point narrow it (cases' case_kind_category_point_idx). One
    statement, compiled once per process (core.compiled_select): every report submission asks.

    Only reports placed exactly: one at an approximate point (APPROXIMATE_SOURCES: a community's
    centre, a place an address named) is not where its problem is, so a distance to it means
    nothing and would publish the stand-in point as a position. Callers whose own point is
    approximate ask nothing (Report.location_approximate)."""
    radius = duplicate_radius_m() if radius_m is None else radius_m
    rows = _rows_in_box(_duplicates_query, category, lat, lng, radius, exclude_id)
    using = Report.objects.db
    # The box's corners lie beyond the radius: those rows are dropped by their columns, before
    # any is made a report, a case and a category (the costly part, for every submission).
    pk = Report._meta.pk.attname
    near = []
    for row in rows:
        row_lat, row_lng = row["case__lat"], row["case__lng"]
        if row_lat is None or row_lng is None:
            raise ValueError(f"the case of report {row[pk]} has no point")
        distance = haversine_m(lat, lng, row_lat, row_lng)
        if distance <= radius:
            near.append((distance, row[pk], row))
    near.sort(key=lambda found: (found[0], found[1]))
    return [_duplicate_from(row, using) for _distance, _pk, row in near]


@dataclass(frozen=True, slots=True)
class DuplicatePoint:
    """A possible duplicate as a submission's answer lists it: no report, case or category made."""

    id: int
    status: str
    lat: float
    lng: float
    distance_m: float
    created_at: datetime
    reporter_id: int | None


def duplicate_points(
    category: ReportCategory | str, lat: float, lng: float, *, exclude_id: int | None = None
) -> list[DuplicatePoint]:
    """possible_duplicates' reports (the same ones, in the same order, within
    REPORTS_DUPLICATE_RADIUS_M) as the few columns a submission's answer says of each. Every
    submission asks, and its answer lists every open report nearby: on a busy corner dozens,
    each of which possible_duplicates makes a report, a case and a category, with every column
    and its followers counted."""
    radius = duplicate_radius_m()
    rows = _rows_in_box(_duplicate_points_query, category, lat, lng, radius, exclude_id)
    near = []
    for row in rows:
        row_lat, row_lng = row["case__lat"], row["case__lng"]
        if row_lat is None or row_lng is None:
            raise ValueError(f"the case of report {row['pk']} has no point")
        distance = haversine_m(lat, lng, row_lat, row_lng)
        if distance <= radius:
            near.append(
                DuplicatePoint(
                    row["pk"],
                    row["case__status"],
                    row_lat,
                    row_lng,
                    distance,
                    row["case__created_at"],
                    row["case__reporter_id"],
                )
            )
    near.sort(key=lambda found: (found.distance_m, found.id))
    return near


def _public_reports() -> QuerySet[Report]:
    """Reports anyone may know exist: a public category, a case that is not confidential."""
    return Report.objects.filter(category__sensitivity=Sensitivity.PUBLIC, case__confidential=False)


def report_is_public(report_id: int) -> bool:
    """Whether anyone may see the report's photos: a public category, not a confidential case."""
    return _public_reports().filter(pk=report_id).exists()


def report_followable(report_id: int) -> Report:
    """A report a worker may say "me too" to: public, not confidential, still open. NotFound
    otherwise, the same as for no such report, so nothing is learnt about the others."""
    report = (
        _public_reports()
        .filter(pk=report_id, case__status__in=list(OPEN_STATUSES))
        .select_related("case", "category")
        .first()
    )
    if report is None:
        raise NotFound()
    return report


def report_flags(report_id: int) -> list[ReportFlag]:
    """The fraud flags of a report, for its handlers only: callers check the case is theirs
    (cases.selectors.case_for_actor) first. Never part of what the worker sees."""
    return list(ReportFlag.objects.filter(report_id=report_id).order_by("created_at", "id"))


def flags_visible_to(user: User, case: Case) -> bool:
    """Flags are for staff looking at a case they may see: never its reporter nor a worker who
    follows it (they reach the case through their own scope, not a staff one)."""
    if not user.is_authenticated or case.reporter_id == user.pk:
        return False
    if not staff_org_ids(user) and not is_city_admin(user):
        return False
    return not CaseFollower.objects.filter(case=case, user=user).exists()


def report_staff_flags(case: Case, user: User) -> list[dict[str, Any]]:
    """The cases engine's staff_flags hook: the report's flags as the case detail shows them,
    to staff who may see the case (the caller has checked that), [] to anyone else."""
    if not flags_visible_to(user, case):
        return []
    return [
        {
            "kind": f.kind,
            "label": f.label,
            "detail": f.detail_text,
            "photo": f.photo_id,
            "other_case": f.other_report_id,
            "created_at": timezone.localtime(f.created_at),
        }
        for f in report_flags(case.pk)
    ]


# --- The public map ---------------------------------------------------------------------------
MAP_LIMIT = 2000
# About 110 m north–south: close enough to find the street, too coarse to find a door.
MAP_DECIMALS = 3
MAP_STATUSES = {
    "open": sorted(OPEN_STATUSES),
    "resolved": [CaseStatus.RESOLVED, CaseStatus.CLOSED],
}
# What the public reads for each case status: only "being handled" or "done".
# A context of their own: "处理中" also labels a photo being processed, with another meaning.
PUBLIC_STATUS_LABELS = {
    "open": pgettext_lazy("public map status", "处理中"),
    "resolved": pgettext_lazy("public map status", "已办结"),
}


def public_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "resolved"


def public_map_categories() -> list[ReportCategory]:
    return list(report_categories_active().filter(sensitivity=Sensitivity.PUBLIC))


@dataclass(frozen=True)
class MapPoint:
    id: int
    category_code: str
    category_name: str
    category_icon: str
    status: str  # "open" / "resolved"
    lat: float
    lng: float
    created_on: date
    # The community's name: coarse enough for the public list under the map (not in the API).
    area: str = ""
    # The point is a community's centre or a place an address named, not where the problem is
    # (models.APPROXIMATE_SOURCES): listed by its community, never pinned as if it were exact.
    approximate: bool = False

    @property
    def status_label(self) -> str:
        return str(PUBLIC_STATUS_LABELS[self.status])


@dataclass(frozen=True)
class MapBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def map_box(
    min_lat: float | None, max_lat: float | None, min_lng: float | None, max_lng: float | None
) -> MapBox | None:
    """The box asked for, checked; None for no box at all (the whole city). InvalidInput for a
    partial, non-finite, out-of-range or inverted box."""
    values = (min_lat, max_lat, min_lng, max_lng)
    if all(v is None for v in values):
        return None
    if any(v is None or not math.isfinite(v) for v in values):
        raise InvalidInput.one("min_lat", _("请提供完整的地图范围。"))
    box = MapBox(*values)  # type: ignore[arg-type]
    if not (-90 <= box.min_lat <= box.max_lat <= 90 and -180 <= box.min_lng <= box.max_lng <= 180):
        raise InvalidInput.one("min_lat", _("地图范围无效。"))
    return box


def reports_public_map(
    *,
    box: MapBox | None = None,
    category: str | None = None,
    status: str | None = None,
    limit: int = MAP_LIMIT,
    exact_only: bool = False,
) -> tuple[list[MapPoint], bool]:
    """Points of public reports for the public map, newest first, and whether there were more
    than `limit`. Public category, case not confidential, open or resolved (never merged or
    rejected); the point rounded to MAP_DECIMALS; nothing else about the report.

    A report placed at a community's centre or at a place its address named is `approximate`;
    `exact_only` leaves those out (the map's pins: a pin says "here", which they cannot)."""
    if status is not None and status not in MAP_STATUSES:
        raise InvalidInput.one("status", _("状态只能是处理中或已办结。"))
    if category and category not in {c.code for c in public_map_categories()}:
        raise InvalidInput.one("category", _("请从给定的类别中选择。"))
    statuses = MAP_STATUSES[status] if status else MAP_STATUSES["open"] + MAP_STATUSES["resolved"]
    # Located cases only (a report's always is), which also lets the box use case_point_idx.
    rows = _public_reports().filter(case__status__in=statuses, category__is_active=True, case__lat__isnull=False)
    if category:
        rows = rows.filter(category__code=category)
    if exact_only:
        rows = rows.exclude(location_source__in=APPROXIMATE_SOURCES)
    if box is not None:
        # The case's point, through cases' case_point_idx.
        rows = rows.filter(case__lat__range=(box.min_lat, box.max_lat), case__lng__range=(box.min_lng, box.max_lng))
    values = rows.order_by("-case__created_at", "-case").values_list(
        "case_id",
        "category__code",
        "category__name",
        "category__name_en",
        "category__icon",
        "case__status",
        "case__lat",
        "case__lng",
        "case__created_at",
        "case__region__name",
        "location_source",
    )[: limit + 1]
    points = [
        MapPoint(
            id=pk,
            category_code=code,
            category_name=in_language(name, name_en),
            category_icon=icon,
            status=public_status(case_status),
            lat=round(lat, MAP_DECIMALS),
            lng=round(lng, MAP_DECIMALS),
            created_on=timezone.localdate(created),
            area=area or "",
            approximate=source in APPROXIMATE_SOURCES,
        )
        for pk, code, name, name_en, icon, case_status, lat, lng, created, area, source in values
        if lat is not None and lng is not None
    ]
    return points[:limit], len(points) > limit
