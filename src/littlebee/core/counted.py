"""Rows the site's figures count, changed: the writing apps say so, apps above them listen.

The statistics (analytics) keep rollups of cases, workers' profiles, station visits, event
check-ins, volunteer service, learning and points. The apps that write those rows sit below
analytics and never name it (DESIGN.md, "Dependencies run one way"), and nothing listens to
Django's model signals (DESIGN.md: no logic in signals). So each service that creates or
changes such a row says so itself, at the point of the write, with the rows as written:

    counted_rows_changed(Counted.CASE, case)
    counted_rows_changed(Counted.LEDGER_ENTRY, *entries)   # a bulk insert: every row

That covers what a signal never saw (a queryset update, a bulk insert): the writer passes the
rows it changed. An app above registers a listener, usually in AppConfig.ready():

    register_counted_listener("analytics.rollups", rollups_track)

Each listener is called with the kind and the rows, inside the writer's transaction, right
after the write. It must stay cheap (note what changed; no query) and do its work with
transaction.on_commit, so that a rolled-back write leaves the figures alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any


class Counted(StrEnum):
    """The kinds of rows figures count; the row passed is the model's instance, as saved."""

    CASE = "case"  # cases.Case
    WORKER_PROFILE = "worker_profile"  # accounts.WorkerProfile
    HIVE_VISIT = "hive_visit"  # hives.HiveVisit
    EVENT_REGISTRATION = "event_registration"  # hives.EventRegistration
    SERVICE_RECORD = "service_record"  # volunteering.ServiceRecord
    LEARNING_SESSION = "learning_session"  # learning.LearningSession
    LEDGER_ENTRY = "ledger_entry"  # points.LedgerEntry


CountedListener = Callable[[Counted, Sequence[Any]], object]
# By name, so registering again (ready() run twice, a test's own listener) replaces, never doubles.
_LISTENERS: dict[str, CountedListener] = {}


def register_counted_listener(name: str, listener: CountedListener) -> None:
    _LISTENERS[name] = listener


def unregister_counted_listener(name: str) -> CountedListener | None:
    return _LISTENERS.pop(name, None)


def counted_listeners() -> list[CountedListener]:
    return list(_LISTENERS.values())


def counted_rows_changed(kind: Counted, *rows: Any) -> None:
    """Tell the listeners that these rows of `kind` were created or changed just now."""
    if not rows:
        return
    for listener in list(_LISTENERS.values()):
        listener(kind, rows)
