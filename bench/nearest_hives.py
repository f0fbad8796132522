"""Benchmark of hives_nearest at 600 stations (Wuhan) and 100,000 stations (mainland China).

    .venv/bin/python bench/nearest_hives.py                      # SQLite in a temporary directory
    .venv/bin/python bench/nearest_hives.py --postgres postgres://postgres@127.0.0.1:5432/postgres

With --postgres, a throwaway database is created on that server and dropped afterwards.
Each scenario times `--queries` calls (limit 20) and prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time as clock
from datetime import datetime, time, timedelta
from typing import Any

from throwaway_db import throwaway_database

WUHAN_BOX = (30.3, 30.9, 113.9, 114.7)
CHINA_BOX = (18.2, 53.5, 73.5, 134.8)
# (lat, lng, weight): big cities get more stations.
CITIES = (
    (39.90, 116.40, 10), (31.23, 121.47, 10), (23.13, 113.26, 8), (22.54, 114.06, 8), (30.59, 114.30, 7),
    (30.57, 104.07, 7), (29.56, 106.55, 7), (30.27, 120.16, 6), (32.06, 118.80, 6), (34.34, 108.94, 5),
    (39.13, 117.20, 5), (28.23, 112.94, 5), (34.75, 113.63, 5), (36.07, 120.38, 4), (41.80, 123.43, 4),
    (38.04, 114.51, 4), (31.82, 117.23, 4), (26.07, 119.30, 4), (24.48, 118.09, 3), (28.68, 115.86, 4),
    (36.65, 117.12, 4), (45.80, 126.53, 4), (43.82, 125.32, 3), (25.04, 102.71, 4), (26.65, 106.63, 3),
    (22.82, 108.37, 3), (37.87, 112.55, 3), (40.84, 111.75, 2), (36.06, 103.83, 3), (43.83, 87.62, 3),
    (38.49, 106.23, 2), (36.62, 101.78, 2), (29.65, 91.13, 1), (20.04, 110.35, 2), (31.30, 120.59, 4),
    (22.27, 113.58, 2), (23.02, 113.75, 4), (29.87, 121.54, 3), (31.49, 120.31, 3), (27.99, 120.70, 3),
)  # fmt: skip
# (share, always_open, intervals as (weekdays, opens, closes)); closes <= opens runs past midnight.
SCHEDULES = (
    (0.40, False, ((range(7), time(8), time(20)),)),
    (0.18, True, ()),
    (0.14, False, ((range(7), time(7), time(22)),)),
    (0.10, False, ((range(7), time(18), time(2)),)),
    (0.10, False, (
        (range(5), time(8, 30), time(12)), (range(5), time(13, 30), time(18)), (range(5, 7), time(9), time(17)),
    )),
    (0.08, False, ((range(7), time(6), time(10)), (range(7), time(16), time(23, 30)))),
)  # fmt: skip


def _place(rng: random.Random, area: str) -> tuple[float, float]:
    if area == "wuhan":
        lat0, lat1, lng0, lng1 = WUHAN_BOX
        # Denser towards the centre, like the real city.
        lat = min(max(rng.gauss(30.58, 0.12), lat0), lat1)
        lng = min(max(rng.gauss(114.30, 0.15), lng0), lng1)
        return lat, lng
    if rng.random() < 0.08:
        lat0, lat1, lng0, lng1 = CHINA_BOX
        return rng.uniform(lat0, lat1), rng.uniform(lng0, lng1)
    lat, lng, _weight = rng.choices(CITIES, weights=[c[2] for c in CITIES])[0]
    return rng.gauss(lat, 0.15), rng.gauss(lng, 0.18)


def _populate(n: int, area: str, rng: random.Random) -> None:
    from django.db import transaction

    from littlebee.hives.models import Hive, OpeningInterval, Service
    from littlebee.hives.services import service_catalogue_ensure
    from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

    Hive.objects.all().delete()
    service_catalogue_ensure()
    services = {s.code: s.pk for s in Service.objects.all()}
    city, _ = Region.objects.get_or_create(
        code="B0", defaults={"name": "基准市", "level": RegionLevel.CITY, "path": "B0/", "lat": 30.6, "lng": 114.3}
    )
    community, _ = Region.objects.get_or_create(
        code="B1",
        defaults={
            "name": "基准社区",
            "level": RegionLevel.COMMUNITY,
            "parent": city,
            "path": "B0/B1/",
            "lat": 30.6,
            "lng": 114.3,
        },
    )
    unit, _ = Organisation.objects.get_or_create(
        code="bench-party", defaults={"name": "基准社区党委", "kind": OrgKind.PARTY_ORG, "region": community}
    )
    weights = [s[0] for s in SCHEDULES]
    through = Hive.services.through
    batch = 5000
    with transaction.atomic():
        for start in range(0, n, batch):
            hives, plans = [], []
            for i in range(start, min(start + batch, n)):
                lat, lng = _place(rng, area)
                plan = rng.choices(SCHEDULES, weights=weights)[0]
                plans.append(plan)
                hives.append(
                    Hive(
                        name=f"驿站{i}", address=f"测试路{i}号", lat=lat, lng=lng, community=community,
                        managing_unit=unit, always_open=plan[1], demonstration=rng.random() < 0.05,
                    )
                )  # fmt: skip
            created = Hive.objects.bulk_create(hives)
            intervals: list[Any] = []
            links: list[Any] = []
            for hive, (_share, _always, spec) in zip(created, plans, strict=True):
                for days, opens, closes in spec:
                    intervals.extend(
                        OpeningInterval(hive_id=hive.pk, weekday=d, opens=opens, closes=closes) for d in days
                    )
                codes = ["shelter", "water_meals"]
                if rng.random() < 0.7:
                    codes.append("rest_charging")
                if rng.random() < 0.05:
                    codes.append("canteen")
                links.extend(through(hive_id=hive.pk, service_id=services[c]) for c in codes)
            OpeningInterval.objects.bulk_create(intervals)
            through.objects.bulk_create(links)


def _time(rng: random.Random, area: str, queries: int, **options: Any) -> tuple[float, float, float]:
    from django.utils import timezone

    from littlebee.hives.selectors import hives_nearest

    base = timezone.now()
    samples = []
    found = 0
    for _ in range(queries):
        lat, lng = _place(rng, area)
        at: datetime = base + timedelta(minutes=rng.randrange(7 * 24 * 60))
        started = clock.perf_counter()
        rows = hives_nearest(lat=lat, lng=lng, limit=20, at=at, **options)
        samples.append((clock.perf_counter() - started) * 1000)
        found += len(rows)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], found / queries


def profile() -> None:
    """--profile: where the time of one scenario goes (cProfile, top functions)."""
    import cProfile
    import pstats

    rng = random.Random(1)
    _populate(600, "wuhan", rng)
    cProfile.runctx("_time(rng, 'wuhan', 100, open_now=True)", globals(), {"rng": rng, "_time": _time}, "/tmp/nh.prof")
    pstats.Stats("/tmp/nh.prof").sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is made there")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sizes", default="600,100000")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    label, cleanup = throwaway_database(args.postgres)
    if args.profile:
        try:
            profile()
        finally:
            cleanup()
        return
    try:
        from django.db import connection

        rng = random.Random(args.seed)
        scenarios: tuple[tuple[str, dict[str, Any]], ...] = (
            ("nearest 20", {}),
            ("nearest 20, open now", {"open_now": True}),
            ("nearest 20, charging", {"service": "rest_charging"}),
            ("nearest 20, open now + charging", {"open_now": True, "service": "rest_charging"}),
            ("within 5 km, open now", {"open_now": True, "radius_km": 5.0}),
        )
        print(f"hives_nearest on {label} ({connection.vendor}), {args.queries} queries per scenario, limit 20")
        for size in (int(s) for s in args.sizes.split(",")):
            area = "wuhan" if size <= 1000 else "china"
            started = clock.perf_counter()
            _populate(size, area, rng)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"\n{size:,} stations ({area}), generated in {clock.perf_counter() - started:.1f} s")
            print(f"  {'scenario':<36} {'median ms':>10} {'p95 ms':>10} {'rows':>6}")
            for name, options in scenarios:
                _time(rng, area, 10, **options)  # warm up
                median, p95, rows = _time(rng, area, args.queries, **options)
                print(f"  {name:<36} {median:>10.2f} {p95:>10.2f} {rows:>6.1f}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
