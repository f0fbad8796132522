"""The stale marks of many commits merged before they are written (analytics.tracking, issue 13):
without a broker every counted write (a redemption's ledger entry, a report's case) queued a job
that wrote its day's mark again; now the commits of a second share one job and each mark is
written once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.db.backends.utils import CursorWrapper

from littlebee.analytics import tracking
from littlebee.analytics.models import RollupPart, StaleRollup
from littlebee.appeals.tests.factories import AppealCity
from littlebee.cases.models import CaseOrganisation
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.core.background import jobs
from littlebee.points.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def marks_job(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The embedded default (marks written by a job after the commit, the minute's job computing
    them), and the statements the job threads run from here on."""
    settings.ANALYTICS_REFRESH_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    recorded: list[str] = []
    execute = CursorWrapper._execute  # type: ignore[attr-defined]

    def recording(self: Any, sql: str, params: Any, *ignored: Any) -> Any:
        if threading.current_thread().name.startswith("littlebee-jobs"):
            recorded.append(sql)
        return execute(self, sql, params, *ignored)

    monkeypatch.setattr(CursorWrapper, "_execute", recording)
    yield recorded
    assert jobs.wait(30)


def _stale_inserts(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith("INSERT") and "analytics_stalerollup" in sql]


def test_twenty_commits_of_one_day_write_its_mark_once(marks_job: list[str]) -> None:
    # given twenty transactions, each committing a counted row of the same day (a redemption's
    # ledger entry, unsaved: tracking.ledger_changed reads its time only)
    for _ in range(20):
        with transaction.atomic():
            tracking.ledger_changed(LedgerEntry(created_at=WORKING_MORNING))

    # when the jobs after them have run
    assert jobs.wait(30)

    # then the day was marked by one statement, not twenty
    assert len(_stale_inserts(marks_job)) == 1, marks_job
    assert list(StaleRollup.objects.values_list("part", "day", "organisation_id")) == [
        (RollupPart.ACTIVITY, WORKING_MORNING.date(), 0)
    ]


def test_cases_of_several_commits_mark_their_day_and_offices_with_one_read(c: AppealCity, marks_job: list[str]) -> None:
    # given three cases, their marks handed over by three transactions
    cases = [open_case(c.w, at=WORKING_MORNING) for _ in range(3)]
    assert jobs.wait(30)
    StaleRollup.objects.all().delete()
    marks_job.clear()
    for case in cases:
        with transaction.atomic():
            tracking.case_changed(case)

    # when the job after them has run
    assert jobs.wait(30)

    # then the offices the cases reached were read once, and each mark written once
    reads = [sql for sql in marks_job if sql.startswith("SELECT") and "cases_caseorganisation" in sql]
    assert len(reads) == 1, marks_job
    assert len(_stale_inserts(marks_job)) == 2, marks_job  # the day's activity; its offices
    offices = set(CaseOrganisation.objects.filter(case__in=cases).values_list("organisation_id", flat=True))
    assert set(StaleRollup.objects.filter(part=RollupPart.OFFICE).values_list("organisation_id", flat=True)) == offices
    assert StaleRollup.objects.filter(part=RollupPart.ACTIVITY, day=WORKING_MORNING.date()).exists()


def test_a_commit_while_the_marks_job_writes_gets_a_job_of_its_own(marks_job: list[str]) -> None:
    # given a marks job writing (held inside its write), and a commit of another day meanwhile
    inside = threading.Event()
    release = threading.Event()
    mark = tracking.rollups_mark

    def slow_mark(items: list[Any]) -> None:
        inside.set()
        release.wait(10)
        mark(items)

    tracking_mark = pytest.MonkeyPatch()
    tracking_mark.setattr(tracking, "rollups_mark", slow_mark)
    try:
        with transaction.atomic():
            tracking.ledger_changed(LedgerEntry(created_at=WORKING_MORNING))
        waiter = threading.Thread(target=jobs.wait, args=(30,))
        waiter.start()  # puts the delayed job on the queue now
        assert inside.wait(10)
        later = WORKING_MORNING.replace(day=WORKING_MORNING.day + 1)
        with transaction.atomic():
            tracking.ledger_changed(LedgerEntry(created_at=later))
        release.set()
        waiter.join(30)

        # when everything handed over has run
        assert jobs.wait(30)
    finally:
        tracking_mark.undo()

    # then both days are marked: the second commit was not left waiting for a job already taken
    days = set(StaleRollup.objects.values_list("day", flat=True))
    assert days == {WORKING_MORNING.date(), later.date()}


def test_marks_the_database_refused_are_written_by_the_next_job(
    marks_job: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that refuses the first marks job ("database is locked": another writer
    # held SQLite's file past the busy timeout)
    refused: list[int] = []
    mark = tracking.rollups_mark

    def locked_once(items: list[Any]) -> None:
        if not refused:
            refused.append(len(items))
            raise OperationalError("database is locked")
        mark(items)

    monkeypatch.setattr(tracking, "rollups_mark", locked_once)

    # when a commit hands over a counted row and the jobs have run
    with transaction.atomic():
        tracking.ledger_changed(LedgerEntry(created_at=WORKING_MORNING))
    assert jobs.wait(30)  # the refused job, which hands its marks to a job a second later
    assert jobs.wait(30)

    # then the refused marks were written by the next job, not lost
    assert refused == [1]
    assert list(StaleRollup.objects.values_list("part", "day", "organisation_id")) == [
        (RollupPart.ACTIVITY, WORKING_MORNING.date(), 0)
    ]
