"""The rollups follow the source rows through the writers' explicit calls (core.counted), never
through Django's model signals (DESIGN.md: no logic in signals)."""

from __future__ import annotations

import weakref
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from littlebee.analytics import tracking
from littlebee.core.counted import Counted, counted_listeners


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
