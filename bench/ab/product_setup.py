"""The product's side of the A/B harness, run by bench/ab/run.py in a child process with the
product's settings (DATABASE_URL pointing at the throwaway database, LITTLEBEE_VAR_DIR at a
temporary folder):

    migrate; load the Wuhan demo city (600 stations, gifts, reports, 300 workers, staff); run
    the periodic jobs that are due;
    add --workers checked-in workers in bulk; give every checked-in worker points; one hot gift with a big
    stock; a bearer token for each of them and every case handler through the product's own
    token service; write them, the gift, the report categories, station positions and the
    places of the reports the bench will submit (places.txt, see _report_places) to --out.

The accounts are created in bulk through the models (registering thousands through the service
would hash thousands of passwords and send thousands of SMS codes); everything a request later
reads is made by the product's services: points by points_award, tokens by token_issue.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import random
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

BENCH_PHONE_PREFIX = "166"
# Share of the bench's reports placed near an earlier one of the same category (a real duplicate).
DUPLICATE_SHARE = 0.05
# Places written for the bench's reports: more than a whole run submits on both sides, so none
# is sent twice to the product (wrk's threads walk disjoint stretches of the list).
REPORT_PLACES = 100_000
HOT_GIFT_NAME = "基准热门礼品（A/B）"


def _issue_token(user: Any) -> str:
    """A token through the product's service, whatever keyword arguments it has grown (expiry)."""
    from littlebee.accounts.services import token_issue

    accepted = inspect.signature(token_issue).parameters
    kwargs: dict[str, Any] = {"user": user}
    if "name" in accepted:
        kwargs["name"] = "bench-ab"
    result = token_issue(**kwargs)
    # (ApiToken, raw) today; accept a bare raw string or an object with .raw as well.
    if isinstance(result, tuple):
        return next(part for part in result if isinstance(part, str))
    if isinstance(result, str):
        return result
    return str(result.raw)


def _bench_workers(count: int, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from littlebee.accounts.models import CheckinStatus, User, WorkerProfile, WorkerType
    from littlebee.orgs.models import Region, RegionLevel

    communities = list(Region.objects.filter(level=RegionLevel.COMMUNITY).only("id"))
    types = [WorkerType.COURIER, WorkerType.FOOD_DELIVERY, WorkerType.RIDE_HAILING]
    now = timezone.now()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(phone=f"{BENCH_PHONE_PREFIX}{i:08d}", name=f"基准骑手{i}", password=unusable, date_joined=now)
            for i in range(count)
        ],
        batch_size=500,
    )
    WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=user,
                worker_type=rng.choice(types),
                community=rng.choice(communities),
                checkin_status=CheckinStatus.CONFIRMED,
                checkin_decided_at=now,
            )
            for user in users
        ],
        batch_size=500,
    )


def _points(workers: list[Any], amount: int) -> None:
    from littlebee.points.models import EarningRule, PointsSource
    from littlebee.points.services import points_award

    EarningRule.objects.get_or_create(
        source=PointsSource.VOLUNTEER_TASK,
        category="bench-ab",
        defaults={"points_min": 1, "points_max": 10**9},
    )
    for worker in workers:
        points_award(
            worker=worker,
            source=PointsSource.VOLUNTEER_TASK,
            category="bench-ab",
            amount=amount,
            idempotency_key=f"bench-ab:{worker.pk}",
        )


def _hot_gift(stock: int) -> int:
    from littlebee.orgs.models import Organisation, OrgKind
    from littlebee.rewards.models import Gift

    donor = Organisation.objects.filter(kind=OrgKind.ALLIANCE_UNIT).order_by("pk").first()
    assert donor is not None, "the demo city has no alliance unit to donate the hot gift"
    gift = Gift.objects.create(name=HOT_GIFT_NAME, points_cost=1, donor=donor, total_stock=stock, stock_available=stock)
    return gift.pk


def _report_places(count: int, rng: random.Random, categories: list[str]) -> list[tuple[float, float, str]]:
    """Where and about what the bench's reports are: (lat, lng, category) in submission order.

    A real city's reports are spread over its streets: a community is drawn (each as likely: the
    centre's communities are smaller, so reports are denser there, as people are), then a point
    uniformly inside its boundary. Categories are skewed as real reports are (Zipf: the commonest
    about twice the second's share). DUPLICATE_SHARE of them are placed 10-80 m from one of the
    previous 200 places with its category: two riders reporting the same broken light, so the
    product's "possible duplicates" still have something to find, without the dozens of open
    reports within 250 m that reusing a few dozen points gave."""
    from shapely.geometry import Point, shape
    from shapely.prepared import prep

    from littlebee.orgs.models import Region, RegionLevel

    communities: list[tuple[Any, tuple[float, float, float, float]]] = []
    for r in Region.objects.filter(level=RegionLevel.COMMUNITY, boundary__isnull=False):
        if (
            r.boundary
            and r.min_lat is not None
            and r.max_lat is not None
            and r.min_lng is not None
            and r.max_lng is not None
        ):
            communities.append((prep(shape(r.boundary)), (r.min_lat, r.max_lat, r.min_lng, r.max_lng)))
    assert communities, "the demo city has no community with a boundary"
    ranked = categories[:]
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) for rank in range(len(ranked))]
    places: list[tuple[float, float, str]] = []
    for i in range(count):
        if i >= 200 and rng.random() < DUPLICATE_SHARE:
            lat, lng, category = places[i - rng.randint(1, 200)]
            distance, bearing = rng.uniform(10, 80), rng.uniform(0, 2 * math.pi)
            lat += distance * math.cos(bearing) / 111_320
            lng += distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
            places.append((lat, lng, category))
            continue
        area, (min_lat, max_lat, min_lng, max_lng) = rng.choice(communities)
        while True:
            lat, lng = rng.uniform(min_lat, max_lat), rng.uniform(min_lng, max_lng)
            if area.contains(Point(lng, lat)):
                break
        places.append((lat, lng, rng.choices(ranked, weights)[0]))
    return places


