"""Benchmark of the statistics' panels at two sizes of history (issue 16, "Performance"): each panel
at most 100 ms at the 95th percentile at 10 million cases, and at most 1.5 × its time at 100
thousand.

    .venv/bin/python bench/analytics_panels.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/analytics_panels.py --postgres … --small 100000 --large 10000000 --runs 30

A throwaway PostgreSQL database gets a city at Wuhan's size (13 districts, 78 streets, 1,404
communities, each with its party organisation; 30 enterprises in three industries and their
committees; 20,000 workers registered over five years; 600 stations), then `--small` cases
written in bulk by SQL (generate_series: a worker reports mostly in his own community; nine in
ten reports, one in ten appeals; submitted over five years; the statuses, deadlines, ratings and
overdue marks of a working city), the offices' rows, a station visit per five cases and a ledger
entry per two.

The generator writes on `--workers` connections at once (2; a task each: a chunk of cases, a
month of a daily rollup, a whole panel rollup, an index). The source rows are written without
foreign-key checks and with their tables' secondary indexes built after the writing
(`bulk_writes`), a batch's moments in the order of its case numbers (a month's rows lie together,
as a city's do). The daily rollups are then filled by SQL that sums the bench's rows as
rollups.py defines them (INSERT … SELECT … GROUP BY, a month per task, in day order: computing 10
million cases through rollups_rebuild's ORM path would take hours on this machine), and the panel
rollups built from them by the product's own statements (`coarse.coarse_span_statements`:
coarse_rebuild's GROUP BYs over every month at once instead of one month at a time). The rollups
are UNLOGGED in the bench's database (nothing refers to them; a crash would empty them). Each
phase prints its wall and CPU seconds (this process and the backends that did the work).
`src/littlebee/analytics/tests/test_bench_fill.py` grows a small city with these functions and
checks that the product's rebuild (`analytics_rebuild --dry-run`) finds no difference; `--check`
does the same here at the small size (slow). `--grow-only` grows the city and times the
generator, not the panels.

Each panel is then timed `--runs` times, over HTTP (a WSGI server on a local port, a city admin's
and an industry committee's sessions): the dashboard page (every panel of it: headline figures,
weekly and monthly trend, breakdown by district or street and by industry and enterprise, the
map's communities, station use) over 30 and 365 days for the city, a district, a community and the
committee; the API's overview, offices (the rate table) and enterprises (the scorecards); the rate
table's page. The panel functions are also timed alone, in the process. Then cases are added up
to `--large` and the same is done again. Prints p50 and p95 milliseconds at both sizes, the ratio
large / small, the CPU milliseconds per call (this process's threads and the database's backends,
read from /proc: on a shared, loaded machine the wall time moves with everyone's load, the CPU
much less) and the machine's load.

Growing a city takes a while (a million cases about 4 minutes on the shared 2-core machine at
load 7-9, see README), so a grown city can be kept and timed again:

    .venv/bin/python bench/analytics_panels.py --postgres … --keep        # prints the database's URL
    .venv/bin/python bench/analytics_panels.py --postgres … --keep --grow-only --small 10000000 --large '' --name s10m
    .venv/bin/python bench/analytics_panels.py --reuse postgres://…/bench_stats_NNN
    .venv/bin/python bench/analytics_panels.py --reuse … --rebuild        # after a run stopped while growing

`--reuse` applies the migrations, optionally fills and builds the rollups again (`--rebuild`), and
times the same panels with the code as it is now; drop a kept database with `dropdb` when done.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import statistics
import sys
import threading
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from throwaway_db import throwaway_database

CHUNK = 250_000


@dataclass(frozen=True)
class Size:
    """The city's size: Wuhan's by default; a test builds a small one (test_bench_fill.py)."""

    districts: int = 13
    streets: int = 6  # per district
    communities: int = 18  # per street
    enterprises: int = 30
    workers: int = 20_000
    hives: int = 600
    years: int = 5


def build_city(size: Size = Size()) -> dict[str, Any]:
    """Regions, offices, enterprises, workers and stations, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from littlebee.accounts.models import CheckinStatus, Membership, Role, User, WorkerProfile
    from littlebee.hives.models import Hive, Service
    from littlebee.orgs.models import Industry, Organisation, OrgKind, Region, RegionLevel

    now = timezone.now()
    city = Region.objects.create(code="4201", name="武汉市", level=RegionLevel.CITY, lat=30.59, lng=114.30)
    districts, streets, communities = [], [], []
    for d in range(size.districts):
        district = Region.objects.create(
            code=f"4201{d:02d}", name=f"区{d}", level=RegionLevel.DISTRICT, parent=city, lat=30.5, lng=114.3
        )
        districts.append(district)
        for s in range(size.streets):
            street = Region.objects.create(
                code=f"{district.code}{s:02d}",
                name=f"街道{d}-{s}",
                level=RegionLevel.STREET,
                parent=district,
                lat=30.5,
                lng=114.3,
            )
            streets.append(street)
            for c in range(size.communities):
                communities.append(
                    Region.objects.create(
                        code=f"{street.code}{c:02d}",
                        name=f"社区{d}-{s}-{c}",
                        level=RegionLevel.COMMUNITY,
                        parent=street,
                        lat=30.5 + c / 1000,
                        lng=114.3 + s / 1000,
                    )
                )
    city_org = Organisation.objects.create(code="city", kind=OrgKind.PARTY_ORG, name="市委", region=city)
    offices = [
        Organisation.objects.create(
            code=f"p{r.code}", kind=OrgKind.PARTY_ORG, name=f"{r.name}党委", region=r, parent=city_org
        )
        for r in communities
    ]
    industries = list(Industry.values)
    enterprises = [
        Organisation.objects.create(
            code=f"e{i}", kind=OrgKind.ENTERPRISE, name=f"企业{i}", industry=industries[i % 3], region=city
        )
        for i in range(size.enterprises)
    ]
    for e in enterprises:
        Organisation.objects.create(
            code=f"ep{e.code}",
            kind=OrgKind.ENTERPRISE_PARTY_ORG,
            name=f"{e.name}党支部",
            industry=e.industry,
            enterprise=e,
            region=city,
        )
    committee = Organisation.objects.create(
        code="committee", kind=OrgKind.INDUSTRY_COMMITTEE, name="快递行业党委", industry=industries[0], region=city
    )
    admin = User.objects.create(phone="13800000000", name="市管理员", is_superuser=True, is_staff=True)
    secretary = User.objects.create(phone="13800000001", name="行业党委书记")
    Membership.objects.create(user=secretary, organisation=committee, role=Role.ADMIN)
    password = make_password("bench")
    users = User.objects.bulk_create(
        [User(phone=f"139{i:08d}", name=f"小哥{i}", password=password) for i in range(size.workers)], batch_size=5000
    )
    types = ["courier", "food_delivery", "ride_hailing", "other"]
    profiles = WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=u,
                worker_type=types[i % 4],
                enterprise=enterprises[i % len(enterprises)],
                community=communities[(i * 7919) % len(communities)],
                party_member=i % 8 == 0,
                checkin_status=CheckinStatus.CONFIRMED,
            )
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    # Registrations spread over the years.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE accounts_workerprofile SET created_at = %s - (id %% %s) * interval '1 day', "
            "checkin_decided_at = %s - (id %% %s) * interval '1 day' + interval '2 days'",
            [now, size.years * 365 + 1, now, size.years * 365 + 1],
        )
    services = [Service.objects.create(code=f"s{i}", name=f"服务{i}", is_base=True, order=i) for i in range(5)]
    hives = Hive.objects.bulk_create(
        [
            Hive(
                name=f"驿站{i}",
                address="路",
                lat=30.5,
                lng=114.3,
                community=communities[(i * 131) % len(communities)],
                managing_unit=offices[(i * 131) % len(offices)],
            )
            for i in range(size.hives)
        ]
    )
    return {
        "admin": admin,
        "secretary": secretary,
        "city": city,
        "district": districts[0],
        "community": communities[0],
        "communities": [c.pk for c in communities],
        "offices": [o.pk for o in offices],
        "users": [u.pk for u in users],
        "profiles": len(profiles),
        "hives": [h.pk for h in hives],
        "services": [s.pk for s in services],
        "years": size.years,
    }


