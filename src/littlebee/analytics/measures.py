"""The figures: one definition each, read by every page, export and API call (DESIGN.md, "A
figure has one definition").

Each measure is one function whose docstring states its formula; the "how we count" page
(/staff/stats/how/) prints those docstrings. The functions read the rollup tables (models.py),
never the source rows; what a rollup column counts, on which day, is in rollups.py.

A period is a range of the city's calendar days, both ends included. Counts of things that
happen (registrations, reports, visits…) are the things of the period: a report is counted in
the period it was submitted, with what became of it by now ("收到 N 件，解决 M 件"). Points held is
a balance: every ledger entry up to the period's end.

A rate over fewer than the minimum sample (settings.ANALYTICS_MIN_SAMPLE, 5) has no value: it is
shown as "样本不足" (not enough cases) and never ranked.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import InvalidInput
from littlebee.orgs.models import Organisation, OrgKind

from .coarse import (
    FIELD_OF_LEVEL,
    LEVEL_OF_FIELD,
    LEVEL_ORDER,
    OFFICES_VERSION_KEY,
    Split,
    month_end,
    month_start,
    period_split,
)
from .models import (
    ActivityDay,
    ActivityMonth,
    EnterpriseCityRollup,
    EnterpriseRollup,
    Grain,
    IndustryPlaceMonth,
    IndustryRollup,
    LastActiveCount,
    LastActiveLevel,
    OfficeDay,
    OfficeMonth,
    OfficeMonthTotal,
    OfficeNow,
    PlaceLevel,
    PlaceRollup,
    ScoreWeight,
    ServiceRollup,
    StationDay,
    StationMonth,
    WorkerDay,
    WorkerPlace,
)
from .rollups import ACTIVITY_COUNTS, OFFICE_COUNTS, city_zone


# --- Scope and period ------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """What a viewer's figures cover (selectors.stats_scope_of decides it from their roles).
    Several parts widen one another (a person with two roles sees both)."""

    everything: bool = False
    district_ids: tuple[int, ...] = ()
    street_ids: tuple[int, ...] = ()
    community_ids: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    enterprise_ids: tuple[int, ...] = ()
    office_ids: tuple[int, ...] = ()
    # A drill-down inside the scope: ("district_id" | "street_id" | "region_id", region id), which
    # narrows every part above (selectors.stats_scope_narrowed checks it lies within the scope).
    within: tuple[str, int] | None = None

    def _within(self) -> Q:
        return Q(**{self.within[0]: self.within[1]}) if self.within else Q()

    @property
    def sees_activity(self) -> bool:
        """Whether the scope covers workers' activity (the overview), not only offices."""
        return self.everything or bool(
            self.district_ids or self.street_ids or self.community_ids or self.industries or self.enterprise_ids
        )

    @property
    def sees_enterprises(self) -> bool:
        return self.everything or bool(self.industries or self.enterprise_ids)

    def _places(self) -> Q:
        q = Q(pk__in=[])
        if self.district_ids:
            q |= Q(district_id__in=self.district_ids)
        if self.street_ids:
            q |= Q(street_id__in=self.street_ids)
        if self.community_ids:
            q |= Q(region_id__in=self.community_ids)
        return q

    def activity_q(self) -> Q:
        """ActivityDay and WorkerDay rows in scope."""
        if self.everything:
            return self._within()
        q = self._places()
        if self.industries:
            q |= Q(industry__in=self.industries)
        if self.enterprise_ids:
            q |= Q(enterprise_id__in=self.enterprise_ids)
        return q & self._within()

    def station_q(self) -> Q:
        """StationDay rows in scope: stations lie in places (an enterprise's scope has none)."""
        return self._within() if self.everything else self._places() & self._within()

    def office_q(self) -> Q:
        """OfficeDay rows in scope: offices in the viewer's places, of its industries, its own."""
        if self.everything:
            return self._within()
        q = self._places()
        if self.industries:
            q |= Q(industry__in=self.industries)
        if self.office_ids:
            q |= Q(organisation_id__in=self.office_ids)
        return q & self._within()


@dataclass(frozen=True)
class Period:
    """Days start..end of the city's calendar, both included; start None: since the beginning."""

    start: date | None
    end: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate(timezone=city_zone())
        return cls(start=today - timedelta(days=days - 1), end=today)

    @property
    def split(self) -> Split:
        """Full calendar months and remaining days: how the panel rollups read the period."""
        return period_split(self.start, self.end)

    @property
    def lean_split(self) -> Split:
        """The split read as months less the days left out where those are fewer (Split.minus),
        for the readers that drop keys whose sums are all zero or read totals only."""
        return period_split(self.start, self.end, timezone.localdate(timezone=city_zone()), subtract=True)

    def week_split(self, *, lean: bool = False, day_rows: int = 1) -> Split:
        """The split of a table with week and year rows (PlaceRollup, StationMonth,
        IndustryPlaceMonth, OfficeMonthTotal beside OfficeDay): partial months read through their
        weeks and the days at their edges, a year through its year row where that is fewer rows;
        `lean` as lean_split; `day_rows` as period_split's."""
        today = timezone.localdate(timezone=city_zone())
        return period_split(
            self.start, self.end, today if lean else None, subtract=lean, weeks=True, years=True, day_rows=day_rows
        )

    def q(self, field_name: str = "day") -> Q:
        q = Q(**{f"{field_name}__lte": self.end})
        if self.start is not None:
            q &= Q(**{f"{field_name}__gte": self.start})
        return q


def period_of(start: date | None, end: date | None, *, default_days: int = 30) -> Period:
    """The period a page or API call asks for: `to` defaults to today, `from` to `default_days`
    before it. 400 for a start after the end or a span over ten years."""
    end = end or timezone.localdate(timezone=city_zone())
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise InvalidInput.one("from", _("开始日期不能晚于结束日期。"))
    if (end - start).days > 3660:
        raise InvalidInput.one("from", _("统计时段不能超过十年。"))
    return Period(start=start, end=end)


def min_sample() -> int:
    return int(getattr(settings, "ANALYTICS_MIN_SAMPLE", 5))


# --- Rates -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    """part ÷ whole, or no value when the whole is under the minimum sample."""

    part: int
    whole: int
    minimum: int

    @property
    def enough(self) -> bool:
        return self.whole >= max(1, self.minimum)

    @property
    def value(self) -> float | None:
        """The rate as a fraction 0–1, rounded to 4 places; None under the minimum sample."""
        return round(self.part / self.whole, 4) if self.enough else None

    @property
    def percent(self) -> int | None:
        value = self.value
        return None if value is None else round(value * 100)


def rate(part: int, whole: int) -> Rate:
    return Rate(part=part, whole=whole, minimum=min_sample())


# --- Which rollup a panel reads ---------------------------------------------------------------
# The panel rollups (coarse.py) hold one dimension at a time: a scope made of places at one level
# (or the whole city, or a drill-down) reads PlaceRollup; a scope of industries and enterprises
# reads EnterpriseRollup (which also knows the district). A scope mixing both (a person with a
# place role and an enterprise role), an industry narrowed to a street, or places at two levels
# reads ActivityMonth for the full months and the daily rollup for the remaining days: their rows
# carry every dimension, so the same sums, at the cost of a month's rows per place × enterprise.
Target = tuple[str, int | None]


def place_targets(scope: Scope, *, ignore_enterprises: bool = False) -> list[Target] | None:
    """The places (level, region id) whose rows add up to the scope exactly, or None."""
    if not scope.everything and not ignore_enterprises and (scope.industries or scope.enterprise_ids):
        return None
    has_places = bool(scope.district_ids or scope.street_ids or scope.community_ids)
    if not scope.everything and not has_places:
        # Only industries or enterprises (for stations: no place at all, as Scope.station_q).
        return []
    if scope.within:
        return [(LEVEL_OF_FIELD[scope.within[0]], scope.within[1])]
    if scope.everything:
        return [(PlaceLevel.CITY, None)]
    parts = [
        (PlaceLevel.DISTRICT, scope.district_ids),
        (PlaceLevel.STREET, scope.street_ids),
        (PlaceLevel.COMMUNITY, scope.community_ids),
    ]
    given = [(level, ids) for level, ids in parts if ids]
    # Places at two levels may contain one another: their rows would count twice.
    if len(given) != 1:
        return [] if not given else None
    level, ids = given[0]
    return [(level, region) for region in sorted(set(ids))]


