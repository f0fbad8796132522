"""The rate table (measures.office_rows) is kept in the cache until the offices' rollups change:
at 10 million cases its statement reads ~30,000 rollup rows for every view of the offices page,
API call and export. Every writer of those rollups (the refresh of an office's day, its cases
open now, the rebuild) makes the kept tables stale, after its commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.orgs.tests.factories import OrganisationFactory

from .. import measures
from ..coarse import coarse_offices_refresh
from ..measures import Period, Scope
from ..models import OfficeDay, OfficeNow
from ..rollups import office_now_refresh, rollups_rebuild

pytestmark = pytest.mark.django_db(transaction=True)
EVERYTHING = Scope(everything=True)


def _received(office: Any, period: Period) -> int | None:
    row = next((r for r in measures.office_rows(EVERYTHING, period) if r.organisation_id == office.pk), None)
    return None if row is None else row.received


def _rollup_statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if "analytics_office" in q["sql"]]


def test_the_rate_table_is_read_from_the_rollups_once_until_they_change() -> None:
    # given an office with a day's rows and its month built
    today = timezone.localdate()
    period = Period.last_days(30, today)
    office: Any = OrganisationFactory(name="第一办")
    OfficeDay.objects.create(day=today, organisation_id=office.pk, kind="report", received=3, due=2)
    coarse_offices_refresh(today, [office.pk])
    first = measures.office_rows(EVERYTHING, period)

    # when the same table is read again
    with CaptureQueriesContext(connection) as queries:
        again = measures.office_rows(EVERYTHING, period)

    # then the same rows, without a statement on the offices' rollups
    assert [(r.organisation_id, r.name, r.sums, r.overdue) for r in again] == [
        (r.organisation_id, r.name, r.sums, r.overdue) for r in first
    ]
    assert _rollup_statements(queries) == []
    assert _received(office, period) == 3

    # when the office's day is computed again (the refresh after a case reached it)
    OfficeDay.objects.filter(organisation_id=office.pk).update(received=4)
    coarse_offices_refresh(today, [office.pk])

    # then the next read has it
    assert _received(office, period) == 4


def test_the_cases_open_now_and_the_rebuild_make_the_kept_table_stale() -> None:
    # given a kept table with an office's day and two of its cases overdue now
    today = timezone.localdate()
    period = Period.last_days(30, today)
    office: Any = OrganisationFactory(name="第二办")
    OfficeDay.objects.create(day=today, organisation_id=office.pk, kind="report", received=3, due=2)
    OfficeNow.objects.create(organisation_id=office.pk, kind="report", open=2, overdue=2)
    coarse_offices_refresh(today, [office.pk])
    row = next(r for r in measures.office_rows(EVERYTHING, period) if r.organisation_id == office.pk)
    assert (row.received, row.overdue) == (3, 2)

    # when the office's cases open now are computed again (it has none)
    office_now_refresh([office.pk])

    # then the table reads them again (still the received cases, no overdue case)
    row = next(r for r in measures.office_rows(EVERYTHING, period) if r.organisation_id == office.pk)
    assert (row.received, row.overdue) == (3, 0)

    # when the rebuild computes every rollup from the source rows (no case reached the office)
    rollups_rebuild(start=today, end=today)

    # then the office's day is gone from the table too
    assert _received(office, period) is None


def test_a_table_read_while_the_rollups_are_written_is_not_kept_for_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # given an office with a day's rows and its month built, and a reader that reads the table
    # while the office's month is written again (when the refresh has locked the month)
    from .. import coarse

    today = timezone.localdate()
    period = Period.last_days(30, today)
    office: Any = OrganisationFactory(name="第三办")
    OfficeDay.objects.create(day=today, organisation_id=office.pk, kind="report", received=3, due=2)
    coarse_offices_refresh(today, [office.pk])
    lock_month = coarse.lock_month

    def lock_and_read(month: Any) -> None:
        lock_month(month)
        measures.office_rows(EVERYTHING, period)

    monkeypatch.setattr(coarse, "lock_month", lock_and_read)

    # when the office's day is computed again with that reader in the middle
    OfficeDay.objects.filter(organisation_id=office.pk).update(received=4)
    coarse_offices_refresh(today, [office.pk])
    monkeypatch.setattr(coarse, "lock_month", lock_month)

    # then the next read has the new figure, not the one the reader kept meanwhile
    assert _received(office, period) == 4
