"""The rollups follow the source rows as things happen.

The apps below analytics save their rows through their own services and never name analytics
(DESIGN.md, "Dependencies run one way"). Each service that writes a row the figures count says
so explicitly at the point of the write (core.counted.counted_rows_changed, with the rows, also
those of a queryset update or a bulk insert); nothing listens to Django's model signals
(DESIGN.md: no logic in signals). Analytics registers `rows_track` there (apps.py) and only
notes which days (and offices) must be computed again: the work itself runs once the
transaction has committed, so a rolled-back request leaves the rollups alone, and outside the
request: a job marks what changed and the periodic job `analytics.refresh_rollups` computes it
again every minute (ANALYTICS_REFRESH_INLINE on: marked and computed right after the commit).
ANALYTICS_TRACK off: nothing is noted.

A source row changed by code that does not say so (a data migration, the shell) is not seen
here; the nightly `analytics.rebuild_recent` job and `littlebee analytics_rebuild` recompute from
the source rows and say what they corrected.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction

from littlebee.accounts.models import WorkerProfile
from littlebee.cases.models import Case, CaseOrganisation
from littlebee.core.background import background_run_later
from littlebee.core.counted import Counted
from littlebee.hives.models import EventRegistration, HiveVisit
from littlebee.learning.models import LearningSession
from littlebee.points.models import LedgerEntry
from littlebee.volunteering.models import ServiceRecord

from .coarse import worker_places_refresh
from .models import RollupPart
from .rollups import Places, day_of, rollups_refresh_stale, stale_mark


def _days(*moments: datetime | None) -> list[date]:
    return [day_of(m) for m in moments if m is not None]


# What changed in this thread's transaction, waiting for its commit: ("activity", day) and
# ("case", case id, day submitted). One transaction may save thousands of rows (the demo city):
# the first after-commit callback hands them all over and the others find nothing left. Items of
# a rolled-back transaction stay here until the next commit hands them over too: a day computed
# again for nothing, never a day missed.
logger = logging.getLogger(__name__)
_pending = threading.local()

Item = tuple[Any, ...]


def rollups_mark(items: list[Item]) -> None:
    """Mark the rollup rows the items touch as stale (and keep the workers' place rows): the
    periodic `analytics.refresh_rollups` computes them again, within a minute.

    Not computed here: computing a day again reads and rewrites the whole city's rows of that
    day, and a busy city writes a counted row many times a second (a redemption, a report, a
    check-in); one computation a minute serves them all."""
    workers = sorted({item[1] for item in items if item[0] == "worker"})
    if workers:
        worker_places_refresh(Places(), workers)
    # Items of many commits (_marks_merge) name the same days again and again: each mark is
    # written once, the activity days in one statement, the offices' in one per day, with the
    # offices of all the cases read in one statement.
    activity_days = {item[1] for item in items if item[0] == "activity"}
    activity_days |= {item[2] for item in items if item[0] == "case"}
    case_ids = sorted({item[1] for item in items if item[0] == "case"})
    offices: dict[date, set[int]] = {}
    if case_ids:
        reached = CaseOrganisation.objects.filter(case_id__in=case_ids).values_list("organisation_id", "since")
        for org, since in reached:
            offices.setdefault(day_of(since), set()).add(org)
    if activity_days:
        stale_mark(part=RollupPart.ACTIVITY, days=sorted(activity_days))
    for day, orgs in sorted(offices.items()):
        stale_mark(part=RollupPart.OFFICE, days=[day], organisation_ids=sorted(orgs))


def rollups_mark_and_refresh(items: list[Item]) -> None:
    """Mark the rollup rows the items touch as stale and compute them again now
    (ANALYTICS_REFRESH_INLINE: the tests, a city small enough to want figures to the second)."""
    rollups_mark(items)
    rollups_refresh_stale(limit=100_000)


# Inside refresh_deferred(): this thread's commits only mark; the block's end computes.
_deferred = threading.local()


@contextmanager
def refresh_deferred() -> Iterator[None]:
    """Under ANALYTICS_REFRESH_INLINE, a batch of writes committed one by one (an import, a
    test's whole history) would compute the days they touch again after every commit, most of
    them the same days: inside this block each commit only marks its days stale, and they are
    computed once when the block ends, as the minute's job would."""
    outer = getattr(_deferred, "on", False)
    _deferred.on = True
    try:
        yield
    finally:
        _deferred.on = outer
    if not outer and settings.ANALYTICS_REFRESH_INLINE:
        rollups_refresh_stale(limit=100_000)


def _flush() -> None:
    items: list[Item] = getattr(_pending, "items", [])
    if not items:
        return
    _pending.items = []
    if getattr(_deferred, "on", False):
        rollups_mark(items)
    elif settings.ANALYTICS_REFRESH_INLINE:
        rollups_mark_and_refresh(items)
    elif settings.CELERY_TASK_ALWAYS_EAGER:
        # Without a broker: on this process's job threads, after the answer (core.background),
        # merged with the other commits of the next MARK_MERGE_SECONDS; a job lost with its
        # process is made good by the nightly rebuild of recent days.
        _marks_merge(items)
    else:
        from .tasks import analytics_mark_and_refresh

        analytics_mark_and_refresh.delay([[item[0], *_plain(item[1:])] for item in items])


# The marks this process's commits handed over, waiting for the one job that writes them all.
# A busy city commits a counted row many times a second (each redemption, each report), nearly
# all of the same day: one job per commit wrote the same mark again each time (an INSERT on the
# job thread's connection and its Python, ~14 % of a redemption's CPU). The minute's refresh
# reads the marks; waiting a second before writing them changes nothing it computes.
MARK_MERGE_SECONDS = 1.0
_merge_lock = threading.Lock()
_merge_items: list[Item] = []
_merge_queued = False
_merge_pid = 0
_merge_serial = itertools.count()
# Consecutive marks jobs the database refused (_marks_write): retried up to this many times.
MARK_RETRIES = 5
_marks_failures = 0


def _marks_merge(items: list[Item]) -> None:
    """Add the items to what the next marks job writes, queueing that job when none waits."""
    global _merge_queued, _merge_pid
    with _merge_lock:
        if _merge_pid != os.getpid():
            # A forked copy of a process that had marks waiting: its job is not ours to wait for.
            _merge_items.clear()
            _merge_queued = False
            _merge_pid = os.getpid()
        _merge_items.extend(items)
        if _merge_queued:
            return
        _merge_queued = True
        # A key of its own each time: the job running still holds the last one's key, and the
        # items handed over meanwhile need a job of their own.
        key = ("analytics.mark", next(_merge_serial))
    background_run_later(key, MARK_MERGE_SECONDS, _marks_write)


def _marks_write() -> None:
    """The marks job: everything handed over until now, written at once. Items handed over
    while it writes queue the next job."""
    global _merge_queued
    with _merge_lock:
        items = list(_merge_items)
        _merge_items.clear()
        _merge_queued = False
    if not items:
        return
    global _marks_failures
    try:
        rollups_mark(items)
    except OperationalError:
        # The embedded SQLite answers "database is locked" when another writer held the file for
        # longer than the busy timeout (a long refresh, the demo's load): the marks go back and
        # the next job writes them, so the minute's refresh does not miss these days. A failure
        # that does not pass is given up after a few tries: the nightly rebuild of recent days
        # makes the figures good.
        _marks_failures += 1
        if _marks_failures > MARK_RETRIES:
            _marks_failures = 0
            raise
        logger.warning("analytics marks: the database refused the write; tried again shortly", exc_info=True)
        _marks_merge(items)
        return
    _marks_failures = 0


def _plain(values: tuple[Any, ...]) -> list[Any]:
    return [v.isoformat() if isinstance(v, date) else v for v in values]


def _after_commit(item: Item) -> None:
    if not settings.ANALYTICS_TRACK:
        return
    if not hasattr(_pending, "items"):
        _pending.items = []
    _pending.items.append(item)
    transaction.on_commit(_flush)


def _activity(days: Iterable[date]) -> None:
    for day in sorted(set(days)):
        _after_commit(("activity", day))


def case_changed(instance: Case) -> None:
    """A case's day (its submission) and every office it reached, on the day it reached it."""
    _after_commit(("case", instance.pk, day_of(instance.created_at)))


def profile_changed(instance: WorkerProfile) -> None:
    _after_commit(("worker", instance.user_id))
    _activity(_days(instance.created_at, instance.checkin_decided_at, instance.employment_decided_at))


def visit_changed(instance: HiveVisit) -> None:
    _activity(_days(instance.at))


def registration_changed(instance: EventRegistration) -> None:
    _activity(_days(instance.checked_in_at))


def record_changed(instance: ServiceRecord) -> None:
    _activity(_days(instance.started_at))


def session_changed(instance: LearningSession) -> None:
    _activity(_days(instance.finished_at))


def ledger_changed(instance: LedgerEntry) -> None:
    _activity(_days(instance.created_at))


HANDLERS: dict[Counted, Callable[[Any], None]] = {
    Counted.CASE: case_changed,
    Counted.WORKER_PROFILE: profile_changed,
    Counted.HIVE_VISIT: visit_changed,
    Counted.EVENT_REGISTRATION: registration_changed,
    Counted.SERVICE_RECORD: record_changed,
    Counted.LEARNING_SESSION: session_changed,
    Counted.LEDGER_ENTRY: ledger_changed,
}

LISTENER = "analytics.rollups"


def rows_track(kind: Counted, rows: Sequence[Any]) -> None:
    """The listener of core.counted: note the days (and offices) the changed rows touch."""
    if not settings.ANALYTICS_TRACK:
        return
    handler = HANDLERS.get(kind)
    if handler is None:
        return
    for row in rows:
        handler(row)
