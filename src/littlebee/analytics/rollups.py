"""The rollups computed from the source rows: what each rollup column counts, on which day and for
whom. The figures read these columns (measures.py); this module is the only one that reads the
source tables for them.

Days are the city's calendar days (settings.TIME_ZONE). Each source contributes to one day:

    registered, party_members        the worker profile's creation (registration)
    checked_in                       the community's confirmation of the check-in (still confirmed)
    confirmed_by_employer            the employer's confirmation (still confirmed)
    reports_* and appeals_*          the case's submission: of the cases submitted that day, how
                                     many were accepted, resolved, disputed… by now (a cohort, as in
                                     the seed's "收到 N 件，解决 M 件")
    station_visits                   the visit (at the station's community)
    event_attendances                the check-in at the event
    volunteer_minutes                the service's start
    learning_credits                 the credited session's finish
    points_*                         the ledger entry
    office rates' inputs (OfficeDay) the day the case reached the office

Two entry points: `*_compute(start, end)` returns the rows a range of days should have, and
`rollups_refresh_stale()` replaces the rows of the days marked stale (tracking.py marks them as the
source rows change). `rollups_rebuild()` (the `analytics_rebuild` command) recomputes a range and
reports every row that differed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, EmploymentStatus, WorkerProfile
from littlebee.cases.models import OPEN_STATUSES, Case, CaseAction, CaseEvent, CaseKind, CaseOrganisation, CaseStatus
from littlebee.hives.models import EventRegistration, HiveVisit, RegistrationStatus
from littlebee.learning.models import LearningSession, SessionStatus
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel
from littlebee.points.models import LedgerEntry, LedgerReason
from littlebee.volunteering.models import ServiceRecord

from .coarse import (
    ACTIVITY_COUNTS,
    OFFICE_COUNTS,
    SPECS,
    coarse_days_refresh,
    coarse_offices_refresh,
    coarse_rebuild,
    lock_month,
    month_start,
    offices_changed,
    worker_last_active_refresh,
)
from .models import ActivityDay, Grain, OfficeDay, OfficeNow, RollupPart, StaleRollup, StationDay, WorkerDay
from .row_replace import instances_replace

logger = logging.getLogger(__name__)

RESOLVED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
SATISFIED_RATING = 4


def city_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_of(moment: datetime) -> date:
    """The city's calendar day of an aware moment."""
    return timezone.localtime(moment, city_zone()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=city_zone())


def _between(field_name: str, start: date, end: date) -> Q:
    """`field_name` within the days start..end (both included)."""
    return Q(**{f"{field_name}__gte": day_start(start), f"{field_name}__lt": day_start(end + timedelta(days=1))})


def _day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=city_zone())


# --- Places ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    region_id: int | None
    street_id: int | None
    district_id: int | None


class Places:
    """Each region's street and district, read once (a city has a few thousand regions)."""

    def __init__(self) -> None:
        rows = {pk: (level, parent) for pk, level, parent in Region.objects.values_list("pk", "level", "parent_id")}
        self._cache: dict[int | None, Place] = {None: Place(None, None, None)}
        self._rows = rows

    def of(self, region_id: int | None) -> Place:
        if region_id in self._cache:
            return self._cache[region_id]
        street = district = None
        current: int | None = region_id
        while current is not None and current in self._rows:
            level, parent = self._rows[current]
            if level == RegionLevel.STREET:
                street = current
            elif level == RegionLevel.DISTRICT:
                district = current
            current = parent
        place = Place(region_id, street, district)
        self._cache[region_id] = place
        return place


# --- Activity --------------------------------------------------------------------------------
# A row's key: (day, region, enterprise, worker type).
ActivityKey = tuple[date, int | None, int | None, str]
WORKER = "worker__worker_profile__"