def _targets_q(targets: list[Target]) -> Q:
    """The target places' own rows (PlaceRollup, ServiceRollup)."""
    q = Q(pk__in=[])
    for level, region in targets:
        q |= Q(level=level) if level == PlaceLevel.CITY else Q(level=level, region_id=region)
    return q


def _within_targets_q(targets: list[Target]) -> Q:
    """Rows of any finer level lying within the target places."""
    if any(level == PlaceLevel.CITY for level, _region in targets):
        return Q()
    q = Q(pk__in=[])
    for level, region in targets:
        q |= Q(**{FIELD_OF_LEVEL[level]: region})
    return q


def enterprise_q(scope: Scope) -> Q | None:
    """EnterpriseRollup rows adding up to the scope exactly, or None."""
    within = scope.within
    if within and within[0] != "district_id":
        return None
    narrow = Q(district_id=within[1]) if within else Q()
    if scope.everything:
        return narrow
    if scope.district_ids or scope.street_ids or scope.community_ids:
        return None
    if not (scope.industries or scope.enterprise_ids):
        return Q(pk__in=[])
    return (Q(industry__in=scope.industries) | Q(enterprise_id__in=scope.enterprise_ids)) & narrow


def _months_of(scope: Scope) -> QuerySet[Any]:
    """The month rows of a scope that mixes dimensions (read with the daily rollup's days): a
    scope of industries alone (an industry committee's, narrowed to a street or community, or
    broken down by place) reads IndustryPlaceMonth, a row per industry × community; any other
    ActivityMonth, a row per community × enterprise × worker type (five times as many for an
    industry of the bench's 10-million-case city). The same sums either way (coarse.INDUSTRY_PLACE)."""
    if _industries_only(scope):
        return IndustryPlaceMonth.objects.filter(grain=Grain.MONTH)
    return ActivityMonth.objects.all()


def _industries_only(scope: Scope) -> bool:
    """A scope of industries and nothing else (an industry committee's), narrowed or not."""
    return bool(scope.industries) and not (
        scope.everything or scope.enterprise_ids or scope.district_ids or scope.street_ids or scope.community_ids
    )


Part = tuple[QuerySet[Any], str, int]


def activity_parts(scope: Scope, period: Period, *, days_only: bool = False, subtract: bool = False) -> list[Part]:
    """The rows whose activity columns add up to the scope's over the period, their day column
    and their sign: PlaceRollup, IndustryRollup (industries alone) or EnterpriseRollup rows
    (months and remaining days; only day rows if `days_only`); for a scope mixing their
    dimensions, ActivityMonth for the full months and the daily rollup for the remaining days
    (only the daily rollup if `days_only`). With
    `subtract` (a reader of totals only), partial months of the scopes with many rows a day (by
    enterprise, mixed) may be read as their months less the days left out (Period.lean_split):
    those days' rows come with the sign -1."""
    targets = place_targets(scope)
    # Industries alone (an industry committee's whole scope): IndustryRollup's row per industry
    # and day, not EnterpriseRollup's per enterprise and district.
    industries = scope.industries if targets is None and _industries_only(scope) and not scope.within else ()
    # A place's or an industry's own rows are one a day: subtracting days would cost a query to
    # save a few rows.
    lean = subtract and not days_only and targets is None and not industries
    split = period.lean_split if lean else period.split
    grains = Q(grain=Grain.DAY) & period.q("start") if days_only else split.grain_q()
    by_enterprise = enterprise_q(scope) if targets is None and not industries else None
    if targets is not None and not days_only:
        split = period.week_split()
        grains = split.grain_q()
    if targets is not None or industries or by_enterprise is not None:
        # Enterprises not narrowed to a district: a row per enterprise, not per enterprise and district.
        by_district = EnterpriseRollup if scope.within else EnterpriseCityRollup
        model: Any = PlaceRollup if targets is not None else IndustryRollup if industries else by_district
        where = (
            _targets_q(targets) if targets is not None else Q(industry__in=industries) if industries else by_enterprise
        )
        parts: list[Part] = [(model.objects.filter(where, grains), "start", 1)]
        if split.subtracts and not days_only:
            parts.append((model.objects.filter(where, split.minus_q()), "start", -1))
        return parts
    q = scope.activity_q()
    if days_only:
        return [(ActivityDay.objects.filter(q, period.q()), "day", 1)]
    parts = [
        (_months_of(scope).filter(q, split.months_q()), "start", 1),
        (ActivityDay.objects.filter(q, split.days_only_q("day")), "day", 1),
    ]
    if split.minus:
        parts.append((ActivityDay.objects.filter(q, split.minus_q("day", grained=False)), "day", -1))
    return parts


# --- Statements kept -------------------------------------------------------------------------
# A panel's statement is a function of its arguments (the scope, the period, the breakdown's key)
# and of today (the lean splits); building it through the ORM (the filters of two to four parts,
# compiled) cost more CPU than the database took to run it (a city dashboard: 13 statements,
# about a third of its CPU). The statement text and its parameters are kept per process, keyed
# on all of them; the figures are read afresh every time.
STATEMENTS_KEPT = 1024
_statements: dict[tuple[Any, ...], Any] = {}
_MISSING = object()


