"""Simultaneous scans by one worker: only a real multi-connection database shows the race."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.core.tests.races import run_together
from littlebee.hives.models import HiveVisit
from littlebee.hives.services import VisitResult, visit_record_by_qr
from littlebee.hives.visit_tokens import token_for

from .factories import HiveFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_simultaneous_scans_by_one_worker_count_one_visit() -> None:
    # given
    hive: Any = HiveFactory()
    courier = worker()
    token = token_for(hive)

    # when the worker's phone fires the same scan ten times at once
    results = run_together(
        [lambda: visit_record_by_qr(worker=courier, hive_id=hive.pk, token=token) for _ in range(10)]
    )

    # then exactly one is counted and the others answer that same visit
    assert all(isinstance(r, VisitResult) for r in results), results
    counted = [r for r in results if r.counted]
    assert len(counted) == 1
    assert {r.visit.pk for r in results} == {counted[0].visit.pk}
    assert HiveVisit.objects.filter(worker=courier, hive=hive).count() == 1
