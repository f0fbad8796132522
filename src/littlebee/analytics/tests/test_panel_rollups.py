"""The panels' rollups (coarse.py): a period read as full months and remaining days, each panel
equal to the same sums over the daily rollups for every kind of scope, and the rebuild naming
and correcting a panel rollup that drifted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.appeals.tests.factories import AppealCity

from .. import coarse, measures
from ..coarse import ACTIVITY_COUNTS, OFFICE_COUNTS, period_split
from ..measures import Period, Scope
from ..models import (
    ActivityDay,
    Grain,
    IndustryPlaceMonth,
    LastActiveCount,
    LastActiveLevel,
    OfficeDay,
    OfficeMonthTotal,
    PlaceLevel,
    PlaceRollup,
    StationDay,
    StationMonth,
    WorkerDay,
    WorkerPlace,
)
from .history import Committed, History

DAY = timedelta(days=1)


@pytest.fixture
def c(history_once: tuple[AppealCity, History], db: Any) -> AppealCity:
    """Every test here reads the known history (history.build): built once for the module (in a
    transaction rolled back at its end), each test in a savepoint of it, as a test inside a
    transaction runs. Tests that need a city without the history are in test_panel_rollups_city."""
    return history_once[0]


@pytest.fixture
def history(history_once: tuple[AppealCity, History], db: Any) -> History:
    return history_once[1]


def test_a_period_is_read_as_its_full_months_and_its_remaining_days() -> None:
    # a year ending mid-month: the first month's tail, eleven months, the last month's head
    split = period_split(date(2025, 12, 7), date(2026, 12, 6))
    assert split.months == (date(2026, 1, 1), date(2026, 11, 1))
    assert split.days == ((date(2025, 12, 7), date(2025, 12, 31)), (date(2026, 12, 1), date(2026, 12, 6)))
    # whole months only
    assert period_split(date(2026, 3, 1), date(2026, 4, 30)).months == (date(2026, 3, 1), date(2026, 4, 1))
    assert period_split(date(2026, 3, 1), date(2026, 4, 30)).days == ()
    # within one month: days only
    assert period_split(date(2026, 3, 2), date(2026, 3, 31)) == period_split(date(2026, 3, 2), date(2026, 3, 31))
    assert period_split(date(2026, 3, 2), date(2026, 3, 31)).months is None
    assert period_split(date(2026, 3, 2), date(2026, 3, 31)).days == ((date(2026, 3, 2), date(2026, 3, 31)),)
    # since the beginning: every month up to the last full one, then the days
    since = period_split(None, date(2026, 3, 10))
    assert since.months == (date.min, date(2026, 2, 1))
    assert since.days == ((date(2026, 3, 1), date(2026, 3, 10)),)


def test_a_partial_month_may_be_read_as_its_month_less_the_days_left_out() -> None:
    # a year from the 8th: December 2025 less its first 7 days, not its last 24 days
    split = period_split(date(2025, 12, 8), date(2026, 12, 6), subtract=True)
    assert split.months == (date(2025, 12, 1), date(2026, 11, 1))
    assert split.minus == ((date(2025, 12, 1), date(2025, 12, 7)),)
    assert split.days == ((date(2026, 12, 1), date(2026, 12, 6)),)
    # ending today: the current month whole, less the days after today (there are no rows yet)
    today = date(2026, 12, 6)
    split = period_split(date(2025, 12, 8), today, today, subtract=True)
    assert split.months == (date(2025, 12, 1), date(2026, 12, 1))
    assert split.minus == ((date(2025, 12, 1), date(2025, 12, 7)), (date(2026, 12, 7), date(2026, 12, 31)))
    assert split.days == ()
    # within one month: the month less both ends when they are fewer days than the middle
    split = period_split(date(2026, 3, 3), date(2026, 3, 29), subtract=True)
    assert split.months == (date(2026, 3, 1), date(2026, 3, 1))
    assert split.minus == ((date(2026, 3, 1), date(2026, 3, 2)), (date(2026, 3, 30), date(2026, 3, 31)))
    # the days themselves when they are fewer, and without `subtract` always
    assert period_split(date(2026, 3, 20), date(2026, 4, 5), subtract=True) == period_split(
        date(2026, 3, 20), date(2026, 4, 5)
    )
    assert period_split(date(2025, 12, 8), date(2026, 12, 6)).minus == ()


def _fine(scope: Scope, period: Period) -> dict[str, int]:
    row = ActivityDay.objects.filter(scope.activity_q(), period.q()).aggregate(**{n: Sum(n) for n in ACTIVITY_COUNTS})
    return {n: int(row[n] or 0) for n in ACTIVITY_COUNTS}


def _fine_breakdown(scope: Scope, period: Period, by: str) -> dict[Any, dict[str, int]]:
    result: dict[Any, dict[str, int]] = {}
    rows = ActivityDay.objects.filter(scope.activity_q(), period.q()).values(by)
    for row in rows.annotate(**{n: Sum(n) for n in measures.BREAKDOWN_MEASURES}).order_by():
        key = row.pop(by)
        result[key] = {k: int(v or 0) for k, v in row.items()}
    return result


def _fine_offices(scope: Scope, period: Period) -> dict[int, dict[str, int]]:
    rows = OfficeDay.objects.filter(scope.office_q(), period.q()).values("organisation_id")
    return {
        r.pop("organisation_id"): {k: int(v or 0) for k, v in r.items()}
        for r in rows.annotate(**{n: Sum(n) for n in OFFICE_COUNTS}).order_by()
    }


@pytest.mark.django_db
def test_every_panel_equals_the_same_sums_over_the_daily_rollups(c: AppealCity) -> None:
    # given the known history (March 2026) and a few things today
    w = c.w
    today = timezone.localdate()
    scopes = [
        Scope(everything=True),
        Scope(everything=True, within=("district_id", w.district.pk)),
        Scope(everything=True, within=("region_id", w.community.pk)),
        Scope(district_ids=(w.district.pk,)),
        Scope(street_ids=(w.street.pk,), within=("region_id", w.community.pk)),
        Scope(community_ids=(w.community.pk, w.other_community.pk)),
        Scope(industries=("food_delivery",)),
        Scope(enterprise_ids=(c.eleme.pk,)),
        Scope(industries=("food_delivery",), within=("district_id", w.district.pk)),
        Scope(industries=("food_delivery",), within=("region_id", w.community.pk)),
        # a person with a place role and an industry role: read from the daily rollup
        Scope(community_ids=(w.community.pk,), industries=("express",)),
        Scope(district_ids=(w.district.pk,), community_ids=(w.community.pk,)),
    ]
    periods = [
        Period(start=date(2026, 3, 1), end=today),
        Period(start=date(2026, 3, 11), end=today),
        Period(start=date(2026, 2, 20), end=date(2026, 3, 12)),
        Period(start=None, end=today),
        Period(start=None, end=date(2026, 3, 15)),
    ]
    # sanity: the history is really there, over several months of panel rows
    assert PlaceRollup.objects.filter(grain=Grain.MONTH, level=PlaceLevel.CITY).exists()

    for scope in scopes:
        for period in periods:
            # when each panel is read
            sums = measures.activity_sums(scope, period)
            # then it equals the daily rollups' sums
            assert sums == _fine(scope, period), (scope, period)
            for by in ("district_id", "street_id", "region_id", "industry", "enterprise_id"):
                assert measures.breakdown(scope, period, by) == _fine_breakdown(scope, period, by), (scope, by)
            weeks = measures.trend(scope, period, "week")
            assert sum(r["reports_submitted"] for r in weeks) == sums["reports_submitted"]
            months = measures.trend(scope, period, "month")
            assert sum(r["registered"] for r in months) == sums["registered"]
            by_service, by_station = measures.station_use(scope, period)
            stations = StationDay.objects.filter(scope.station_q(), period.q())
            fine_total = stations.aggregate(n=Sum("visits"))["n"] or 0
            assert sum(by_service.values()) == sum(by_station.values()) == fine_total
            offices = {r.organisation_id: r.sums for r in measures.office_rows(scope, period) if r.sums}
            assert offices == _fine_offices(scope, period)
            active = WorkerDay.objects.filter(scope.activity_q(), period.q()).values("worker_id").distinct().count()
            assert measures.active_workers(scope, period) == active


@pytest.mark.django_db
def test_the_rebuild_names_and_corrects_a_panel_rollup_that_drifted(c: AppealCity, committed: Committed) -> None:
    # given the history, and the city's March row changed behind the rollups' back
    march = PlaceRollup.objects.get(grain=Grain.MONTH, start=date(2026, 3, 1), level=PlaceLevel.CITY)
    right = march.reports_submitted
    PlaceRollup.objects.filter(pk=march.pk).update(reports_submitted=right + 5)
    # and the city's year row of 2026 too
    year = PlaceRollup.objects.get(grain=Grain.YEAR, start=date(2026, 1, 1), level=PlaceLevel.CITY)
    PlaceRollup.objects.filter(pk=year.pk).update(reports_submitted=year.reports_submitted + 7)
    # and an office's week row (both kinds: the rate table's partial months)
    week = OfficeMonthTotal.objects.filter(grain=Grain.WEEK).order_by("start", "organisation_id").first()
    assert week is not None
    OfficeMonthTotal.objects.filter(pk=week.pk).update(received=week.received + 3)
    assert measures.overview(Scope(everything=True), Period(date(2026, 3, 1), date(2026, 3, 31))).reports[
        "submitted"
    ] == (right + 5)
    out = StringIO()

    # when the rebuild checks, then corrects
    with pytest.raises(CommandError), committed():
        call_command("analytics_rebuild", "--dry-run", "--check", stdout=out)
    with committed():
        call_command("analytics_rebuild", stdout=StringIO())
    again = StringIO()
    with committed():
        call_command("analytics_rebuild", "--check", stdout=again)

    # then it named the row and the column, and the figure is right again
    city_row = "month 2026-03-01 level=city region_id=None street_id=None district_id=None"
    assert f"{city_row} reports_submitted: {right + 5} → {right}" in out.getvalue()
    year_row = "year 2026-01-01 level=city region_id=None street_id=None district_id=None"
    assert f"{year_row} reports_submitted: {year.reports_submitted + 7} → {year.reports_submitted}" in out.getvalue()
    week_row = f"week {week.start} organisation_id={week.organisation_id} "
    assert any(
        week_row in line and line.endswith(f"received: {week.received + 3} → {week.received}")
        for line in out.getvalue().splitlines()
    ), out.getvalue()
    again_week = OfficeMonthTotal.objects.get(grain=Grain.WEEK, start=week.start, organisation_id=week.organisation_id)
    assert again_week.received == week.received
    again_year = PlaceRollup.objects.get(grain=Grain.YEAR, start=date(2026, 1, 1), level=PlaceLevel.CITY)
    assert again_year.reports_submitted == year.reports_submitted
    assert (
        measures.overview(Scope(everything=True), Period(date(2026, 3, 1), date(2026, 3, 31))).reports["submitted"]
        == right
    )
    assert again.getvalue().strip() == "No differences."


@pytest.mark.django_db
def test_a_mixed_scope_reads_its_full_months_from_the_month_rows(c: AppealCity) -> None:
    # given the history (March 2026) and a person with a place role and an industry role
    scope = Scope(community_ids=(c.w.community.pk,), industries=("express",))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    fine = _fine(scope, march)
    assert fine["reports_submitted"] > 0

    # when the overview and the breakdowns of whole months are read
    with CaptureQueriesContext(connection) as queries:
        sums = measures.activity_sums(scope, march)
        by_community = measures.breakdown(scope, march, "region_id")
        months = measures.trend(scope, march, "month")

    # then the same sums, read from the month rows, none from the daily rollup's days
    assert sums == fine
    assert by_community == _fine_breakdown(scope, march, "region_id")
    assert sum(r["reports_submitted"] for r in months) == fine["reports_submitted"]
    month_reads = [q["sql"] for q in queries if "analytics_activitymonth" in q["sql"]]
    assert len(month_reads) == 3
    assert not [q["sql"] for q in queries if "analytics_activityday" in q["sql"]]


@pytest.mark.django_db
def test_a_breakdown_and_the_station_use_add_up_their_parts_in_one_statement_each(c: AppealCity) -> None:
    # given the history (March 2026) and a period read as its months less the days left out of
    # its first and last (5 February - 25 April: February less 4 days, April less 5)
    scope = Scope(everything=True)
    period = Period(date(2026, 2, 5), date(2026, 4, 25))
    assert period.lean_split.minus

    # when the map's communities and the station use are read
    with CaptureQueriesContext(connection) as map_queries:
        mapped = measures.breakdown(scope, period, "region_id", ("reports_submitted",), nonzero=True)
    with CaptureQueriesContext(connection) as station_queries:
        by_service, by_station = measures.station_use(scope, period)

    # then the daily rollups' sums, the months, days and days left out added up by the database
    # in one statement each (per service, per station), each key coming back once
    fine = _fine_breakdown(scope, period, "region_id")
    assert mapped == {k: {"reports_submitted": n} for k, v in fine.items() if (n := v["reports_submitted"])}
    assert mapped
    visits = StationDay.objects.filter(period.q()).aggregate(n=Sum("visits"))["n"]
    assert sum(by_service.values()) == sum(by_station.values()) == visits > 0
    assert len(map_queries) == 1, [q["sql"] for q in map_queries]
    assert len(station_queries) == 2, [q["sql"] for q in station_queries]


@pytest.mark.django_db
def test_an_industry_committees_overview_and_weeks_are_read_from_the_industry_rollup(c: AppealCity) -> None:
    # given the history (March 2026) and the food-delivery committee's scope, over a period of
    # months and remaining days
    scope = Scope(industries=("food_delivery",))
    period = Period(date(2026, 2, 20), date(2026, 4, 10))
    assert _fine(scope, period)["reports_submitted"] > 0

    # when its headline figures and its weekly and monthly trend are read
    with CaptureQueriesContext(connection) as queries:
        sums = measures.activity_sums(scope, period)
        weeks = measures.trend(scope, period, "week")
        months = measures.trend(scope, period, "month")

    # then the daily rollups' sums, each one statement on IndustryRollup's row per industry and
    # day (or month): not EnterpriseRollup's row per enterprise, district and day
    assert sums == _fine(scope, period)
    assert sum(r["reports_submitted"] for r in weeks) == sum(r["reports_submitted"] for r in months)
    assert sum(r["reports_submitted"] for r in weeks) == sums["reports_submitted"]
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert all("analytics_industryrollup" in q["sql"] for q in queries)


@pytest.mark.django_db
def test_an_industry_committees_places_are_read_from_the_industry_place_months(c: AppealCity) -> None:
    # given the history (March 2026) and the food-delivery committee's scope
    scope = Scope(industries=("food_delivery",))
    narrowed = Scope(industries=("food_delivery",), within=("street_id", c.w.street.pk))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert _fine(scope, march)["reports_submitted"] > 0

    # when its breakdowns by place (the map's communities), and its overview narrowed to a
    # street, are read over a whole month
    with CaptureQueriesContext(connection) as queries:
        by_community = measures.breakdown(scope, march, "region_id")
        by_street = measures.breakdown(scope, march, "street_id")
        mapped = measures.breakdown(scope, march, "region_id", ("reports_submitted",), nonzero=True)
        sums = measures.activity_sums(narrowed, march)

    # then the same sums as the daily rollups', each one statement on IndustryPlaceMonth: not
    # ActivityMonth's row per community, enterprise and worker type, nor the daily rollup
    assert by_community == _fine_breakdown(scope, march, "region_id")
    assert by_street == _fine_breakdown(scope, march, "street_id")
    assert mapped == {
        k: {"reports_submitted": v["reports_submitted"]} for k, v in by_community.items() if v["reports_submitted"]
    }
    assert sums == _fine(narrowed, march)
    assert len(queries) == 4
    assert all("analytics_industryplacemonth" in q["sql"] for q in queries)
    assert not [q["sql"] for q in queries if "analytics_activitymonth" in q["sql"] or "activityday" in q["sql"]]


def test_the_city_and_a_committee_break_down_by_industry_from_the_industry_rollup(c: AppealCity) -> None:
    # given the history (March 2026) and a period with whole and partial months
    city, committee = Scope(everything=True), Scope(industries=("food_delivery",))
    period = Period(date(2026, 2, 20), date(2026, 3, 31))
    assert _fine(committee, period)["reports_submitted"] > 0

    # when the city's and the committee's dashboards break their figures down by industry
    with CaptureQueriesContext(connection) as queries:
        by_city = measures.breakdown(city, period, "industry")
        by_committee = measures.breakdown(committee, period, "industry")

    # then the daily rollups' sums, one statement each on IndustryRollup's row per industry and
    # day or month, not EnterpriseRollup's per enterprise and district
    assert by_city == _fine_breakdown(city, period, "industry")
    assert by_committee == _fine_breakdown(committee, period, "industry")
    assert len(queries) == 2
    assert all("analytics_industryrollup" in q["sql"] for q in queries)
    assert not [q["sql"] for q in queries if "analytics_enterpriserollup" in q["sql"] or "activityday" in q["sql"]]


def test_the_scorecards_and_the_enterprises_not_narrowed_read_a_row_per_enterprise(c: AppealCity) -> None:
    # given the history (March 2026), a period with whole and partial months and an enterprise's scope
    city, enterprise = Scope(everything=True), Scope(enterprise_ids=(c.eleme.pk,))
    period = Period(date(2026, 2, 20), date(2026, 3, 31))
    assert _fine(enterprise, period)["reports_submitted"] > 0

    # when the city's enterprises, the enterprise's own figures and the scorecards are read
    with CaptureQueriesContext(connection) as queries:
        by_enterprise = measures.breakdown(city, period, "enterprise_id")
        sums = measures.activity_sums(enterprise, period)
        measures.scorecards(city, period)

    # then the daily rollups' sums, read from EnterpriseCityRollup's row per enterprise and day or
    # month, never EnterpriseRollup's per enterprise and district
    assert by_enterprise == _fine_breakdown(city, period, "enterprise_id")
    assert sums == _fine(enterprise, period)
    assert not [q["sql"] for q in queries if "analytics_enterpriserollup" in q["sql"]]
    assert len([q for q in queries if "analytics_enterprisecityrollup" in q["sql"]]) >= 4


@pytest.mark.django_db
def test_an_industry_committees_places_over_partial_months_are_read_without_the_daily_rollup(c: AppealCity) -> None:
    # given the history and the food-delivery committee's scope, over periods cutting months
    # (a year ending mid-month: its first month less the days left out, its last month's days)
    scope = Scope(industries=("food_delivery",))
    periods = [
        Period(date(2026, 3, 11), date(2026, 4, 20)),
        Period(date(2025, 3, 12), date(2026, 3, 11)),
        Period(date(2026, 3, 10), date(2026, 3, 11)),
        Period(date(2026, 3, 9), timezone.localdate()),
    ]
    for period in periods:
        assert _fine(scope, period)["reports_submitted"] > 0
        # when its breakdowns by place and the map of its reports are read
        with CaptureQueriesContext(connection) as queries:
            by_community = measures.breakdown(scope, period, "region_id")
            by_street = measures.breakdown(scope, period, "street_id")
            mapped = measures.breakdown_counts(scope, period, "region_id", "reports_submitted")

        # then the same sums as the daily rollup's, from the industry's month, week and day rows
        # of its places: not the daily rollup's row per community, enterprise and worker type
        assert by_community == _fine_breakdown(scope, period, "region_id")
        assert by_street == _fine_breakdown(scope, period, "street_id")
        assert mapped == {k: v["reports_submitted"] for k, v in by_community.items() if v["reports_submitted"]}
        # (a breakdown listing a key whose rows count none of its measures reads those keys' own
        # rows once more: the period read less its days left out gives such a key zeros too when
        # its rows lie only on those days)
        assert len(queries) <= 5
        assert not [q["sql"] for q in queries if "activityday" in q["sql"] or "activitymonth" in q["sql"]]


def test_the_month_and_place_reads_have_an_index_for_their_place_or_industry() -> None:
    # given the indexes of IndustryPlaceMonth, StationDay, OfficeDay and OfficeMonthTotal
    def leading(model: Any) -> list[list[str]]:
        return [[model._meta.get_field(f).column for f in index.fields] for index in model._meta.indexes]

    # then an industry's months are never read through an index of the month alone (PostgreSQL
    # chose it and read every industry's rows), and a street's or community's station days have
    # their own index with the day
    assert ["start"] not in leading(IndustryPlaceMonth)
    assert ["industry", "grain", "start"] in leading(IndustryPlaceMonth)
    assert ["street_id", "day"] in leading(StationDay)
    assert ["region_id", "day"] in leading(StationDay)
    # and some offices' days (the scorecards' party organisations) are read through the office's
    # own index, not every office's entries of the days
    assert ["organisation_id", "day"] in leading(OfficeDay)
    # and the rate table's month rows are not looked for among the week rows starting on the
    # same days (by the start alone: at 10 million cases 28,080 entries for 5,616 month rows)
    assert ["start"] not in leading(OfficeMonthTotal)
    assert ["grain", "start"] in leading(OfficeMonthTotal)


@pytest.mark.django_db
def test_active_workers_follow_each_last_active_day_and_the_rebuild_corrects_a_drifted_one(
    c: AppealCity, committed: Committed
) -> None:
    # given the history: every worker's last active day is his latest WorkerDay
    last = {
        row["worker_id"]: row["last"]
        for row in WorkerDay.objects.values("worker_id").annotate(last=Max("day")).order_by()
    }
    assert (
        last
        and dict(WorkerPlace.objects.filter(worker_id__in=list(last)).values_list("worker_id", "last_active")) == last
    )
    worker, day = max(last.items(), key=lambda kv: kv[1])
    period = Period(start=day, end=day)
    active = measures.active_workers(Scope(everything=True), period)
    # when his last day is lost behind the rollups' back (his row and the city's count of that day)
    WorkerPlace.objects.filter(worker_id=worker).update(last_active=None)
    LastActiveCount.objects.filter(level=LastActiveLevel.CITY, day=day).update(workers=F("workers") - 1)
    assert measures.active_workers(Scope(everything=True), period) == active - 1
    out = StringIO()
    with pytest.raises(CommandError), committed():
        call_command("analytics_rebuild", "--dry-run", "--check", stdout=out)
    with committed():
        call_command("analytics_rebuild", stdout=StringIO())

    # then the rebuild named him and the count, and the figure is right again
    assert f"worker={worker}" in out.getvalue()
    assert f"last_active_count {day} city ref=0 industry=" in out.getvalue()
    assert WorkerPlace.objects.get(worker_id=worker).last_active == day
    assert measures.active_workers(Scope(everything=True), period) == active


@pytest.mark.django_db
def test_active_workers_of_every_kind_of_scope_equal_the_workers_counted_one_by_one(c: AppealCity) -> None:
    # given the history, the workers' places and each last active day
    places: list[dict[str, Any]] = [dict(p) for p in WorkerPlace.objects.values()]
    days = sorted({p["last_active"] for p in places if p["last_active"]})
    first = next(p for p in places if p["region_id"] and p["street_id"] and p["district_id"])
    district, street, community = int(first["district_id"]), int(first["street_id"]), int(first["region_id"])
    scopes = [
        Scope(everything=True),
        Scope(everything=True, within=("district_id", district)),
        Scope(everything=True, within=("street_id", street)),
        Scope(everything=True, within=("region_id", community)),
        Scope(district_ids=(district,)),
        Scope(street_ids=(street,)),
        Scope(community_ids=(community, community)),
        Scope(industries=tuple({p["industry"] for p in places if p["industry"]})),
        Scope(enterprise_ids=tuple({p["enterprise_id"] for p in places if p["enterprise_id"]})),
        # mixed: counted from the workers' rows
        Scope(district_ids=(district,), industries=("express",)),
    ]
    periods = [
        Period(start=days[0], end=days[-1]),
        Period(start=days[len(days) // 2], end=days[-1] + timedelta(days=30)),
        Period(start=None, end=days[len(days) // 2]),
        Period(start=days[1], end=days[len(days) // 2]),
    ]
    for scope in scopes:
        for period in periods:
            # when active is read (from the counts per last active day where one level holds the scope)
            active = measures.active_workers(scope, period)
            # then it is the workers in scope with a WorkerDay in the period, counted one by one
            worker_days = WorkerDay.objects.filter(period.q())
            in_scope = WorkerPlace.objects.filter(scope.activity_q()).values("worker_id")
            expected = worker_days.filter(worker_id__in=in_scope).aggregate(n=Count("worker_id", distinct=True))["n"]
            assert active == expected, (scope, period)


@pytest.mark.django_db
def test_the_city_s_active_workers_are_read_from_the_counts_per_last_active_day(
    c: AppealCity, committed: Committed
) -> None:
    # given the history and its latest active day
    day = WorkerPlace.objects.aggregate(day=Max("last_active"))["day"]
    period = Period(start=day - timedelta(days=29), end=day)
    active = measures.active_workers(Scope(everything=True), period)
    assert active > 0
    # when the city's count of that day drifts (and only it)
    LastActiveCount.objects.filter(level=LastActiveLevel.CITY, day=day).update(workers=F("workers") + 5)

    # then the figure follows it: the workers' rows are not counted one by one
    assert measures.active_workers(Scope(everything=True), period) == active + 5
    # and the rebuild names the count and corrects it
    out = StringIO()
    with pytest.raises(CommandError), committed():
        call_command("analytics_rebuild", "--dry-run", "--check", stdout=out)
    assert f"last_active_count {day} city ref=0 industry=" in out.getvalue()
    with committed():
        call_command("analytics_rebuild", stdout=StringIO())
    assert measures.active_workers(Scope(everything=True), period) == active


@pytest.mark.django_db
def test_the_panel_rollups_follow_a_change_in_an_earlier_month(
    c: AppealCity, history: History, committed: Committed
) -> None:
    # given the history, whose March figures are in the month rows
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    before = measures.overview(Scope(everything=True), march).reports["resolved"]
    # when a March report still open is resolved now
    from littlebee.cases import services as cases
    from littlebee.cases.models import CaseStatus

    open_report = next(r for r in history.reports if r.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED))
    open_report.refresh_from_db()
    if open_report.status == CaseStatus.SUBMITTED:
        with committed():
            cases.case_accept(case_id=open_report.pk, actor=c.w.community_handler)
    with committed():
        cases.case_resolve(case_id=open_report.pk, actor=c.w.community_handler, note="已处理")

    # then March's month row says so at once, without a rebuild
    assert measures.overview(Scope(everything=True), march).reports["resolved"] == before + 1
    by_day: dict[date, int] = defaultdict(int)
    for row in PlaceRollup.objects.filter(grain=Grain.DAY, level=PlaceLevel.CITY, start__month=3):
        by_day[row.start] += row.reports_resolved
    month_row = PlaceRollup.objects.get(grain=Grain.MONTH, level=PlaceLevel.CITY, start=date(2026, 3, 1))
    assert month_row.reports_resolved == sum(by_day.values())


@pytest.mark.django_db
def test_the_rate_table_over_both_kinds_reads_the_months_without_the_kind(c: AppealCity) -> None:
    # given the history (March 2026: reports and appeals at several offices)
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    everything = Scope(everything=True)
    fine = _fine_offices(everything, march)
    assert len(fine) > 1

    # when the rate table is read over both kinds, and for appeals alone
    with CaptureQueriesContext(connection) as both:
        rows = measures.office_rows(everything, march)
    with CaptureQueriesContext(connection) as one:
        appeals = measures.office_rows(everything, march, "appeal")

    # then the daily rollups' sums either way, the months of both kinds read from their total
    # (a row per office and month), those of one kind from OfficeMonth
    assert {r.organisation_id: r.sums for r in rows if r.sums} == fine
    fine_appeals = OfficeDay.objects.filter(march.q(), kind="appeal").values("organisation_id")
    assert {r.organisation_id: r.sums for r in appeals if r.sums} == {
        r.pop("organisation_id"): {k: int(v or 0) for k, v in r.items()}
        for r in fine_appeals.annotate(**{n: Sum(n) for n in OFFICE_COUNTS}).order_by()
    }
    assert appeals
    assert '"analytics_officemonthtotal"' in both[0]["sql"]
    assert '"analytics_officemonth"' not in both[0]["sql"]
    assert '"analytics_officemonth"' in one[0]["sql"]
    assert '"analytics_officemonthtotal"' not in one[0]["sql"]
    assert OfficeMonthTotal.objects.filter(start=date(2026, 3, 1)).count() == len(
        {r.organisation_id for r in rows if r.sums}
    )


def _days_of(split: Any, since: date) -> dict[date, int]:
    """Each day's count of rows a split adds up to (months from `since` on)."""
    counted: dict[date, int] = defaultdict(int)

    def add(first: date, last: date, sign: int) -> None:
        while first <= last:
            counted[first] += sign
            first += DAY

    for ranges, sign in ((((split.months,) if split.months else ()) + split.more_months, 1), (split.minus_months, -1)):
        for first_month, last_month in ranges:
            month = max(first_month, since)
            while month <= last_month:
                following = (month + timedelta(days=32)).replace(day=1)
                add(month, following - DAY, sign)
                month = following
    for first_year, last_year in split.years:
        year = max(first_year, since.replace(month=1))
        while year <= last_year:
            add(year, year.replace(month=12, day=31), 1)
            year = year.replace(year=year.year + 1)
    for ranges, sign in ((split.days, 1), (split.minus, -1)):
        for first, last in ranges:
            add(first, last, sign)
    for ranges, sign in ((split.weeks, 1), (split.minus_weeks, -1)):
        for first, last in ranges:
            while first <= last:
                assert coarse.week_start(first) == first
                add(first, coarse.week_end(first), sign)
                first = coarse.week_end(first) + DAY
    return {d: n for d, n in counted.items() if n}


