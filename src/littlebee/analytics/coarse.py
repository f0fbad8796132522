"""The panels' rollups (models.PlaceRollup, EnterpriseRollup, EnterpriseCityRollup, IndustryRollup, ServiceRollup,
StationMonth, OfficeMonth, OfficeMonthTotal, ActivityMonth, IndustryPlaceMonth, WorkerPlace, LastActiveCount): the
daily rollups summed again per day and per month over one dimension at a time, so that a panel reads at most
places × (months + the days of a period's partial months) rows, however many cases the city has.

They are computed from the daily rollups (ActivityDay, StationDay, OfficeDay), never from the
source rows, so that each figure keeps the one definition rollups.py gives it: a panel's sum over
these rows equals the same sum over the daily rollups. rollups.py calls `coarse_days_refresh` and
`coarse_offices_refresh` after it replaced a day's daily rows, and `coarse_rebuild` from the
rebuild, which reports every difference.

A period is read as its full calendar months (the month rows) and its remaining days (the day
rows, or the daily rollup where a table keeps no day rows): see `period_split`.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Max, Q, Sum

from littlebee.accounts.models import WorkerProfile
from littlebee.orgs.models import Organisation

from .models import (
    ActivityCounts,
    ActivityDay,
    ActivityMonth,
    EnterpriseCityRollup,
    EnterpriseRollup,
    Grain,
    IndustryPlaceMonth,
    IndustryRollup,
    LastActiveCount,
    LastActiveLevel,
    OfficeCounts,
    OfficeDay,
    OfficeMonth,
    OfficeMonthTotal,
    PlaceLevel,
    PlaceRollup,
    ServiceRollup,
    StationDay,
    StationMonth,
    WorkerDay,
    WorkerPlace,
)
from .row_replace import rows_replace

# ActivityDay's counts, as the coarse rollups carry them (models.ActivityCounts).
ACTIVITY_COUNTS = tuple(field.name for field in ActivityCounts._meta.local_fields)
# OfficeDay's counts, as the coarse office rollups carry them (models.OfficeCounts).
OFFICE_COUNTS = tuple(field.name for field in OfficeCounts._meta.local_fields)

# A place level's row: its key columns from the daily row's columns (None: empty at that level).
PLACE_LEVELS: dict[str, dict[str, str | None]] = {
    PlaceLevel.CITY: {"region_id": None, "street_id": None, "district_id": None},
    PlaceLevel.DISTRICT: {"region_id": "district_id", "street_id": None, "district_id": "district_id"},
    PlaceLevel.STREET: {"region_id": "street_id", "street_id": "street_id", "district_id": "district_id"},
    PlaceLevel.COMMUNITY: {"region_id": "region_id", "street_id": "street_id", "district_id": "district_id"},
}
# The daily rollups' column naming a place of each level (Scope.within uses the same names).
LEVEL_OF_FIELD: dict[str, str] = {
    "district_id": PlaceLevel.DISTRICT,
    "street_id": PlaceLevel.STREET,
    "region_id": PlaceLevel.COMMUNITY,
}
FIELD_OF_LEVEL: dict[str, str] = {v: k for k, v in LEVEL_OF_FIELD.items()}
LEVEL_ORDER: list[str] = [PlaceLevel.CITY, PlaceLevel.DISTRICT, PlaceLevel.STREET, PlaceLevel.COMMUNITY]


@dataclass(frozen=True)
class Spec:
    """One panel rollup: which daily rollup it sums, grouped how (per level, when it has
    levels), and whether it keeps day rows besides the month rows."""

    name: str
    model: type[models.Model]
    source: type[models.Model]
    groups: tuple[tuple[str, dict[str, str | None]], ...]
    counts: tuple[str, ...]
    keeps_days: bool
    # Rows of seven days of a month too (Grain.WEEK), summed from its day rows.
    keeps_weeks: bool = False
    # Rows of a calendar year too (Grain.YEAR), summed from its month rows.
    keeps_years: bool = False

    @property
    def grained(self) -> bool:
        """Whether its rows carry their grain (more than month rows)."""
        return self.keeps_days or self.keeps_years

    @property
    def keys(self) -> tuple[str, ...]:
        columns = tuple(self.groups[0][1])
        return ("level", *columns) if self.groups[0][0] else columns


def _levels(*levels: str, extra: dict[str, str | None] | None = None) -> tuple[tuple[str, dict[str, str | None]], ...]:
    return tuple((level, {**PLACE_LEVELS[level], **(extra or {})}) for level in levels)


# The city's map reads a row per community for each day of a period's partial months: at 10
# million cases every community has a row every day, and a year's map read 1,404 × (11 months +
# up to 31 days) rows; with the week rows, at most a few rows per partial month.
PLACE = Spec(
    "place", PlaceRollup, ActivityDay, _levels(*LEVEL_ORDER), ACTIVITY_COUNTS, True, keeps_weeks=True, keeps_years=True
)
ENTERPRISE = Spec(
    "enterprise",
    EnterpriseRollup,
    ActivityDay,
    (("", {"enterprise_id": "enterprise_id", "industry": "industry", "district_id": "district_id"}),),
    ACTIVITY_COUNTS,
    True,
)
# An enterprise's days and months over the whole city (the scorecards, a breakdown by enterprise).
ENTERPRISE_CITY = Spec(
    "enterprise_city",
    EnterpriseCityRollup,
    ActivityDay,
    (("", {"enterprise_id": "enterprise_id", "industry": "industry"}),),
    ACTIVITY_COUNTS,
    True,
)
# An industry's days and months (an industry committee's overview and weekly trend).
INDUSTRY = Spec("industry", IndustryRollup, ActivityDay, (("", {"industry": "industry"}),), ACTIVITY_COUNTS, True)
# A community's stations are few: its services are read from StationDay.
SERVICE = Spec(
    "service",
    ServiceRollup,
    StationDay,
    _levels(PlaceLevel.CITY, PlaceLevel.DISTRICT, PlaceLevel.STREET, extra={"service_id": "service_id"}),
    ("visits",),
    True,
)
# A station's days, weeks and months, its services together (the station use's per-station list).
STATION = Spec(
    "station",
    StationMonth,
    StationDay,
    (
        (
            "",
            {"hive_id": "hive_id", "region_id": "region_id", "street_id": "street_id", "district_id": "district_id"},
        ),
    ),
    ("visits",),
    True,
    keeps_weeks=True,
    keeps_years=True,
)
# An office's row: its key columns from OfficeDay's (OFFICE_TOTAL's are these but the kind).
OFFICE_KEYS: dict[str, str | None] = {
    "organisation_id": "organisation_id",
    "kind": "kind",
    "region_id": "region_id",
    "street_id": "street_id",
    "district_id": "district_id",
    "industry": "industry",
}
# Weeks and years as OFFICE_TOTAL's (below), for the rate table of one kind of case.
OFFICE = Spec(
    "office", OfficeMonth, OfficeDay, (("", OFFICE_KEYS),), OFFICE_COUNTS, False, keeps_weeks=True, keeps_years=True
)
# Every dimension of the daily rollup, per month (the mixed scopes).
ACTIVITY_MONTH = Spec(
    "activity_month",
    ActivityMonth,
    ActivityDay,
    (
        (
            "",
            {
                "region_id": "region_id",
                "street_id": "street_id",
                "district_id": "district_id",
                "enterprise_id": "enterprise_id",
                "industry": "industry",
                "worker_type": "worker_type",
            },
        ),
    ),
    ACTIVITY_COUNTS,
    False,
)
# An industry's places, per day, week and month (an industry committee's breakdown by street or
# community, the map of its reports).
INDUSTRY_PLACE = Spec(
    "industry_place",
    IndustryPlaceMonth,
    ActivityDay,
    (
        (
            "",
            {"industry": "industry", "region_id": "region_id", "street_id": "street_id", "district_id": "district_id"},
        ),
    ),
    ACTIVITY_COUNTS,
    True,
    keeps_weeks=True,
    keeps_years=True,
)
ACTIVITY_SPECS = (PLACE, ENTERPRISE, ENTERPRISE_CITY, INDUSTRY, SERVICE, STATION, ACTIVITY_MONTH, INDUSTRY_PLACE)
# The offices' months over both kinds of case (the rate table without a kind).
OFFICE_TOTAL = Spec(
    "office_total",
    OfficeMonthTotal,
    OfficeDay,
    (("", {k: v for k, v in OFFICE_KEYS.items() if k != "kind"}),),
    OFFICE_COUNTS,
    False,
    # Week rows summed from OfficeDay (it keeps no day rows: OfficeDay is its days): at 10
    # million cases every office has rows every day, and a period's partial months read up to
    # ~30 OfficeDay rows an office (both kinds); with the weeks, a few.
    keeps_weeks=True,
    keeps_years=True,
)
OFFICE_SPECS = (OFFICE, OFFICE_TOTAL)
SPECS = (*ACTIVITY_SPECS, *OFFICE_SPECS)

Key = tuple[Any, ...]
Rows = dict[Key, dict[str, int]]


# --- Periods ---------------------------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Split:
    """A period as calendar months (first..last month start; None: none), remaining day ranges
    (both ends included) added to them, and day ranges subtracted from them (`minus`): a partial
    month is read as its month row less the days of it outside the period when those are fewer
    than the days inside (a year from the 8th of a month: the month less 7 days, not 24 days).
    Σ month − Σ days left out = Σ days inside, exactly: the rows read fall from months + up to
    60 days to months + up to 30, whatever the size of the city (period_split's `subtract`)."""

    months: tuple[date, date] | None
    days: tuple[tuple[date, date], ...]
    minus: tuple[tuple[date, date], ...] = ()
    # Week rows (Grain.WEEK) to add and to subtract, by their first day (period_split's `weeks`).
    weeks: tuple[tuple[date, date], ...] = ()
    minus_weeks: tuple[tuple[date, date], ...] = ()
    # Year rows (Grain.YEAR) to add, by their first day; month rows to add besides `months` (a
    # year read whole splits the months into runs) and to subtract (those of a year read whole
    # that lie outside the period): period_split's `years`.
    years: tuple[tuple[date, date], ...] = ()
    more_months: tuple[tuple[date, date], ...] = ()
    minus_months: tuple[tuple[date, date], ...] = ()

    @staticmethod
    def _ranges_q(ranges: Iterable[tuple[date, date]], field_name: str, **extra: Any) -> Q:
        # Read as separate queries (added, subtracted): one CASE per summed column cost more
        # to compile in Django than the query took in the database.
        q = Q(pk__in=[])
        for first, last in ranges:
            q |= Q(**extra, **{f"{field_name}__gte": first, f"{field_name}__lte": last})
        return q

    def grain_q(self, field_name: str = "start") -> Q:
        """Rows of a table with both grains to add: the months and the remaining days."""
        q = Q(pk__in=[])
        if self.months:
            q |= Q(grain=Grain.MONTH, **{f"{field_name}__gte": self.months[0], f"{field_name}__lte": self.months[1]})
        q |= self._ranges_q(self.more_months, field_name, grain=Grain.MONTH)
        q |= self._ranges_q(self.years, field_name, grain=Grain.YEAR)
        q |= self._ranges_q(self.weeks, field_name, grain=Grain.WEEK)
        return q | self._ranges_q(self.days, field_name, grain=Grain.DAY)

    def coarse_q(self) -> Q:
        """The week, month and year rows to add, on a table of them beside a daily one
        (OfficeMonthTotal: its days are OfficeDay's)."""
        q = self._ranges_q(((self.months,) if self.months else ()) + self.more_months, "start", grain=Grain.MONTH)
        q |= self._ranges_q(self.weeks, "start", grain=Grain.WEEK)
        return q | self._ranges_q(self.years, "start", grain=Grain.YEAR)

    def minus_months_q(self) -> Q:
        """The week and month rows to subtract (the months of a year read whole that lie outside
        the period, the weeks of a month read whole left out of it)."""
        q = self._ranges_q(self.minus_months, "start", grain=Grain.MONTH)
        return q | self._ranges_q(self.minus_weeks, "start", grain=Grain.WEEK)

    def minus_days_q(self, field_name: str) -> Q:
        """The days to subtract, on a daily rollup."""
        return self._ranges_q(self.minus, field_name)

    @property
    def subtracts(self) -> bool:
        """Whether any rows are subtracted (minus_q reads some)."""
        return bool(self.minus or self.minus_weeks or self.minus_months)

    def days_only_q(self, field_name: str) -> Q:
        """The remaining days to add, on a daily rollup (its `day`) or the day rows."""
        return self._ranges_q(self.days, field_name)

    def months_q(self) -> Q:
        """The months, on a month-only table."""
        if not self.months:
            return Q(pk__in=[])
        return Q(start__gte=self.months[0], start__lte=self.months[1])

    def minus_q(self, field_name: str = "start", *, grained: bool = True) -> Q:
        """The rows to subtract: day rows of the left-out days (`grained`: a table with both
        grains, whose month row may start on a left-out day)."""
        q = self._ranges_q(self.minus, field_name, **({"grain": Grain.DAY} if grained else {}))
        q |= self._ranges_q(self.minus_months, field_name, grain=Grain.MONTH)
        return q | self._ranges_q(self.minus_weeks, field_name, grain=Grain.WEEK)


def week_start(day: date) -> date:
    """The first day of the day's week of its month (Grain.WEEK): the 1st, 8th, 15th, 22nd or 29th."""
    return day - timedelta(days=(day.day - 1) % 7)


def week_end(day: date) -> date:
    return min(week_start(day) + timedelta(days=6), month_end(day))


DayRanges = tuple[tuple[date, date], ...]


def _merged(ranges: Iterable[tuple[date, date]], step: int) -> DayRanges:
    """Ranges of days (step 1) or of week starts (step 7, the 29th's week following the 22nd's)
    joined where one follows the other: fewer ORs to compile."""
    result: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if result and (first - result[-1][1]).days <= step and month_start(first) == month_start(result[-1][1]):
            result[-1] = (result[-1][0], max(last, result[-1][1]))
        else:
            result.append((first, last))
    return tuple(result)


@dataclass
class _Cover:
    """One partial month's rows: its month row or not, the week and day rows added and subtracted."""

    whole: bool = False
    days: list[tuple[date, date]] = field(default_factory=list)
    weeks: list[date] = field(default_factory=list)
    minus: list[tuple[date, date]] = field(default_factory=list)
    minus_weeks: list[date] = field(default_factory=list)
    cost: int = 0


def _week_covers(
    first: date, last: date, today: date | None, *, subtract: bool, day_rows: int = 1
) -> tuple[_Cover, _Cover]:
    """Days first..last of one month as rows of a table with week rows, two ways: without the
    month row (the weeks inside, and for each week the period cuts, its days inside, or
    (`subtract`) the week less its days outside), and as the month row less the same for the days
    outside. Σ rows = Σ days first..last, exactly, either way."""

    def days_cost(a: date, b: date) -> int:
        b = min(b, today) if today is not None else b
        return max(0, (b - a).days + 1) * day_rows

    def week_cost(start: date) -> int:
        return int(today is None or start <= today)

    def outside(a: date, b: date, ws: date, we: date) -> list[tuple[date, date]]:
        return [r for r in ((ws, a - timedelta(days=1)), (b + timedelta(days=1), we)) if r[0] <= r[1]]

    plain, whole = _Cover(), _Cover(whole=True, cost=1)
    ws = month_start(first)
    while ws <= month_end(first):
        we = week_end(ws)
        a, b = max(first, ws), min(last, we)
        cut = a <= b
        out = outside(a, b, ws, we) if cut else [(ws, we)]
        out_cost = sum(days_cost(*r) for r in out)
        # The days in, read without the month row.
        if cut and not out:
            plain.weeks.append(ws)
            plain.cost += week_cost(ws)
        elif cut:
            if subtract and week_cost(ws) + out_cost < days_cost(a, b):
                plain.weeks.append(ws)
                plain.minus += out
                plain.cost += week_cost(ws) + out_cost
            else:
                plain.days.append((a, b))
                plain.cost += days_cost(a, b)
        # The days out, subtracted from the month row.
        if not cut:
            whole.minus_weeks.append(ws)
            whole.cost += week_cost(ws)
        elif out:
            if week_cost(ws) + days_cost(a, b) < out_cost:
                whole.minus_weeks.append(ws)
                whole.days.append((a, b))
                whole.cost += week_cost(ws) + days_cost(a, b)
            else:
                whole.minus += out
                whole.cost += out_cost
        ws = we + timedelta(days=1)
    return plain, whole


def _chosen(plain: _Cover, whole: _Cover, *, subtract: bool) -> _Cover:
    """The cheaper of a month's two covers; without `subtract`, the month row only when it
    subtracts nothing (the whole month)."""
    exact = not (whole.minus or whole.minus_weeks)
    return whole if (subtract or exact) and whole.cost < plain.cost else plain


def period_split(
    start: date | None,
    end: date,
    today: date | None = None,
    *,
    subtract: bool = False,
    weeks: bool = False,
    years: bool = False,
    day_rows: int = 1,
) -> Split:
    """Days start..end (start None: since the beginning) as full months and remaining days; with
    `subtract`, a partial month is read as its month less the days outside the period when those
    are fewer than its days inside (`today`, when given, only weighs that choice: no row lies
    after it; never the sums). Subtracting suits a reader that drops keys whose sums are all zero:
    a key with rows only on the left-out days comes back with zeros instead of not at all. With
    `weeks` (a table with week rows: PlaceRollup), partial months are read through their week rows
    too (_week_covers); with `years` too (a table with week and year rows), a calendar year is
    read as its year row less the months and days outside the period where that is fewer rows
    (without `subtract`, only a whole year inside the period). `day_rows`: the rows a key has a
    day where the day rows are read (2 for OfficeDay's, a row per kind of case, beside
    OfficeMonthTotal), so that a day weighs what it costs against a week row."""
    if weeks:
        return _week_split(start, end, today, subtract=subtract, years=years, day_rows=day_rows)

    def cost(ranges: Iterable[tuple[date, date]]) -> int:
        total = 0
        for first, last in ranges:
            last = min(last, today) if today is not None else last
            total += max(0, (last - first).days + 1)
        return total

    def one_month(first: date, last: date) -> tuple[bool, tuple[tuple[date, date], ...]]:
        """Days first..last of one month: (read as the month less these ranges?, the ranges)."""
        outside = tuple(
            r
            for r in ((month_start(first), first - timedelta(days=1)), (last + timedelta(days=1), month_end(last)))
            if r[0] <= r[1]
        )
        if not outside or (subtract and cost(outside) < cost(((first, last),))):
            return True, outside
        return False, ((first, last),)

    days: list[tuple[date, date]] = []
    minus: list[tuple[date, date]] = []
    if start is not None and month_start(start) == month_start(end):
        whole, ranges = one_month(start, end)
        if whole:
            return Split((month_start(start), month_start(start)), (), ranges)
        return Split(None, ranges)
    if start is None:
        first_month = date.min
    elif start.day == 1:
        first_month = start
    else:
        whole, ranges = one_month(start, month_end(start))
        first_month = month_start(start) if whole else month_end(start) + timedelta(days=1)
        (minus if whole else days).extend(ranges)
    if end == month_end(end):
        last_month = month_start(end)
    else:
        whole, ranges = one_month(month_start(end), end)
        last_month = month_start(end) if whole else month_start(month_start(end) - timedelta(days=1))
        (minus if whole else days).extend(ranges)
    months = (first_month, last_month) if first_month <= last_month else None
    return Split(months, tuple(days), tuple(minus))


def _runs(starts: Iterable[date], following: Callable[[date], date]) -> DayRanges:
    """Month or year starts joined into runs of consecutive ones (first, last start)."""
    result: list[tuple[date, date]] = []
    for first in sorted(set(starts)):
        if result and following(result[-1][1]) == first:
            result[-1] = (result[-1][0], first)
        else:
            result.append((first, first))
    return tuple(result)


def _next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def _next_year(year: date) -> date:
    return year.replace(year=year.year + 1)


def _week_split(
    start: date | None, end: date, today: date | None, *, subtract: bool, years: bool, day_rows: int = 1
) -> Split:
    if start is None:
        if not years:
            # Every month up to the last one, from the beginning.
            split = _week_split(month_start(end), end, today, subtract=subtract, years=False, day_rows=day_rows)
            last = split.months[1] if split.months else _previous_month(month_start(end))
            return replace(split, months=(date.min, last))
        # Every year before the last one whole, then the last year as a period of its own.
        split = _week_split(date(end.year, 1, 1), end, today, subtract=subtract, years=True, day_rows=day_rows)
        if end.year == date.min.year:
            return split
        return replace(split, years=((date.min, date(end.year - 1, 1, 1)), *split.years))
    # The period's months: None for a month wholly inside, else its two covers.
    items: dict[date, tuple[_Cover, _Cover] | None] = {}
    if month_start(start) == month_start(end):
        items[month_start(start)] = _week_covers(start, end, today, subtract=subtract, day_rows=day_rows)
    else:
        month = month_start(start)
        if start.day != 1:
            items[month] = _week_covers(start, month_end(start), today, subtract=subtract, day_rows=day_rows)
            month = _next_month(month)
        while month < month_start(end):
            items[month] = None
            month = _next_month(month)
        items[month] = (
            None if end == month_end(end) else _week_covers(month, end, today, subtract=subtract, day_rows=day_rows)
        )
    return _assembled(items, today, subtract=subtract, years=years)


def _assembled(
    items: dict[date, tuple[_Cover, _Cover] | None], today: date | None, *, subtract: bool, years: bool
) -> Split:
    """A period's months (None: wholly inside; else its two covers) as the fewest rows: each
    partial month by its cheaper cover, and (`years`) each calendar year by its month rows or by
    its year row less the months outside the period and the days outside its partial months."""

    def month_cost(month: date) -> int:
        return int(today is None or month <= today)

    months: list[date] = []
    minus_months: list[date] = []
    year_rows: list[date] = []
    covers: list[_Cover] = []

    def by_months(in_year: dict[date, tuple[_Cover, _Cover] | None]) -> None:
        for month, pair in in_year.items():
            cover = None if pair is None else _chosen(*pair, subtract=subtract)
            if cover is None or cover.whole:
                months.append(month)
            if cover is not None:
                covers.append(cover)

    by_year: dict[int, dict[date, tuple[_Cover, _Cover] | None]] = defaultdict(dict)
    for month, pair in items.items():
        by_year[month.year][month] = pair
    for year, in_year in sorted(by_year.items()):
        if not years:
            by_months(in_year)
            continue
        first = date(year, 1, 1)
        outside = [m for m in (first.replace(month=k) for k in range(1, 13)) if m not in in_year]
        edges = {m: pair for m, pair in in_year.items() if pair is not None}
        # Without `subtract`, the year row only when it subtracts nothing (the whole year).
        if not subtract and (outside or edges):
            by_months(in_year)
            continue
        by_month_cost = sum(
            month_cost(m) if pair is None else _chosen(*pair, subtract=subtract).cost for m, pair in in_year.items()
        )
        # An edge month within the year row: the whole cover less its month row, or the month
        # subtracted and the days inside added without it.
        edge_costs = {m: (whole.cost - 1, month_cost(m) + plain.cost) for m, (plain, whole) in edges.items()}
        year_cost = 1 + sum(month_cost(m) for m in outside) + sum(min(c) for c in edge_costs.values())
        if year_cost >= by_month_cost:
            by_months(in_year)
            continue
        year_rows.append(first)
        minus_months.extend(outside)
        for m, (plain, whole) in edges.items():
            kept, dropped = edge_costs[m]
            if kept <= dropped:
                covers.append(whole)
            else:
                minus_months.append(m)
                covers.append(plain)
    month_runs = _runs(months, _next_month)
    return Split(
        month_runs[0] if month_runs else None,
        _merged((r for c in covers for r in c.days), 1),
        _merged((r for c in covers for r in c.minus), 1),
        _merged(((w, w) for c in covers for w in c.weeks), 7),
        _merged(((w, w) for c in covers for w in c.minus_weeks), 7),
        years=_runs(year_rows, _next_year),
        more_months=month_runs[1:],
        minus_months=_runs(minus_months, _next_month),
    )


def _previous_month(month: date) -> date:
    return month_start(month - timedelta(days=1))


# --- Computing -------------------------------------------------------------------------------
def _from_source(spec: Spec, first: date, last: date, extra: Q, *, days: bool, months: bool) -> Rows:
    """The spec's rows for the daily rollup's rows of days first..last (`extra` narrows them):
    day rows if `days`, and month rows (summed over exactly those days) if `months`."""
    rows: Rows = defaultdict(lambda: defaultdict(int))
    base = spec.source.objects.filter(extra, day__gte=first, day__lte=last)  # type: ignore[attr-defined]
    for level, mapping in spec.groups:
        columns = sorted({c for c in mapping.values() if c})
        for row in base.values("day", *columns).annotate(**{f"n_{c}": Sum(c) for c in spec.counts}).order_by():
            values = tuple(row[c] if c else None for c in mapping.values())
            key = (level, *values) if level else values
            grains = ([(Grain.DAY, row["day"])] if days else []) + (
                [(Grain.MONTH, month_start(row["day"]))] if months else []
            )
            for grain, start in grains:
                target = rows[(grain, start, *key)]
                for c in spec.counts:
                    target[c] += int(row[f"n_{c}"] or 0)
    return rows


def _month_from_days(spec: Spec, month: date, grain: str = Grain.MONTH, extra: Q | None = None) -> Rows:
    """A month's (or, `grain` WEEK, a week's: `month` its first day) rows summed from its stored
    day rows (a spec that keeps them); `grain` YEAR: a year's (`month` its 1 January) from its
    stored month rows (a year of day rows is 365 per place: a city's 1,404 communities' year read
    for each refresh)."""
    rows: Rows = {}
    last = week_end(month) if grain == Grain.WEEK else month_end(month)
    source_grain = Grain.DAY
    if grain == Grain.YEAR:
        last, source_grain = date(month.year, 12, 31), Grain.MONTH
    stored = spec.model.objects.filter(  # type: ignore[attr-defined]
        extra or Q(), grain=source_grain, start__gte=month, start__lte=last
    )
    for row in stored.values(*spec.keys).annotate(**{f"n_{c}": Sum(c) for c in spec.counts}).order_by():
        rows[(grain, month, *(row[k] for k in spec.keys))] = {c: int(row[f"n_{c}"] or 0) for c in spec.counts}
    return rows


def _stored_keys(spec: Spec) -> tuple[str, ...]:
    """The columns that name a stored row of the spec (its grain only where it has several)."""
    return ("grain", "start", *spec.keys) if spec.grained else ("start", *spec.keys)


def _instance(spec: Spec, key: tuple[Any, ...], counts: Mapping[str, int]) -> models.Model:
    fields = dict(zip(_stored_keys(spec), key, strict=True))
    return spec.model(**fields, **{c: counts.get(c, 0) for c in spec.counts})


def _stored_q(spec: Spec, first: date, last: date, *, days: bool, months: bool) -> Q:
    q = Q(pk__in=[])
    if spec.keeps_days:
        if days:
            q |= Q(grain=Grain.DAY, start__gte=first, start__lte=last)
        if months:
            q |= Q(grain=Grain.MONTH, start__gte=month_start(first), start__lte=month_start(last))
    elif months:
        q |= Q(start__gte=month_start(first), start__lte=month_start(last), **_month_grain(spec))
    return q


def _month_grain(spec: Spec) -> dict[str, str]:
    """The filter on a month-only spec's month rows: its grain where it keeps year rows too."""
    return {"grain": Grain.MONTH} if spec.grained else {}


def _replace(spec: Spec, q: Q, rows: Rows) -> None:
    """The stored rows under `q` made equal to `rows` (those with any count), writing only the
    difference (row_replace): the minute's refresh computes whole days again."""
    wanted = {(key if spec.grained else key[1:]): counts for key, counts in rows.items() if any(counts.values())}
    rows_replace(
        spec.model.objects.filter(q),  # type: ignore[attr-defined]
        wanted,
        keys=_stored_keys(spec),
        counts=spec.counts,
        build=lambda key, counts: _instance(spec, key, counts),
    )


def lock_month(month: date) -> None:
    """Hold the month's panel rows until this transaction ends: two refreshers (or a refresher and
    the rebuild) replacing the same month's rows at once would each keep theirs, and the month
    would count twice. PostgreSQL: an advisory lock; SQLite writes one at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5717, month.toordinal()])


def lock_year(year: int) -> None:
    """Hold the year's rows (Grain.YEAR) until this transaction ends, as lock_month a month's:
    refreshers of two months of one year both replace its rows. Its own lock space, taken after
    every month lock of the transaction (a year's lock on the month locks' space would be
    January's, taken out of order)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5718, year])


def _years_refresh(years: Iterable[int]) -> None:
    """The year rows of these years summed again from their month rows, under their locks."""
    for year in sorted(set(years)):
        lock_year(year)
        first = date(year, 1, 1)
        for spec in ACTIVITY_SPECS:
            if spec.keeps_years:
                _replace(spec, Q(grain=Grain.YEAR, start=first), _month_from_days(spec, first, Grain.YEAR))


def coarse_days_refresh(days: Iterable[date]) -> None:
    """After the daily activity and station rows of `days` were replaced: their day rows and
    their months' rows again."""
    days = sorted(set(days))
    for spec in ACTIVITY_SPECS:
        if spec.keeps_days:
            for day in days:
                rows = _from_source(spec, day, day, Q(), days=True, months=False)
                _replace(spec, Q(grain=Grain.DAY, start=day), rows)
        for month in sorted({month_start(d) for d in days}):
            lock_month(month)
            for week in sorted({week_start(d) for d in days if month_start(d) == month}) if spec.keeps_weeks else ():
                _replace(spec, Q(grain=Grain.WEEK, start=week), _month_from_days(spec, week, Grain.WEEK))
            if spec.keeps_days:
                _replace(spec, Q(grain=Grain.MONTH, start=month), _month_from_days(spec, month))
            else:
                rows = _from_source(spec, month, month_end(month), Q(), days=False, months=True)
                _replace(spec, Q(start=month, **_month_grain(spec)), rows)
    # Last: every month lock is taken by now.
    _years_refresh(d.year for d in days)


# The rate table is kept in the cache (measures.office_rows) under the offices' rollups' version:
# every writer of OfficeDay, OfficeMonth, OfficeMonthTotal or OfficeNow replaces it.
OFFICES_VERSION_KEY = "analytics:offices:version"


def offices_changed() -> None:
    """The offices' rollups changed (or will, when the current transaction commits): every rate
    table kept in the cache is stale. Called after the writes, and the version replaced after the
    commit, so that no reader keeps the rows of before the change under the version of after it
    (one that read meanwhile kept them under the version before, which is then unreachable)."""
    transaction.on_commit(lambda: cache.set(OFFICES_VERSION_KEY, uuid.uuid4().hex, None))


def coarse_offices_refresh(day: date, organisation_ids: list[int]) -> None:
    """After the daily rows of these offices on `day` were replaced: their month's rows again."""
    month = month_start(day)
    lock_month(month)
    orgs = Q(organisation_id__in=organisation_ids)
    week = week_start(day)
    for spec in OFFICE_SPECS:
        rows = _from_source(spec, month, month_end(month), orgs, days=False, months=True)
        _replace(spec, Q(start=month, **_month_grain(spec)) & orgs, rows)
        if spec.keeps_weeks:
            # The day's week from the daily rollup (the spec keeps no day rows to sum it from).
            summed = _from_source(spec, week, week_end(week), orgs, days=False, months=True)
            rows = {(Grain.WEEK, week, *key[2:]): counts for key, counts in summed.items()}
            _replace(spec, Q(grain=Grain.WEEK, start=week) & orgs, rows)
    # Their year's rows from its months (the year lock after the month's, as coarse_days_refresh).
    lock_year(month.year)
    first = date(month.year, 1, 1)
    for spec in OFFICE_SPECS:
        if spec.keeps_years:
            rows = _month_from_days(spec, first, Grain.YEAR, orgs)
            _replace(spec, Q(grain=Grain.YEAR, start=first) & orgs, rows)
    offices_changed()  # last: a reader meanwhile keeps its rows under the version before


def _last_active(worker_ids: Iterable[int] | None = None) -> dict[int, date]:
    """Each worker's latest WorkerDay."""
    days = WorkerDay.objects.all()
    if worker_ids is not None:
        days = days.filter(worker_id__in=list(worker_ids))
    return dict(days.values("worker_id").annotate(last=Max("day")).order_by().values_list("worker_id", "last"))


def worker_places_compute(places: Any, worker_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Each worker's place, employer and type, from the worker profiles (`places`: rollups.Places),
    and his last active day, from the daily rollup."""
    profiles = WorkerProfile.objects.all()
    if worker_ids is not None:
        profiles = profiles.filter(user_id__in=list(worker_ids))
    rows = list(profiles.values_list("user_id", "community_id", "enterprise_id", "worker_type"))
    last = _last_active(worker_ids)
    industries = dict(Organisation.objects.filter(pk__in={r[2] for r in rows if r[2]}).values_list("pk", "industry"))
    result = {}
    for worker, region, enterprise, wtype in rows:
        place = places.of(region)
        result[worker] = {
            "region_id": region,
            "street_id": place.street_id,
            "district_id": place.district_id,
            "enterprise_id": enterprise,
            "industry": industries.get(enterprise, "") if enterprise else "",
            "worker_type": wtype or "",
            "last_active": _key_value(last.get(worker)),
        }
    return result


# WorkerPlace's columns a LastActiveCount row is counted by.
PLACE_COLUMNS = ("region_id", "street_id", "district_id", "enterprise_id", "industry", "last_active")
Cell = tuple[str, int, str, date]


def last_active_cells(place: Mapping[str, Any]) -> list[Cell]:
    """The LastActiveCount rows (level, ref, industry, day) a WorkerPlace row counts in: the
    city's, its district's, street's, community's, industry's and enterprise's, on its last
    active day (none without one)."""
    day = place["last_active"]
    if day is None:
        return []
    cells: list[Cell] = [(LastActiveLevel.CITY, 0, "", day)]
    for level, column in (
        (LastActiveLevel.DISTRICT, "district_id"),
        (LastActiveLevel.STREET, "street_id"),
        (LastActiveLevel.COMMUNITY, "region_id"),
        (LastActiveLevel.ENTERPRISE, "enterprise_id"),
    ):
        if place[column] is not None:
            cells.append((level, place[column], "", day))
    if place["industry"]:
        cells.append((LastActiveLevel.INDUSTRY, 0, place["industry"], day))
    return cells


def last_active_counts_compute(places: Iterable[Mapping[str, Any]]) -> dict[Cell, int]:
    """LastActiveCount's rows of these WorkerPlace rows (each a mapping of PLACE_COLUMNS)."""
    counts: Counter[Cell] = Counter()
    for place in places:
        counts.update(last_active_cells(place))
    return dict(counts)


def _stored_places(worker_ids: list[int]) -> dict[int, dict[str, Any]]:
    """These workers' WorkerPlace rows, locked until the transaction ends: a LastActiveCount
    change is computed from a row's before and after, and two writers of one worker at once
    would both move him."""
    rows = WorkerPlace.objects.filter(worker_id__in=worker_ids).order_by("worker_id").select_for_update()
    return {row["worker_id"]: row for row in rows.values("worker_id", *PLACE_COLUMNS)}


def _last_active_counts_move(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> None:
    """LastActiveCount after WorkerPlace rows `before` were replaced by `after`: each cell of a
    row before one worker less, each cell of a row after one more (one statement; the cells left
    at zero deleted)."""
    delta: Counter[Cell] = Counter()
    for place in before:
        delta.subtract(last_active_cells(place))
    for place in after:
        delta.update(last_active_cells(place))
    changed = sorted((cell, n) for cell, n in delta.items() if n)
    if not changed:
        return
    table = _table(LastActiveCount)
    with connection.cursor() as cursor:
        for i in range(0, len(changed), 150):
            batch = changed[i : i + 150]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            # Identifiers from the model's metadata; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {table} (level, ref, industry, day, workers) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (level, ref, industry, day) DO UPDATE SET workers = {table}.workers + excluded.workers",
                [v for (level, key, industry, day), n in batch for v in (level, key, industry, day, n)],
            )
    LastActiveCount.objects.filter(workers=0, day__in={cell[3] for cell, _n in changed}).delete()


def worker_last_active_refresh(worker_ids: Iterable[int]) -> None:
    """After WorkerDay rows of these workers were replaced: their last active day again (and
    LastActiveCount with it)."""
    worker_ids = sorted(set(worker_ids))
    if not worker_ids:
        return
    with transaction.atomic():
        last = _last_active(worker_ids)
        stored = _stored_places(worker_ids)
        changed: dict[date | None, list[int]] = defaultdict(list)
        before, after = [], []
        for worker, row in stored.items():
            now = _key_value(last.get(worker))
            if row["last_active"] != now:
                changed[now].append(worker)
                before.append(row)
                after.append({**row, "last_active": now})
        for day, workers in changed.items():
            WorkerPlace.objects.filter(worker_id__in=workers).update(last_active=day)
        _last_active_counts_move(before, after)


def worker_places_refresh(places: Any, worker_ids: list[int]) -> None:
    with transaction.atomic():
        rows = worker_places_compute(places, worker_ids)
        before = _stored_places(worker_ids)
        WorkerPlace.objects.filter(worker_id__in=worker_ids).delete()
        WorkerPlace.objects.bulk_create([WorkerPlace(worker_id=w, **v) for w, v in rows.items()])
        _last_active_counts_move(before.values(), rows.values())


# --- Rebuilding ------------------------------------------------------------------------------
# A city's history is millions of daily rows: the rebuild groups them in the database (INSERT …
# SELECT … GROUP BY, the same sums as _from_source) and compares plain tuples, a month at a time.
Change = tuple[str, str, str, int, int]


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _select_sql(
    spec: Spec, level: str, mapping: dict[str, str | None], grain: str, *, span: bool = False
) -> tuple[str, list[str]]:
    """SELECT of the spec's rows of one level and grain over days %s..%s: for day rows from the
    daily rollup; for month rows (start %s) from the spec's own day rows if it keeps them, else
    from the daily rollup. With `span` (PostgreSQL), month rows of any number of months at once:
    each starts on its month's first day, grouped by it, no start given. Returns the SQL and its
    column names."""
    # A year's rows: from the spec's month rows when filling (`span`), from the daily rollup when
    # rebuilding, so that a dry run reports the year's sums the rebuild writes, not those of the
    # month rows it would correct.
    from_days = grain != Grain.DAY and spec.keeps_days and (span or grain != Grain.YEAR)
    columns = ["start", *spec.keys, *spec.counts]
    if from_days:
        keys = [k for k in spec.keys]
        select_keys = keys
        # A year's rows from its month rows, the others' from the day rows.
        source_grain = Grain.MONTH if grain == Grain.YEAR else Grain.DAY
        where = f"grain = '{source_grain}' AND start >= %s AND start <= %s" + (" AND level = %s" if level else "")
        source = _table(spec.model)
    else:
        select_keys = (["%s"] if level else []) + [mapping[k] or "NULL" for k in spec.keys if k != "level"]
        keys = [c for k in spec.keys if k != "level" and (c := mapping[k])]
        where = "day >= %s AND day <= %s"
        source = _table(spec.source)
    start = "day" if grain == Grain.DAY else "%s"
    if span and grain in (Grain.MONTH, Grain.YEAR):
        start = f"CAST(date_trunc('{grain}', {'start' if from_days else 'day'}) AS date)"
    if grain == Grain.WEEK:
        start = _week_start_sql("start" if from_days else "day")
    group = ", ".join(([start] if start != "%s" else []) + keys) or "1"
    sums = [f"SUM({c})" for c in spec.counts]
    having = " OR ".join(f"SUM({c}) <> 0" for c in spec.counts)
    # Identifiers from the models' metadata and the specs above; every value is a parameter.
    sql = (
        f"SELECT {start}, {', '.join([*select_keys, *sums])} FROM {source} WHERE {where} "  # noqa: S608
        f"GROUP BY {group} HAVING {having}"
    )
    return sql, columns


def _week_start_sql(column: str) -> str:
    """SQL of week_start(column): the column less (its day of the month - 1) % 7 days."""
    if connection.vendor == "postgresql":
        return f"CAST({column} - (CAST(EXTRACT(DAY FROM {column}) AS integer) - 1) %% 7 AS date)"
    return f"date({column}, '-' || ((CAST(strftime('%%d', {column}) AS integer) - 1) %% 7) || ' days')"


def _grains(spec: Spec) -> list[str]:
    """The spec's grains, in the order they are computed (weeks and months from the day rows)."""
    if not spec.keeps_days:
        # Weeks from the daily rollup, as the months.
        return [*([Grain.WEEK] if spec.keeps_weeks else []), Grain.MONTH, *([Grain.YEAR] if spec.keeps_years else [])]
    return [
        Grain.DAY,
        *([Grain.WEEK] if spec.keeps_weeks else []),
        Grain.MONTH,
        *([Grain.YEAR] if spec.keeps_years else []),
    ]


def coarse_span_statements(spec: Spec, first: date, last: date) -> list[list[tuple[str, list[Any]]]]:
    """The INSERTs that fill the spec's rows of every month touching first..last at once, one
    GROUP BY per level and grain instead of one per month (PostgreSQL; its rows must be deleted
    first): a list of stages to run in order (a spec keeping day rows sums its months from
    them), each a list of statements that may run in parallel. bench/analytics_panels.py grows
    a city's rollups this way; coarse_rebuild's per-month statements stay the product's."""
    first, last = month_start(first), month_end(last)
    grains = _grains(spec)
    stages = []
    for grain in grains:
        statements = []
        for level, mapping in spec.groups:
            select, columns = _select_sql(spec, level, mapping, grain, span=True)
            params = _params(spec, level, grain, first, last)
            if grain == Grain.MONTH:
                params = params[1:]  # the month's start is computed, not given (a week's always is)
            if grain == Grain.YEAR:
                # From the month rows, all of each year's, whatever part of it the span touches.
                params = [date(first.year, 1, 1), date(last.year, 12, 31)] + ([level] if level else [])
            grain_column = ["grain"] if spec.grained else []
            if spec.grained:
                select = f"SELECT '{grain}', " + select[len("SELECT ") :]
            statements.append(
                (
                    f"INSERT INTO {_table(spec.model)} ({', '.join(grain_column + columns)}) {select} ORDER BY 1, 2",
                    params,
                )
            )
        stages.append(statements)
    return stages


def _params(spec: Spec, level: str, grain: str, first: date, last: date) -> list[Any]:
    if grain == Grain.YEAR:
        # From the daily rollup (_select_sql): the year's start, the level, its days.
        return [first] + ([level] if level else []) + [first, last]
    if grain == Grain.DAY:
        return ([level] if level else []) + [first, last]
    if grain == Grain.WEEK:
        if not spec.keeps_days:
            # From the daily rollup: the level's value selected, then its days.
            return ([level] if level else []) + [first, last]
        return [first, last] + ([level] if level else [])
    if spec.keeps_days:
        return [first, first, last] + ([level] if level else [])
    return [first] + ([level] if level else []) + [first, last]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _month_rebuild(spec: Spec, month: date, *, dry_run: bool, report: bool = True) -> list[Change]:
    grains = [g for g in _grains(spec) if g != Grain.YEAR]
    return _span_rebuild(spec, month, month_end(month), grains, dry_run=dry_run, report=report)


def _year_rebuild(spec: Spec, year: int, *, dry_run: bool, report: bool = True) -> list[Change]:
    """The spec's year rows of `year` from its month rows (rebuilt before them)."""
    if not spec.keeps_years:
        return []
    return _span_rebuild(spec, date(year, 1, 1), date(year, 12, 31), [Grain.YEAR], dry_run=dry_run, report=report)


def _span_rebuild(
    spec: Spec, month: date, last: date, grains: list[str], *, dry_run: bool, report: bool = True
) -> list[Change]:
    """The spec's rows of these grains starting on days month..last (a month's, or a year's
    year rows), computed, compared with the stored ones and replaced unless `dry_run`."""
    changes: list[Change] = []
    for grain in grains:
        stored_q = Q(start__gte=month, start__lte=last)
        if spec.grained:
            stored_q &= Q(grain=grain)
        statements = []
        # Narrowest level first: its keys are all columns, so PostgreSQL types the union's columns
        # from them (a broader level's NULLs first would make a key text, then refuse the ids).
        for level, mapping in reversed(spec.groups):
            sql, columns = _select_sql(spec, level, mapping, grain)
            statements.append((sql, _params(spec, level, grain, month, last), columns))
        stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        computed: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        # Every level's rows in one statement (their columns are the spec's): a rebuild is months
        # x specs x grains of these, and a statement a level made it ~1,500 a year of history.
        params = [value for _sql, level_params, _columns in statements for value in level_params]
        if report:
            stored = {
                tuple(_key_value(v) for v in row[: len(spec.keys) + 1]): row[len(spec.keys) + 1 :]
                for row in spec.model.objects.filter(stored_q).values_list(  # type: ignore[attr-defined]
                    "start", *spec.keys, *spec.counts
                )
            }
            for row in _fetch(" UNION ALL ".join(sql for sql, _params, _columns in statements), params):
                key = tuple(_key_value(v) for v in row[: len(spec.keys) + 1])
                computed[key] = tuple(int(v or 0) for v in row[len(spec.keys) + 1 :])
        for key in sorted(set(stored) | set(computed), key=str):
            a = stored.get(key, (0,) * len(spec.counts))
            b = computed.get(key, (0,) * len(spec.counts))
            if a != b:
                label = " ".join(f"{k}={v}" for k, v in zip(spec.keys, key[1:], strict=True))
                for column, x, y in zip(spec.counts, a, b, strict=True):
                    if x != y:
                        changes.append((spec.name, f"{grain} {key[0]} {label}", column, x, y))
        if not dry_run:
            spec.model.objects.filter(stored_q).delete()  # type: ignore[attr-defined]
            grain_column = ["grain"] if spec.grained else []
            selects = [
                f"SELECT '{grain}', " + sql[len("SELECT ") :] if spec.grained else sql for sql, _p, _c in statements
            ]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {_table(spec.model)} ({', '.join(grain_column + statements[0][2])}) "
                    + " UNION ALL ".join(selects),
                    params,
                )
    return changes


def _key_value(value: Any) -> Any:
    """A key read back from SQLite or PostgreSQL: dates as dates."""
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 and value[4] == "-" else value


def coarse_rebuild(start: date, end: date, places: Any, *, dry_run: bool = False, report: bool = True) -> list[Change]:
    """The panel rollups of every calendar month touching start..end, from the daily rollups
    (rebuilt first by rollups_rebuild); every stored value that differed, replaced unless
    `dry_run`. Then each worker's place. With `report` False the rows are only replaced, in the
    database, and nothing is compared (an empty list): a city's history is millions of panel
    rows, and reading them all back into Python to list every value that changed cost most of
    the rebuild (bench/analytics_panels.py fills a grown city's rollups this way)."""
    changes: list[Change] = []
    month = month_start(start)
    while month <= end:
        with transaction.atomic():
            lock_month(month)
            for spec in SPECS:
                changes += _month_rebuild(spec, month, dry_run=dry_run, report=report)
        month = month_end(month) + timedelta(days=1)
    # The years' rows from their months, rebuilt above.
    for year in range(start.year, end.year + 1):
        with transaction.atomic():
            lock_year(year)
            for spec in SPECS:
                changes += _year_rebuild(spec, year, dry_run=dry_run, report=report)
    computed = worker_places_compute(places)
    stored = {w.worker_id: w for w in WorkerPlace.objects.all()} if report else {}
    for worker in sorted(set(computed) | set(stored)) if report else []:
        now = computed.get(worker)
        before = stored.get(worker)
        if now is None or before is None or any(getattr(before, k) != v for k, v in now.items()):
            changes.append(("worker_place", f"worker={worker}", "place", int(before is not None), int(now is not None)))
    if report:
        changes += _last_active_counts_differences(last_active_counts_compute(computed.values()))
    if not dry_run:
        worker_places_replace(computed)
        offices_changed()  # last: a reader meanwhile keeps its rows under the version before
    return changes


def _last_active_counts_differences(computed: dict[Cell, int]) -> list[Change]:
    """Every LastActiveCount row stored otherwise than counted from the workers' places."""
    stored = {
        (level, key, industry, _key_value(day)): workers
        for level, key, industry, day, workers in LastActiveCount.objects.values_list(
            "level", "ref", "industry", "day", "workers"
        )
    }
    changes: list[Change] = []
    for cell in sorted(set(stored) | set(computed), key=str):
        before, now = stored.get(cell, 0), computed.get(cell, 0)
        if before != now:
            level, key, industry, day = cell
            changes.append(
                ("last_active_count", f"{day} {level} ref={key} industry={industry}", "workers", before, now)
            )
    return changes


def worker_places_replace(computed: dict[int, dict[str, Any]]) -> None:
    """Every worker's place (worker_places_compute's rows) stored instead of the old rows, and
    LastActiveCount counted from them."""
    with transaction.atomic():
        WorkerPlace.objects.all().delete()
        WorkerPlace.objects.bulk_create([WorkerPlace(worker_id=w, **v) for w, v in computed.items()], batch_size=5000)
        LastActiveCount.objects.all().delete()
        LastActiveCount.objects.bulk_create(
            [
                LastActiveCount(level=level, ref=key, industry=industry, day=day, workers=n)
                for (level, key, industry, day), n in last_active_counts_compute(computed.values()).items()
            ],
            batch_size=5000,
        )
