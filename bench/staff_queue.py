"""Benchmark of the city-wide staff queue at two sizes of history (issue 13 item 6): its first
page should cost about the same at 100 thousand cases as at 1 thousand.

    .venv/bin/python bench/staff_queue.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/staff_queue.py --small 1000 --large 100000 --runs 30

A throwaway database gets the benchmark city (bench/photo_processing.py), a city admin and a
community handler, then `--small` cases (reports, spread over a year, one in ten confidential,
each with the row of the office holding it), and a small office (a department) holding 30 cases
of its own, with its handler. `GET /api/v1/cases?queue=all` (the city admin's city-wide queue),
`?queue=mine` (the community's, which holds every other case), the small office's `all` and
`mine` (a few cases of its own in a long history: a rule that walks the whole table would show
here) and the console's queue page are timed `--runs` times each; then cases are added up to
`--large` and the same is timed again. Prints p50 milliseconds per list at both sizes and the
ratio large / small (the budget: at most 1.5), for the whole request and for its SQL statements
alone (their summed time as the client saw it: on a loaded machine the steadier figure).
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
SMALL_OFFICE_CASES = 30


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


def timed(fetch: Any, runs: int) -> tuple[float, float]:
    """p50 milliseconds of one list: the whole request, and its statements alone (their time as
    the client saw it, summed: on a loaded machine the request's Python swings more than the SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fetch()  # warm: plans, connections
    seconds = []
    sql_seconds = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = clock.perf_counter()
            fetch()
            seconds.append(clock.perf_counter() - started)
        sql_seconds.append(sum(float(q["time"]) for q in captured.captured_queries))
    return statistics.median(seconds) * 1000, statistics.median(sql_seconds) * 1000


def measure(lists: dict[str, Any], runs: int) -> dict[str, tuple[float, float]]:
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
    parser.add_argument(
        "--or-rule", action="store_true", help="the API's `all` queue as one OR of the rule's branches, as before (A/B)"
    )
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
        if args.or_rule:
            from littlebee.cases import selectors as case_selectors

            # Before: the whole history walked newest first, each case tested against every branch.
            case_selectors._branch_limit = lambda rows: 0  # type: ignore[assignment]
        # The console's page without a collected manifest (no collectstatic in a throwaway run).
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

        from photo_processing import populate_city

        from littlebee.accounts.models import Membership, Role, User
        from littlebee.accounts.services import token_issue
        from littlebee.orgs.models import DepartmentType, Organisation, OrgKind

        community, reporter = populate_city()
        office = Organisation.objects.get(code="bench-community")
        small_office = Organisation.objects.create(
            code="bench-small",
            name="基准交通运输局",
            kind=OrgKind.DEPARTMENT,
            department_type=DepartmentType.TRANSPORT,
            region=community.parent.parent,
        )
        admin = User.objects.create_user(phone="13700000001", password=None, name="市管理员", is_superuser=True)
        handler = User.objects.create_user(phone="13700000002", password=None, name="社区经办人")
        small_handler = User.objects.create_user(phone="13700000003", password=None, name="交通经办人")
        Membership.objects.create(user=handler, organisation=office, role=Role.HANDLER)
        Membership.objects.create(user=small_handler, organisation=small_office, role=Role.HANDLER)
        admin_token = token_issue(user=admin, name="bench")[1]
        handler_token = token_issue(user=handler, name="bench")[1]
        small_token = token_issue(user=small_handler, name="bench")[1]
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
            "API small office (all)": api(small_token, "all"),
            "API small office (mine)": api(small_token, "mine"),
            "console city-wide": page,
        }
        print(f"staff queues on {label}: {args.small} then {args.large} cases, p50 of {args.runs} runs")
        add_cases(small_office, community, reporter, 0, SMALL_OFFICE_CASES)
        add_cases(office, community, reporter, SMALL_OFFICE_CASES, args.small)
        small = measure(lists, args.runs)
        started = clock.perf_counter()
        add_cases(office, community, reporter, args.small, args.large)
        print(f"  ({args.large - args.small} cases added in {clock.perf_counter() - started:.0f} s)")
        large = measure(lists, args.runs)
        for name in lists:
            (at_small, sql_small), (at_large, sql_large) = small[name], large[name]
            print(
                f"  {name:<26} {at_small:>7.1f} ms at {args.small:>7}  {at_large:>7.1f} ms at {args.large:>7}"
                f"  ratio {at_large / at_small:.2f}   SQL {sql_small:>6.1f} → {sql_large:>6.1f} ms"
                f"  ratio {sql_large / max(sql_small, 0.001):.2f}"
            )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
