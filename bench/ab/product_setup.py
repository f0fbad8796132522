"""The product's side of the A/B harness, run by bench/ab/run.py in a child process with the
product's settings (DATABASE_URL pointing at the throwaway database, LITTLEBEE_VAR_DIR at a
temporary folder):

    migrate; load the Wuhan demo city (600 stations, gifts, reports, 300 workers, staff); run
    the periodic jobs that are due;
    add --workers checked-in workers in bulk; give every checked-in worker points; one hot gift with a big
    stock; a bearer token for each of them and every case handler through the product's own
    token service; write them, the gift, the report categories and station positions to --out.

The accounts are created in bulk through the models (registering thousands through the service
would hash thousands of passwords and send thousands of SMS codes); everything a request later
reads is made by the product's services: points by points_award, tokens by token_issue.
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

BENCH_PHONE_PREFIX = "166"
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
        f"{len(points)} stations, hot gift #{gift_id}, in {time.monotonic() - started:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
