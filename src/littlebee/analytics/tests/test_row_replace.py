"""The minute's refresh writes only the rollup rows that changed (analytics.row_replace): a day
computed again with nothing new keeps every row as it was, and one new report rewrites only the
rows it counts in; what is stored afterwards is what deleting and inserting everything gave."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.appeals.tests.factories import AppealCity
from littlebee.cases.tests.factories import WORKING_MORNING, open_case

from ..coarse import ACTIVITY_COUNTS
from ..models import ActivityDay, PlaceRollup, RollupPart, StationDay
from ..rollups import rollups_refresh_stale, stale_mark
from ..row_replace import instances_replace, rows_replace

DAY = WORKING_MORNING.date()
ROLLUP_TABLES = ("analytics_activityday", "analytics_placerollup", "analytics_enterpriserollup")


def _station_day(hive: int, service: int | None, visits: int, day: date = DAY) -> StationDay:
    return StationDay(day=day, hive_id=hive, service_id=service, visits=visits)


def _stored() -> dict[tuple[int, int | None], tuple[int, int]]:
    return {(r.hive_id, r.service_id): (r.pk, r.visits) for r in StationDay.objects.filter(day=DAY)}


def _writes(captured: CaptureQueriesContext, tables: tuple[str, ...]) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(verbs) and any(t in q["sql"] for t in tables)
    ]


@pytest.mark.django_db
def test_only_the_rows_that_differ_are_written() -> None:
    # given a day's stored rows
    StationDay.objects.bulk_create([_station_day(1, 1, 1), _station_day(1, 2, 2), _station_day(2, None, 3)])
    StationDay.objects.bulk_create([_station_day(1, 1, 9, day=DAY - timedelta(days=1))])
    before = _stored()

    # when they are replaced by rows where one is the same, one changed, one gone and one new
    written = instances_replace(
        StationDay.objects.filter(day=DAY),
        [_station_day(1, 1, 1), _station_day(1, 2, 5), _station_day(3, 7, 4)],
        ("visits",),
    )

    # then the stored rows are the new ones; the unchanged row kept its id
    after = _stored()
    assert {k: v for k, (_, v) in after.items()} == {(1, 1): 1, (1, 2): 5, (3, 7): 4}
    assert after[(1, 1)] == before[(1, 1)]
    assert written == 3
    # and the other day's row is untouched
    assert StationDay.objects.get(day=DAY - timedelta(days=1)).visits == 9


@pytest.mark.django_db
def test_a_key_stored_twice_keeps_one_row() -> None:
    # given two stored rows of one key (which no writer makes, but a crash could leave)
    StationDay.objects.bulk_create([_station_day(1, 1, 1), _station_day(1, 1, 1)])

    # when the day is replaced by the same row
    instances_replace(StationDay.objects.filter(day=DAY), [_station_day(1, 1, 1)], ("visits",))

    # then one row is left
    assert list(StationDay.objects.filter(day=DAY).values_list("visits", flat=True)) == [1]


@pytest.mark.django_db
def test_rows_built_twice_for_one_key_are_all_kept_as_delete_and_insert_kept_them() -> None:
    # given a stored row
    StationDay.objects.bulk_create([_station_day(1, 1, 1)])

    # when the computed rows name one key twice
    instances_replace(StationDay.objects.filter(day=DAY), [_station_day(1, 1, 2), _station_day(1, 1, 3)], ("visits",))

    # then both are stored, as deleting and inserting stored them
    assert sorted(StationDay.objects.filter(day=DAY).values_list("visits", flat=True)) == [2, 3]


@pytest.mark.django_db
def test_rows_without_a_count_named_are_zero_and_a_row_no_longer_wanted_is_deleted() -> None:
    # given stored rows of a day
    StationDay.objects.bulk_create([_station_day(1, 1, 4), _station_day(2, 1, 4)])
    keys = ("day", "hive_id", "service_id", "region_id", "street_id", "district_id")

    # when one is wanted with no count given and the other not at all
    rows_replace(
        StationDay.objects.filter(day=DAY),
        {(DAY, 1, 1, None, None, None): {}},
        keys=keys,
        counts=("visits",),
        build=lambda key, counts: StationDay(**dict(zip(keys, key, strict=True)), visits=counts.get("visits", 0)),
    )

    # then the first is 0 and the second is gone
    assert {(r.hive_id, r.visits) for r in StationDay.objects.filter(day=DAY)} == {(1, 0)}


@pytest.mark.django_db(transaction=True)
def test_a_day_computed_again_with_nothing_new_writes_no_rollup_row(c: AppealCity) -> None:
    # given a day with a report, its rollups computed
    open_case(c.w, at=WORKING_MORNING)
    rollups_refresh_stale(limit=100)
    rows = {r.pk for r in PlaceRollup.objects.filter(start=DAY)}
    assert rows

    # when the day is marked and computed again without any change
    stale_mark(part=RollupPart.ACTIVITY, days=[DAY])
    with CaptureQueriesContext(connection) as captured:
        rollups_refresh_stale(limit=100)

    # then no daily or panel rollup row was written (they were all deleted and inserted again)
    assert _writes(captured, ROLLUP_TABLES) == []
    assert {r.pk for r in PlaceRollup.objects.filter(start=DAY)} == rows


def _place_rows() -> dict[tuple[object, ...], tuple[int, tuple[object, ...]]]:
    """The day's place rollup rows: their key to (id, counts)."""
    counts = [f.attname for f in PlaceRollup._meta.concrete_fields if f.attname in ACTIVITY_COUNTS]
    keys = [f.attname for f in PlaceRollup._meta.concrete_fields if not f.primary_key and f.attname not in counts]
    rows = PlaceRollup.objects.filter(start=DAY).values_list("pk", *keys, *counts)
    return {tuple(r[1 : 1 + len(keys)]): (r[0], tuple(r[1 + len(keys) :])) for r in rows}


