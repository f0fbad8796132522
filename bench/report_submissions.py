"""Benchmark of report_submit with a phone photo: concurrent clients each sending reports with
one 12-megapixel JPEG (about 2.4 MB), photo processing deferred (the task is not run).

    .venv/bin/python bench/report_submissions.py              # SQLite in a temporary directory
    .venv/bin/python bench/report_submissions.py --postgres postgres://postgres@127.0.0.1:5432/postgres

`--clients` threads (8 by default), each with its own database connection and its own worker,
submit `--per-client` reports each through the service, as the API does after parsing the
upload: the photo is read and checked (type, size, pixels, decodable), the case is opened and
routed, the original is stored, and the processing task would be queued after commit. Prints
submissions per second and p50/p95/max latency, then checks that every report has its case,
its timeline row and its stored original.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time as clock
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from photo_processing import camera_jpeg, defer_photo_processing, populate_city
from throwaway_db import throwaway_database

CATEGORIES = ("illegal_parking", "garbage", "road_damage", "street_light", "manhole_cover")


def _workers(community: Any, count: int) -> list[Any]:
    from littlebee.accounts.models import User, WorkerProfile, WorkerType

    workers = []
    for i in range(count):
        user = User.objects.create_user(phone=f"136{i:08d}", password=None, name=f"基准骑手{i}")
        WorkerProfile.objects.create(user=user, worker_type=WorkerType.FOOD_DELIVERY, community=community)
        workers.append(user)
    return workers


def _run(workers: list[Any], per_client: int, photo: bytes) -> tuple[list[float], dict[str, int], float]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from littlebee.reports.services import report_submit

    latencies: list[list[float]] = [[] for _ in workers]
    failures: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(workers) + 1)

    def client(i: int, worker: Any) -> None:
        try:
            barrier.wait()
            for n in range(per_client):
                upload = SimpleUploadedFile(f"IMG_{i}_{n}.jpg", photo, content_type="image/jpeg")
                started = clock.perf_counter()
                try:
                    report_submit(
                        reporter=worker,
                        category_code=CATEGORIES[(i + n) % len(CATEGORIES)],
                        description="基准测试：路口问题",
                        lat=30.55 + (n % 7) * 0.0003,
                        lng=114.3 + (i % 7) * 0.0003,
                        photos=[upload],
                    )
                except Exception as exc:  # a lock timeout or a dropped connection: count it, keep going
                    with lock:
                        failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                    continue
                latencies[i].append(clock.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    started = clock.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per], failures, clock.perf_counter() - started


def _check(expected: int) -> list[str]:
    from littlebee.cases.models import Case, CaseEvent
    from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

    problems = []
    reports = Report.objects.count()
    if reports != expected:
        problems.append(f"{reports} reports for {expected} successful submissions")
    if Case.objects.count() != reports or CaseEvent.objects.filter(action="open").count() != reports:
        problems.append("a report without its case or its timeline row")
    photos = ReportPhoto.objects.filter(status=PhotoStatus.PROCESSING).exclude(original="").count()
    if photos != reports:
        problems.append(f"{photos} stored originals waiting for processing, {reports} reports")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is made there")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=10)
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        from django.db import connection

        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            photo = pool.submit(camera_jpeg).result()
        defer_photo_processing()
        community, _reporter = populate_city()
        workers = _workers(community, args.clients)
        connection.close()  # the clients open their own
        print(
            f"report_submit on {label}: {args.clients} concurrent clients × {args.per_client} reports, "
            f"one {len(photo) / 1e6:.1f} MB 4000×3000 JPEG each, processing deferred"
        )
        latencies, failures, elapsed = _run(workers, args.per_client, photo)
        done = len(latencies)
        ms = sorted(x * 1000 for x in latencies)
        print(f"  submissions        {done:>10,}  in {elapsed:.2f} s")
        print(f"  submissions/s      {done / elapsed:>10,.1f}")
        print(f"  photo MB/s in      {done * len(photo) / 1e6 / elapsed:>10,.1f}")
        if ms:
            print(f"  latency p50 ms     {statistics.median(ms):>10.0f}")
            print(f"  latency p95 ms     {ms[max(0, int(len(ms) * 0.95) - 1)]:>10.0f}")
            print(f"  latency max ms     {ms[-1]:>10.0f}")
        print(f"  failures           {failures or '-'}")
        problems = _check(done)
        print(
            "  invariants         " + ("OK (report, case, timeline row, stored original)" if not problems else "FAILED")
        )
        for problem in problems:
            print(f"    {problem}")
        if problems or failures:
            sys.exit(1)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