def city_of_database() -> dict[str, Any]:
    """The `city` of build_city, read back from a kept database (--reuse)."""
    from littlebee.accounts.models import User
    from littlebee.orgs.models import Region, RegionLevel

    communities = Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("code")
    return {
        "admin": User.objects.get(phone="13800000000"),
        "secretary": User.objects.get(phone="13800000001"),
        "city": Region.objects.get(level=RegionLevel.CITY),
        "district": Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code").first(),
        "community": communities.first(),
    }


def reuse(url: str, runs: int, rebuild: bool, rebuild_panels: bool = False) -> None:
    """Time a kept database (--keep) again: the code as it is now against a city already grown
    (run it for each size, alternately, on a shared machine). Its migrations are applied first;
    with `rebuild`, its rollups are filled and built again (after a run stopped while growing);
    with `rebuild_panels`, only the panel rollups (after a change to them, or a new one)."""
    import django
    from django.conf import settings
    from django.db.models import Sum

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")
    os.environ["DATABASE_URL"] = url
    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command

    from littlebee.analytics.models import ActivityDay

    call_command("migrate", verbosity=0, interactive=False)
    if rebuild:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        build_rollups(check=False)
    elif rebuild_panels:
        fill_panel_rollups()
    city = city_of_database()
    sums = ActivityDay.objects.aggregate(r=Sum("reports_submitted"), a=Sum("appeals_received"))
    cases = int(sums["r"] or 0) + int(sums["a"] or 0)
    server = Server(city)
    print(f"{url.rsplit('/', 1)[-1]}: {cases:,} cases, timing (load {load()})", flush=True)
    for name, (p50, p95, cpu) in measure(city, runs, server).items():
        print(f"  {name:<36} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   cpu {cpu:8.1f} ms", flush=True)
    print(f"load average at the end: {load()}")
    server.close()


# The tables written in bulk: the source rows, the daily rollups, the panels' rollups.
SOURCE_TABLES = ("cases_case", "cases_caseorganisation", "hives_hivevisit", "points_ledgerentry")
DAILY_TABLES = (
    "analytics_activityday",
    "analytics_workerday",
    "analytics_stationday",
    "analytics_officeday",
    "analytics_officenow",
)
PANEL_TABLES = (
    "analytics_placerollup",
    "analytics_enterpriserollup",
    "analytics_enterprisecityrollup",
    "analytics_industryrollup",
    "analytics_servicerollup",
    "analytics_activitymonth",
    "analytics_industryplacemonth",
    "analytics_stationmonth",
    "analytics_officemonth",
    "analytics_officemonthtotal",
    "analytics_workerplace",
    "analytics_lastactivecount",
)