def _recent_photos(rng: random.Random) -> int:
    """A city's last 90 days of report photos, as rows (no files): REPORTS_PHASH_SCAN_LIMIT ready
    photos of the demo city's reports, each with its own perceptual hash and bytes' hash. Every
    processed photo is compared with the most recent of these (flags._similar_report): a city
    of 20,000 workers has more than that many within the window, so each report's comparison
    costs from the first round what it costs there, instead of growing as the bench's own
    photos fill the window (2-3 ms of PostgreSQL at 1,600 photos, ~3 times that at the cap)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

    reports = list(Report.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    window = timedelta(days=settings.REPORTS_PHASH_SCAN_DAYS - 1).total_seconds()
    photos = []
    for i in range(settings.REPORTS_PHASH_SCAN_LIMIT):
        created = now - timedelta(seconds=rng.uniform(3600, window))
        photos.append(
            ReportPhoto(
                report_id=rng.choice(reports),
                image=f"reports/photos/{created:%Y/%m}/bench-{i}.jpg",
                thumbnail=f"reports/thumbs/{created:%Y/%m}/bench-{i}_t.jpg",
                status=PhotoStatus.READY,
                content_sha256=f"{rng.getrandbits(256):064x}",
                phash=f"{rng.getrandbits(64):016x}",
                created_at=created,
                queued_at=created,
                attempts=1,
            )
        )
    ReportPhoto.objects.bulk_create(photos, batch_size=1000)
    return len(photos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3000, help="workers added to the demo city's 300")
    parser.add_argument("--points", type=int, default=1_000_000, help="points each worker gets")
    parser.add_argument("--stock", type=int, default=1_000_000, help="stock of the hot gift")
    parser.add_argument("--out", type=Path, required=True, help="folder for config.json and the token files")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from littlebee.accounts.models import CheckinStatus, Role, User
    from littlebee.hives.models import Hive
    from littlebee.reports.models import ReportCategory, Sensitivity

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo_load", quiet=True)
    # Every periodic job runs once at first sight; run them now, or the web processes would run
    # them (in background threads) during the first rounds.
    call_command("run_periodic_jobs", stdout=StringIO())
    print(f"  product: migrated and loaded the demo city in {time.monotonic() - started:.0f} s", flush=True)

    started = time.monotonic()
    rng = random.Random(13)
    with transaction.atomic():
        _bench_workers(args.workers, rng)
    # Workers whose check-in is confirmed: the others may not redeem (409 not_checked_in).
    workers = list(
        User.objects.filter(worker_profile__checkin_status=CheckinStatus.CONFIRMED, is_active=True).order_by("pk")
    )
    with transaction.atomic():
        _points(workers, args.points)
        gift_id = _hot_gift(args.stock)
        worker_tokens = [_issue_token(w) for w in workers]
        handlers = User.objects.filter(memberships__role=Role.HANDLER, is_active=True).distinct().order_by("pk")
        staff_tokens = [_issue_token(u) for u in handlers]
    rng.shuffle(worker_tokens)  # demo workers (with history) and new ones interleaved
    with transaction.atomic():
        recent_photos = _recent_photos(rng)
    # The planner's statistics and the tables' visibility maps, as autovacuum keeps them in
    # production (production runs with autovacuum on; this machine's bench server has it off):
    # without statistics PostgreSQL plans on guesses, and without a vacuum every index-only scan
    # (the station search's positions, hive_active_position_idx) visits the table for each row
    # it reads. The baseline is analysed too.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    categories = list(
        ReportCategory.objects.filter(is_active=True, sensitivity=Sensitivity.PUBLIC).values_list("code", flat=True)
    )
    points = list(Hive.objects.filter(is_active=True).values_list("lat", "lng"))

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "worker_tokens.txt").write_text("\n".join(worker_tokens) + "\n")
    (args.out / "staff_tokens.txt").write_text("\n".join(staff_tokens) + "\n")
    (args.out / "points.txt").write_text("\n".join(f"{lat:.6f},{lng:.6f}" for lat, lng in points) + "\n")
    started_places = time.monotonic()
    places = _report_places(REPORT_PLACES, random.Random(131), categories)
    (args.out / "places.txt").write_text("".join(f"{lat:.6f},{lng:.6f},{code}\n" for lat, lng, code in places))
    print(f"  product: {len(places):,} report places in {time.monotonic() - started_places:.0f} s", flush=True)
    (args.out / "product.json").write_text(
        json.dumps(
            {
                "gift_id": gift_id,
                "categories": categories,
                "workers": len(worker_tokens),
                "staff": len(staff_tokens),
                "stations": len(points),
            }
        )
    )
    print(
        f"  product: {len(worker_tokens):,} workers and {len(staff_tokens)} handlers with tokens, "
        f"{len(points)} stations, {recent_photos:,} earlier report photos, hot gift #{gift_id},"
        f" in {time.monotonic() - started:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
