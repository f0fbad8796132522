"""Redemption races that only a real multi-connection database can show: run on PostgreSQL.

Each call runs in its own thread on its own connection, all released at one instant
(core.tests.races.run_together). After every race the ledger reconciles: each cached balance
equals the sum of its entries (points.selectors.points_mismatches).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together
from littlebee.points.models import LedgerEntry, LedgerReason, PointsAccount
from littlebee.points.selectors import balance_of, points_mismatches
from littlebee.rewards import services
from littlebee.rewards.models import Gift, GiftStation, Voucher, VoucherStatus

from .factories import GiftFactory, HiveFactory, give_points, keeper_of, listed_gift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _refusals(results: list[Any]) -> dict[str, int]:
    """Refusal codes and how often; anything but a DomainError (a deadlock, a 500) fails the test."""
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    codes: dict[str, int] = {}
    for r in results:
        if isinstance(r, DomainError):
            codes[r.code] = codes.get(r.code, 0) + 1
    return codes


def _stock(gift: Gift) -> int:
    gift.refresh_from_db()
    return gift.stock_available


def test_the_last_50_tickets_redeemed_by_64_workers_at_once() -> None:
    # given a park ticket with its last 50 left and 64 workers who can all afford it
    ticket: Any = GiftFactory(name="黄鹤楼公园门票", points_cost=1500, total_stock=80, stock_available=50)
    riders = [worker() for _ in range(64)]
    for rider in riders:
        give_points(rider, 2000)

    # when they all redeem at the same instant
    calls: list[Callable[[], Any]] = [
        lambda w=w: services.gift_redeem(worker=w, gift_id=ticket.pk)  # type: ignore[misc]
        for w in riders
    ]
    results = run_together(calls)

    # then exactly 50 get a voucher, 14 are told it is gone, and the stock is 0
    vouchers = [r for r in results if isinstance(r, Voucher)]
    assert len(vouchers) == 50
    assert _refusals(results) == {"out_of_stock": 14}
    assert _stock(ticket) == 0
    assert Voucher.objects.filter(gift=ticket, status=VoucherStatus.RESERVED).count() == 50
    # and only the 50 paid: 500 left each, the others keep their 2,000
    balances = sorted(balance_of(w) for w in riders)
    assert balances == [500] * 50 + [2000] * 14
    assert LedgerEntry.objects.filter(reason=LedgerReason.REDEMPTION).count() == 50
    assert points_mismatches() == []


def test_one_worker_firing_20_redemptions_with_points_for_3() -> None:
    # given a worker with 300 points and a gift of 100 with plenty in stock
    rider = worker()
    give_points(rider, 300)
    gift: Any = GiftFactory(points_cost=100, total_stock=100)

    # when his phone fires 20 redemptions at once
    results = run_together([lambda: services.gift_redeem(worker=rider, gift_id=gift.pk) for _ in range(20)])

    # then exactly 3 go through, the rest are refused for points, and nothing went below zero
    assert sum(isinstance(r, Voucher) for r in results) == 3
    assert _refusals(results) == {"insufficient_points": 17}
    assert PointsAccount.objects.get(worker=rider).balance == 0
    assert _stock(gift) == 97
    assert points_mismatches() == []


def test_the_per_worker_limit_holds_under_simultaneous_redemptions() -> None:
    rider = worker()
    give_points(rider, 10_000)
    gift: Any = GiftFactory(points_cost=100, total_stock=100, per_worker_limit=2)

    results = run_together([lambda: services.gift_redeem(worker=rider, gift_id=gift.pk) for _ in range(12)])

    assert sum(isinstance(r, Voucher) for r in results) == 2
    assert _refusals(results) == {"limit_reached": 10}
    assert balance_of(rider) == 9_800
    assert points_mismatches() == []


def test_a_stations_own_stock_holds_under_simultaneous_redemptions() -> None:
    here = HiveFactory()
    gift = listed_gift([here, HiveFactory()], station_stock=5, total_stock=40, points_cost=10)
    riders = [worker() for _ in range(16)]
    for rider in riders:
        give_points(rider, 10)

    calls: list[Callable[[], Any]] = [
        lambda w=w: services.gift_redeem(worker=w, gift_id=gift.pk, hive_id=here.pk)  # type: ignore[misc]
        for w in riders
    ]
    results = run_together(calls)

    assert sum(isinstance(r, Voucher) for r in results) == 5
    assert _refusals(results) == {"out_of_stock": 11}
    assert GiftStation.objects.get(gift=gift, hive=here).stock_available == 0
    assert _stock(gift) == 35
    assert points_mismatches() == []


def test_a_keeper_and_the_worker_racing_on_one_voucher_one_wins() -> None:
    # given ten reserved vouchers
    hive = HiveFactory()
    keeper = keeper_of(hive)
    gift: Any = GiftFactory(points_cost=100, total_stock=10)
    vouchers = []
    for _ in range(10):
        rider = worker()
        give_points(rider, 100)
        vouchers.append(services.gift_redeem(worker=rider, gift_id=gift.pk))

    # when, for each, the keeper hands it over (twice, two counters) while the worker cancels it
    calls: list[Callable[[], Any]] = []
    for v in vouchers:
        calls.append(lambda v=v: services.voucher_fulfil(code=v.code, keeper=keeper))  # type: ignore[misc]
        calls.append(lambda v=v: services.voucher_fulfil(code=v.code, keeper=keeper))  # type: ignore[misc]
        calls.append(lambda v=v: services.voucher_cancel(worker=v.worker, code=v.code))  # type: ignore[misc]
    results = run_together(calls)

    # then each voucher ended exactly one way: fulfilled once, or cancelled and refunded once
    _refusals(results)
    fulfilled = cancelled = 0
    for v in vouchers:
        v.refresh_from_db()
        assert v.status in (VoucherStatus.FULFILLED, VoucherStatus.CANCELLED)
        events = list(v.events.exclude(to_status=VoucherStatus.RESERVED).values_list("to_status", flat=True))
        assert events == [v.status]
        if v.status == VoucherStatus.FULFILLED:
            fulfilled += 1
            assert balance_of(v.worker) == 0
        else:
            cancelled += 1
            assert balance_of(v.worker) == 100
    assert fulfilled + cancelled == 10
    assert _stock(gift) == cancelled
    assert points_mismatches() == []


def test_redemptions_cancellations_and_the_sweep_all_at_once_keep_stock_and_points_exact() -> None:
    # given a gift of 30 with 10 vouchers already past their date and 10 valid ones
    gift: Any = GiftFactory(points_cost=50, total_stock=30, voucher_valid_days=3)
    past = timezone.now() - timedelta(days=4)
    due: list[Voucher] = []
    valid: list[Voucher] = []
    for n in range(20):
        rider = worker()
        give_points(rider, 100)
        voucher = services.gift_redeem(worker=rider, gift_id=gift.pk, at=past if n < 10 else None)
        (due if n < 10 else valid).append(voucher)
    newcomers = [worker() for _ in range(20)]
    for rider in newcomers:
        give_points(rider, 50)
    assert _stock(gift) == 10

    # when the sweep runs twice, the ten valid holders cancel, their owners (due ones) redeem again,
    # and twenty newcomers redeem, all at once
    calls: list[Callable[[], Any]] = [services.vouchers_expire_due, services.vouchers_expire_due]
    calls += [lambda v=v: services.voucher_cancel(worker=v.worker, code=v.code) for v in valid]  # type: ignore[misc]
    calls += [lambda v=v: services.gift_redeem(worker=v.worker, gift_id=gift.pk) for v in due]  # type: ignore[misc]
    calls += [lambda w=w: services.gift_redeem(worker=w, gift_id=gift.pk) for w in newcomers]  # type: ignore[misc]
    results = run_together(calls)

    # then nothing failed but for clear refusals, stock equals what is not held, and the ledger reconciles
    _refusals(results)
    held = Voucher.objects.filter(gift=gift, status__in=(VoucherStatus.RESERVED, VoucherStatus.FULFILLED)).count()
    assert 0 <= _stock(gift) == 30 - held
    assert Voucher.objects.filter(pk__in=[v.pk for v in due], status=VoucherStatus.EXPIRED).count() == 10
    assert Voucher.objects.filter(pk__in=[v.pk for v in valid], status=VoucherStatus.CANCELLED).count() == 10
    assert all(account.balance >= 0 for account in PointsAccount.objects.all())
    assert points_mismatches() == []