# Parallel connections: the bench's statements split into tasks (a chunk of cases, a month of a
# rollup, a panel rollup), run on WORKERS connections of their own. On the shared 2-core machine
# two is the most that helps; a bigger server takes --workers.
WORKERS = 2
ZONE = "Asia/Shanghai"


def _pid_cpu(pid: int) -> float:
    """CPU seconds so far of a process on this machine (a PostgreSQL backend), 0 if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bulk_session(cur: Any) -> None:
    """A connection writing the bench's rows: no foreign-key checks (session_replication_role =
    replica; the bench's rows only refer to rows it wrote, and Django's constraints are
    DEFERRABLE INITIALLY DEFERRED, so each row's check was queued until the COMMIT), no wait
    for the WAL at each commit, room to sort and hash a month in memory."""
    cur.execute("SET session_replication_role = replica")
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET work_mem = '256MB'")
    cur.execute("SET maintenance_work_mem = '512MB'")


@dataclass
class Phase:
    """A generator phase's wall seconds and CPU seconds (this process and the database backends
    that did its work), for an honest extrapolation on a shared machine: the wall time moves
    with everyone's load, the CPU much less."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0

    def __str__(self) -> str:
        return f"{self.name}: {self.wall:.1f} s wall, {self.cpu:.1f} s CPU (load {load()})"


PHASES: list[Phase] = []


@contextmanager
def phase(name: str) -> Iterator[Phase]:
    """Time a phase; its backends' CPU is added by in_parallel (and the main connection's here)."""
    from django.db import connection

    found = Phase(name)
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
    before_main = _pid_cpu(pid) if pid else 0.0
    before, started = clock.process_time(), clock.perf_counter()
    yield found
    found.wall = clock.perf_counter() - started
    found.cpu += clock.process_time() - before + ((_pid_cpu(pid) - before_main) if pid else 0.0)
    PHASES.append(found)
    print(f"  {found}", flush=True)


def in_parallel(tasks: list[Callable[[Any], None]], workers: int, into: Phase | None = None) -> None:
    """Run the tasks (each is given a cursor) in order on `workers` connections of their own,
    in bulk mode (_bulk_session), each statement committed as it ends; the backends' CPU is
    added to `into`. Every task's rows are visible to the next phase: run it outside any
    transaction (a test: django_db(transaction=True))."""
    from django.db import connection

    pending = list(reversed(tasks))
    lock = threading.Lock()
    failures: list[BaseException] = []
    cpu: list[float] = []

    def work() -> None:
        try:
            with connection.cursor() as cur:
                _bulk_session(cur)
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
                before = _pid_cpu(pid)
                while not failures:
                    with lock:
                        if not pending:
                            break
                        task = pending.pop()
                    task(cur)
                cpu.append(_pid_cpu(pid) - before)
        except BaseException as error:  # raised again in the caller
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, min(workers, len(tasks))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    if into is not None:
        into.cpu += sum(cpu)


def _secondary_indexes(*tables: str) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [list(tables)],
        )
        return list(cur.fetchall())


@contextmanager
def bulk_writes(*tables: str, workers: int = WORKERS, into: Phase | None = None) -> Iterator[None]:
    """Millions of rows written into `tables`, PostgreSQL's bulk way: the tables' secondary
    indexes dropped while writing and built again after, on `workers` connections (a sort each,
    instead of millions of scattered inserts into every index); the indexes behind a constraint
    stay. The writers switch off foreign-key checks themselves (_bulk_session)."""
    from django.db import connection

    indexes = _secondary_indexes(*tables)
    with connection.cursor() as cur:
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        in_parallel([lambda cur, d=definition: cur.execute(d) for _, definition in indexes], workers, into)


