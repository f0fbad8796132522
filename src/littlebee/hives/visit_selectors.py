"""Reads about station visits: who may record them, a worker's visits, counts for dashboards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import NotFound

from .models import Hive, HiveVisit

# Staff who act for a station's managing unit at the counter: its keepers and its admins.
VISIT_STAFF_ROLES = (Role.KEEPER, Role.ADMIN)


def hives_visit_managed_by(user: User) -> QuerySet[Hive]:
    """Stations whose visits the user may record and read: those whose managing unit the user
    keeps or administers; a city admin every station."""
    if not user.is_authenticated:
        return Hive.objects.none()
    if is_city_admin(user):
        return Hive.objects.all()
    units = Membership.objects.filter(user=user, role__in=VISIT_STAFF_ROLES).values("organisation_id")
    return Hive.objects.filter(managing_unit_id__in=units)


def hive_visit_managed(user: User, hive_id: int) -> Hive:
    """The station if the user may record its visits; NotFound otherwise (never say which exist)."""
    hive = hives_visit_managed_by(user).filter(pk=hive_id, is_active=True).first()
    if hive is None:
        raise NotFound()
    return hive


def visits_of(worker: User) -> QuerySet[HiveVisit]:
    """The worker's own visits, newest first, with what a row shows."""
    return HiveVisit.objects.filter(worker=worker).select_related("hive", "service").order_by("-at", "-id")


def visits_at(hive: Hive) -> QuerySet[HiveVisit]:
    """A station's visits, newest first, for its keepers' counter page."""
    return HiveVisit.objects.filter(hive=hive).select_related("worker", "service").order_by("-at", "-id")


@dataclass
class VisitCounts:
    """Counted visits in [since, until), grouped for dashboards. Days are local dates
    (settings.TIME_ZONE); a visit with no recorded service counts under the service code None."""

    total: int = 0
    by_hive: dict[int, int] = field(default_factory=dict)
    by_day: dict[date, int] = field(default_factory=dict)
    by_service: dict[str | None, int] = field(default_factory=dict)
    by_hive_day: dict[tuple[int, date], int] = field(default_factory=dict)
    by_hive_service: dict[tuple[int, str | None], int] = field(default_factory=dict)


def visit_counts(*, hive_ids: list[int] | None = None, since: datetime, until: datetime) -> VisitCounts:
    """Two grouped queries, whatever the number of stations, days or visits."""
    visits = HiveVisit.objects.filter(at__gte=since, at__lt=until)
    if hive_ids is not None:
        visits = visits.filter(hive_id__in=hive_ids)
    counts = VisitCounts()
    by_hive: defaultdict[int, int] = defaultdict(int)
    by_day: defaultdict[date, int] = defaultdict(int)
    by_service: defaultdict[str | None, int] = defaultdict(int)

    per_day = (
        visits.annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
        .values("hive_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_day:
        n = int(row["n"])
        counts.by_hive_day[(row["hive_id"], row["day"])] = n
        by_hive[row["hive_id"]] += n
        by_day[row["day"]] += n
        counts.total += n

    per_service = visits.values("hive_id", "service__code").annotate(n=Count("id")).order_by()
    for row in per_service:
        n = int(row["n"])
        counts.by_hive_service[(row["hive_id"], row["service__code"])] = n
        by_service[row["service__code"]] += n

    counts.by_hive = dict(by_hive)
    counts.by_day = dict(sorted(by_day.items()))
    counts.by_service = dict(by_service)
    return counts
