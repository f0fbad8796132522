"""Reads about station visits: a worker's visits, a station's, counts for dashboards.

Who may record and read a station's visits is the stations' one rule: selectors.hive_managed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from littlebee.accounts.models import User

from ..models import Hive, HiveVisit


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
