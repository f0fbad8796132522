"""Reads for the station management pages: the stations a staff member runs (searched, a page at a
time) with their open/closed state and this week's visits, and a station's upcoming exceptions,
annual service list and photos.

Which stations a person runs is the stations' one rule, selectors.stations.hives_managed_by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from littlebee.accounts.models import User

from .. import hours
from ..models import AnnualServiceItem, Hive, HivePhoto, OpeningException
from . import stations, visits

SEARCH_MAX_CHARS = 50
UPCOMING_EXCEPTIONS = 60


def hives_managed_search(user: User, words: str = "") -> QuerySet[Hive]:
    """The stations the user manages whose name or address contains every word, by name."""
    hives = stations.hives_managed_by(user).select_related("community")
    for word in words.split()[:5]:
        hives = hives.filter(Q(name__icontains=word) | Q(address__icontains=word))
    return hives.order_by("name", "id")


@dataclass(frozen=True)
class ManagedRow:
    hive: Hive
    status: hours.Status
    visits_this_week: int


def week_bounds(at: datetime) -> tuple[datetime, datetime]:
    """This week, Monday 00:00 to the next Monday, in the platform's time zone."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(at, tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
    return timezone.make_aware(monday, tz), timezone.make_aware(monday + timedelta(days=7), tz)


def managed_rows(hives: Sequence[Hive], *, at: datetime | None = None) -> list[ManagedRow]:
    """What the management list shows of each station; four queries for the whole page (weekly
    intervals, the exceptions near today, and the grouped visit counts)."""
    if not hives:
        return []
    at = at or timezone.now()
    day = at.date()
    near = OpeningException.objects.filter(
        date__gte=day - timedelta(days=2), date__lte=day + timedelta(days=hours.LOOKAHEAD_DAYS + 2)
    )
    prefetch_related_objects(list(hives), "intervals", Prefetch("exceptions", queryset=near))
    since, until = week_bounds(at)
    counts = visits.visit_counts(hive_ids=[h.pk for h in hives], since=since, until=until)
    return [
        ManagedRow(
            hive=hive,
            status=hours.status(at, hive.intervals.all(), hive.exceptions.all(), hive.always_open, hive.time_zone),
            visits_this_week=counts.by_hive.get(hive.pk, 0),
        )
        for hive in hives
    ]


def hive_local_today(hive: Hive, *, at: datetime | None = None) -> date:
    return timezone.localtime(at or timezone.now(), hours.zone(hive.time_zone)).date()


def exceptions_upcoming(hive: Hive, *, at: datetime | None = None) -> list[OpeningException]:
    """The station's dated exceptions from today (its own time zone) on, soonest first."""
    today = hive_local_today(hive, at=at)
    return list(OpeningException.objects.filter(hive=hive, date__gte=today).order_by("date")[:UPCOMING_EXCEPTIONS])


@dataclass(frozen=True)
class AnnualYear:
    year: int
    items: list[AnnualServiceItem]
    this_year: bool


def annual_items_by_year(hive: Hive, *, today: date) -> list[AnnualYear]:
    """This year's and next year's 年度服务项目清单 of the station (each listed even when empty), and
    last year's when it has items (it can still be edited), in one query."""
    last, this, following = today.year - 1, today.year, today.year + 1
    by_year: dict[int, list[AnnualServiceItem]] = {last: [], this: [], following: []}
    for item in AnnualServiceItem.objects.filter(hive=hive, year__in=by_year).order_by("year", "order", "id"):
        by_year[item.year].append(item)
    return [
        AnnualYear(year=year, items=items, this_year=year == this)
        for year, items in by_year.items()
        if items or year != last
    ]


def photos_of(hive: Hive) -> list[HivePhoto]:
    return list(HivePhoto.objects.filter(hive=hive).order_by("order", "id"))