@pytest.mark.django_db(transaction=True)
def test_a_second_report_rewrites_only_the_rows_it_counts_in_and_the_figures_follow(c: AppealCity) -> None:
    # given a day with a report in each of two communities, its rollups computed
    first = open_case(c.w, at=WORKING_MORNING)
    open_case(c.w, region=c.w.other_community, reporter=c.other_rider, at=WORKING_MORNING)
    rollups_refresh_stale(limit=100)
    submitted = sum(r.reports_submitted for r in ActivityDay.objects.filter(day=DAY))
    before = _place_rows()

    # when the first reporter files a second report and the day is computed again
    assert first.reporter is not None
    open_case(c.w, reporter=first.reporter, at=WORKING_MORNING + timedelta(hours=1))
    rollups_refresh_stale(limit=100)

    # then the day counts both
    assert sum(r.reports_submitted for r in ActivityDay.objects.filter(day=DAY)) == submitted + 1
    # and every row whose counts did not change is the row of before; those that changed are
    # the report's places (its community, street, district and the city), the other community's
    # rows among the unchanged
    after = _place_rows()
    unchanged = [key for key, (_, counts) in after.items() if key in before and before[key][1] == counts]
    changed = [key for key, (_, counts) in after.items() if key not in before or before[key][1] != counts]
    assert unchanged and all(after[key][0] == before[key][0] for key in unchanged)
    assert 1 <= len(changed) <= 4


@pytest.mark.django_db
def test_many_changed_rows_are_written_in_a_few_statements() -> None:
    # given a day of 600 stored rows
    StationDay.objects.bulk_create([_station_day(hive, 1, 1) for hive in range(600)])

    # when every one of them changes
    with CaptureQueriesContext(connection) as captured:
        instances_replace(
            StationDay.objects.filter(day=DAY), [_station_day(hive, 1, 2) for hive in range(600)], ("visits",)
        )

    # then they are deleted and inserted in batches, not updated with a CASE per row (Django's bulk_update
    # compiled one per row and column: minutes of CPU for a busy minute's rows)
    writes = _writes(captured, ("analytics_stationday",))
    assert writes and all(w.startswith(("DELETE", "INSERT")) for w in writes)
    assert not any("CASE" in w for w in writes)
    assert set(StationDay.objects.filter(day=DAY).values_list("visits", flat=True)) == {2}
