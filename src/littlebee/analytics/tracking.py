"""The rollups follow the source rows as things happen.

The apps below analytics save their rows through their own services and never name analytics
(DESIGN.md, "Dependencies run one way"). Each of those saves ends in Django's post_save for the
row; analytics listens to that for the rows its figures count, and only to note which days (and
offices) must be computed again: the work itself runs once the transaction has committed, so a
rolled-back request leaves the rollups alone, and outside the request (ANALYTICS_REFRESH_INLINE
off: the periodic job `analytics.refresh_rollups`, every minute).

A source row changed without a save (a queryset update, a bulk insert) is not seen here; the
nightly `analytics.rebuild_recent` job and `littlebee analytics_rebuild` recompute from the source
rows and say what they corrected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from littlebee.accounts.models import WorkerProfile
from littlebee.cases.models import Case, CaseOrganisation
from littlebee.hives.models import EventRegistration, HiveVisit
from littlebee.learning.models import LearningSession
from littlebee.points.models import LedgerEntry
from littlebee.volunteering.models import ServiceRecord

from .models import RollupPart
from .rollups import day_of, rollups_refresh_stale, stale_mark


def _days(*moments: datetime | None) -> list[date]:
    return [day_of(m) for m in moments if m is not None]


# Marks waiting for their transaction's commit, in this thread. One transaction may save
# thousands of rows (the demo city): the first after-commit callback marks them all and refreshes
# once; the others find nothing left. Marks of a rolled-back transaction stay here until the next
# commit marks their days too: a day computed again for nothing, never a day missed.
_pending = threading.local()


def _flush() -> None:
    marks: list[Callable[[], None]] = getattr(_pending, "marks", [])
    if not marks:
        return
    _pending.marks = []
    for mark in marks:
        mark()
    if getattr(settings, "ANALYTICS_REFRESH_INLINE", True):
        rollups_refresh_stale(limit=100_000)


def _after_commit(mark: Callable[[], None]) -> None:
    if not hasattr(_pending, "marks"):
        _pending.marks = []
    _pending.marks.append(mark)
    transaction.on_commit(_flush)


def _activity(days: Iterable[date]) -> None:
    wanted = sorted(set(days))
    if wanted:
        _after_commit(lambda: stale_mark(part=RollupPart.ACTIVITY, days=wanted))


def case_changed(sender: Any, instance: Case, **kwargs: Any) -> None:
    """A case's day (its submission) and every office it reached, on the day it reached it."""
    case_id, created = instance.pk, instance.created_at

    def mark() -> None:
        stale_mark(part=RollupPart.ACTIVITY, days=_days(created))
        for org, since in CaseOrganisation.objects.filter(case_id=case_id).values_list("organisation_id", "since"):
            stale_mark(part=RollupPart.OFFICE, days=[day_of(since)], organisation_ids=[org])

    _after_commit(mark)


def profile_changed(sender: Any, instance: WorkerProfile, **kwargs: Any) -> None:
    _activity(_days(instance.created_at, instance.checkin_decided_at, instance.employment_decided_at))


def visit_changed(sender: Any, instance: HiveVisit, **kwargs: Any) -> None:
    _activity(_days(instance.at))


def registration_changed(sender: Any, instance: EventRegistration, **kwargs: Any) -> None:
    _activity(_days(instance.checked_in_at))


def record_changed(sender: Any, instance: ServiceRecord, **kwargs: Any) -> None:
    _activity(_days(instance.started_at))


def session_changed(sender: Any, instance: LearningSession, **kwargs: Any) -> None:
    _activity(_days(instance.finished_at))


def ledger_changed(sender: Any, instance: LedgerEntry, **kwargs: Any) -> None:
    _activity(_days(instance.created_at))


HANDLERS: list[tuple[type[Any], Callable[..., None]]] = [
    (Case, case_changed),
    (WorkerProfile, profile_changed),
    (HiveVisit, visit_changed),
    (EventRegistration, registration_changed),
    (ServiceRecord, record_changed),
    (LearningSession, session_changed),
    (LedgerEntry, ledger_changed),
]


def connect() -> None:
    for model, handler in HANDLERS:
        post_save.connect(handler, sender=model, dispatch_uid=f"analytics:{model.__name__}")