def test_a_partial_month_of_a_table_with_week_rows_is_read_through_its_weeks() -> None:
    # a year from the 8th: December 2025's last four weeks (the 29th's runs to the 31st), not 24 days
    split = period_split(date(2025, 12, 8), date(2026, 12, 7), weeks=True)
    assert split.months == (date(2026, 1, 1), date(2026, 11, 1))
    assert split.weeks == ((date(2025, 12, 8), date(2025, 12, 29)), (date(2026, 12, 1), date(2026, 12, 1)))
    assert split.days == split.minus == split.minus_weeks == ()
    # from the 10th to the 20th: no whole week in it, its days (or the two weeks less four days)
    split = period_split(date(2026, 3, 10), date(2026, 3, 20), weeks=True)
    assert split.days == ((date(2026, 3, 10), date(2026, 3, 20)),)
    lean = period_split(date(2026, 3, 10), date(2026, 3, 20), subtract=True, weeks=True)
    assert lean.weeks == ((date(2026, 3, 8), date(2026, 3, 15)),)
    assert lean.minus == ((date(2026, 3, 8), date(2026, 3, 9)), (date(2026, 3, 21), date(2026, 3, 21)))
    # every period adds up to its days exactly, once each, however it is read
    since = date(2023, 12, 1)
    for offset in range(0, 430, 3):
        start = date(2024, 1, 1) + timedelta(days=offset)
        for length in (0, 1, 6, 7, 8, 13, 29, 30, 31, 89, 364, 365):
            end = start + timedelta(days=length)
            wanted = {start + timedelta(days=k): 1 for k in range(length + 1)}
            for today in (None, end, end - timedelta(days=length // 2)):
                for subtract in (False, True):
                    split = period_split(start, end, today, subtract=subtract, weeks=True)
                    assert _days_of(split, since) == wanted, (start, end, today, subtract)


def test_a_period_over_a_year_of_a_table_with_year_rows_is_read_through_its_year() -> None:
    # a year ending 7 December 2026, read on that day: December 2025 less its first week, and 2026's
    # year row (its days after today subtracted, though no row lies there), instead of eleven
    # month rows and a week
    today = date(2026, 12, 7)
    split = period_split(date(2025, 12, 8), today, today, subtract=True, weeks=True, years=True)
    assert split.years == ((date(2026, 1, 1), date(2026, 1, 1)),)
    assert split.months == (date(2025, 12, 1), date(2025, 12, 1)) and split.more_months == ()
    assert (date(2025, 12, 1), date(2025, 12, 1)) in split.minus_weeks
    assert _rows_per_key(split, today) == 3
    # without subtracting, only a whole year is read as its year row
    assert period_split(date(2025, 12, 8), today, weeks=True, years=True).years == ()
    whole = period_split(date(2024, 11, 3), date(2026, 2, 10), weeks=True, years=True)
    assert whole.years == ((date(2025, 1, 1), date(2025, 1, 1)),)
    # (and the months on either side: two runs)
    assert whole.months == (date(2024, 12, 1), date(2024, 12, 1))
    assert whole.more_months == ((date(2026, 1, 1), date(2026, 1, 1)),)
    # since the beginning: every year before the last whole
    assert period_split(None, today, today, subtract=True, weeks=True, years=True).years[0] == (
        date.min,
        date(2025, 1, 1),
    )
    # every period adds up to its days exactly, once each, however it is read
    since = date(2022, 12, 1)
    for offset in range(0, 800, 7):
        start = date(2023, 1, 1) + timedelta(days=offset)
        for length in (0, 6, 30, 89, 364, 365, 400, 800):
            end = start + timedelta(days=length)
            wanted = {start + timedelta(days=k): 1 for k in range(length + 1)}
            for today_ in (None, end, end - timedelta(days=length // 2)):
                for subtract in (False, True):
                    split = period_split(start, end, today_, subtract=subtract, weeks=True, years=True)
                    assert _days_of(split, since) == wanted, (start, end, today_, subtract)


def _rows_per_key(split: Any, today: date) -> int:
    """The rows of one key active every day up to `today` that a split reads."""
    count = 0

    def runs(ranges: Any, step: Any) -> None:
        nonlocal count
        for first, last in ranges:
            while first <= last:
                count += first <= today
                first = step(first)

    def month(d: date) -> date:
        return coarse.month_end(d) + DAY

    runs(((split.months,) if split.months else ()) + split.more_months + split.minus_months, month)
    runs(getattr(split, "years", ()), lambda d: d.replace(year=d.year + 1))
    runs(split.weeks + split.minus_weeks, lambda d: coarse.week_end(d) + DAY)
    runs(split.days + split.minus, lambda d: d + DAY)
    return count


def test_a_year_ending_any_day_reads_fewer_rows_with_the_year_rows() -> None:
    # given a key with rows every day (every community at 10 million cases), a period of 365 days
    # read on its last day, for each last day of 2026
    rows = []
    for k in range(365):
        end = date(2026, 1, 1) + timedelta(days=k)
        split = period_split(end - timedelta(days=364), end, end, subtract=True, weeks=True, years=True)
        rows.append(_rows_per_key(split, end))
    # then at most 12 rows and 7.4 on average (months, weeks and days: 18 and 15.4)
    assert max(rows) <= 12
    assert sum(rows) / len(rows) < 7.5


@pytest.mark.django_db
def test_a_days_refresh_keeps_the_week_rows_the_sums_of_their_days(c: AppealCity, committed: Committed) -> None:
    # given the known history, written through the refreshes
    weeks = PlaceRollup.objects.filter(grain=Grain.WEEK)
    assert weeks.exists()
    # then every week row is the sum of its day rows
    for week in weeks:
        days = PlaceRollup.objects.filter(
            grain=Grain.DAY,
            level=week.level,
            region_id=week.region_id,
            start__gte=week.start,
            start__lte=coarse.week_end(week.start),
        ).aggregate(n=Sum("reports_submitted"), r=Sum("registered"))
        assert (week.reports_submitted, week.registered) == (days["n"] or 0, days["r"] or 0), week


@pytest.mark.django_db
def test_a_days_refresh_keeps_the_year_rows_the_sums_of_their_months(c: AppealCity, committed: Committed) -> None:
    # given the known history, written through the refreshes
    for model, keys in ((PlaceRollup, ("level", "region_id")), (StationMonth, ("hive_id",))):
        years = model.objects.filter(grain=Grain.YEAR)
        assert years.exists(), model
        # then every year row is the sum of its month rows, and every key with months has one
        for year in years:
            months = model.objects.filter(
                grain=Grain.MONTH, start__year=year.start.year, **{k: getattr(year, k) for k in keys}
            )
            column = "reports_submitted" if model is PlaceRollup else "visits"
            assert year.start.month == year.start.day == 1
            assert getattr(year, column) == (months.aggregate(n=Sum(column))["n"] or 0), year
        with_months = set(model.objects.filter(grain=Grain.MONTH).values_list(*keys).distinct())
        assert with_months == set(years.values_list(*keys).distinct()), model


@pytest.mark.django_db
def test_the_overviews_sums_are_one_statement_whatever_their_parts(c: AppealCity) -> None:
    # given the history and a period whose first and last months are partial
    period = Period(date(2026, 2, 5), date(2026, 4, 25))
    scopes = [
        Scope(everything=True),
        Scope(enterprise_ids=(c.eleme.pk,)),
        Scope(community_ids=(c.w.community.pk,), industries=("express",)),
    ]
    for scope in scopes:
        parts = measures.activity_parts(scope, period, subtract=True)
        # when its headline figures are read
        with CaptureQueriesContext(connection) as queries:
            sums = measures.activity_sums(scope, period)

        # then the daily rollups' sums, the parts added up by the database in one statement
        # (the mixed scope's months, days and days left out: three parts)
        assert sums == _fine(scope, period), scope
        assert len(queries) == 1, (scope, len(parts), [q["sql"] for q in queries])
    assert len(measures.activity_parts(scopes[2], period, subtract=True)) == 3


@pytest.mark.django_db
def test_a_breakdown_builds_only_the_parts_it_reads(c: AppealCity, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the history and the ORM's filters counted
    from django.db.models import QuerySet

    filters: list[Any] = []
    original = QuerySet._filter_or_exclude  # type: ignore[attr-defined]

    def counted(self: QuerySet[Any], negate: bool, args: Any, kwargs: Any) -> QuerySet[Any]:
        filters.append(self.model)
        return original(self, negate, args, kwargs)

    monkeypatch.setattr(QuerySet, "_filter_or_exclude", counted)
    period = Period(date(2026, 2, 5), date(2026, 4, 25))

    # when the city's map and its breakdown by enterprise are read
    measures.breakdown(Scope(everything=True), period, "region_id")
    measures.breakdown(Scope(everything=True), period, "enterprise_id", nonzero=True)

    # then only the panel rollups' filters were built, not the daily rollup's unread ones
    assert ActivityDay not in filters, filters
    assert len(filters) <= 6, filters


@pytest.mark.django_db
def test_the_trend_has_every_week_and_month_of_the_period_those_without_activity_as_zeros(c: AppealCity) -> None:
    # given the history (10 March 2026) and a period from 20 February to 10 April
    scope, period = Scope(everything=True), Period(date(2026, 2, 20), date(2026, 4, 10))

    # when the trend is read by week and by month
    weeks = measures.trend(scope, period, "week")
    months = measures.trend(scope, period, "month")

    # then every Monday from the period's first week to its last, and every month, is a point;
    # the weeks before the history are zeros (a chart of the weeks with rows only would draw a
    # line straight across the weeks without), and nothing is counted twice
    mondays = [date(2026, 2, 16) + timedelta(weeks=n) for n in range(8)]
    assert [w["start"] for w in weeks] == mondays
    assert [m["start"] for m in months] == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert all(value == 0 for w in weeks[:3] for key, value in w.items() if key != "start")
    assert sum(w["reports_submitted"] for w in weeks) == sum(m["reports_submitted"] for m in months) == 6
    assert months[0]["registered"] == months[2]["registered"] == 0