def set_unlogged(*tables: str) -> None:
    """The bench's own database only: tables written without the write-ahead log (a crash empties
    them; a throwaway city does not care), which halves what a bulk write puts on the disk.
    Only tables no logged table refers to can be (PostgreSQL's rule): the rollups, not the cases."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"ALTER TABLE {table} SET UNLOGGED")


def add_rows(city: dict[str, Any], start: int, stop: int, workers: int = WORKERS) -> None:
    """Cases start..stop-1 (their offices' rows), a visit per five and a ledger entry per two, by
    SQL, a chunk per task on `workers` connections. A batch's moments run from five years ago to
    now in the order of the case numbers (each with its share of randomness), as a city's rows
    are written: a month's rows lie together in the table, so that a month of the daily rollups
    reads its own blocks (fill_daily_rollups) instead of all of them."""
    n_users = len(city["users"])
    regions = "(ARRAY[" + ",".join(map(str, city["communities"])) + "])"
    offices = "(ARRAY[" + ",".join(map(str, city["offices"])) + "])"
    users = f"{city['users'][0]}"
    hives = "(ARRAY[" + ",".join(map(str, city["hives"])) + "])"
    services = "(ARRAY[" + ",".join(map(str, city["services"])) + "])"
    n_regions = len(city["communities"])
    n_hives = len(city["hives"])
    days = city["years"] * 365
    n = stop - start

    def moment(case_number: str, spread: int) -> str:
        """Now less the share of five years still ahead of this case number in the batch."""
        share = f"least(1.0, greatest(0.0, (({case_number} - {start})::float8 + {spread} * random()) / {n}))"
        return f"now() - interval '{days} days' * (1 - {share})"

    def chunk(first: int, last: int) -> Callable[[Any], None]:
        def run(cur: Any) -> None:
            cur.execute(
                f"""
                WITH c AS (
                INSERT INTO cases_case (kind, status, category, region_id, lat, lng, organisation_id, reporter_id,
                    urgent, confidential, accept_due_at, resolve_due_at, overdue, escalation_level, dispute_count,
                    rating, rating_comment, created_at, updated_at, accepted_at, resolved_at, closed_at)
                SELECT CASE WHEN x.k < 0.1 THEN 'appeal' ELSE 'report' END,
                    x.status, 'garbage', {regions}[x.r], 30.5, 114.3, {offices}[x.r], {users} + x.u,
                    false, false, x.at + interval '1 day', x.at + interval '7 days',
                    x.status IN ('submitted', 'accepted', 'in_progress') AND x.v < 0.3, 0,
                    CASE WHEN x.v < 0.05 THEN 1 ELSE 0 END,
                    CASE WHEN x.status = 'closed' AND x.v < 0.6 THEN 1 + floor(x.w * 5)::int END, '',
                    x.at, x.at,
                    CASE WHEN x.status NOT IN ('submitted', 'rejected') THEN x.at + x.v * interval '2 days' END,
                    CASE WHEN x.status IN ('resolved', 'closed') THEN x.at + x.w * interval '10 days' END,
                    CASE WHEN x.status IN ('closed', 'rejected') THEN x.at + interval '12 days' END
                FROM generate_series(%s::bigint, %s::bigint) AS g,
                LATERAL (
                    SELECT random() + g * 0 AS k, random() AS v, random() AS w,
                        (g %% {n_users}) AS u,
                        -- nine in ten reports in the reporter's own community
                        1 + CASE WHEN random() < 0.9 THEN ((g %% {n_users}) * 7919) %% {n_regions}
                            ELSE floor(random() * {n_regions})::int END AS r,
                        {moment("g", 1)} AS at,
                        (ARRAY['submitted','accepted','in_progress','resolved','closed','closed','closed','closed',
                               'closed','closed','closed','closed','closed','closed','closed','closed','resolved',
                               'rejected','closed','closed'])[1 + floor(random() * 20)::int] AS status
                ) AS x
                RETURNING id, organisation_id, created_at
                )
                INSERT INTO cases_caseorganisation (case_id, organisation_id, since)
                SELECT id, organisation_id, created_at FROM c
                """,
                [first, last],
            )
            cur.execute(
                f"""
                INSERT INTO hives_hivevisit (hive_id, worker_id, method, service_id, at)
                SELECT {hives}[1 + (g %% {n_hives})], {users} + (g * 13 %% {n_users}), 'qr',
                    {services}[1 + (g %% 5)], {moment("5 * g", 5)}
                FROM generate_series(%s::bigint, %s::bigint) AS g
                """,
                [(first + 4) // 5, last // 5],
            )
            cur.execute(
                f"""
                INSERT INTO points_ledgerentry (worker_id, amount, reason, source, category, source_type, source_id,
                    idempotency_key, note, created_at)
                SELECT {users} + (g * 17 %% {n_users}), 50, 'earn', 'report', '', '', '', 'bench:' || g, '',
                    {moment("2 * g", 2)}
                FROM generate_series(%s::bigint, %s::bigint) AS g
                """,
                [(first + 1) // 2, last // 2],
            )
            print(f"  {last:>12,} cases (load {load()})", flush=True)

        return run

    from django.db import connection

    with phase("cases, visits, ledger") as p:
        with bulk_writes(*SOURCE_TABLES, workers=workers, into=p):
            in_parallel([chunk(f, min(f + CHUNK, stop) - 1) for f in range(start, stop, CHUNK)], workers, p)
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {', '.join(SOURCE_TABLES)}, accounts_workerprofile")


# The daily rollups of the bench's rows, as rollups.py defines each column (the bench writes no
# case events, appeals' enterprises, volunteering or learning: those columns stay 0, as the
# product's computation gives them; checked against it at the small size). A month at a time
# (a task each, on parallel connections), each month in day order, as the product's refresh
# writes them a day at a time: in a hash aggregate's order a day's rows lay scattered over the
# table (an industry's 7 days of ActivityDay at 10 million cases: 13,436 rows from 13,076
# blocks), which a city's real rollups are not. %(lo)s..%(hi)s: the month's first moment and
# the next month's; %(first)s..%(last)s: its days.
LOCAL = f"AT TIME ZONE '{ZONE}')::date"


def _month(column: str) -> str:
    return f"{column} >= %(lo)s AND {column} < %(hi)s"


PLACES = """
    places AS (
        SELECT r.id,
            CASE r.level WHEN 'community' THEN p.id WHEN 'street' THEN r.id END AS street,
            CASE r.level WHEN 'community' THEN g.id WHEN 'street' THEN p.id WHEN 'district' THEN r.id END AS district
        FROM orgs_region r LEFT JOIN orgs_region p ON p.id = r.parent_id LEFT JOIN orgs_region g ON g.id = p.parent_id
    )"""
ACTIVITY_FILL = f"""
    WITH {PLACES},
    src AS (
        SELECT (w.created_at {LOCAL} AS d, w.community_id AS r, w.enterprise_id AS e, w.worker_type AS t,
            1 AS registered, w.party_member::int AS party, 0 AS checked, 0 AS confirmed, 0 AS rs, 0 AS ra,
            0 AS rr, 0 AS rd, 0 AS ar, 0 AS ares, 0 AS visits, 0 AS issued
        FROM accounts_workerprofile w
        UNION ALL
        SELECT (coalesce(w.checkin_decided_at, w.created_at) {LOCAL}, w.community_id, w.enterprise_id, w.worker_type,
            0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
        FROM accounts_workerprofile w WHERE w.checkin_status = 'confirmed'
        UNION ALL
        SELECT (coalesce(w.employment_decided_at, w.created_at) {LOCAL}, w.community_id, w.enterprise_id,
            w.worker_type, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0
        FROM accounts_workerprofile w WHERE w.employment_status = 'confirmed'
        UNION ALL
        SELECT (c.created_at {LOCAL}, c.region_id, w.enterprise_id, w.worker_type, 0, 0, 0, 0,
            (c.kind = 'report')::int, (c.kind = 'report' AND c.accepted_at IS NOT NULL)::int,
            (c.kind = 'report' AND c.status IN ('resolved', 'closed'))::int,
            (c.kind = 'report' AND c.dispute_count > 0)::int,
            (c.kind = 'appeal')::int, (c.kind = 'appeal' AND c.status IN ('resolved', 'closed'))::int, 0, 0
        FROM cases_case c LEFT JOIN accounts_workerprofile w ON w.user_id = c.reporter_id
        WHERE {_month("c.created_at")}
        UNION ALL
        SELECT (v.at {LOCAL}, h.community_id, w.enterprise_id, w.worker_type, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
        FROM hives_hivevisit v JOIN hives_hive h ON h.id = v.hive_id
            LEFT JOIN accounts_workerprofile w ON w.user_id = v.worker_id
        WHERE {_month("v.at")}
        UNION ALL
        SELECT (l.created_at {LOCAL}, w.community_id, w.enterprise_id, w.worker_type,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CASE WHEN l.reason = 'earn' THEN l.amount ELSE 0 END
        FROM points_ledgerentry l LEFT JOIN accounts_workerprofile w ON w.user_id = l.worker_id
        WHERE {_month("l.created_at")}
    )
    INSERT INTO analytics_activityday (day, region_id, street_id, district_id, enterprise_id, industry, worker_type,
        registered, party_members, checked_in, confirmed_by_employer, reports_submitted, reports_accepted,
        reports_resolved, reports_disputed, appeals_received, appeals_resolved, station_visits, points_issued,
        appeals_about_enterprise, appeals_escalated_to_committee, event_attendances, volunteer_minutes,
        learning_credits, points_spent, points_expired, points_reversed, points_adjusted)
    SELECT s.d, s.r, pl.street, pl.district, s.e, coalesce(o.industry, ''), coalesce(s.t, ''),
        sum(registered), sum(party), sum(checked), sum(confirmed), sum(rs), sum(ra), sum(rr), sum(rd), sum(ar),
        sum(ares), sum(visits), sum(issued), 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM src s LEFT JOIN places pl ON pl.id = s.r LEFT JOIN orgs_organisation o ON o.id = s.e
    WHERE s.d >= %(first)s AND s.d <= %(last)s
    GROUP BY s.d, s.r, pl.street, pl.district, s.e, o.industry, s.t
    ORDER BY s.d
"""
WORKER_FILL = f"""
    WITH {PLACES},
    did AS (
        SELECT DISTINCT (c.created_at {LOCAL} AS d, c.reporter_id AS worker FROM cases_case c
        WHERE {_month("c.created_at")}
        UNION
        SELECT (v.at {LOCAL}, v.worker_id FROM hives_hivevisit v WHERE {_month("v.at")}
    )
    INSERT INTO analytics_workerday (day, worker_id, region_id, street_id, district_id, enterprise_id, industry,
        worker_type)
    SELECT did.d, did.worker, w.community_id, pl.street, pl.district, w.enterprise_id, coalesce(o.industry, ''),
        w.worker_type
    FROM did JOIN accounts_workerprofile w ON w.user_id = did.worker LEFT JOIN places pl ON pl.id = w.community_id
        LEFT JOIN orgs_organisation o ON o.id = w.enterprise_id
    ORDER BY did.d
"""
STATION_FILL = f"""
    WITH {PLACES}
    INSERT INTO analytics_stationday (day, hive_id, service_id, region_id, street_id, district_id, visits)
    SELECT (v.at {LOCAL}, v.hive_id, v.service_id, h.community_id, pl.street, pl.district, count(*)
    FROM hives_hivevisit v JOIN hives_hive h ON h.id = v.hive_id LEFT JOIN places pl ON pl.id = h.community_id
    WHERE {_month("v.at")}
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1
"""
OFFICE_FILL = f"""
    WITH {PLACES}
    INSERT INTO analytics_officeday (day, organisation_id, kind, region_id, street_id, district_id, industry,
        received, signed_on_time, due, resolved_on_time, resolved, rated, satisfied, returned, reopened)
    SELECT (co.since {LOCAL}, co.organisation_id, c.kind, o.region_id, pl.street, pl.district,
        coalesce(o.industry, ''), count(*),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND c.accepted_at <= c.accept_due_at),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND (c.resolved_at IS NOT NULL
            OR (c.status IN ('submitted', 'accepted', 'in_progress') AND c.overdue))),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND c.resolved_at IS NOT NULL AND (
            (c.dispute_count = 0 AND c.resolved_at <= c.resolve_due_at)
            OR (c.dispute_count > 0 AND c.resolved_at <= c.dispute_due_at))),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND c.resolved_at IS NOT NULL),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND c.rating IS NOT NULL),
        count(*) FILTER (WHERE c.organisation_id = co.organisation_id AND c.rating >= 4), 0, 0
    FROM cases_caseorganisation co JOIN cases_case c ON c.id = co.case_id
        JOIN orgs_organisation o ON o.id = co.organisation_id LEFT JOIN places pl ON pl.id = o.region_id
    WHERE {_month("co.since")}
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1
"""
OFFICE_NOW_FILL = """
    INSERT INTO analytics_officenow (organisation_id, kind, open, overdue)
    SELECT organisation_id, kind, count(*), count(*) FILTER (WHERE overdue)
    FROM cases_case WHERE status IN ('submitted', 'accepted', 'in_progress') GROUP BY 1, 2
"""
# The months are found by these moments' range (each indexed: two by the bench while it fills).
SOURCE_MOMENTS = (
    ("cases_case", "created_at"),
    ("cases_caseorganisation", "since"),
    ("hives_hivevisit", "at"),
    ("points_ledgerentry", "created_at"),
    ("accounts_workerprofile", "created_at"),
    ("accounts_workerprofile", "checkin_decided_at"),
    ("accounts_workerprofile", "employment_decided_at"),
)
MONTH_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_visit_at ON hives_hivevisit (at)",
    "CREATE INDEX IF NOT EXISTS bench_caseorganisation_since ON cases_caseorganisation (since)",
)


def _months() -> list[date]:
    """The first day of every month with a source row, in the city's calendar."""
    from django.db import connection

    with connection.cursor() as cur:
        bounds = " UNION ALL ".join(
            f"SELECT min({column}), max({column}) FROM {table}" for table, column in SOURCE_MOMENTS
        )
        cur.execute(f"SELECT (min(lo) {LOCAL}, (max(hi) {LOCAL} FROM ({bounds}) AS b (lo, hi)")
        first, last = cur.fetchone()
    if first is None:
        return []
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def fill_daily_rollups(workers: int = WORKERS) -> None:
    """The daily rollups (and the offices' open cases) of every source row, by SQL, a task per
    rollup and month on `workers` connections."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in (*DAILY_TABLES, "analytics_stalerollup"):
            cur.execute(f"TRUNCATE {table}")
    zone = ZoneInfo(ZONE)

    def month_task(sql: str, month: date) -> Callable[[Any], None]:
        following = (month + timedelta(days=32)).replace(day=1)
        params = {
            "lo": datetime.combine(month, datetime.min.time(), tzinfo=zone),
            "hi": datetime.combine(following, datetime.min.time(), tzinfo=zone),
            "first": month,
            "last": following - timedelta(days=1),
        }
        return lambda cur: cur.execute(sql, params)

    with phase("daily rollups") as p:
        with connection.cursor() as cur:
            for sql in MONTH_INDEXES:
                cur.execute(sql)
        months = _months()
        tasks = [lambda cur: cur.execute(OFFICE_NOW_FILL)]
        for month in months:
            tasks += [month_task(sql, month) for sql in (ACTIVITY_FILL, WORKER_FILL, STATION_FILL, OFFICE_FILL)]
        with bulk_writes(*DAILY_TABLES, workers=workers, into=p):
            in_parallel(tasks, workers, p)
        with connection.cursor() as cur:
            for sql in MONTH_INDEXES:
                cur.execute(f"DROP INDEX {sql.split()[5]}")
            cur.execute(f"ANALYZE {', '.join(DAILY_TABLES)}")  # the panel rollups are summed from them


def fill_panel_rollups(workers: int = WORKERS) -> None:
    """The panels' rollups from the daily rollups, by the product's own statements
    (coarse.coarse_span_statements: coarse_rebuild's GROUP BYs, each over every month at once
    instead of a month at a time), a panel rollup per task on `workers` connections; then each
    worker's place, as coarse_rebuild stores it."""
    from django.db import connection

    from littlebee.analytics.coarse import (
        SPECS,
        coarse_span_statements,
        offices_changed,
        worker_places_compute,
        worker_places_replace,
    )
    from littlebee.analytics.rollups import Places

    with connection.cursor() as cur:
        for table in PANEL_TABLES:
            cur.execute(f"TRUNCATE {table}")

    def spec_task(stages: list[list[tuple[str, list[Any]]]]) -> Callable[[Any], None]:
        def run(cur: Any) -> None:
            for statements in stages:
                for sql, params in statements:
                    cur.execute(sql, params)

        return run

    with phase("panel rollups") as p:
        # The biggest first (PlaceRollup: four levels, days and months), so that none is left
        # alone at the end. Their indexes built after: PlaceRollup's five took a million scattered
        # inserts each at a million cases (161 s for its communities' day rows, 33 s of it CPU).
        tasks = [spec_task(coarse_span_statements(spec, date(1970, 1, 1), date(2999, 12, 31))) for spec in SPECS]
        with bulk_writes(*PANEL_TABLES, workers=workers, into=p):
            in_parallel(tasks, workers, p)
        worker_places_replace(worker_places_compute(Places()))
        # The rate tables kept in the cache are the city's before it grew (as after the product's rebuild).
        offices_changed()
        with connection.cursor() as cur:
            # Autovacuum is off on this server: the rollups' visibility map for index-only scans.
            cur.execute(f"VACUUM ANALYZE {', '.join((*DAILY_TABLES, *PANEL_TABLES))}")


def print_phases(size: int) -> None:
    wall, cpu = sum(p.wall for p in PHASES), sum(p.cpu for p in PHASES)
    print(f"  generator at {size:,} cases: {wall:.0f} s wall, {cpu:.0f} s CPU in all", flush=True)


def grow_only(city: dict[str, Any], args: argparse.Namespace) -> None:
    """The generator alone, timed per phase at each size (--grow-only)."""
    PHASES.clear()
    add_rows(city, 1, args.small + 1, args.workers)
    build_rollups(args.check, args.workers)
    print_phases(args.small)
    done = args.small
    for size in args.large:
        PHASES.clear()
        add_rows(city, done + 1, size + 1, args.workers)
        done = size
        build_rollups(False, args.workers)
        print_phases(size)


def build_rollups(check: bool, workers: int = WORKERS) -> None:
    from littlebee.analytics.models import ActivityDay, OfficeDay, PlaceRollup, StationDay, WorkerDay
    from littlebee.analytics.rollups import rollups_rebuild

    fill_daily_rollups(workers)
    print(
        f"  {ActivityDay.objects.count():,} activity, {WorkerDay.objects.count():,} worker-day, "
        f"{StationDay.objects.count():,} station, {OfficeDay.objects.count():,} office rows",
        flush=True,
    )
    fill_panel_rollups(workers)
    print(f"  {PlaceRollup.objects.count():,} place rows", flush=True)
    if check:
        started = clock.perf_counter()
        differences = rollups_rebuild(dry_run=True)
        print(
            f"  analytics_rebuild --dry-run: {len(differences)} difference(s) from the product's computation "
            f"({clock.perf_counter() - started:.0f} s)",
            flush=True,
        )
        for d in differences[:10]:
            print(f"    {d}")


def panels(city: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from littlebee.analytics import measures
    from littlebee.analytics.measures import Period, Scope

    everything = Scope(everything=True)
    district = Scope(district_ids=(city["district"].pk,))
    community = Scope(community_ids=(city["community"].pk,))
    committee = Scope(industries=("express",))
    month, year = Period.last_days(30), Period.last_days(365)
    return {
        "overview city 30 d": lambda: measures.overview(everything, month),
        "overview city 365 d": lambda: measures.overview(everything, year),
        "overview district 365 d": lambda: measures.overview(district, year),
        "overview community 365 d": lambda: measures.overview(community, year),
        "overview committee 365 d": lambda: measures.overview(committee, year),
        "trend weeks 365 d": lambda: measures.trend(everything, year, "week"),
        "trend months 365 d": lambda: measures.trend(everything, year, "month"),
        "districts 365 d": lambda: measures.breakdown(everything, year, "district_id"),
        "communities 365 d": lambda: measures.breakdown(everything, year, "region_id"),
        # The city map's own read: reports only, communities without any left out.
        "map 365 d": lambda: measures.breakdown(everything, year, "region_id", ("reports_submitted",), nonzero=True),
        "enterprises 365 d": lambda: measures.breakdown(everything, year, "enterprise_id"),
        "station use 365 d": lambda: measures.station_use(everything, year),
        "offices 30 d": lambda: measures.office_rows(everything, month),
        "offices 365 d": lambda: measures.office_rows(everything, year),
        "scorecards 365 d": lambda: measures.scorecards(everything, year),
    }


def pages(city: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """name → (who, path)."""
    d, c = city["district"].pk, city["community"].pk
    return {
        "GET dashboard city 30 d": ("admin", "/staff/stats/?period=30"),
        "GET dashboard city 365 d": ("admin", "/staff/stats/?period=365"),
        "GET dashboard district 365 d": ("admin", f"/staff/stats/?period=365&region={d}"),
        "GET dashboard community 365 d": ("admin", f"/staff/stats/?period=365&region={c}"),
        "GET dashboard committee 365 d": ("secretary", "/staff/stats/?period=365"),
        "GET offices page 365 d": ("admin", "/staff/stats/offices/?period=365"),
        "GET scorecards page 365 d": ("admin", "/staff/stats/enterprises/?period=365"),
        "GET api overview city 30 d": ("admin", "/api/v1/stats/overview"),
        "GET api overview city 365 d": ("admin", "/api/v1/stats/overview?from={year}"),
        "GET api overview district 365 d": ("admin", f"/api/v1/stats/overview?from={{year}}&region={d}"),
        "GET api offices 30 d": ("admin", "/api/v1/stats/offices?limit=100"),
        "GET api offices 365 d": ("admin", "/api/v1/stats/offices?from={year}&limit=100"),
        "GET api enterprises 365 d": ("secretary", "/api/v1/stats/enterprises?from={year}"),
    }


def _backends_cpu() -> dict[int, float]:
    """CPU seconds so far of each of this database's PostgreSQL backends (the server thread's and
    ours), by pid, read from /proc (the server on this machine); none on SQLite or another host."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [r[0] for r in cur.fetchall()]
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """p50 and p95 wall milliseconds, and the mean CPU milliseconds per call (this process's
    threads and the database's backends: on a shared, loaded machine the wall time moves with
    everyone's load, the CPU much less). A backend's CPU counts from its first reading (one that
    ended meanwhile is left out: a total over the backends went negative when one closed)."""
    fn()  # warm
    samples = []
    process_before, backends_before = clock.process_time(), _backends_cpu()
    for _ in range(runs):
        started = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - started) * 1000)
    backends = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in _backends_cpu().items())
    cpu = (clock.process_time() - process_before + backends) * 1000 / runs
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)], cpu


class Server:
    """The project's WSGI application on a local port, in a thread, with a session per user."""

    def __init__(self, city: dict[str, Any]) -> None:
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        settings.PERIODIC_JOBS_IN_PROCESS = False  # no sweeps in the middle of the timing
        # The pages without a collected manifest (no collectstatic in a throwaway run).
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        self.httpd: WSGIServer = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.login(city)

    def login(self, city: dict[str, Any]) -> None:
        from django.conf import settings
        from django.test import Client

        self.cookies = {}
        for who in ("admin", "secretary"):
            client = Client()
            client.force_login(city[who])
            self.cookies[who] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def get(self, who: str, path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", path, headers={"Cookie": self.cookies[who], "Accept-Language": "zh-hans"})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")

    def close(self) -> None:
        self.httpd.shutdown()


def measure(city: dict[str, Any], runs: int, server: Server) -> dict[str, tuple[float, float, float]]:
    from datetime import timedelta

    from django.utils import timezone

    year = (timezone.localdate() - timedelta(days=364)).isoformat()
    results = {}
    for name, (who, path) in pages(city).items():
        url = path.replace("{year}", year)
        results[name] = timed(lambda who=who, url=url: server.get(who, url), runs)
    for name, fn in panels(city).items():
        results[f"fn {name}"] = timed(fn, runs)
    return results


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (a throwaway database is made)")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument(
        "--large",
        type=lambda v: [int(x) for x in v.split(",") if x],
        default=[10_000_000],
        help="sizes to grow to and time, comma-separated (1000000,3000000,10000000); '' for none",
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=WORKERS, help="connections writing at once")
    parser.add_argument("--grow-only", action="store_true", help="grow the city and time the generator only")
    parser.add_argument(
        "--check", action="store_true", help="at the small size, compare the SQL fill with rollups_rebuild (slow)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database at the end (its URL is printed) to profile against it"
    )
    parser.add_argument("--prefix", default="bench_stats", help="the throwaway database's name before its _pid")
    parser.add_argument(
        "--name", default="", help="the database's exact name instead of <prefix>_<pid> (with --keep: to --reuse it)"
    )
    parser.add_argument("--reuse", default="", help="only time this kept database (its URL, from --keep)")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: fill and build its rollups first")
    parser.add_argument(
        "--rebuild-panels", action="store_true", help="with --reuse: build its panel rollups again first"
    )
    args = parser.parse_args()
    if args.reuse:
        reuse(args.reuse, args.runs, args.rebuild, args.rebuild_panels)
        return
    if not args.postgres:
        parser.error("--postgres is required (or --reuse)")
    label, cleanup = throwaway_database(args.postgres, prefix=args.prefix, name=args.name)
    if args.keep:
        print(f"keeping the database: DATABASE_URL={os.environ.get('DATABASE_URL', '(SQLite)')}", flush=True)
        cleanup = lambda: None  # noqa: E731
    try:
        print(f"{label}: building the city (load {load()})", flush=True)
        set_unlogged(*DAILY_TABLES, *PANEL_TABLES)
        with phase("city"):
            city = build_city()
        server = Server(city)
        if args.grow_only:
            server.close()
            grow_only(city, args)
            return
        add_rows(city, 1, args.small + 1, args.workers)
        build_rollups(args.check, args.workers)
        print_phases(args.small)
        print(f"  timing at {args.small:,} cases (load {load()})", flush=True)
        small = measure(city, args.runs, server)
        for name, (p50, p95, cpu) in small.items():
            print(f"  {name:<36} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   cpu {cpu:8.1f} ms", flush=True)
        done = args.small
        for size in args.large:
            PHASES.clear()
            add_rows(city, done + 1, size + 1, args.workers)
            done = size
            build_rollups(False, args.workers)
            print_phases(size)
            print(f"  timing at {size:,} cases (load {load()})", flush=True)
            large = measure(city, args.runs, server)
            header = f"{'p50 ' + str(size):>12} {'p95 ' + str(size):>12}"
            print(f"\n{'panel':<36} {'p50 small':>10} {'p95 small':>10} {header} {'ratio':>6}")
            worst = 0.0
            for name, (p50, p95, cpu) in large.items():
                ratio = p95 / small[name][1]
                if not name.startswith("fn "):
                    worst = max(worst, ratio)
                flag = "" if p95 <= 100 and ratio <= 1.5 else "  over budget"
                print(
                    f"{name:<36} {small[name][0]:8.1f}ms {small[name][1]:8.1f}ms {p50:10.1f}ms {p95:10.1f}ms "
                    f"{ratio:6.2f}   cpu {small[name][2]:7.1f} → {cpu:7.1f} ms{flag}",
                    flush=True,
                )
            print(f"\nworst HTTP ratio at {size:,}: {worst:.2f} (budget 1.5; 100 ms p95 per panel)", flush=True)
        print(f"load average at the end: {load()}")
        server.close()
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
