"""Claims racing for the last places: only a real multi-connection database shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together
from littlebee.volunteering import services
from littlebee.volunteering.models import Claim, ClaimStatus, Task

from .factories import a_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_workers_racing_for_three_places_get_exactly_three() -> None:
    # given a task of three places and no waiting list
    task = a_task(slots=3, waitlist_slots=0, points=0)
    workers = [worker() for _ in range(12)]

    # when they all claim at the same instant
    calls: list[Callable[[], Any]] = [
        lambda w=w: services.claim_create(task_id=task.pk, worker=w)  # type: ignore[misc]
        for w in workers
    ]
    results = run_together(calls)

    # then three hold a place, nine are told the task is full
    assert sum(isinstance(r, Claim) for r in results) == 3
    assert sum(isinstance(r, DomainError) and r.code == "full_waitlist" for r in results) == 9
    assert Claim.objects.filter(task=task, status=ClaimStatus.CLAIMED).count() == 3
    assert Task.objects.get(pk=task.pk).claimed_count == 3


def test_one_worker_claiming_six_times_at_once_gets_one_claim() -> None:
    # given
    task = a_task(slots=5, points=0)
    w = worker()

    # when
    results = run_together([lambda: services.claim_create(task_id=task.pk, worker=w) for _ in range(6)])

    # then
    assert sum(isinstance(r, Claim) for r in results) == 1
    assert sum(isinstance(r, DomainError) and r.code == "already_claimed" for r in results) == 5
