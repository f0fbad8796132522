"""The rollups follow the source rows through the writers' explicit calls (core.counted), never
through Django's model signals (DESIGN.md: no logic in signals)."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from littlebee.accounts.tests.factories import worker
from littlebee.analytics import tracking
from littlebee.cases import services as cases
from littlebee.cases.tests.factories import WORKING_MORNING, open_case, world
from littlebee.core.counted import Counted, counted_listeners, register_counted_listener, unregister_counted_listener
from littlebee.points import services as points
from littlebee.points.tests.factories import earn


def _module(receiver: Any) -> str:
    if isinstance(receiver, weakref.ReferenceType):
        receiver = receiver()
    return getattr(receiver, "__module__", "") or ""


def test_no_littlebee_code_listens_to_model_signals() -> None:
    # given every app loaded (AppConfig.ready has run)
    # when the model signals' receivers are listed
    found = [
        (name, _module(entry[1]))
        for name, signal in {
            "pre_save": pre_save,
            "post_save": post_save,
            "pre_delete": pre_delete,
            "post_delete": post_delete,
            "m2m_changed": m2m_changed,
        }.items()
        for entry in signal.receivers
        if _module(entry[1]).startswith("littlebee")
    ]
    # then none of them is ours
    assert found == []


def test_analytics_listens_to_the_writers_explicit_calls() -> None:
    # given every app loaded
    # then analytics' tracker is a listener of core.counted, with a handler for every kind
    assert tracking.rows_track in counted_listeners()
    assert set(tracking.HANDLERS) == set(Counted)


@pytest.fixture
def told() -> Iterator[list[tuple[Counted, list[Any]]]]:
    """What the writers tell core.counted, recorded by a listener of the test's own."""
    calls: list[tuple[Counted, list[Any]]] = []
    register_counted_listener("test.recorder", lambda kind, rows: calls.append((kind, list(rows))))
    yield calls
    unregister_counted_listener("test.recorder")


@pytest.mark.django_db
def test_case_steps_and_ledger_entries_are_told_at_the_write(told: list[tuple[Counted, list[Any]]]) -> None:
    # given the test city and a worker
    w = world()
    rider = worker()
    # when a case is submitted and accepted, and points are earned, spent and reversed
    case = open_case(w, reporter=rider, at=WORKING_MORNING)
    cases.case_accept(case_id=case.pk, actor=w.community_handler, at=WORKING_MORNING + timedelta(hours=1))
    entry = earn(rider, 100, "told:1")
    spent = points.points_spend(worker=rider, amount=30, idempotency_key="told:spend")
    reversal = points.points_reverse(entry_id=spent.pk, actor=None, note="退回", key="told:rev")
    earn(rider, 100, "told:1")  # the same key again: nothing written, nothing told

    # then each write was told once, with its row as written
    case_rows = [rows[0] for kind, rows in told if kind == Counted.CASE]
    assert [row.pk for row in case_rows] == [case.pk, case.pk]
    assert case_rows[-1].status == "accepted"
    ledger = [row.pk for kind, rows in told if kind == Counted.LEDGER_ENTRY for row in rows]
    assert ledger == [entry.pk, spent.pk, reversal.pk]
