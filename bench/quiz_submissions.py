"""Benchmark of quiz submissions (认真学, issue 14): concurrent workers handing in the daily quiz.

    .venv/bin/python bench/quiz_submissions.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/quiz_submissions.py              # SQLite in a temporary directory

A throwaway database gets a bank of 200 questions, the daily quiz and a worker per client.
`--clients` threads (16 by default), each with its own connection, loop for `--seconds`: start a
daily-quiz attempt (5 questions drawn) and hand it in with answers (about 4 of 5 right), as
POST /learning/items/{id}/sessions and /learning/sessions/{id}/finish do. The first submission of
each worker each day is credited through the points service; the others are marked and answered
"already credited" (the key is checked before the ledger). With `--credited` every submission
is credited: each client's n-th attempt is started and handed in on the n-th day from now, so
the day's key and cap are fresh and the whole credit (rule, ledger, account, badges) runs each
time. Prints submissions (finishes) per second, the p50/p95/max latency of a finish and of a
start, and checks: one ledger entry per credit, every balance equal to its ledger.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time as clock
from typing import Any

from throwaway_db import throwaway_database


def _populate(clients: int) -> tuple[int, list[Any]]:
    from littlebee.accounts.models import User, WorkerProfile, WorkerType
    from littlebee.learning.models import Choice, ItemKind, ItemStatus, LearningItem, Question, QuizKind
    from littlebee.orgs.models import Region, RegionLevel
    from littlebee.points.services import points_defaults_ensure

    points_defaults_ensure()
    city = Region.objects.create(code="B0", name="基准市", level=RegionLevel.CITY, path="B0/", lat=30.6, lng=114.3)
    community = Region.objects.create(
        code="B1", name="基准社区", level=RegionLevel.COMMUNITY, parent=city, path="B0/B1/", lat=30.6, lng=114.3
    )
    for n in range(200):
        question = Question.objects.create(topic="traffic", kind="single", text=f"基准题{n}", explanation="解析")
        Choice.objects.bulk_create(
            Choice(question=question, text=t, correct=(i == 0), order=i) for i, t in enumerate("甲乙丙丁")
        )
    quiz = LearningItem.objects.create(
        kind=ItemKind.QUIZ, quiz_kind=QuizKind.DAILY, title="每日答题", topic="party", status=ItemStatus.PUBLISHED
    )
    workers = []
    for i in range(clients):
        user = User.objects.create_user(phone=f"139{i:08d}", password=None, name=f"基准小哥{i}")
        WorkerProfile.objects.create(user=user, worker_type=WorkerType.COURIER, community=community)
        workers.append(user)
    return quiz.pk, workers


def _run(
    quiz_id: int, workers: list[Any], seconds: float, every_day: bool = False
) -> tuple[list[float], list[float], float, int]:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from littlebee.learning.models import Choice, LearningItem
    from littlebee.learning.services import session_finish, session_start

    right = {q: c for q, c in Choice.objects.filter(correct=True).values_list("question_id", "pk")}
    wrong = {q: c for q, c in Choice.objects.filter(correct=False, order=1).values_list("question_id", "pk")}
    finishes: list[list[float]] = [[] for _ in workers]
    starts: list[list[float]] = [[] for _ in workers]
    credited = [0]
    statements = [0 for _ in workers]  # SQL statements run by the finishes (savepoints included)
    lock = threading.Lock()
    barrier = threading.Barrier(len(workers) + 1)
    deadline = [0.0]

    def client(i: int, worker: Any) -> None:
        rng = random.Random(i)

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements[i] += 1
            return execute(sql, params, many, context)

        try:
            item = LearningItem.objects.get(pk=quiz_id)
            barrier.wait()
            day = 0
            while clock.perf_counter() < deadline[0]:
                at = timezone.now() + timedelta(days=day) if every_day else None
                day += 1
                t0 = clock.perf_counter()
                session = session_start(worker=worker, item=item, at=at)
                t1 = clock.perf_counter()
                answers = {str(q): [right[q] if rng.random() < 0.8 else wrong[q]] for q in session.question_ids}
                with connection.execute_wrapper(count):
                    result = session_finish(worker=worker, session_id=session.pk, answers=answers, at=at)
                t2 = clock.perf_counter()
                starts[i].append(t1 - t0)
                finishes[i].append(t2 - t1)
                if result.credited:
                    with lock:
                        credited[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    deadline[0] = clock.perf_counter() + seconds
    began = clock.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = clock.perf_counter() - began
    finished = [x for xs in finishes for x in xs]
    print(f"  statements per finish: {sum(statements) / max(1, len(finished)):.1f}")
    return finished, [x for xs in starts for x in xs], elapsed, credited[0]


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a throwaway database is made there)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--credited", action="store_true", help="every submission credited (one a day each)")
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        quiz_id, workers = _populate(args.clients)
        finishes, starts, elapsed, credited = _run(quiz_id, workers, args.seconds, args.credited)

        from littlebee.points.models import LedgerEntry
        from littlebee.points.selectors import points_mismatches

        entries = LedgerEntry.objects.count()
        print(f"{label}: {args.clients} clients, {elapsed:.1f} s")
        print(f"  quiz submissions (finish): {len(finishes)} = {len(finishes) / elapsed:.0f}/s")
        print(
            f"  finish latency ms p50 {statistics.median(finishes) * 1000:.1f} p95 {_ms(finishes, 0.95):.1f} "
            f"max {max(finishes) * 1000:.1f}; start p50 {statistics.median(starts) * 1000:.1f} "
            f"p95 {_ms(starts, 0.95):.1f}"
        )
        # Every submission with a right answer is credited (one with none, 1 in 3,125, is not).
        expected = credited if args.credited else len(workers)
        print(f"  credited {credited}, ledger entries {entries} (as expected: {entries == expected})")
        mismatches = points_mismatches()
        print(f"  balances equal their ledgers: {not mismatches}")
        if credited != expected or entries != expected or mismatches:
            raise SystemExit("invariant broken")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
