"""Ledger races that only a real multi-connection database can show: run on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together
from littlebee.points import services
from littlebee.points.models import EarningRule, LedgerEntry, LedgerReason, PointsAccount
from littlebee.points.selectors import points_mismatches

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_awards_for_the_same_event_yield_one_entry() -> None:
    # given a fixed rule and one source event
    EarningRule.objects.create(source="report", points_min=50, points_max=50)
    rider = worker()

    # when twelve retries of the award arrive at once
    calls: list[Callable[[], Any]] = [
        lambda: services.points_award(worker=rider, source="report", idempotency_key="report:42") for _ in range(12)
    ]
    results = run_together(calls)

    # then one entry was written, every call answered with it, and the balance is 50
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.created for r in results) == 1
    assert {r.entry.pk for r in results} == {LedgerEntry.objects.get().pk}
    assert PointsAccount.objects.get(worker=rider).balance == 50
    assert points_mismatches() == []


def test_concurrent_awards_respect_the_daily_cap() -> None:
    # given reading pays 2 points with a cap of 10 a day
    EarningRule.objects.create(source="article_read", points_min=2, points_max=2, daily_cap=10)
    rider = worker()

    # when twenty different articles are credited at once
    results = run_together(
        [
            lambda n=n: services.points_award(  # type: ignore[misc]
                worker=rider, source="article_read", idempotency_key=f"read:{n}"
            )
            for n in range(20)
        ]
    )

    # then exactly five awards fit under the cap
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.created for r in results) == 5
    assert PointsAccount.objects.get(worker=rider).balance == 10


def test_concurrent_spends_never_take_the_balance_below_zero() -> None:
    # given a rider with 100 points
    EarningRule.objects.create(source="report", points_min=100, points_max=100)
    rider = worker()
    services.points_award(worker=rider, source="report", idempotency_key="report:1")

    # when fifteen debits of 30 arrive at once
    results = run_together(
        [
            lambda n=n: services.points_spend(worker=rider, amount=30, idempotency_key=f"spend:{n}")  # type: ignore[misc]
            for n in range(15)
        ]
    )

    # then three succeed, the rest are refused for insufficient points, and the ledger agrees
    entries = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(entries) == 3
    assert len(refused) == 12 and {r.code for r in refused} == {"insufficient_points"}
    assert PointsAccount.objects.get(worker=rider).balance == 10
    assert LedgerEntry.objects.filter(reason=LedgerReason.REDEMPTION).count() == 3
    assert points_mismatches() == []
