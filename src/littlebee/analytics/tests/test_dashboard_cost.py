"""What the dashboard costs a request beyond its figures (issue 16, "Performance"): the map's
regions kept in the process, the stations ranked by the database, nothing read for a panel the
scope cannot have. The figures themselves are test_reconcile's and test_panel_rollups'."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from littlebee.appeals.tests.factories import AppealCity
from littlebee.conftest import client_for
from littlebee.hives.models import Hive
from littlebee.hives.tests.factories import HiveFactory

from .. import coarse, measures, views
from ..measures import BREAKDOWN_MEASURES, Period, Scope
from ..models import Grain, PlaceLevel, PlaceRollup, StationDay
from .history import build, since_march


@pytest.fixture
def c(city_in_transaction: AppealCity) -> AppealCity:
    return city_in_transaction


def _map(html: str) -> dict[str, int]:
    charts = json.loads(html.split('id="stats-charts" type="application/json">', 1)[1].split("</script>", 1)[0])
    return {point["name"]: point["reports"] for point in charts["map"]}


def _region_reads(queries: CaptureQueriesContext) -> list[str]:
    sqls = [q["sql"] for q in queries.captured_queries]
    return [sql for sql in sqls if 'FROM "orgs_region"' in sql and '"orgs_region"."lat"' in sql]


def test_the_maps_regions_are_read_once_and_again_after_a_change(c: AppealCity) -> None:
    # given the history (reports at c.w.community) and the city admin's dashboard, opened once
    build(c)
    period = since_march()
    client = client_for(c.w.city_admin)
    url = f"/staff/stats/?from={period.start}&to={period.end}"
    first = _map(client.get(url).content.decode())
    assert first[c.w.community.name] > 0

    # when it is opened again
    with CaptureQueriesContext(connection) as again:
        second = _map(client.get(url).content.decode())

    # then the map is the same, its communities' names and places not read again
    assert second == first
    assert _region_reads(again) == []

    # and when the community is renamed, the next dashboard reads them again and shows the new name
    old = c.w.community.name
    c.w.community.name = "新西厂口社区"
    c.w.community.save()
    with CaptureQueriesContext(connection) as after:
        renamed = _map(client.get(url).content.decode())
    assert renamed == {("新西厂口社区" if name == old else name): n for name, n in first.items()}
    assert len(_region_reads(after)) == 1


def test_the_stations_panel_ranks_the_stations_in_the_database_as_sorting_them_all_would(
    c: AppealCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given seven stations in the city, some with visits over three days of March (ties of
    # visits, names in Chinese and Latin letters), and a panel of the three busiest and idlest
    monkeypatch.setattr(views, "STATION_ROWS", 3)
    community = c.w.community
    street = community.parent
    assert street is not None
    visits = {"驿站乙": 5, "驿站甲": 5, "Zebra": 2, "驿站丙": 0, "apple": 0, "驿站丁": 9, "驿站戊": 0}
    unit = c.w.community_org
    hives: dict[str, Any] = {name: HiveFactory(name=name, community=community, managing_unit=unit) for name in visits}
    for name, n in visits.items():
        if n:
            StationDay.objects.create(
                day=date(2026, 3, 11),
                hive_id=hives[name].pk,
                region=community,
                street_id=street.pk,
                district_id=street.parent_id,
                visits=n,
            )
    # the station's panel rows, as rollups.py refreshes them after a day's daily rows
    coarse.coarse_days_refresh([date(2026, 3, 11)])
    period = Period(date(2026, 3, 10), date(2026, 3, 12))
    every = [(visits.get(h.name, 0), h.name, h.pk) for h in Hive.objects.filter(is_active=True)]

    # when the panel is read
    with CaptureQueriesContext(connection) as queries:
        panel = views._stations(Scope(everything=True), period)

    # then its lists are the ones sorting every station gives, read in two statements (the
    # visits per service, the ranks; no service named), not three (each station's sums and every
    # station's name instead of the ranks)
    busiest = sorted(every, key=lambda t: (-t[0], t[1]))[:3]
    idlest = sorted(every, key=lambda t: (t[0], t[1]))[:3]
    assert [(r["visits"], r["name"], r["id"]) for r in panel["busiest"]] == busiest
    assert [(r["visits"], r["name"], r["id"]) for r in panel["idlest"]] == idlest
    assert panel["stations"] == len(every)
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_a_scope_without_places_reads_nothing_for_the_stations(c: AppealCity, django_assert_num_queries: Any) -> None:
    # given an industry committee's scope (no place, so no station: Scope.station_q)
    scope = Scope(industries=("food_delivery",))

    # when its stations panel is read
    with django_assert_num_queries(0):
        panel = views._stations(scope, Period.last_days(30))

    # then it is empty without asking the database
    assert panel == {"by_service": [], "busiest": [], "idlest": [], "stations": 0}


def test_the_maps_counts_are_the_breakdowns_nonzero_column(c: AppealCity) -> None:
    # given the history, read by the city, a district, the food-delivery committee and a
    # community, over periods of whole months, of days, and of months less the days left out
    build(c)
    community = c.w.community
    street = community.parent
    assert street is not None and street.parent_id is not None
    scopes = [
        Scope(everything=True),
        Scope(district_ids=(street.parent_id,)),
        Scope(industries=("food_delivery",)),
        Scope(community_ids=(community.pk,)),
    ]
    periods = [since_march(), Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 3, 9), date(2026, 3, 12))]
    periods.append(Period(date(2026, 2, 5), date(2026, 4, 25)))
    for scope in scopes:
        for period in periods:
            # when the map's counts are read
            counts = measures.breakdown_counts(scope, period, "region_id", "reports_submitted")
            # then they are the breakdown's column, its zeros left out
            full = measures.breakdown(scope, period, "region_id", ("reports_submitted",), nonzero=True)
            assert counts == {k: v["reports_submitted"] for k, v in full.items()}, (scope, period)
    assert measures.breakdown_counts(Scope(everything=True), since_march(), "region_id", "reports_submitted")


def test_a_panels_statement_is_built_once_and_its_figures_read_afresh(
    c: AppealCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the history, and the city's overview and map read once since March
    build(c)
    scope, period = Scope(everything=True), since_march()
    overview = measures.overview(scope, period)
    mapped = measures.breakdown_counts(scope, period, "region_id", "reports_submitted")
    weeks = measures.trend(scope, period, "week")

    # when they are read again, their parts no longer buildable, and after March's city row
    # gained 5 reports behind the rollups' back
    def unbuilt(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("built again")

    monkeypatch.setattr(measures, "activity_parts", unbuilt)
    monkeypatch.setattr(measures, "_breakdown_parts", unbuilt)
    again = measures.overview(scope, period)
    assert measures.breakdown_counts(scope, period, "region_id", "reports_submitted") == mapped
    assert measures.trend(scope, period, "week") == weeks
    march = PlaceRollup.objects.get(grain=Grain.MONTH, start=date(2026, 3, 1), level=PlaceLevel.CITY)
    PlaceRollup.objects.filter(pk=march.pk).update(reports_submitted=march.reports_submitted + 5)
    changed = measures.overview(scope, period)

    # then the same statements were run, and they read the figures as they are now
    assert again == overview
    assert changed.reports["submitted"] == overview.reports["submitted"] + 5


@pytest.mark.parametrize("separated", [False, True])
def test_a_breakdown_rows_cells_are_written_as_the_template_wrote_them(settings: Any, separated: bool) -> None:
    # given a row of figures, numbers written with or without a thousands separator
    settings.USE_THOUSAND_SEPARATOR = separated
    row = dict(zip(BREAKDOWN_MEASURES, [1234567, 0, -3, 12, 5, 1000, 7], strict=True))

    # when its cells are written by the tag (in English: digits grouped by three)
    each = "".join(f'<td class="num">{{{{ row.{name} }}}}</td>' for name in BREAKDOWN_MEASURES)
    with translation.override("en"):
        cells = Template("{% load stats %}{% breakdown_cells row %}").render(Context({"row": row}))
        wrote = Template(each).render(Context({"row": row}))

    # then they are what {{ row.<figure> }} wrote in each cell
    assert cells == wrote
    assert ("1,234,567" in cells) == separated


def test_the_stations_panel_links_each_station_to_its_page(c: AppealCity) -> None:
    # given a station with visits in March
    build(c)
    period = since_march()

    # when the city's stations panel is read
    panel = views._stations(Scope(everything=True), period)

    # then each listed station links to its own page
    assert panel["busiest"]
    for row in (*panel["busiest"], *panel["idlest"]):
        assert row["url"] == reverse("hives:station", args=[row["id"]])
