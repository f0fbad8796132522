"""Benchmark of the statistics' panels at two sizes of history (issue 16, "Performance"): each panel
at most 100 ms at the 95th percentile at 10 million cases, and at most 1.5 × its time at 100
thousand.

    .venv/bin/python bench/analytics_panels.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/analytics_panels.py --postgres … --small 100000 --large 10000000 --runs 30

A throwaway PostgreSQL database gets a city at Wuhan's size (13 districts, 78 streets, 1,404
communities, each with its party organisation; 30 enterprises in three industries; 20,000 workers
registered over five years; 600 stations), then `--small` cases written in bulk by SQL
(generate_series: a worker reports mostly in his own community; nine in ten reports, one in ten
appeals; submitted over five years; the statuses, deadlines, ratings and overdue marks of a
working city), the offices' rows, a station visit per five cases and a ledger entry per two. The
rollups are rebuilt from those rows (`rollups_rebuild`, timed: the `analytics_rebuild` command),
then each panel is timed `--runs` times: the overview of the city, of a district and of a
community over the last 30 and 365 days, the weekly trend and the district breakdown over a year,
station use, the offices' rate table over 30 and 365 days, the enterprise scorecards. Then cases
are added up to `--large`, the rollups rebuilt, and the same is timed again. Prints p50 and p95
milliseconds per panel at both sizes and the ratio large / small.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time as clock
from collections.abc import Callable
from typing import Any

from throwaway_db import throwaway_database

CHUNK = 500_000
WORKERS = 20_000
YEARS = 5


def build_city() -> dict[str, Any]:
    """Regions, offices, enterprises, workers and stations, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
    from littlebee.hives.models import Hive, Service
    from littlebee.orgs.models import Industry, Organisation, OrgKind, Region, RegionLevel

    now = timezone.now()
    city = Region.objects.create(code="4201", name="武汉市", level=RegionLevel.CITY, lat=30.59, lng=114.30)
    districts, streets, communities = [], [], []
    for d in range(13):
        district = Region.objects.create(
            code=f"4201{d:02d}", name=f"区{d}", level=RegionLevel.DISTRICT, parent=city, lat=30.5, lng=114.3
        )
        districts.append(district)
        for s in range(6):
            street = Region.objects.create(
                code=f"{district.code}{s:02d}",
                name=f"街道{d}-{s}",
                level=RegionLevel.STREET,
                parent=district,
                lat=30.5,
                lng=114.3,
            )
            streets.append(street)
            for c in range(18):
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
        for i in range(30)
    ]
    password = make_password("bench")
    users = User.objects.bulk_create(
        [User(phone=f"139{i:08d}", name=f"小哥{i}", password=password) for i in range(WORKERS)], batch_size=5000
    )
    types = ["courier", "food_delivery", "ride_hailing", "other"]
    profiles = WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=u,
                worker_type=types[i % 4],
                enterprise=enterprises[i % 30],
                community=communities[(i * 7919) % len(communities)],
                party_member=i % 8 == 0,
                checkin_status=CheckinStatus.CONFIRMED,
            )
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    # Registrations spread over the five years.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE accounts_workerprofile SET created_at = %s - (id %% 1826) * interval '1 day', "
            "checkin_decided_at = %s - (id %% 1826) * interval '1 day' + interval '2 days'",
            [now, now],
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
            for i in range(600)
        ]
    )
    return {
        "city": city,
        "district": districts[0],
        "community": communities[0],
        "communities": [c.pk for c in communities],
        "offices": [o.pk for o in offices],
        "users": [u.pk for u in users],
        "profiles": len(profiles),
        "hives": [h.pk for h in hives],
        "services": [s.pk for s in services],
    }


