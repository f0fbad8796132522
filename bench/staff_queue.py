"""Benchmark of the city-wide staff queue at two sizes of history (issue 13 item 6): its first
page should cost about the same at 100 thousand cases as at 1 thousand.

    .venv/bin/python bench/staff_queue.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/staff_queue.py --small 1000 --large 100000 --runs 30

A throwaway database gets the benchmark city (bench/photo_processing.py), a city admin and a
community handler, then `--small` cases (reports, spread over a year, one in ten confidential,
each with the row of the office holding it). `GET /api/v1/cases?queue=all` (the city admin's
city-wide queue), `?queue=mine` (the community's) and the console's queue page are timed
`--runs` times each; then cases are added up to `--large` and the same is timed again. Prints
p50 milliseconds per list at both sizes and the ratio large / small (the budget: at most 1.5).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time as clock
from datetime import timedelta
from typing import Any

from throwaway_db import throwaway_database

BATCH = 5000


def add_cases(organisation: Any, region: Any, reporter: Any, start: int, stop: int) -> None:
    """Cases start..stop-1, bulk-inserted with the rows of the office holding them."""
    from django.utils import timezone

    from littlebee.cases.models import Case, CaseKind, CaseOrganisation, CaseStatus

    rng = random.Random(start)
    now = timezone.now()
    statuses = [CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.RESOLVED, CaseStatus.CLOSED]
    for first in range(start, stop, BATCH):
        cases = []
        for i in range(first, min(first + BATCH, stop)):
            at = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
            cases.append(
                Case(
                    kind=CaseKind.REPORT,
                    status=rng.choice(statuses),
                    category="garbage",
                    region=region,
                    lat=30.55 + rng.random() / 100,
                    lng=114.3 + rng.random() / 100,
                    organisation=organisation,
                    reporter=reporter,
                    confidential=i % 10 == 0,
                    created_at=at,
                    updated_at=at,
                )
            )
        Case.objects.bulk_create(cases)
        CaseOrganisation.objects.bulk_create(
            [CaseOrganisation(case=c, organisation=organisation, since=c.created_at) for c in cases]
        )


def timed(fetch: Any, runs: int) -> float:
    fetch()  # warm: plans, connections
    seconds = []
    for _ in range(runs):
        started = clock.perf_counter()
        fetch()
        seconds.append(clock.perf_counter() - started)
    return statistics.median(seconds) * 1000


def measure(lists: dict[str, Any], runs: int) -> dict[str, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return {name: timed(fetch, runs) for name, fetch in lists.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is made there")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--full-count", action="store_true", help="count every row, as before (A/B)")
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        from django.conf import settings
        from django.test import Client

        settings.PERIODIC_JOBS_IN_PROCESS = False  # no sweeps in the middle of the timing
        if args.full_count:
            from littlebee.cases import selectors

            # Before issue 13: every visible row counted on every page.
            selectors.count_bounded = lambda queryset, cap=0: (queryset.count(), False)  # type: ignore[assignment]
        # The console's page without a collected manifest (no collectstatic in a throwaway run).
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

        from photo_processing import populate_city

        from littlebee.accounts.models import Membership, Role, User
        from littlebee.accounts.services import token_issue
        from littlebee.orgs.models import Organisation

        community, reporter = populate_city()
        office = Organisation.objects.get(code="bench-community")
        admin = User.objects.create_user(phone="13700000001", password=None, name="市管理员", is_superuser=True)
        handler = User.objects.create_user(phone="13700000002", password=None, name="社区经办人")
        Membership.objects.create(user=handler, organisation=office, role=Role.HANDLER)
        admin_token = token_issue(user=admin, name="bench")[1]
        handler_token = token_issue(user=handler, name="bench")[1]
        console = Client()
        console.force_login(admin)

        def api(token: str, queue: str) -> Any:
            client = Client()

            def fetch() -> None:
                response = client.get("/api/v1/cases", {"queue": queue}, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.content

            return fetch

        def page() -> None:
            response = console.get("/staff/cases/", {"queue": "all"})
            assert response.status_code == 200, response.status_code

        lists = {
            "API city-wide (all)": api(admin_token, "all"),
            "API community (mine)": api(handler_token, "mine"),
            "console city-wide": page,
        }
        print(f"staff queues on {label}: {args.small} then {args.large} cases, p50 of {args.runs} runs")
        add_cases(office, community, reporter, 0, args.small)
        small = measure(lists, args.runs)
        started = clock.perf_counter()
        add_cases(office, community, reporter, args.small, args.large)
        print(f"  ({args.large - args.small} cases added in {clock.perf_counter() - started:.0f} s)")
        large = measure(lists, args.runs)
        for name in lists:
            print(
                f"  {name:<24} {small[name]:>7.1f} ms at {args.small:>7}  {large[name]:>7.1f} ms at {args.large:>7}"
                f"  ratio {large[name] / small[name]:.2f}"
            )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
