"""The demo city's mall (issue 4, item 8): the seed's 50 Yellow Crane Tower tickets from 黄鹤楼公园,
to pick up at the stations around the park, and everyday gifts from the alliance units, at any
station. Idempotent: a gift that exists (same name, same donor) is left as it is.

Called by the demo loader after the stations exist: `load_gifts(created=counter)`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from littlebee.orgs.models import Organisation

from . import selectors
from .models import Gift, GiftStation, PickupRule

# The park's south gate (黄鹤楼公园南门, 武昌区蛇山西山坡特1号), WGS-84.
PARK = (30.5475, 114.3000)
PARK_STATIONS = 3


@dataclass(frozen=True)
class GiftSeed:
    name: str
    donor: str  # Organisation.code
    points_cost: int
    stock: int
    description: str
    donor_note: str = ""
    pickup: str = PickupRule.ANY_HIVE
    per_worker_limit: int | None = None
    voucher_valid_days: int = 14


GIFTS: tuple[GiftSeed, ...] = (
    GiftSeed(
        "黄鹤楼公园门票", "wh-alliance-hhl-park", 1000, 50,
        "黄鹤楼公园为新就业群体捐赠的游园门票，一张限一人一次入园。凭兑换券到公园附近的指定驿站领取。",
        donor_note="暖新联盟单位捐赠 50 张", pickup=PickupRule.LISTED, per_worker_limit=1,
    ),
    GiftSeed("电炖锅", "wh-alliance-wushang", 2000, 20, "3 升陶瓷内胆电炖锅，下班回家煲一锅热汤。"),
    GiftSeed("晴雨伞", "wh-alliance-zhongbai", 1500, 100, "自动开合晴雨两用伞，风雨天送件不再手忙脚乱。"),
    GiftSeed("洗手液", "wh-alliance-zhongbai", 500, 300, "500 毫升抑菌洗手液。", per_worker_limit=2),
    GiftSeed("充电宝", "wh-alliance-cmcc", 1200, 80, "10000 毫安时快充充电宝，跑单路上不断电。"),
    GiftSeed("分体雨衣", "wh-alliance-union", 800, 200, "加厚分体雨衣雨裤，带反光条，骑车更安全。"),
)  # fmt: skip


@transaction.atomic
def load_gifts(*, created: Counter[str] | None = None) -> None:
    """Create the demo gifts whose donor exists and that are not there yet."""
    created = created if created is not None else Counter()
    donors = {o.code: o for o in Organisation.objects.filter(code__in={g.donor for g in GIFTS})}
    near_park = sorted(selectors.stations_near(*PARK, 5.0).items(), key=lambda item: item[1])[:PARK_STATIONS]
    for seed in GIFTS:
        donor = donors.get(seed.donor)
        if donor is None or Gift.objects.filter(name=seed.name, donor=donor).exists():
            continue
        if seed.pickup == PickupRule.LISTED and not near_park:
            continue
        gift = Gift.objects.create(
            name=seed.name,
            description=seed.description,
            points_cost=seed.points_cost,
            donor=donor,
            donor_note=seed.donor_note,
            total_stock=seed.stock,
            stock_available=seed.stock,
            pickup=seed.pickup,
            per_worker_limit=seed.per_worker_limit,
            voucher_valid_days=seed.voucher_valid_days,
        )
        created["gifts"] += 1
        if seed.pickup == PickupRule.LISTED:
            GiftStation.objects.bulk_create(GiftStation(gift=gift, hive_id=hive_id) for hive_id, _m in near_park)
            created["gift pickup stations"] += len(near_park)