def add_rows(city: dict[str, Any], start: int, stop: int) -> None:
    """Cases start..stop-1 (their offices' rows), a visit per five and a ledger entry per two, by SQL."""
    from django.db import connection

    n_users = len(city["users"])
    regions = "(ARRAY[" + ",".join(map(str, city["communities"])) + "])"
    offices = "(ARRAY[" + ",".join(map(str, city["offices"])) + "])"
    users = f"{city['users'][0]}"
    hives = "(ARRAY[" + ",".join(map(str, city["hives"])) + "])"
    services = "(ARRAY[" + ",".join(map(str, city["services"])) + "])"
    n_regions = len(city["communities"])
    with connection.cursor() as cur:
        for first in range(start, stop, CHUNK):
            last = min(first + CHUNK, stop) - 1
            cur.execute(
                f"""
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
                FROM generate_series(%s, %s) AS g,
                LATERAL (
                    SELECT random() + g * 0 AS k, random() AS v, random() AS w,
                        (g %% {n_users}) AS u,
                        -- nine in ten reports in the reporter's own community
                        1 + CASE WHEN random() < 0.9 THEN ((g %% {n_users}) * 7919) %% {n_regions}
                            ELSE floor(random() * {n_regions})::int END AS r,
                        now() - random() * interval '{YEARS * 365} days' AS at,
                        (ARRAY['submitted','accepted','in_progress','resolved','closed','closed','closed','closed',
                               'closed','closed','closed','closed','closed','closed','closed','closed','resolved',
                               'rejected','closed','closed'])[1 + floor(random() * 20)::int] AS status
                ) AS x
                """,
                [first, last],
            )
            cur.execute(
                "INSERT INTO cases_caseorganisation (case_id, organisation_id, since) "
                "SELECT id, organisation_id, created_at FROM cases_case WHERE id > "
                "(SELECT coalesce(max(case_id), 0) FROM cases_caseorganisation)"
            )
            cur.execute(
                f"""
                INSERT INTO hives_hivevisit (hive_id, worker_id, method, service_id, at)
                SELECT {hives}[1 + (g %% 600)], {users} + (g * 13 %% {n_users}), 'qr',
                    {services}[1 + (g %% 5)], now() - random() * interval '{YEARS * 365} days'
                FROM generate_series(%s, %s) AS g
                """,
                [first // 5, last // 5],
            )
            cur.execute(
                f"""
                INSERT INTO points_ledgerentry (worker_id, amount, reason, source, category, source_type, source_id,
                    idempotency_key, note, created_at)
                SELECT {users} + (g * 17 %% {n_users}), 50, 'earn', 'report', '', '', '', 'bench:' || g, '',
                    now() - random() * interval '{YEARS * 365} days'
                FROM generate_series(%s, %s) AS g
                """,
                [first // 2, last // 2],
            )
            print(f"  {last + 1:>12,} cases", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def panels(city: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from littlebee.analytics import measures
    from littlebee.analytics.measures import Period, Scope

    everything = Scope(everything=True)
    district = Scope(district_ids=(city["district"].pk,))
    community = Scope(community_ids=(city["community"].pk,))
    month, year = Period.last_days(30), Period.last_days(365)
    return {
        "overview city 30 d": lambda: measures.overview(everything, month),
        "overview city 365 d": lambda: measures.overview(everything, year),
        "overview district 365 d": lambda: measures.overview(district, year),
        "overview community 365 d": lambda: measures.overview(community, year),
        "trend weeks 365 d": lambda: measures.trend(everything, year, "week"),
        "districts 365 d": lambda: measures.breakdown(everything, year, "district_id"),
        "station use 365 d": lambda: measures.station_use(everything, year),
        "offices 30 d": lambda: measures.office_rows(everything, month),
        "offices 365 d": lambda: measures.office_rows(everything, year),
        "scorecards 365 d": lambda: measures.scorecards(everything, year),
    }


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def measure(city: dict[str, Any], runs: int) -> dict[str, tuple[float, float]]:
    from django.db import connection

    from littlebee.analytics.models import ActivityDay, OfficeDay, StationDay, WorkerDay
    from littlebee.analytics.rollups import rollups_rebuild

    started = clock.perf_counter()
    rollups_rebuild()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"  rollups rebuilt in {clock.perf_counter() - started:.0f} s: {ActivityDay.objects.count():,} activity, "
        f"{WorkerDay.objects.count():,} worker-day, {StationDay.objects.count():,} station, "
        f"{OfficeDay.objects.count():,} office rows",
        flush=True,
    )
    return {name: timed(fn, runs) for name, fn in panels(city).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", required=True, help="a PostgreSQL server URL (a throwaway database is made)")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    try:
        print(f"{label}: building the city", flush=True)
        city = build_city()
        add_rows(city, 1, args.small + 1)
        small = measure(city, args.runs)
        for name, (p50, p95) in small.items():
            print(f"  {name:<28} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
        add_rows(city, args.small + 1, args.large + 1)
        large = measure(city, args.runs)
        print(f"\n{'panel':<28} {'p95 @ small':>12} {'p95 @ large':>12} {'ratio':>7}")
        worst = 0.0
        for name, (_p50, p95) in large.items():
            ratio = p95 / small[name][1]
            worst = max(worst, ratio)
            flag = "" if p95 <= 100 and ratio <= 1.5 else "  over budget"
            print(f"{name:<28} {small[name][1]:10.1f} ms {p95:10.1f} ms {ratio:7.2f}{flag}")
        print(f"\nworst ratio {worst:.2f} (budget 1.5); budget per panel at {args.large:,}: 100 ms p95")
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