@dataclass
class ActivityFigures:
    rows: dict[ActivityKey, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    # (day, worker) → (region, enterprise, worker type) of the worker's activity that day.
    workers: dict[tuple[date, int], tuple[int | None, int | None, str]] = field(default_factory=dict)
    # (day, hive, service) → visits
    stations: dict[tuple[date, int, int | None], int] = field(default_factory=lambda: defaultdict(int))
    station_regions: dict[int, int | None] = field(default_factory=dict)

    def add(self, key: ActivityKey, counts: dict[str, Any]) -> None:
        row = self.rows[key]
        for name, value in counts.items():
            if value and name in ACTIVITY_COUNTS:
                row[name] += int(value)


def _grouped(
    qs: QuerySet[Any], day_field: str, keys: dict[str, str], counts: dict[str, Any]
) -> Iterable[dict[str, Any]]:
    return (
        qs.annotate(d=_day(day_field)).values("d", **{k: F(v) for k, v in keys.items()}).annotate(**counts).order_by()
    )


def _profile_keys(prefix: str) -> dict[str, str]:
    return {"r": f"{prefix}community_id", "e": f"{prefix}enterprise_id", "t": f"{prefix}worker_type"}


def _activity_workers(start: date, end: date, into: ActivityFigures) -> None:
    profiles = WorkerProfile.objects.all()
    for row in _grouped(
        profiles.filter(_between("created_at", start, end)),
        "created_at",
        _profile_keys(""),
        {"registered": Count("pk"), "party_members": Count("pk", filter=Q(party_member=True))},
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    # A confirmation without its moment (profiles confirmed by an import) counts on the day of
    # the registration.
    checked = profiles.filter(checkin_status=CheckinStatus.CONFIRMED).annotate(
        at=Coalesce("checkin_decided_at", "created_at")
    )
    for row in _grouped(
        checked.filter(_between("at", start, end)), "at", _profile_keys(""), {"checked_in": Count("pk")}
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    confirmed = profiles.filter(employment_status=EmploymentStatus.CONFIRMED).annotate(
        at=Coalesce("employment_decided_at", "created_at")
    )
    for row in _grouped(
        confirmed.filter(_between("at", start, end)), "at", _profile_keys(""), {"confirmed_by_employer": Count("pk")}
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)


def _escalated_to_committee() -> Exists:
    return Exists(
        CaseEvent.objects.filter(
            case=OuterRef("pk"),
            action__in=(CaseAction.ESCALATE, CaseAction.TAKE_OVER),
            to_org__kind=OrgKind.INDUSTRY_COMMITTEE,
        )
    )


def _activity_cases(start: date, end: date, into: ActivityFigures) -> None:
    cases = Case.objects.filter(_between("created_at", start, end))
    reporter = {
        "r": "region_id",
        "e": "reporter__worker_profile__enterprise_id",
        "t": "reporter__worker_profile__worker_type",
    }
    resolved = Q(status__in=RESOLVED_STATUSES)
    for row in _grouped(
        cases.filter(kind=CaseKind.REPORT),
        "created_at",
        reporter,
        {
            "reports_submitted": Count("pk"),
            "reports_accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
            "reports_resolved": Count("pk", filter=resolved),
            "reports_disputed": Count("pk", filter=Q(dispute_count__gt=0)),
        },
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    appeals = cases.filter(kind=CaseKind.APPEAL)
    for row in _grouped(
        appeals,
        "created_at",
        reporter,
        {"appeals_received": Count("pk"), "appeals_resolved": Count("pk", filter=resolved)},
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    about = appeals.filter(appeal__enterprise__isnull=False).annotate(up=_escalated_to_committee())
    for row in _grouped(
        about,
        "created_at",
        {"r": "region_id", "e": "appeal__enterprise_id"},
        {"appeals_about_enterprise": Count("pk"), "appeals_escalated_to_committee": Count("pk", filter=Q(up=True))},
    ):
        into.add((row["d"], row["r"], row["e"], ""), row)
    # Who did something that day (for "active").
    for day, worker, region, enterprise, wtype in (
        cases.annotate(d=_day("created_at"))
        .values_list(
            "d",
            "reporter_id",
            "reporter__worker_profile__community_id",
            "reporter__worker_profile__enterprise_id",
            "reporter__worker_profile__worker_type",
        )
        .filter(reporter__worker_profile__isnull=False)
        .distinct()
        .order_by()
    ):
        into.workers[(day, worker)] = (region, enterprise, wtype or "")


def _active(into: ActivityFigures, rows: Iterable[tuple[Any, ...]]) -> None:
    for day, worker, region, enterprise, wtype in rows:
        if region is not None or enterprise is not None or wtype:
            into.workers.setdefault((day, worker), (region, enterprise, wtype or ""))


def _worker_values(qs: QuerySet[Any], day_field: str) -> Iterable[tuple[Any, ...]]:
    return (
        qs.filter(worker__worker_profile__isnull=False)
        .annotate(d=_day(day_field))
        .values_list("d", "worker_id", f"{WORKER}community_id", f"{WORKER}enterprise_id", f"{WORKER}worker_type")
        .distinct()
        .order_by()
    )


def _activity_stations(start: date, end: date, into: ActivityFigures) -> None:
    visits = HiveVisit.objects.filter(_between("at", start, end))
    for row in _grouped(
        visits,
        "at",
        {"r": "hive__community_id", "e": f"{WORKER}enterprise_id", "t": f"{WORKER}worker_type"},
        {"station_visits": Count("pk")},
    ):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    for row in _grouped(
        visits, "at", {"h": "hive_id", "s": "service_id", "r": "hive__community_id"}, {"n": Count("pk")}
    ):
        into.stations[(row["d"], row["h"], row["s"])] += row["n"]
        into.station_regions[row["h"]] = row["r"]
    _active(into, _worker_values(visits, "at"))
    attended = EventRegistration.objects.filter(
        _between("checked_in_at", start, end), status=RegistrationStatus.ATTENDED
    )
    for row in _grouped(attended, "checked_in_at", _profile_keys(WORKER), {"event_attendances": Count("pk")}):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    _active(into, _worker_values(attended, "checked_in_at"))


def _activity_volunteering_learning(start: date, end: date, into: ActivityFigures) -> None:
    records = ServiceRecord.objects.filter(_between("started_at", start, end))
    for row in _grouped(records, "started_at", _profile_keys(WORKER), {"volunteer_minutes": Sum("minutes")}):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    _active(into, _worker_values(records, "started_at"))
    credited = LearningSession.objects.filter(_between("finished_at", start, end), status=SessionStatus.CREDITED)
    for row in _grouped(credited, "finished_at", _profile_keys(WORKER), {"learning_credits": Count("pk")}):
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)
    _active(into, _worker_values(credited, "finished_at"))


def _activity_points(start: date, end: date, into: ActivityFigures) -> None:
    entries = LedgerEntry.objects.filter(_between("created_at", start, end))
    for row in _grouped(
        entries,
        "created_at",
        _profile_keys(WORKER),
        {
            "points_issued": Sum("amount", filter=Q(reason=LedgerReason.EARN)),
            "spent": Sum("amount", filter=Q(reason=LedgerReason.REDEMPTION)),
            "expired": Sum("amount", filter=Q(reason=LedgerReason.EXPIRY)),
            "points_reversed": Sum("amount", filter=Q(reason=LedgerReason.REVERSAL)),
            "points_adjusted": Sum("amount", filter=Q(reason=LedgerReason.ADJUSTMENT)),
        },
    ):
        # Redemptions and expiries are debits (negative amounts): counted as points spent and expired.
        row["points_spent"] = -(row.pop("spent") or 0)
        row["points_expired"] = -(row.pop("expired") or 0)
        into.add((row["d"], row["r"], row["e"], row["t"] or ""), row)


def activity_compute(start: date, end: date) -> ActivityFigures:
    """What the activity rollups (ActivityDay, WorkerDay, StationDay) should hold for the days
    start..end, computed from the source rows: a few grouped queries per source."""
    figures = ActivityFigures()
    _activity_workers(start, end, figures)
    _activity_cases(start, end, figures)
    _activity_stations(start, end, figures)
    _activity_volunteering_learning(start, end, figures)
    _activity_points(start, end, figures)
    return figures


def _industries(enterprise_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {e for e in enterprise_ids if e is not None}
    return dict(Organisation.objects.filter(pk__in=wanted).values_list("pk", "industry")) if wanted else {}


def activity_models(
    figures: ActivityFigures, places: Places
) -> tuple[list[ActivityDay], list[WorkerDay], list[StationDay]]:
    industries = _industries([k[2] for k in figures.rows] + [v[1] for v in figures.workers.values()])
    activity = []
    for (day, region, enterprise, wtype), counts in figures.rows.items():
        if not any(counts.values()):
            continue
        place = places.of(region)
        activity.append(
            ActivityDay(
                day=day,
                region_id=region,
                street_id=place.street_id,
                district_id=place.district_id,
                enterprise_id=enterprise,
                industry=industries.get(enterprise, "") if enterprise else "",
                worker_type=wtype,
                **{name: counts.get(name, 0) for name in ACTIVITY_COUNTS},
            )
        )
    workers = []
    for (day, worker), (region, enterprise, wtype) in figures.workers.items():
        place = places.of(region)
        workers.append(
            WorkerDay(
                day=day,
                worker_id=worker,
                region_id=region,
                street_id=place.street_id,
                district_id=place.district_id,
                enterprise_id=enterprise,
                industry=industries.get(enterprise, "") if enterprise else "",
                worker_type=wtype,
            )
        )
    stations = []
    for (day, hive, service), visits in figures.stations.items():
        place = places.of(figures.station_regions.get(hive))
        stations.append(
            StationDay(
                day=day,
                hive_id=hive,
                service_id=service,
                region_id=place.region_id,
                street_id=place.street_id,
                district_id=place.district_id,
                visits=visits,
            )
        )
    return activity, workers, stations


# --- Offices ---------------------------------------------------------------------------------
OfficeKey = tuple[date, int, str]


def _of_pair(action: str) -> Exists:
    """The office itself did `action` on the case (the event's from_org)."""
    return Exists(
        CaseEvent.objects.filter(case=OuterRef("case_id"), action=action, from_org_id=OuterRef("organisation_id"))
    )


def _escalated_before_acceptance() -> Exists:
    """The case went up from this office while still waiting for acceptance: its deadline to
    sign for it was missed, whatever the next office did."""
    return Exists(
        CaseEvent.objects.filter(
            case=OuterRef("case_id"),
            action=CaseAction.ESCALATE,
            from_status=CaseStatus.SUBMITTED,
            from_org_id=OuterRef("organisation_id"),
        )
    )


def office_compute(
    start: date, end: date, organisation_ids: Iterable[int] | None = None
) -> dict[OfficeKey, dict[str, int]]:
    """The inputs of the offices' rates for the days start..end (optionally of some offices),
    from the source rows. One row per case and office it reached (cases.CaseOrganisation), on the
    day it reached the office:

        received          1
        signed_on_time    the office holds the case now and accepted it by its acceptance
                          deadline, and the case was not escalated from it before acceptance
        due               the office holds it now and it was resolved, or is open and past its
                          deadline (marked overdue by the escalation sweep)
        resolved_on_time  the office holds it now and resolved it by its resolve deadline (by the
                          re-handling deadline after a dispute)
        resolved          the office holds it now and it was resolved, or the office resolved it
                          and the reporter disputed it (reopened)
        rated, satisfied  the office holds it now and it was rated; rated 4 or 5
        returned          the office sent it back (a `return` from the office)
        reopened          the reporter answered the office's resolution "not fixed" (a `dispute`
                          from the office)
    """
    pairs = CaseOrganisation.objects.filter(_between("since", start, end))
    if organisation_ids is not None:
        pairs = pairs.filter(organisation_id__in=list(organisation_ids))
    holds = Q(case__organisation_id=F("organisation_id"))
    resolved_at = Q(case__resolved_at__isnull=False)
    on_time = Q(case__dispute_count=0, case__resolved_at__lte=F("case__resolve_due_at")) | Q(
        case__dispute_count__gt=0, case__resolved_at__lte=F("case__dispute_due_at")
    )
    rows = (
        pairs.annotate(
            d=_day("since"),
            was_returned=_of_pair(CaseAction.RETURN),
            was_reopened=_of_pair(CaseAction.DISPUTE),
            late_to_sign=_escalated_before_acceptance(),
        )
        .values("d", "organisation_id", kind=F("case__kind"))
        .annotate(
            received=Count("pk"),
            signed_on_time=Count(
                "pk",
                filter=holds
                & Q(case__accepted_at__isnull=False, case__accepted_at__lte=F("case__accept_due_at"))
                & Q(late_to_sign=False),
            ),
            due=Count("pk", filter=holds & (resolved_at | Q(case__status__in=OPEN_STATUSES, case__overdue=True))),
            resolved_on_time=Count("pk", filter=holds & resolved_at & on_time),
            resolved=Count("pk", filter=(holds & resolved_at) | Q(was_reopened=True)),
            rated=Count("pk", filter=holds & Q(case__rating__isnull=False)),
            satisfied=Count("pk", filter=holds & Q(case__rating__gte=SATISFIED_RATING)),
            returned=Count("pk", filter=Q(was_returned=True)),
            reopened=Count("pk", filter=Q(was_reopened=True)),
        )
        .order_by()
    )
    return {(row.pop("d"), row.pop("organisation_id"), row.pop("kind")): row for row in rows}


@dataclass(frozen=True)
class OfficeFacts:
    place: Place
    industry: str


def _office_facts(organisation_ids: Iterable[int], places: Places) -> dict[int, OfficeFacts]:
    rows = Organisation.objects.filter(pk__in=set(organisation_ids)).values_list("pk", "region_id", "industry")
    return {pk: OfficeFacts(places.of(region), industry or "") for pk, region, industry in rows}


def office_models(rows: dict[OfficeKey, dict[str, int]], places: Places) -> list[OfficeDay]:
    facts = _office_facts({k[1] for k in rows}, places)
    result = []
    for (day, org, kind), counts in rows.items():
        fact = facts.get(org, OfficeFacts(Place(None, None, None), ""))
        result.append(
            OfficeDay(
                day=day,
                organisation_id=org,
                kind=kind,
                region_id=fact.place.region_id,
                street_id=fact.place.street_id,
                district_id=fact.place.district_id,
                industry=fact.industry,
                **{name: counts.get(name, 0) for name in OFFICE_COUNTS},
            )
        )
    return result


def office_now_compute(organisation_ids: Iterable[int] | None = None) -> dict[tuple[int, str], dict[str, int]]:
    """Open cases per office and kind now, and those of them past a deadline (marked overdue
    by the escalation sweep: the same mark the overdue queue and the console's overview read)."""
    cases = Case.objects.filter(status__in=OPEN_STATUSES)
    if organisation_ids is not None:
        cases = cases.filter(organisation_id__in=list(organisation_ids))
    rows = (
        cases.values("organisation_id", "kind")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(overdue=True)))
        .order_by()
    )
    return {(row["organisation_id"], row["kind"]): {"open": row["open"], "overdue": row["overdue"]} for row in rows}


# --- Refreshing ------------------------------------------------------------------------------
def stale_mark(*, part: str, days: Iterable[date], organisation_ids: Iterable[int] = (0,)) -> None:
    """Mark rollup rows to be computed again (tracking.py, after a source row changed)."""
    now = timezone.now()
    rows = [
        StaleRollup(part=part, day=day, organisation_id=org, marked_at=now)
        for day in set(days)
        for org in set(organisation_ids)
    ]
    if rows:
        StaleRollup.objects.bulk_create(rows, ignore_conflicts=True)


def _replace_activity(day: date, places: Places) -> None:
    activity, workers, stations = activity_models(activity_compute(day, day), places)
    touched = {w.worker_id for w in workers} | set(
        WorkerDay.objects.filter(day=day).values_list("worker_id", flat=True)
    )
    # Only the rows that differ are written (row_replace): the minute's refresh computes the
    # whole day again, most of its rows unchanged.
    instances_replace(ActivityDay.objects.filter(day=day), activity, ACTIVITY_COUNTS)
    instances_replace(WorkerDay.objects.filter(day=day), workers, ())
    instances_replace(StationDay.objects.filter(day=day), stations, ("visits",))
    worker_last_active_refresh(touched)


def _replace_offices(day: date, organisation_ids: list[int], places: Places) -> None:
    rows = office_compute(day, day, organisation_ids)
    OfficeDay.objects.filter(day=day, organisation_id__in=organisation_ids).delete()
    OfficeDay.objects.bulk_create(office_models(rows, places))
    coarse_offices_refresh(day, organisation_ids)


def office_now_refresh(organisation_ids: list[int]) -> None:
    rows = office_now_compute(organisation_ids)
    OfficeNow.objects.filter(organisation_id__in=organisation_ids).delete()
    OfficeNow.objects.bulk_create(
        [OfficeNow(organisation_id=org, kind=kind, **counts) for (org, kind), counts in rows.items()]
    )
    offices_changed()


def rollups_refresh_stale(*, limit: int = 500) -> int:
    """Compute again the rollup rows marked stale, oldest mark first; returns how many marks
    were done. Each mark is taken under a row lock (skip-locked): two refreshers never compute
    the same rows at once, and a mark written meanwhile waits for the next round."""
    done = 0
    places: Places | None = None
    while done < limit:
        with transaction.atomic():
            marks = list(StaleRollup.objects.select_for_update(skip_locked=True).order_by("marked_at", "pk")[:50])
            if not marks:
                break
            places = places or Places()
            activity_days = sorted({m.day for m in marks if m.part == RollupPart.ACTIVITY})
            offices: dict[date, list[int]] = defaultdict(list)
            for m in marks:
                if m.part == RollupPart.OFFICE:
                    offices[m.day].append(m.organisation_id)
            # Every month these marks touch, locked at once in order (no two refreshers wait
            # for each other's months).
            for month in sorted({month_start(d) for d in [*activity_days, *offices]}):
                lock_month(month)
            for day in activity_days:
                _replace_activity(day, places)
            if activity_days:
                coarse_days_refresh(activity_days)
            for day, orgs in sorted(offices.items()):
                _replace_offices(day, sorted(set(orgs)), places)
            now_orgs = sorted({org for orgs in offices.values() for org in orgs})
            if now_orgs:
                office_now_refresh(now_orgs)
            StaleRollup.objects.filter(pk__in=[m.pk for m in marks]).delete()
            done += len(marks)
    return done


# --- Rebuilding ------------------------------------------------------------------------------
@dataclass
class Difference:
    table: str
    key: str
    column: str
    stored: int
    computed: int

    def __str__(self) -> str:
        return f"{self.table} {self.key} {self.column}: {self.stored} → {self.computed}"


def _source_range() -> tuple[date, date] | None:
    """The first and last day any source row falls on."""
    firsts = [
        Case.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        WorkerProfile.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        LedgerEntry.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        HiveVisit.objects.order_by("at").values_list("at", flat=True).first(),
        ServiceRecord.objects.order_by("started_at").values_list("started_at", flat=True).first(),
    ]
    known = [day_of(f) for f in firsts if f is not None]
    if not known:
        return None
    return min(known), day_of(timezone.now())


def _activity_key(row: ActivityDay) -> str:
    return f"{row.day} region={row.region_id} enterprise={row.enterprise_id} type={row.worker_type or '-'}"


def _office_key(row: OfficeDay) -> str:
    return f"{row.day} office={row.organisation_id} kind={row.kind}"


def _compare(
    table: str, stored: Iterable[Any], computed: Iterable[Any], key: Any, columns: Iterable[str]
) -> list[Difference]:
    old = {key(r): r for r in stored}
    new = {key(r): r for r in computed}
    differences = []
    for k in sorted(set(old) | set(new)):
        for column in columns:
            a = getattr(old[k], column) if k in old else 0
            b = getattr(new[k], column) if k in new else 0
            if a != b:
                differences.append(Difference(table, k, column, a, b))
    return differences


def _month_chunks(start: date, end: date) -> Iterable[tuple[date, date]]:
    current = start
    while current <= end:
        following = (current.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield current, min(end, following - timedelta(days=1))
        current = following


def rollups_missing() -> bool:
    """Whether figures are missing that only a rebuild makes: no daily rollups at all, or a panel
    rollup empty while the daily rollup it sums has rows (a table a later migration added starts
    empty; the refreshes fill only the days they touch)."""
    if not ActivityDay.objects.exists():
        return True
    if any(spec.source._default_manager.exists() and not spec.model._default_manager.exists() for spec in SPECS):
        return True
    # Week rows came after the day and month rows they are summed from (migration 0012), year
    # rows after the month rows (migration 0018).
    # The offices' week rows (migration 0020) came after their month rows, which they keep
    # without day rows.
    return any(
        spec.model._default_manager.filter(grain=Grain.DAY if spec.keeps_days else Grain.MONTH).exists()
        and not spec.model._default_manager.filter(grain=Grain.WEEK).exists()
        for spec in SPECS
        if spec.keeps_weeks
    ) or any(
        spec.model._default_manager.filter(grain=Grain.MONTH).exists()
        and not spec.model._default_manager.filter(grain=Grain.YEAR).exists()
        for spec in SPECS
        if spec.keeps_years
    )


def rollups_rebuild(*, start: date | None = None, end: date | None = None, dry_run: bool = False) -> list[Difference]:
    """Recompute every rollup row of the days start..end (default: from the first source row to
    today) from the source rows, a month at a time, replace what was stored (unless `dry_run`),
    and return every stored value that differed from the computed one."""
    if start is None or end is None:
        found = _source_range()
        if found is None:
            return []
        start, end = start or found[0], end or found[1]
    places = Places()
    differences: list[Difference] = []
    for first, last in _month_chunks(start, end):
        activity, workers, stations = activity_models(activity_compute(first, last), places)
        offices = office_models(office_compute(first, last), places)
        in_range = {"day__gte": first, "day__lte": last}
        differences += _compare(
            "activity", ActivityDay.objects.filter(**in_range), activity, _activity_key, ACTIVITY_COUNTS
        )
        differences += _compare("office", OfficeDay.objects.filter(**in_range), offices, _office_key, OFFICE_COUNTS)
        differences += _compare(
            "active",
            WorkerDay.objects.filter(**in_range),
            workers,
            lambda r: f"{r.day} worker={r.worker_id}",
            ("worker_id",),
        )
        differences += _compare(
            "station",
            StationDay.objects.filter(**in_range),
            stations,
            lambda r: f"{r.day} station={r.hive_id} service={r.service_id}",
            ("visits",),
        )
        if not dry_run:
            with transaction.atomic():
                for model in (ActivityDay, WorkerDay, StationDay, OfficeDay):
                    model.objects.filter(**in_range).delete()
                ActivityDay.objects.bulk_create(activity, batch_size=2000)
                WorkerDay.objects.bulk_create(workers, batch_size=2000)
                StationDay.objects.bulk_create(stations, batch_size=2000)
                OfficeDay.objects.bulk_create(offices, batch_size=2000)
    now_rows = office_now_compute()
    stored_now = {(r.organisation_id, r.kind): r for r in OfficeNow.objects.all()}
    for key in sorted(set(now_rows) | set(stored_now)):
        for column in ("open", "overdue"):
            a = getattr(stored_now[key], column) if key in stored_now else 0
            b = now_rows.get(key, {}).get(column, 0)
            if a != b:
                differences.append(Difference("office_now", f"office={key[0]} kind={key[1]}", column, a, b))
    if not dry_run:
        with transaction.atomic():
            OfficeNow.objects.all().delete()
            OfficeNow.objects.bulk_create(
                [OfficeNow(organisation_id=org, kind=kind, **counts) for (org, kind), counts in now_rows.items()]
            )
        offices_changed()
        StaleRollup.objects.filter(day__gte=start, day__lte=end).delete()
    differences += [Difference(*change) for change in coarse_rebuild(start, end, places, dry_run=dry_run)]
    return differences
