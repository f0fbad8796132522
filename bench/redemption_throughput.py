"""Benchmark of gift_redeem on one hot gift: concurrent clients redeeming until it runs out.

    .venv/bin/python bench/redemption_throughput.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/redemption_throughput.py              # SQLite in a temporary directory

With --postgres, a throwaway database is created on that server and dropped afterwards.
`--clients` threads (32 by default), each with its own database connection and its own worker
(who has points for everything), redeem the same gift in a loop until its stock runs out or
`--seconds` pass. Prints redemptions per second and p50/p95/max latency, then checks the
invariants: stock never below zero, stock + vouchers = total, one ledger entry per voucher, and
every balance equal to its ledger sum (the points reconciliation).

Every redemption of the gift waits for its row (the conditional stock update), so this measures
the hot row: how many redemptions per second one gift can take.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time as clock
from typing import Any

from throwaway_db import throwaway_database


def _populate(clients: int, stock: int, cost: int) -> tuple[int, list[Any]]:
    """One hot gift and a worker per client with points for the whole stock."""
    from littlebee.accounts.models import User, WorkerProfile, WorkerType
    from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel
    from littlebee.points.models import EarningRule, PointsSource
    from littlebee.points.services import points_award
    from littlebee.rewards.models import Gift

    city = Region.objects.create(code="B0", name="基准市", level=RegionLevel.CITY, path="B0/", lat=30.6, lng=114.3)
    community = Region.objects.create(
        code="B1", name="基准社区", level=RegionLevel.COMMUNITY, parent=city, path="B0/B1/", lat=30.6, lng=114.3
    )
    park = Organisation.objects.create(code="bench-park", name="黄鹤楼公园", kind=OrgKind.ALLIANCE_UNIT, region=city)
    gift = Gift.objects.create(
        name="黄鹤楼公园门票", points_cost=cost, donor=park, total_stock=stock, stock_available=stock
    )
    EarningRule.objects.create(source=PointsSource.VOLUNTEER_TASK, category="bench", points_min=1, points_max=10**9)
    workers = []
    for i in range(clients):
        user = User.objects.create_user(phone=f"139{i:08d}", password=None, name=f"基准小哥{i}")
        WorkerProfile.objects.create(user=user, worker_type=WorkerType.COURIER, community=community)
        points_award(
            worker=user,
            source=PointsSource.VOLUNTEER_TASK,
            category="bench",
            amount=stock * cost,
            idempotency_key=f"bench:{user.pk}",
        )
        workers.append(user)
    return gift.pk, workers


def _run(gift_id: int, workers: list[Any], seconds: float) -> tuple[list[float], dict[str, int], float]:
    from django.db import connection

    from littlebee.core.errors import DomainError
    from littlebee.rewards.services import gift_redeem

    latencies: list[list[float]] = [[] for _ in workers]
    refusals: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(workers) + 1)
    deadline = [0.0]

    def client(i: int, worker: Any) -> None:
        try:
            barrier.wait()
            while clock.perf_counter() < deadline[0]:
                started = clock.perf_counter()
                try:
                    gift_redeem(worker=worker, gift_id=gift_id)
                except DomainError as exc:
                    with lock:
                        refusals[exc.code] = refusals.get(exc.code, 0) + 1
                    if exc.code == "out_of_stock":
                        return
                    continue
                except Exception as exc:  # a deadlock or a dropped connection: count it, keep going
                    with lock:
                        name = type(exc).__name__
                        refusals[name] = refusals.get(name, 0) + 1
                    continue
                latencies[i].append(clock.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    deadline[0] = clock.perf_counter() + seconds
    started = clock.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = clock.perf_counter() - started
    return [x for per_client in latencies for x in per_client], refusals, elapsed


def _check(gift_id: int, stock: int) -> list[str]:
    """The invariants after the run; an empty list when they all hold."""
    from littlebee.points.models import LedgerEntry, LedgerReason
    from littlebee.points.selectors import points_mismatches
    from littlebee.rewards.models import Gift, Voucher

    problems = []
    gift = Gift.objects.get(pk=gift_id)
    vouchers = Voucher.objects.filter(gift=gift).count()
    entries = LedgerEntry.objects.filter(reason=LedgerReason.REDEMPTION).count()
    if gift.stock_available < 0:
        problems.append(f"stock below zero: {gift.stock_available}")
    if gift.stock_available + vouchers != stock:
        problems.append(f"stock {gift.stock_available} + vouchers {vouchers} != total {stock}")
    if entries != vouchers:
        problems.append(f"{entries} redemption entries for {vouchers} vouchers")
    mismatches = points_mismatches()
    if mismatches:
        problems.append(f"{len(mismatches)} balances differ from their ledger, e.g. {mismatches[0]}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is made there")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--stock", type=int, default=20_000)
    parser.add_argument("--cost", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        from django.db import connection

        gift_id, workers = _populate(args.clients, args.stock, args.cost)
        connection.close()  # the clients open their own
        print(
            f"gift_redeem on {label}: one gift, {args.clients} concurrent clients, "
            f"stock {args.stock:,}, at most {args.seconds:g} s"
        )
        latencies, refusals, elapsed = _run(gift_id, workers, args.seconds)
        done = len(latencies)
        ms = sorted(x * 1000 for x in latencies)
        print(f"  redemptions        {done:>10,}  in {elapsed:.2f} s")
        print(f"  redemptions/s      {done / elapsed:>10,.0f}")
        if ms:
            print(f"  latency p50 ms     {statistics.median(ms):>10.1f}")
            print(f"  latency p95 ms     {ms[max(0, int(len(ms) * 0.95) - 1)]:>10.1f}")
            print(f"  latency max ms     {ms[-1]:>10.1f}")
        print(f"  refusals           {refusals or '-'}")
        problems = _check(gift_id, args.stock)
        print(
            "  invariants         "
            + ("OK (stock >= 0, stock + vouchers = total, ledger reconciles)" if not problems else "FAILED")
        )
        for problem in problems:
            print(f"    {problem}")
        if problems:
            sys.exit(1)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
