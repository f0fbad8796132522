"""The panels' rollups for tests that need the city without the known history of
test_panel_rollups (which builds it once for its module): the rate table's pages and statement,
the map's week rows, a month's rebuild."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.appeals.tests.factories import AppealCity
from littlebee.orgs.tests.factories import CommunityFactory

from .. import coarse, measures
from ..coarse import coarse_offices_refresh
from ..measures import Period, Scope
from ..models import ActivityDay, Grain, OfficeDay, OfficeMonthTotal, PlaceLevel, PlaceRollup, StationDay, StationMonth
from ..rollups import Places
from .history import Committed


@pytest.fixture
def c(city_in_transaction: AppealCity) -> AppealCity:
    return city_in_transaction


@pytest.mark.django_db
def test_the_rate_table_page_shows_a_city_of_offices_a_page_at_a_time(c: AppealCity, committed: Committed) -> None:
    # given 55 community offices that each received cases today (their daily rows)
    from littlebee.conftest import client_for
    from littlebee.orgs.tests.factories import OrganisationFactory

    today = timezone.localdate()
    with committed():
        offices: list[Any] = [OrganisationFactory(name=f"第{i:02d}社区党委") for i in range(55)]
        OfficeDay.objects.bulk_create(
            [OfficeDay(day=today, organisation_id=o.pk, kind="report", received=100 - i) for i, o in enumerate(offices)]
        )
    # and their month's rows, as the refresh keeps them (a period may read the month less its days)
    with committed():
        coarse_offices_refresh(today, [o.pk for o in offices])
    admin = client_for(c.w.city_admin)

    # when the city admin opens the rate table, then its second page
    with committed():
        first = admin.get("/staff/stats/offices/?period=30").content.decode()
    with committed():
        second = admin.get("/staff/stats/offices/?period=30&page=2").content.decode()

    # then fifty rows, ranked 1–50, then the rest ranked on from 51; the total counts them all
    assert first.count("data-office=") == 50 and second.count("data-office=") == 5
    assert f'data-office="{offices[0].pk}"' in first and f'data-office="{offices[54].pk}"' in second
    assert '<td class="num" data-rank>51</td>' in second
    total = sum(100 - i for i in range(55))
    assert f'<td class="num" data-received>{total}</td>' in first
    assert "第 1 / 2 页" in first


@pytest.mark.django_db
def test_the_rate_table_sums_and_names_every_office_in_one_statement(c: AppealCity, committed: Committed) -> None:
    # given 55 offices with rows today and 55 with rows on the month's first day only
    from littlebee.orgs.tests.factories import OrganisationFactory

    today = timezone.localdate()
    month_first = today.replace(day=1)
    with committed():
        offices: list[Any] = [OrganisationFactory(name=f"第{i:03d}办") for i in range(110)]
        OfficeDay.objects.bulk_create(
            [
                OfficeDay(day=today if i < 55 else month_first, organisation_id=o.pk, kind="report", received=3, due=2)
                for i, o in enumerate(offices)
            ]
        )
    with committed():
        coarse_offices_refresh(today, [o.pk for o in offices])
    if month_first != today:
        with committed():
            coarse_offices_refresh(month_first, [o.pk for o in offices])

    # when the rate table of the last 30 days and of today alone are read
    with CaptureQueriesContext(connection) as queries:
        rows = measures.office_rows(Scope(everything=True), Period.last_days(30, today))
    today_rows = measures.office_rows(Scope(everything=True), Period(start=today, end=today))

    # then two statements (the sums with the names, the cases overdue now) for every office,
    # and a period leaving out an office's days does not list it
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert {r.organisation_id for r in rows} >= {o.pk for o in offices}
    assert {r.name for r in rows if r.organisation_id == offices[0].pk} == {"第000办"}
    assert {r.organisation_id for r in today_rows} == {o.pk for o in offices[: 55 if month_first != today else 110]}
    assert all(r.sums["received"] == 3 and r.sums["due"] == 2 for r in today_rows)


# The most rows of a community active every day that the map and the breakdown (nonzero False)
# read for a period ending any day of a year (its months, weeks and days; computed over 2026).
# Before the week rows: 42 and 28 a year, 30 and 17 a month, 61 and 19 for 90 days; before the
# breakdown subtracted the days left out as the map does: 22, 12 and 17.
# With the year rows (a year read as its year row less what lies outside): 12 a year.
MAP_ROWS_AT_MOST = {(365, False): 12, (365, True): 12, (30, False): 7, (30, True): 7, (90, False): 9, (90, True): 9}


@pytest.mark.django_db
def test_the_city_map_reads_a_few_week_rows_per_community_not_its_days(
    c: AppealCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a community with activity every day for over a year (at 10 million cases every
    # community has), its panel rollups rebuilt
    today = timezone.localdate()
    community = c.w.community
    first = today - timedelta(days=400)
    ActivityDay.objects.bulk_create(
        ActivityDay(
            day=first + timedelta(days=k),
            region=community,
            street_id=c.w.street.pk,
            district_id=c.w.district.pk,
            reports_submitted=1 + k % 3,
            registered=k % 2,
        )
        for k in range(401)
    )
    coarse.coarse_rebuild(first, today, Places(), report=False)
    read: list[Any] = []
    parts_of = measures._breakdown_parts

    def counting(*args: Any, **kwargs: Any) -> list[tuple[Any, int]]:
        parts = parts_of(*args, **kwargs)
        read.extend(part for part, _sign in parts)
        return parts

    # The parts a breakdown reads (its statement is built from them, not kept from another test).
    monkeypatch.setattr(measures, "_breakdown_parts", counting)
    monkeypatch.setattr(measures, "_statements", {})
    for days in (365, 30, 90):
        period = Period.last_days(days, today)
        wanted = ActivityDay.objects.filter(period.q()).aggregate(n=Sum("reports_submitted"))["n"]
        for nonzero in (False, True):
            read.clear()
            # when the city's map is read
            rows = measures.breakdown(
                Scope(everything=True), period, "region_id", ("reports_submitted",), nonzero=nonzero
            )

            # then it is the daily sums, read from the week rows and a few days at most
            assert rows[community.pk]["reports_submitted"] == wanted
            rows_read = sum(part.filter(region_id=community.pk).count() for part in read)
            assert rows_read <= MAP_ROWS_AT_MOST[(days, nonzero)], (days, nonzero, rows_read)
    assert PlaceRollup.objects.filter(grain=Grain.WEEK, level=PlaceLevel.COMMUNITY).count() >= 57


@pytest.mark.django_db
def test_a_breakdown_lists_the_keys_with_rows_in_the_period_though_it_subtracts_days(c: AppealCity) -> None:
    # given a period read as its first month less the days left out (5 February - 25 April:
    # February less its first four days), a community with rows only on a day left out, one
    # whose rows in the period count none of the breakdown's measures, one with reports on both
    w = c.w
    period = Period(date(2026, 2, 5), date(2026, 4, 25))
    assert period.week_split(lean=True).minus
    left_out, quiet = w.other_community, w.community
    busy: Any = CommunityFactory(parent=w.street, name="第三社区")

    def day(on: date, region: Any, **counts: int) -> ActivityDay:
        street = region.parent
        return ActivityDay(day=on, region=region, street_id=street.pk, district_id=street.parent_id, **counts)

    ActivityDay.objects.bulk_create(
        [
            day(date(2026, 2, 2), left_out, reports_submitted=3),
            day(date(2026, 2, 10), quiet, volunteer_minutes=30),
            day(date(2026, 2, 3), busy, reports_submitted=2),
            day(date(2026, 2, 10), busy, reports_submitted=1),
        ]
    )
    coarse.coarse_rebuild(date(2026, 2, 1), date(2026, 4, 30), Places(), report=False)

    # when the city's breakdown by community is read, and the map of its reports
    rows = measures.breakdown(Scope(everything=True), period, "region_id")
    mapped = measures.breakdown(Scope(everything=True), period, "region_id", nonzero=True)

    # then the communities with rows in the period, their sums those of the period's days: not
    # the one whose only rows were subtracted, though the one counting none of them is
    fine = ActivityDay.objects.filter(period.q()).values("region_id")
    wanted = {
        r.pop("region_id"): {k: int(v or 0) for k, v in r.items()}
        for r in fine.annotate(**{n: Sum(n) for n in measures.BREAKDOWN_MEASURES}).order_by()
    }
    assert rows == wanted
    assert left_out.pk not in rows
    assert rows[quiet.pk] == dict.fromkeys(measures.BREAKDOWN_MEASURES, 0)
    assert rows[busy.pk]["reports_submitted"] == 1
    assert quiet.pk not in mapped and mapped[busy.pk]["reports_submitted"] == 1


# The most rows of a station visited every day for two services that the station use reads per
# station for a period ending any day of a year (its months, weeks and days; computed over 2026).
# Before StationMonth's week and day rows: 43 a year, 32 a month, 34 for 90 days (StationDay's
# rows, one per service each day of a partial month).
# With the year rows: 12 a year.
STATION_ROWS_AT_MOST = {365: 12, 30: 7, 90: 9}


@pytest.mark.django_db
def test_the_station_use_reads_a_few_week_rows_per_station_not_its_days(
    c: AppealCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a station visited every day for over a year for two services (at 10 million cases
    # every station is), its panel rollups rebuilt
    today = timezone.localdate()
    first = today - timedelta(days=400)
    w = c.w
    hive_id = 424242
    StationDay.objects.bulk_create(
        StationDay(
            day=first + timedelta(days=k),
            hive_id=hive_id,
            service_id=service,
            region=w.community,
            street_id=w.street.pk,
            district_id=w.district.pk,
            visits=1 + (k + service) % 3,
        )
        for k in range(401)
        for service in (1, 2)
    )
    coarse.coarse_rebuild(first, today, Places(), report=False)
    read: list[Any] = []
    summed = measures._summed

    def counting(parts: list[tuple[Any, int]], key: str, names: tuple[str, ...]) -> dict[Any, dict[str, int]]:
        read.extend(part for part, _sign in parts)
        return summed(parts, key, names)

    monkeypatch.setattr(measures, "_summed", counting)
    for days in (365, 30, 90):
        period = Period.last_days(days, today)
        wanted = StationDay.objects.filter(period.q(), hive_id=hive_id).aggregate(n=Sum("visits"))["n"]
        for scope in (Scope(everything=True), Scope(district_ids=(w.district.pk,))):
            read.clear()
            # when the station use is read
            _by_service, by_station = measures.station_use(scope, period)

            # then the station's visits are StationDay's, read from a few month, week and day rows
            assert by_station[hive_id] == wanted, (days, scope)
            rows_read = sum(part.filter(hive_id=hive_id).count() for part in read)
            assert rows_read <= STATION_ROWS_AT_MOST[days], (days, rows_read)
            assert all(part.model is StationMonth for part in read)
    assert StationMonth.objects.filter(grain=Grain.WEEK, hive_id=hive_id).count() >= 57


@pytest.mark.parametrize("report", [True, False])
def test_a_months_rebuild_reads_and_writes_each_grain_of_a_rollup_in_one_statement(c: AppealCity, report: bool) -> None:
    # given a day of activity in a community (the place rollup has four levels and three grains)
    today = timezone.localdate()
    ActivityDay.objects.create(
        day=today, region=c.w.community, street_id=c.w.street.pk, district_id=c.w.district.pk, reports_submitted=2
    )

    # when its month is rebuilt
    with CaptureQueriesContext(connection) as queries:
        coarse._month_rebuild(coarse.PLACE, today.replace(day=1), dry_run=False, report=report)

    # then each grain is one SELECT of every level's sums (when reporting) and one INSERT of them
    # (a statement per level before: four each)
    table = PlaceRollup._meta.db_table
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT") and table in q["sql"]]
    sums = [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "SUM(" in q["sql"]]
    assert len(inserts) == 3
    assert len(sums) == (3 if report else 0)
    month = PlaceRollup.objects.get(grain=Grain.MONTH, level=PlaceLevel.COMMUNITY, region_id=c.w.community.pk)
    assert month.reports_submitted == 2


@pytest.mark.django_db
def test_the_rate_table_reads_a_year_of_an_office_as_its_year_row_and_stays_exact(c: AppealCity) -> None:
    # given an office that received cases of both kinds every day for over a year (at 10 million
    # cases every office does), its rollups refreshed as the minute's job refreshes them
    today = timezone.localdate()
    first = today - timedelta(days=400)
    from littlebee.orgs.tests.factories import OrganisationFactory

    office: Any = OrganisationFactory(name="全年社区党委")
    OfficeDay.objects.bulk_create(
        OfficeDay(
            day=first + timedelta(days=k),
            organisation_id=office.pk,
            kind=kind,
            received=1 + (k + n) % 3,
            signed_on_time=(k + n) % 2,
            rated=1,
            satisfied=k % 2,
        )
        for k in range(401)
        for n, kind in enumerate(("report", "appeal"))
    )
    for month in sorted({coarse.month_start(first + timedelta(days=k)) for k in range(401)}):
        coarse_offices_refresh(month, [office.pk])

    # then each year row is the sum of its month rows
    years = OfficeMonthTotal.objects.filter(grain=Grain.YEAR, organisation_id=office.pk)
    assert years.count() == len({(first + timedelta(days=k)).year for k in range(401)})
    for year in years:
        months = OfficeMonthTotal.objects.filter(
            grain=Grain.MONTH, organisation_id=office.pk, start__year=year.start.year
        ).aggregate(n=Sum("received"))
        assert year.received == months["n"]
    for days in (365, 90, 30):
        period = Period.last_days(days, today)
        # when the rate table is read over the period
        rows = {r.organisation_id: r for r in measures.office_rows(Scope(everything=True), period)}
        # then its sums are the daily rows' over the period
        wanted = OfficeDay.objects.filter(period.q(), organisation_id=office.pk).aggregate(
            **{n: Sum(n) for n in ("received", "signed_on_time", "rated", "satisfied")}
        )
        assert {n: rows[office.pk].sums[n] for n in wanted} == wanted, days


# The rate table's rows an office (both kinds) for a period of 30, 90 or 365 days ending on any
# day of a year, whatever the history: its weeks and months, and the days at their edges (two
# OfficeDay rows a day, a kind each). Before the offices' week rows a partial month was read
# through OfficeDay, up to ~30 days of two rows: 60 / 63 / 71 rows at most.
OFFICE_ROWS_AT_MOST = {30: 17, 90: 19, 365: 28}
# Of one kind of case (OfficeMonth and a row a day): before its week rows, 30 / 33 / 42.
ONE_KIND_ROWS_AT_MOST = {30: 11, 90: 13, 365: 22}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [None, "report"])
def test_the_rate_table_reads_a_bounded_number_of_rows_an_office_whatever_the_history(
    c: AppealCity, kind: str | None
) -> None:
    # given an office that received cases of both kinds every day for over two years (at 10
    # million cases every office does), its rollups refreshed as the minute's job refreshes them
    from django.db.models import Q

    from littlebee.orgs.tests.factories import OrganisationFactory

    today = timezone.localdate()
    first = today - timedelta(days=800)
    office: Any = OrganisationFactory(name="两年社区党委")
    OfficeDay.objects.bulk_create(
        OfficeDay(
            day=first + timedelta(days=k), organisation_id=office.pk, kind=kind, received=1 + (k + n) % 3, rated=1
        )
        for k in range(801)
        for n, kind in enumerate(("report", "appeal"))
    )
    for week in sorted({coarse.week_start(first + timedelta(days=k)) for k in range(801)}):
        coarse_offices_refresh(week, [office.pk])
    at_most = ONE_KIND_ROWS_AT_MOST if kind else OFFICE_ROWS_AT_MOST
    most: dict[int, int] = {}
    for back in range(0, 366, 4):
        end = today - timedelta(days=back)
        for days in at_most:
            period = Period(start=end - timedelta(days=days - 1), end=end)
            # when the rate table's rows of the period are read
            parts = measures.office_parts(Q(organisation_id=office.pk), period, kind)
            # then their signed sums are the daily rows' over the period
            received = sum(sign * (part.aggregate(n=Sum("received"))["n"] or 0) for part, sign in parts)
            days_in = OfficeDay.objects.filter(
                period.q(), organisation_id=office.pk, **({"kind": kind} if kind else {})
            )
            wanted = days_in.aggregate(n=Sum("received"))
            assert received == wanted["n"], (end, days)
            most[days] = max(most.get(days, 0), sum(part.count() for part, _sign in parts))
    # and they are a few rows, however long the office's history
    assert most == at_most