def _kept(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """build()'s statement(s) for `key`, built once per process, database vendor and day."""
    full = (connection.vendor, timezone.localdate(timezone=city_zone()), *key)
    found = _statements.get(full, _MISSING)
    if found is _MISSING:
        found = build()
        if len(_statements) >= STATEMENTS_KEPT:
            _statements.clear()
        _statements[full] = found
    return found


# --- The overview ----------------------------------------------------------------------------
Sums = dict[str, int]


def activity_sums(scope: Scope, period: Period) -> Sums:
    """Every activity column summed over the scope and period: one statement adding up the
    parts of activity_parts (_totals_of)."""
    signed = _kept(
        ("activity_sums", scope, period),
        lambda: _signed_rows(
            [(rows, sign) for rows, _day, sign in activity_parts(scope, period, subtract=True)], None, ACTIVITY_COUNTS
        ),
    )
    return _totals_of(signed, ACTIVITY_COUNTS)


def _totals_of(signed: tuple[str, list[Any]] | None, names: tuple[str, ...]) -> dict[str, int]:
    """The columns `names` summed over the parts' rows (their UNION ALL, _signed_rows), each
    part with its sign, in one statement. The parts are compiled as plain column lists: the
    ORM's aggregate() of the 21 activity columns, once per part, cost more to build than the
    database took to add up the rollup's rows, and a dashboard sums two or three parts twice
    (the period, the balance)."""
    if signed is None:
        return dict.fromkeys(names, 0)
    union, params = signed
    statement = f"SELECT {', '.join(f'SUM(u.{n})' for n in names)} FROM ({union}) u"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return {n: int(v or 0) for n, v in zip(names, row, strict=True)}


def _signed_rows(
    parts: list[tuple[QuerySet[Any], int]], key: str | None, names: tuple[str, ...]
) -> tuple[str, list[Any]] | None:
    """The parts' rows as one UNION ALL and its parameters: `key` (when given) as k, and each of
    `names` times its part's sign; None when no part can have rows."""
    selects = []
    for part, sign in parts:
        compiled = _compiled(part.values_list(*([key] if key else []), *names).order_by())
        if compiled is not None:
            selects.append((*compiled, sign))
    if not selects:
        return None
    keyed = f"{key} AS k, " if key else ""
    # Column names from the models' fields; every value is a parameter of the parts' SQL.
    union = " UNION ALL ".join(
        f"SELECT {keyed}{', '.join(f'{sign} * {n} AS {n}' for n in names)} FROM ({sql}) p{i}"  # noqa: S608
        for i, (sql, _params, sign) in enumerate(selects)
    )
    return union, [p for _sql, part_params, _sign in selects for p in part_params]


def registered(s: Sums) -> int:
    """注册人数: workers who registered (their worker profile was created) in the period.
    = Σ ActivityDay.registered"""
    return s["registered"]


def checked_in(s: Sums) -> int:
    """报到人数: workers whose check-in the community confirmed in the period (and that still
    stands). = Σ ActivityDay.checked_in"""
    return s["checked_in"]


def party_members(s: Sums) -> int:
    """党员人数: of the workers registered in the period, those who are party members.
    = Σ ActivityDay.party_members"""
    return s["party_members"]


def reports_submitted(s: Sums) -> int:
    """随手拍提交: reports submitted in the period. = Σ ActivityDay.reports_submitted"""
    return s["reports_submitted"]


def reports_accepted(s: Sums) -> int:
    """随手拍受理: of the reports submitted in the period, those accepted by now (whatever became
    of them afterwards). = Σ ActivityDay.reports_accepted"""
    return s["reports_accepted"]


def reports_resolved(s: Sums) -> int:
    """随手拍办结: of the reports submitted in the period, those resolved or closed by now.
    = Σ ActivityDay.reports_resolved"""
    return s["reports_resolved"]


def reports_disputed(s: Sums) -> int:
    """随手拍异议: of the reports submitted in the period, those whose reporter answered a
    resolution "not fixed" at least once. = Σ ActivityDay.reports_disputed"""
    return s["reports_disputed"]


def appeals_received(s: Sums) -> int:
    """收到诉求: appeals submitted in the period (the seed's "538 accepted"). = Σ ActivityDay.appeals_received"""
    return s["appeals_received"]


def appeals_resolved(s: Sums) -> int:
    """解决诉求: of the appeals submitted in the period, those resolved or closed by now (the
    seed's "430 helped to resolve"). = Σ ActivityDay.appeals_resolved"""
    return s["appeals_resolved"]


def station_visits(s: Sums) -> int:
    """驿站到访: counted visits to stations in the period (at most one per worker and station
    within the cool-down), at stations in the scope's places. = Σ ActivityDay.station_visits"""
    return s["station_visits"]


def event_attendances(s: Sums) -> int:
    """活动签到: event registrations checked in (attended) in the period.
    = Σ ActivityDay.event_attendances"""
    return s["event_attendances"]


def volunteer_hours(s: Sums) -> float:
    """志愿服务时长: hours of approved volunteer service (service records) that started in the
    period, to one decimal. = Σ ActivityDay.volunteer_minutes ÷ 60"""
    return round(s["volunteer_minutes"] / 60, 1)


def learning_credits(s: Sums) -> int:
    """学习计分: learning sessions credited (finished and counted) in the period.
    = Σ ActivityDay.learning_credits"""
    return s["learning_credits"]


def points_issued(s: Sums) -> int:
    """积分发放: points earned in the period (ledger entries of reason "earn").
    = Σ ActivityDay.points_issued"""
    return s["points_issued"]


def points_spent(s: Sums) -> int:
    """积分兑换: points redeemed for gifts in the period (redemption entries, as a positive number).
    = Σ ActivityDay.points_spent"""
    return s["points_spent"]


def points_expired(s: Sums) -> int:
    """积分过期: points that expired in the period (as a positive number). = Σ ActivityDay.points_expired"""
    return s["points_expired"]


def points_corrected(s: Sums) -> int:
    """积分冲正与调整: reversals and manual adjustments in the period, with their sign.
    = Σ ActivityDay.points_reversed + Σ ActivityDay.points_adjusted"""
    return s["points_reversed"] + s["points_adjusted"]


def points_held(balance: Sums) -> int:
    """积分结余: points the workers hold at the end of the period: every ledger entry up to then.
    = issued − spent − expired + reversals and adjustments, since the beginning (so issued minus
    spent equals held only when nothing expired or was corrected)."""
    return (
        balance["points_issued"]
        - balance["points_spent"]
        - balance["points_expired"]
        + balance["points_reversed"]
        + balance["points_adjusted"]
    )


def active_workers(scope: Scope, period: Period) -> int:
    """活跃人数: distinct workers who did something in the period: submitted a report or appeal,
    visited a station, attended an event, served as a volunteer or had a learning session
    credited; a worker is in the scope by his place, employer and industry now.
    = count of WorkerPlace in scope with a WorkerDay in the period"""
    # A worker whose last active day lies in the period was active in it; one whose last day is
    # before it was not; only one whose last day is after the period needs his WorkerDay rows
    # looked up (nobody, for a period ending today). Those whose last day lies in the period are
    # counted by LastActiveCount's rows of the period's days where one level holds the scope (a
    # row per day, however many workers were active: at 10 million cases every worker of the
    # city in a month), else one by one. One query, however many cases.
    statement = _kept(("active", scope, period), lambda: _active_statement(scope, period))
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        row = cursor.fetchone()
    return int(row[0] or 0) + int(row[1] or 0)


def _active_statement(scope: Scope, period: Period) -> tuple[str, tuple[Any, ...]]:
    """active_workers' statement: its two counts (the workers whose last day lies in the period,
    those whose last day is after it with a WorkerDay in it) as one row."""
    did = WorkerDay.objects.filter(worker_id=OuterRef("worker_id"), day__lte=period.end)
    if period.start is not None:
        did = did.filter(day__gte=period.start)
    ends_in = Q(last_active__lte=period.end)
    if period.start is not None:
        ends_in &= Q(last_active__gte=period.start)
    places = WorkerPlace.objects.filter(scope.activity_q())
    later = places.filter(Q(last_active__gt=period.end) & Exists(did)).values_list("pk")
    cells = _last_active_cells(scope)
    parts: list[tuple[str, QuerySet[Any]]]
    if cells is None:
        parts = [("COUNT(*)", places.filter(ends_in).values_list("pk")), ("COUNT(*)", later)]
    else:
        level, column, refs = cells
        counted = LastActiveCount.objects.filter(period.q(), level=level, **{f"{column}__in": refs})
        parts = [("SUM(c.workers)", counted.values_list("workers")), ("COUNT(*)", later)]
    selects: list[str] = []
    params: list[Any] = []
    for aggregate, part in parts:
        compiled = _compiled(part.order_by())
        if compiled is None:
            selects.append("0")
            continue
        sql, part_params = compiled
        # The parts' SQL compiled by the ORM; every value is a parameter.
        selects.append(f"(SELECT {aggregate} FROM ({sql}) c)")  # noqa: S608
        params.extend(part_params)
    return f"SELECT {', '.join(selects)}", tuple(params)


def _last_active_cells(scope: Scope) -> tuple[str, str, list[Any]] | None:
    """The LastActiveCount rows (level, their column, its values) whose workers are the
    scope's, each once, or None (a scope mixing levels or dimensions, whose workers two rows
    could both count)."""
    if scope.everything:
        if not scope.within:
            return LastActiveLevel.CITY, "ref", [0]
        return _WITHIN_LEVEL[scope.within[0]], "ref", [scope.within[1]]
    if scope.within:
        return None
    given = [
        (level, ids)
        for level, ids in (
            (LastActiveLevel.DISTRICT, scope.district_ids),
            (LastActiveLevel.STREET, scope.street_ids),
            (LastActiveLevel.COMMUNITY, scope.community_ids),
            (LastActiveLevel.INDUSTRY, scope.industries),
            (LastActiveLevel.ENTERPRISE, scope.enterprise_ids),
        )
        if ids
    ]
    if len(given) != 1:
        return None
    level, ids = given[0]
    return level, "industry" if level == LastActiveLevel.INDUSTRY else "ref", sorted(set(ids))


# Scope.within's column → the LastActiveCount level of that place.
_WITHIN_LEVEL = {
    "district_id": LastActiveLevel.DISTRICT,
    "street_id": LastActiveLevel.STREET,
    "region_id": LastActiveLevel.COMMUNITY,
}


@dataclass(frozen=True)
class MeasureInfo:
    code: str
    group: str
    label: Any
    fn: Callable[..., Any]

    @property
    def formula(self) -> str:
        """The docstring, without its leading Chinese name (the label, shown in the reader's
        language beside it)."""
        doc = (self.fn.__doc__ or "").strip()
        head, colon, rest = doc.partition(": ")
        return rest if colon and re.fullmatch(r"[\u4e00-\u9fff（）]+", head) else doc


MEASURES: list[MeasureInfo] = [
    MeasureInfo("workers.registered", "workers", _("注册人数"), registered),
    MeasureInfo("workers.checked_in", "workers", _("报到人数"), checked_in),
    MeasureInfo("workers.active", "workers", _("活跃人数"), active_workers),
    MeasureInfo("workers.party_members", "workers", _("党员人数"), party_members),
    MeasureInfo("reports.submitted", "reports", _("随手拍提交"), reports_submitted),
    MeasureInfo("reports.accepted", "reports", _("随手拍受理"), reports_accepted),
    MeasureInfo("reports.resolved", "reports", _("随手拍办结"), reports_resolved),
    MeasureInfo("reports.disputed", "reports", _("随手拍异议"), reports_disputed),
    MeasureInfo("appeals.received", "appeals", _("收到诉求"), appeals_received),
    MeasureInfo("appeals.resolved", "appeals", _("解决诉求"), appeals_resolved),
    MeasureInfo("stations.visits", "stations", _("驿站到访"), station_visits),
    MeasureInfo("stations.event_attendances", "stations", _("活动签到"), event_attendances),
    MeasureInfo("volunteering.hours", "volunteering", _("志愿服务时长（小时）"), volunteer_hours),
    MeasureInfo("learning.credits", "learning", _("学习计分次数"), learning_credits),
    MeasureInfo("points.issued", "points", _("积分发放"), points_issued),
    MeasureInfo("points.spent", "points", _("积分兑换"), points_spent),
    MeasureInfo("points.expired", "points", _("积分过期"), points_expired),
    MeasureInfo("points.corrected", "points", _("积分冲正与调整"), points_corrected),
    MeasureInfo("points.held", "points", _("积分结余"), points_held),
]


@dataclass
class Overview:
    """The headline figures of a scope and period, each from its measure."""

    workers: dict[str, int]
    reports: dict[str, int]
    appeals: dict[str, int]
    stations: dict[str, int]
    volunteering: dict[str, float]
    learning: dict[str, int]
    points: dict[str, int]

    def flat(self) -> dict[str, float]:
        """ "group.name" → value, in MEASURES order (exports, the reconcile test)."""
        groups: dict[str, dict[str, Any]] = {
            "workers": self.workers,
            "reports": self.reports,
            "appeals": self.appeals,
            "stations": self.stations,
            "volunteering": self.volunteering,
            "learning": self.learning,
            "points": self.points,
        }
        return {m.code: groups[m.group][m.code.split(".", 1)[1]] for m in MEASURES}


def overview(scope: Scope, period: Period) -> Overview:
    """The overview: three queries on the rollups (the period's sums, the balance's sums, the
    distinct active workers)."""
    s = activity_sums(scope, period)
    balance = activity_sums(scope, Period(start=None, end=period.end)) if period.start is not None else s
    return Overview(
        workers={
            "registered": registered(s),
            "checked_in": checked_in(s),
            "active": active_workers(scope, period),
            "party_members": party_members(s),
        },
        reports={
            "submitted": reports_submitted(s),
            "accepted": reports_accepted(s),
            "resolved": reports_resolved(s),
            "disputed": reports_disputed(s),
        },
        appeals={"received": appeals_received(s), "resolved": appeals_resolved(s)},
        stations={"visits": station_visits(s), "event_attendances": event_attendances(s)},
        volunteering={"hours": volunteer_hours(s)},
        learning={"credits": learning_credits(s)},
        points={
            "issued": points_issued(s),
            "spent": points_spent(s),
            "expired": points_expired(s),
            "corrected": points_corrected(s),
            "held": points_held(balance),
        },
    )


# --- Trends and breakdowns -------------------------------------------------------------------
TREND_MEASURES = ("registered", "checked_in", "reports_submitted", "appeals_received", "station_visits")


def trend(scope: Scope, period: Period, unit: str = "week") -> list[dict[str, Any]]:
    """TREND_MEASURES per week (Monday) or month of the period: one grouped query on the panel
    rollups (day rows for weeks, month rows and remaining days for months), the weeks and months
    folded in Python (SQLite and PostgreSQL alike). Every week or month of the period is there,
    those without activity as zeros: a chart drawn from the buckets with rows only would join
    March to December with one straight line (a period without a start: from its first row)."""
    buckets: dict[date, dict[str, int]] = {}
    statements = _kept(("trend", scope, period, unit), lambda: _trend_statements(scope, period, unit))
    for sql, params in statements:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        for raw_day, *values in fetched:
            # SQLite gives the day as text (the ORM's converters are not run on a kept statement).
            day: date = date.fromisoformat(raw_day) if isinstance(raw_day, str) else raw_day
            bucket = buckets.setdefault(_bucket_start(day, unit), dict.fromkeys(TREND_MEASURES, 0))
            for name, value in zip(TREND_MEASURES, values, strict=True):
                bucket[name] += int(value or 0)
    first = _bucket_start(period.start, unit) if period.start else min(buckets, default=None)
    if first is not None:
        last = _bucket_start(period.end, unit)
        while first <= last:
            buckets.setdefault(first, dict.fromkeys(TREND_MEASURES, 0))
            first = first + timedelta(days=7) if unit == "week" else month_end(first) + timedelta(days=1)
    return [{"start": start, **values} for start, values in sorted(buckets.items())]


def _bucket_start(day: date, unit: str) -> date:
    return day - timedelta(days=day.weekday()) if unit == "week" else month_start(day)


def _trend_statements(scope: Scope, period: Period, unit: str) -> list[tuple[str, tuple[Any, ...]]]:
    """trend's grouped statements, one per part: the day and TREND_MEASURES summed per day."""
    statements = []
    for source, day_field, _sign in activity_parts(scope, period, days_only=unit == "week"):
        rows = source.values(day_field).annotate(**{name: Sum(name) for name in TREND_MEASURES}).order_by()
        compiled = _compiled(rows.values_list(day_field, *TREND_MEASURES))
        if compiled is not None:
            statements.append(compiled)
    return statements


BREAKDOWN_MEASURES = (
    "registered",
    "checked_in",
    "reports_submitted",
    "reports_resolved",
    "appeals_received",
    "appeals_resolved",
    "station_visits",
)


def breakdown(
    scope: Scope,
    period: Period,
    by: str,
    names: tuple[str, ...] = BREAKDOWN_MEASURES,
    *,
    nonzero: bool = False,
) -> dict[Any, dict[str, int]]:
    """BREAKDOWN_MEASURES (or some of them: `names`) per district_id, street_id, region_id
    (community), industry or enterprise_id: one grouped query, on the panel rollups where they
    hold the scope and the breakdown (else on the daily rollup), read as months less the days
    left out where those are fewer (Period.lean_split). Each row is the same sums the overview
    adds up. `nonzero`: only the keys with a sum other than zero; else every key with rows in the
    period."""
    signed = _kept(
        ("breakdown", scope, period, by, names, True),
        lambda: _signed_rows(_breakdown_parts(scope, period, by, nonzero=True), by, names),
    )
    result = _summed_of(signed, names)
    zeros = [k for k, v in result.items() if not any(v.values())]
    if nonzero:
        return {k: v for k, v in result.items() if k not in zeros}
    if zeros:
        # A key whose rows lie only on the days subtracted comes back with zeros, as does one
        # with rows in the period that count none of `names`: only the latter is listed. The
        # doubtful keys' own rows of the period say which (at a city's size, none or a few keys:
        # the whole breakdown read without subtracting was 1,404 communities × up to 22 rows).
        some = [k for k in zeros if k is not None]
        keys = Q(**{f"{by}__in": some}) | (Q(**{f"{by}__isnull": True}) if None in zeros else Q(pk__in=[]))
        present = _summed(_breakdown_parts(scope, period, by, nonzero=False, only=keys), by, names)
        result = {k: v for k, v in result.items() if k not in zeros or k in present}
    return result


def breakdown_counts(scope: Scope, period: Period, by: str, name: str) -> dict[Any, int]:
    """One of the breakdown's columns (`name`) per key, the keys whose sum is zero left out:
    breakdown(scope, period, by, (name,), nonzero=True) as plain numbers, the zeros dropped by
    the database (the city's map: 1,404 communities, a dictionary each to build and to drop)."""
    signed = _kept(
        ("breakdown", scope, period, by, (name,), True),
        lambda: _signed_rows(_breakdown_parts(scope, period, by, nonzero=True), by, (name,)),
    )
    if signed is None:
        return {}
    union, params = signed
    statement = f"SELECT u.k, SUM(u.{name}) FROM ({union}) u GROUP BY u.k HAVING SUM(u.{name}) <> 0"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {k: int(v) for k, v in cursor.fetchall()}


def _breakdown_parts(
    scope: Scope, period: Period, by: str, *, nonzero: bool, only: Q | None = None
) -> list[tuple[QuerySet[Any], int]]:
    """The rows whose sums per `by` are breakdown's, each part with its sign (`only`: those of
    some keys)."""
    split = period.lean_split if nonzero else period.split
    # Each part is built only where it is read: a filter costs the ORM more to build than the
    # rollup's rows cost to read (a dashboard makes four breakdowns).
    parts: list[tuple[QuerySet[Any], int]] | None = None
    if by in LEVEL_OF_FIELD:
        level = LEVEL_OF_FIELD[by]
        targets = place_targets(scope)
        by_enterprise = enterprise_q(scope) if targets is None and by == "district_id" else None
        if targets is not None and all(LEVEL_ORDER.index(level) >= LEVEL_ORDER.index(t[0]) for t in targets):
            place_rows = PlaceRollup.objects.filter(_within_targets_q(targets), level=level)
            parts = _signed(place_rows, period.week_split(lean=nonzero))
        elif by_enterprise is not None:
            # An industry's or enterprise's districts: EnterpriseRollup keeps the district (the
            # daily rollup would be read a row per community, enterprise and worker type).
            enterprise_rows = EnterpriseRollup.objects.filter(by_enterprise)
            parts = _signed(enterprise_rows, split)
    else:
        by_enterprise = enterprise_q(scope)
        by_industry = _industry_rows(scope) if by == "industry" else None
        if by_industry is not None:
            parts = _signed(by_industry, split)
        elif by_enterprise is not None:
            # Not narrowed to a district: a row per enterprise (EnterpriseCityRollup), not per
            # enterprise and district.
            model = EnterpriseRollup if scope.within else EnterpriseCityRollup
            city_rows: QuerySet[Any] = model.objects.filter(by_enterprise)
            parts = _signed(city_rows, split)
    if parts is None and by in LEVEL_OF_FIELD and _industries_only(scope):
        # An industry committee's streets or communities (the map of its reports): the industry's
        # place rows of the months, weeks and days, as PlaceRollup's are read for places.
        industry_rows = IndustryPlaceMonth.objects.filter(scope.activity_q())
        parts = _signed(industry_rows, period.week_split(lean=nonzero))
    if parts is None:
        q = scope.activity_q()
        # IndustryPlaceMonth keeps the places and the industry, not the enterprise.
        months = _months_of(scope) if by in (*LEVEL_OF_FIELD, "industry") else ActivityMonth.objects.all()
        parts = [
            (months.filter(q, split.months_q()), 1),
            (ActivityDay.objects.filter(q, split.days_only_q("day")), 1),
            (ActivityDay.objects.filter(q, split.minus_q("day", grained=False)), -1),
        ]
    return parts if only is None else [(rows.filter(only), sign) for rows, sign in parts]


def _signed(rows: QuerySet[Any], split: Split) -> list[tuple[QuerySet[Any], int]]:
    """A table with both grains read over a split: its rows added, and those subtracted if any."""
    parts = [(rows.filter(split.grain_q()), 1)]
    if split.subtracts:
        parts.append((rows.filter(split.minus_q()), -1))
    return parts


def _industry_rows(scope: Scope) -> QuerySet[Any] | None:
    """IndustryRollup rows adding up to the scope exactly (the whole city, or industries alone;
    neither narrowed to a place), or None. The city's breakdown by industry read EnterpriseRollup's
    row per enterprise and district (16,380 rows a year at 10 million cases) for its three or four
    rows; IndustryRollup keeps one per industry and day or month."""
    if scope.within:
        return None
    if scope.everything:
        return IndustryRollup.objects.all()
    if _industries_only(scope):
        return IndustryRollup.objects.filter(industry__in=scope.industries)
    return None


def _summed(parts: list[tuple[QuerySet[Any], int]], key: str, names: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    """The columns `names` summed per `key` over the parts' rows, each part with its sign (the
    months, the remaining days, the days left out subtracted): one statement (UNION ALL, GROUP
    BY), so that a key's parts are added up in the database and each key comes back once, not
    once per part (the city's map: 1,404 communities, not three times as many rows to convert
    and add up in Python). Every key with a row in a part is listed, its sums maybe zero."""
    return _summed_of(_signed_rows(parts, key, names), names)


def _summed_of(signed: tuple[str, list[Any]] | None, names: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    """_summed of the parts' UNION ALL (_signed_rows, with its key)."""
    if signed is None:
        return {}
    union, params = signed
    statement = f"SELECT u.k, {', '.join(f'SUM(u.{n})' for n in names)} FROM ({union}) u GROUP BY u.k"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        fetched = cursor.fetchall()
    return {k: {n: int(v or 0) for n, v in zip(names, values, strict=True)} for k, *values in fetched}


def _service_parts(scope: Scope, period: Period) -> list[tuple[QuerySet[Any], int]]:
    """station_use's rows per service, each part with its sign."""
    # Both of station_use's lists keep only stations and services with visits: partial months
    # may be read as months less the days left out (Period.lean_split).
    targets = place_targets(scope, ignore_enterprises=True)
    if targets is not None and all(t[0] != PlaceLevel.COMMUNITY for t in targets):
        return _signed(ServiceRollup.objects.filter(_targets_q(targets)), period.lean_split)
    return [(StationDay.objects.filter(scope.station_q(), period.q()), 1)]


def _station_parts(scope: Scope, period: Period) -> list[tuple[QuerySet[Any], int]]:
    """station_use's rows per station, each part with its sign: StationMonth's months, weeks and
    days (a row per station, not StationDay's per station and service each day), as months less
    the weeks and days left out where those are fewer (both lists keep only stations with visits)."""
    targets = place_targets(scope, ignore_enterprises=True)
    place = scope.station_q() if targets is None else _within_targets_q(targets)
    return _signed(StationMonth.objects.filter(place), period.week_split(lean=True))


def station_use(scope: Scope, period: Period) -> tuple[dict[int | None, int], dict[int, int]]:
    """驿站使用: counted visits per service (None: no service given) and per station over the
    period, at stations in the scope's places; their totals equal station_visits for a place
    scope. Per service: ServiceRollup for the city, a district or a street; per station:
    StationMonth's months, weeks and days. A scope whose places lie at two levels reads
    StationDay per service."""
    by_station = _summed(_station_parts(scope, period), "hive_id", ("visits",))
    return service_use(scope, period), {k: v["visits"] for k, v in by_station.items() if v["visits"]}


def service_use(scope: Scope, period: Period) -> dict[int | None, int]:
    """station_use's visits per service alone (services without any left out)."""
    signed = _kept(
        ("service_use", scope, period),
        lambda: _signed_rows(_service_parts(scope, period), "service_id", ("visits",)),
    )
    by_service = _summed_of(signed, ("visits",))
    return {k: v["visits"] for k, v in by_service.items() if v["visits"]}


@dataclass(frozen=True)
class StationRanks:
    """The busiest and the idlest stations of a list (id, name, visits), and how many it has."""

    busiest: list[tuple[int, str, int]]
    idlest: list[tuple[int, str, int]]
    stations: int


def station_ranks(scope: Scope, period: Period, stations: QuerySet[Any], n: int) -> StationRanks:
    """station_use's visits per station over `stations` (a queryset of their ids and names),
    the n busiest (most visits first) and the n idlest (fewest first, stations without any
    visit counted 0), ties by name then id, as Python orders strings (code points: PostgreSQL's
    "C" collation, SQLite's BINARY). The database ranks them: a city's 600 stations were read
    with their sums, a request each, to show twenty."""
    listed = _compiled(stations.values_list("id", "name").order_by())
    if listed is None:
        return StationRanks([], [], 0)
    listed_sql, listed_params = listed
    signed = _kept(
        ("station_use", scope, period),
        lambda: _signed_rows(_station_parts(scope, period), "hive_id", ("visits",)),
    )
    sums_params: list[Any]
    if signed is None:
        sums_sql, sums_params = "SELECT CAST(NULL AS BIGINT) AS k, 0 AS visits WHERE 1 = 0", []
    else:
        union, sums_params = signed
        sums_sql = f"SELECT u.k, SUM(u.visits) AS visits FROM ({union}) u GROUP BY u.k"  # noqa: S608
    collate = 'COLLATE "C"' if connection.vendor == "postgresql" else "COLLATE BINARY"
    statement = (
        "SELECT r.id, r.name, r.visits, r.busiest, r.idlest, r.stations FROM ("  # noqa: S608
        "SELECT s.id, s.name, COALESCE(v.visits, 0) AS visits, "
        f"ROW_NUMBER() OVER (ORDER BY COALESCE(v.visits, 0) DESC, s.name {collate}, s.id) AS busiest, "
        f"ROW_NUMBER() OVER (ORDER BY COALESCE(v.visits, 0), s.name {collate}, s.id) AS idlest, "
        "COUNT(*) OVER () AS stations "
        f"FROM ({listed_sql}) s LEFT JOIN ({sums_sql}) v ON v.k = s.id"
        ") r WHERE r.busiest <= %s OR r.idlest <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*listed_params, *sums_params, n, n])
        rows = cursor.fetchall()
    busiest = sorted((r for r in rows if r[3] <= n), key=lambda r: r[3])
    idlest = sorted((r for r in rows if r[4] <= n), key=lambda r: r[4])
    return StationRanks(
        busiest=[(r[0], r[1], int(r[2])) for r in busiest],
        idlest=[(r[0], r[1], int(r[2])) for r in idlest],
        stations=int(rows[0][5]) if rows else 0,
    )


# --- The offices' rates ----------------------------------------------------------------------
def signed_on_time_rate(s: Sums) -> Rate:
    """及时签收率: cases signed for (accepted) by the office within its acceptance deadline ÷
    cases received by the office. A case forwarded on, returned or escalated before the office
    accepted it was not signed on time. = Σ OfficeDay.signed_on_time ÷ Σ OfficeDay.received"""
    return rate(s["signed_on_time"], s["received"])


def resolved_on_time_rate(s: Sums) -> Rate:
    """按时办结率: cases the office resolved by the resolve deadline (the re-handling deadline after
    a dispute) ÷ cases due: resolved, or open and past their deadline.
    = Σ OfficeDay.resolved_on_time ÷ Σ OfficeDay.due"""
    return rate(s["resolved_on_time"], s["due"])


def satisfaction_rate(s: Sums) -> Rate:
    """满意率: ratings of 4 or 5 stars ÷ rated cases, of the cases the office holds.
    = Σ OfficeDay.satisfied ÷ Σ OfficeDay.rated"""
    return rate(s["satisfied"], s["rated"])


def returned_rate(s: Sums) -> Rate:
    """回退率: cases the office sent back ÷ cases it received. = Σ OfficeDay.returned ÷ Σ OfficeDay.received"""
    return rate(s["returned"], s["received"])


def reopened_rate(s: Sums) -> Rate:
    """重办率: resolutions of the office the reporter answered "not fixed" (reopened) ÷ cases it
    resolved. = Σ OfficeDay.reopened ÷ Σ OfficeDay.resolved"""
    return rate(s["reopened"], s["resolved"])


def overdue_now(now_rows: dict[str, int]) -> int:
    """当前超期: open cases the office holds now that are past their deadline (marked overdue by
    the escalation sweep) — the same cases as the office's overdue queue. Not bound to a period.
    = Σ OfficeNow.overdue"""
    return now_rows.get("overdue", 0)


def overdue_now_total(scope: Scope) -> int:
    """当前超期（合计）: overdue_now summed over the offices in scope (one query on OfficeNow)."""
    now = OfficeNow.objects.all()
    if not scope.everything:
        now = now.filter(organisation_id__in=Organisation.objects.filter(organisation_scope(scope)).values("pk"))
    return int(now.aggregate(n=Sum("overdue"))["n"] or 0)


OFFICE_RATES: list[MeasureInfo] = [
    MeasureInfo("signed_on_time_rate", "offices", _("及时签收率"), signed_on_time_rate),
    MeasureInfo("resolved_on_time_rate", "offices", _("按时办结率"), resolved_on_time_rate),
    MeasureInfo("satisfaction_rate", "offices", _("满意率"), satisfaction_rate),
    MeasureInfo("returned_rate", "offices", _("回退率"), returned_rate),
    MeasureInfo("reopened_rate", "offices", _("重办率"), reopened_rate),
    MeasureInfo("overdue_now", "offices", _("当前超期"), overdue_now),
]
RATE_NAMES = tuple(m.code for m in OFFICE_RATES if m.code.endswith("_rate"))
# Rates where less is better: sorted ascending.
LOWER_IS_BETTER = ("returned_rate", "reopened_rate")


@dataclass
class OfficeRow:
    organisation_id: int
    name: str = ""
    sums: Sums = field(default_factory=dict)
    overdue: int = 0

    @property
    def received(self) -> int:
        return self.sums.get("received", 0)

    @cached_property
    def rates(self) -> dict[str, Rate]:
        """The five rates (computed once per row: sorting and pages read them many times; the
        sums are final by then)."""
        s = {name: self.sums.get(name, 0) for name in OFFICE_COUNTS}
        return {
            "signed_on_time_rate": signed_on_time_rate(s),
            "resolved_on_time_rate": resolved_on_time_rate(s),
            "satisfaction_rate": satisfaction_rate(s),
            "returned_rate": returned_rate(s),
            "reopened_rate": reopened_rate(s),
        }


# The rate table is kept in the cache until the offices' rollups change (coarse.offices_changed):
# at 10 million cases its statement reads ~30,000 month and day rows (73 ms) for every view of the
# offices page, API call and export, while the rows only change when rollups.py refreshes or
# rebuilds them. The key names the rollups' version, so a refresh makes every cached table
# unreachable at once, in every process (the cache is Redis, or the database's table).
OFFICES_CACHE_SECONDS = 24 * 3600


def _offices_cache_key(scope: Scope, period: Period, kind: str | None) -> str:
    version = cache.get(OFFICES_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # Another process may set one meanwhile: keep whichever is stored.
        if not cache.add(OFFICES_VERSION_KEY, version, None):
            version = cache.get(OFFICES_VERSION_KEY, version)
    asked = hashlib.sha256(repr((scope, period.start, period.end, kind)).encode()).hexdigest()[:32]
    return f"analytics:offices:{version}:{asked}"


def office_rows(scope: Scope, period: Period, kind: str | None = None) -> list[OfficeRow]:
    """Per office in scope: the rates' inputs over the period and the cases overdue now. Two
    queries whatever the number of offices (the months and days summed per office and named in
    one statement; OfficeNow grouped), a third for the names of offices with cases overdue now
    but nothing received in the period, which are listed too. Kept in the cache until the
    offices' rollups next change (offices_changed)."""
    key = _offices_cache_key(scope, period, kind)
    cached = cache.get(key)
    if cached is None:
        cached = [(r.organisation_id, r.name, r.sums, r.overdue) for r in _office_rows(scope, period, kind)]
        cache.set(key, cached, OFFICES_CACHE_SECONDS)
    return [OfficeRow(organisation_id=o, name=n, sums=dict(s), overdue=d) for o, n, s, d in cached]


def _office_rows(scope: Scope, period: Period, kind: str | None = None) -> list[OfficeRow]:
    rows: dict[int, OfficeRow] = {}
    for org, (name, sums) in _office_sums(scope.office_q(), period, kind, named=True).items():
        rows[org] = OfficeRow(organisation_id=org, name=name, sums=sums)
    now = OfficeNow.objects.filter(overdue__gt=0)
    if kind:
        now = now.filter(kind=kind)
    if not scope.everything:
        in_scope = Organisation.objects.filter(organisation_scope(scope))
        now = now.filter(organisation_id__in=in_scope.values("pk"))
    for row in now.values("organisation_id").annotate(n=Sum("overdue")).order_by():
        org = row["organisation_id"]
        rows.setdefault(org, OfficeRow(organisation_id=org)).overdue = overdue_now({"overdue": int(row["n"])})
    unnamed = [org for org, item in rows.items() if not item.name]
    if unnamed:
        names = dict(Organisation.objects.filter(pk__in=unnamed).values_list("pk", "name"))
        for org in unnamed:
            rows[org].name = names.get(org, "")
    return sorted(rows.values(), key=lambda r: (-r.received, r.name, r.organisation_id))


def _compiled(rows: QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """A queryset's SQL and parameters; None when it can match nothing (an empty Q)."""
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def office_parts(q: Q, period: Period, kind: str | None = None) -> list[tuple[QuerySet[Any], int]]:
    """The rate table's rows over the period (of one kind of case, or both), each with its sign:
    the weeks, months and years added, the remaining days added, and the days, weeks and months
    left out of those read whole subtracted; each office's sums are theirs, signed (_office_sums)."""
    # A calendar year as its year row less the months outside the period, and a partial month
    # through its week rows, where those are fewer: at 10 million cases every office has rows
    # every day, and a year ending 7 December read 12 month rows an office besides December's
    # days, a 30-day period up to 30 days of OfficeDay rows of each kind. Over both kinds, the
    # rows summed without the kind (half the rows; OfficeDay's days are a row per kind).
    split = period.week_split(lean=True, day_rows=1 if kind else 2)
    coarse = OfficeMonth if kind else OfficeMonthTotal
    parts: list[tuple[QuerySet[Any], int]] = [
        (coarse.objects.filter(q, split.coarse_q()), 1),
        (coarse.objects.filter(q, split.minus_months_q()), -1),
    ]
    parts += [
        (OfficeDay.objects.filter(q, split.days_only_q("day")), 1),
        (OfficeDay.objects.filter(q, split.minus_days_q("day")), -1),
    ]
    return [(part.filter(kind=kind), sign) for part, sign in parts] if kind else parts


def _office_sums(q: Q, period: Period, kind: str | None = None, *, named: bool = False) -> dict[int, Any]:
    """OFFICE_COUNTS per office over the period: its weeks, months and years from OfficeMonth
    (OfficeMonthTotal over both kinds), its remaining days from OfficeDay (office_parts), added
    up per office by the database in one statement (UNION ALL, GROUP BY). With `named`, each
    office's (name, sums), the name joined in the same statement."""
    parts = office_parts(q, period, kind)
    selects = []
    for part, sign in parts:
        compiled = _compiled(part.values_list("organisation_id", *OFFICE_COUNTS).order_by())
        if compiled is not None:
            selects.append((*compiled, sign))
    if not selects:
        return {}
    columns = ", ".join(f"SUM(u.{name})" for name in OFFICE_COUNTS)
    # The parts' SQL compiled by Django (their values are parameters).
    union = " UNION ALL ".join(
        f"SELECT organisation_id, {', '.join(f'{sign} * {n} AS {n}' for n in OFFICE_COUNTS)} FROM ({sql}) p{i}"  # noqa: S608
        for i, (sql, _p, sign) in enumerate(selects)
    )
    params = [p for _sql, part_params, _sign in selects for p in part_params]
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    # Column names from OFFICE_COUNTS and the models' metadata; every value is a parameter.
    statement = (
        f"SELECT u.organisation_id, {'o.name' if named else 'NULL'}, {columns} FROM ({union}) u "  # noqa: S608
        + (f"LEFT JOIN {organisations} o ON o.id = u.organisation_id " if named else "")
        + "GROUP BY u.organisation_id"
        + (", o.name" if named else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        fetched = cursor.fetchall()
    result: dict[int, Any] = {}
    for org, name, *values in fetched:
        sums = {n: int(v or 0) for n, v in zip(OFFICE_COUNTS, values, strict=True)}
        # Every OfficeDay row counts a case received: nothing received means no row in the
        # period (the office's rows lay only on the days subtracted).
        if sums["received"]:
            result[org] = (name or "", sums) if named else sums
    return result


def organisation_scope(scope: Scope) -> Q:
    """Organisation rows in an office scope (the same places, industries and offices as office_q)."""
    q = Q(pk__in=list(scope.office_ids))
    for region in (*scope.district_ids, *scope.street_ids, *scope.community_ids):
        q |= Q(region_id=region) | Q(region__parent_id=region) | Q(region__parent__parent_id=region)
    if scope.industries:
        q |= Q(industry__in=scope.industries)
    return q


def offices_total(rows: list[OfficeRow]) -> OfficeRow:
    """The sum of the rows: the same rates over every case of the table."""
    total = OfficeRow(organisation_id=0, sums=dict.fromkeys(OFFICE_COUNTS, 0))
    for row in rows:
        for name in OFFICE_COUNTS:
            total.sums[name] += row.sums.get(name, 0)
        total.overdue += row.overdue
    return total


def offices_sorted(rows: list[OfficeRow], by: str, descending: bool = True) -> list[OfficeRow]:
    """Ranked by a rate: rows whose rate lacks the minimum sample come last, in name order, never
    among the ranked. `overdue_now` and `received` sort by their counts."""
    if by in ("overdue_now", "received"):
        return sorted(rows, key=lambda r: (-(r.overdue if by == "overdue_now" else r.received), r.name))
    if by not in RATE_NAMES:
        by = "signed_on_time_rate"
    ranked = [r for r in rows if r.rates[by].value is not None]
    unranked = sorted((r for r in rows if r.rates[by].value is None), key=lambda r: r.name)
    ranked.sort(key=lambda r: (r.rates[by].value or 0.0, r.name), reverse=descending)
    return ranked + unranked


# --- Enterprise scorecards (企业质量考核) ------------------------------------------------------
@dataclass(frozen=True)
class ScorePart:
    code: str
    label: Any
    default_weight: int
    reason: Any
    higher_is_better: bool = True


# The defaults, and why (the city changes the weights on the scorecard page; ScoreWeight rows).
SCORE_PARTS: list[ScorePart] = [
    ScorePart(
        "checked_in_share",
        _("报到率"),
        20,
        _("报到是新就业群体融入社区治理的第一步，企业动员职工注册报到是考核的基础。"),
    ),
    ScorePart(
        "confirmed_share",
        _("企业确认率"),
        10,
        _("企业确认在职身份，平台上的数据才可信；分值较低，因为确认是企业的日常工作。"),
    ),
    ScorePart(
        "reports_per_100",
        _("每百人受理随手拍"),
        20,
        _("城市最需要的是“移动探头”：只计被受理的上报，无效上报不加分。"),
    ),
    ScorePart("hours_per_worker", _("人均志愿服务时长"), 15, _("志愿服务是“用心做”的核心。")),
    ScorePart("credits_per_worker", _("人均学习计分"), 10, _("学习是“认真学”的核心，但不宜比服务更重。")),
    ScorePart(
        "on_time_rate",
        _("党组织及时签收率"),
        10,
        _("企业党组织及时签收职工诉求，是企业重视职工权益的直接体现。"),
    ),
    ScorePart("satisfaction_rate", _("诉求满意率"), 10, _("职工对诉求办理结果的评价。")),
    ScorePart(
        "escalation_share",
        _("诉求上交行业党委比例"),
        5,
        _("诉求超期或被行业党委提级办理，说明企业未能自行解决；权重低，因为职工有权反映问题，诉求件数本身不扣分。"),
        higher_is_better=False,
    ),
]


def score_weights() -> dict[str, int]:
    """Each part's weight: the city's (ScoreWeight), else the default."""
    stored = dict(ScoreWeight.objects.values_list("part", "weight"))
    return {p.code: int(stored.get(p.code, p.default_weight)) for p in SCORE_PARTS}


@dataclass
class PartScore:
    code: str
    label: Any
    weight: int
    value: float | None
    score: float | None


@dataclass
class Scorecard:
    enterprise_id: int
    name: str
    industry: str
    workers_registered: int
    workers_checked_in: int
    workers_confirmed: int
    reports_accepted: int
    volunteer_hours: float
    learning_credits: int
    appeals_about: int
    escalated: int
    office: OfficeRow | None
    parts: list[PartScore] = field(default_factory=list)
    score: float | None = None
    rank: int | None = None

    @property
    def enough(self) -> bool:
        return self.workers_registered >= min_sample()


def _per(part: float, whole: int, times: int = 1) -> float | None:
    return round(part * times / whole, 2) if whole else None


def _part_values(card: Scorecard) -> dict[str, float | None]:
    rates = card.office.rates if card.office else {}
    on_time = rates.get("signed_on_time_rate")
    satisfied = rates.get("satisfaction_rate")
    return {
        "checked_in_share": _per(card.workers_checked_in, card.workers_registered),
        "confirmed_share": _per(card.workers_confirmed, card.workers_registered),
        "reports_per_100": _per(card.reports_accepted, card.workers_registered, 100),
        "hours_per_worker": _per(card.volunteer_hours, card.workers_registered),
        "credits_per_worker": _per(card.learning_credits, card.workers_registered),
        "on_time_rate": on_time.value if on_time else None,
        "satisfaction_rate": satisfied.value if satisfied else None,
        # Under the minimum sample of appeals the share says nothing.
        "escalation_share": _per(card.escalated, card.appeals_about) if card.appeals_about >= min_sample() else None,
    }


def _score(cards: list[Scorecard], weights: dict[str, int]) -> None:
    """Each part scored 0–100 within the enterprise's industry: a share or rate is its percentage
    (lower-is-better ones: 100 − it); a per-worker figure is its share of the industry's best. The
    score is the weighted mean of the parts that have a value (a part without one — no appeals,
    too few cases — leaves its weight out rather than counting as zero). An enterprise with fewer
    registered workers than the minimum sample gets no score and no rank."""
    values = {c.enterprise_id: _part_values(c) for c in cards}
    best: dict[tuple[str, str], float] = defaultdict(float)
    for card in cards:
        if not card.enough:
            continue
        for code, value in values[card.enterprise_id].items():
            if value is not None:
                best[(card.industry, code)] = max(best[(card.industry, code)], value)
    for card in cards:
        card.parts = []
        total = weight_sum = 0.0
        for part in SCORE_PARTS:
            value = values[card.enterprise_id][part.code]
            weight = weights[part.code]
            score: float | None = None
            if value is not None and card.enough:
                if part.code.endswith(("_share", "_rate")):
                    score = value * 100 if part.higher_is_better else (1 - value) * 100
                else:
                    top = best[(card.industry, part.code)]
                    score = 100 * value / top if top else 0.0
                score = round(score, 1)
                total += score * weight
                weight_sum += weight
            card.parts.append(PartScore(part.code, part.label, weight, value, score))
        card.score = round(total / weight_sum, 1) if card.enough and weight_sum else None


def _signed_sums(rows: QuerySet[Any], split: Split, **columns: str) -> dict[int, dict[str, int]]:
    """EnterpriseCityRollup columns summed per enterprise over a split (its left-out days subtracted)."""
    result: dict[int, dict[str, int]] = {}
    parts = [(rows.filter(split.grain_q()), 1)] + ([(rows.filter(split.minus_q()), -1)] if split.minus else [])
    for part, sign in parts:
        for r in part.values("enterprise_id").annotate(**{k: Sum(c) for k, c in columns.items()}).order_by():
            target = result.setdefault(r["enterprise_id"], dict.fromkeys(columns, 0))
            for k in columns:
                target[k] += sign * int(r[k] or 0)
    return result


def scorecards(scope: Scope, period: Period, industry: str | None = None) -> list[Scorecard]:
    """The enterprises' scorecards in scope, ranked within each industry (评先评优): workers
    registered, checked in and confirmed by the employer up to the period's end; reports accepted,
    volunteer hours, learning credits, appeals about the enterprise and those escalated to the
    industry committee over the period; the enterprise party organisation's rates over the
    period. Four queries on the panel rollups and two for the names, whatever the number of
    enterprises. Workers are never ranked here."""
    enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
    if not scope.everything:
        enterprises = enterprises.filter(Q(industry__in=scope.industries) | Q(pk__in=scope.enterprise_ids))
    if industry:
        enterprises = enterprises.filter(industry=industry)
    rows = {e.pk: e for e in enterprises.only("pk", "name", "industry")}
    party_orgs = dict(
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise_id__in=list(rows)).values_list(
            "pk", "enterprise_id"
        )
    )
    mine = EnterpriseCityRollup.objects.filter(enterprise_id__in=list(rows))
    # Sums looked up per enterprise (none: 0): partial months may be read as months less the
    # days left out (Period.lean_split).
    cumulative = _signed_sums(
        mine,
        Period(start=None, end=period.end).lean_split,
        registered="registered",
        checked_in="checked_in",
        confirmed="confirmed_by_employer",
    )
    in_period = _signed_sums(
        mine,
        period.lean_split,
        accepted="reports_accepted",
        minutes="volunteer_minutes",
        credits="learning_credits",
        about="appeals_about_enterprise",
        escalated="appeals_escalated_to_committee",
    )
    office_sums: dict[int, OfficeRow] = {
        party_orgs[org]: OfficeRow(organisation_id=org, sums=sums)
        for org, sums in _office_sums(Q(organisation_id__in=list(party_orgs)), period).items()
    }
    cards = []
    for pk, enterprise in rows.items():
        c = cumulative.get(pk, {})
        p = in_period.get(pk, {})
        cards.append(
            Scorecard(
                enterprise_id=pk,
                name=enterprise.name,
                industry=enterprise.industry,
                workers_registered=int(c.get("registered") or 0),
                workers_checked_in=int(c.get("checked_in") or 0),
                workers_confirmed=int(c.get("confirmed") or 0),
                reports_accepted=int(p.get("accepted") or 0),
                volunteer_hours=round(int(p.get("minutes") or 0) / 60, 1),
                learning_credits=int(p.get("credits") or 0),
                appeals_about=int(p.get("about") or 0),
                escalated=int(p.get("escalated") or 0),
                office=office_sums.get(pk),
            )
        )
    _score(cards, score_weights())
    by_industry: dict[str, list[Scorecard]] = {}
    for card in cards:
        by_industry.setdefault(card.industry, []).append(card)
    ranked: list[Scorecard] = []
    for name in sorted(by_industry):
        group = by_industry[name]
        scored = sorted((c for c in group if c.score is not None), key=lambda c: (-(c.score or 0), c.name))
        for position, card in enumerate(scored, start=1):
            card.rank = position
        ranked += scored + sorted((c for c in group if c.score is None), key=lambda c: c.name)
    return ranked
