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
    name_en: str = ""
    description_en: str = ""
    donor_note: str = ""
    pickup: str = PickupRule.ANY_HIVE
    per_worker_limit: int | None = None
    voucher_valid_days: int = 14


GIFTS: tuple[GiftSeed, ...] = (
    GiftSeed(
        "黄鹤楼公园门票", "wh-alliance-hhl-park", 1000, 50,
        "黄鹤楼公园为新就业群体捐赠的游园门票，一张限一人一次入园。凭兑换券到公园附近的指定驿站领取。",
        name_en="Yellow Crane Tower Park ticket",
        description_en="Park tickets donated by Yellow Crane Tower Park to new-employment workers: one ticket admits "
        "one person once. Collect it with your voucher at one of the listed stations near the park.",
        donor_note="暖新联盟单位捐赠 50 张", pickup=PickupRule.LISTED, per_worker_limit=1,
    ),
    GiftSeed(
        "电炖锅", "wh-alliance-wushang", 2000, 20, "3 升陶瓷内胆电炖锅，下班回家煲一锅热汤。",
        name_en="Electric stew pot",
        description_en="A 3-litre stew pot with a ceramic inner pot: a hot soup after work.",
    ),
    GiftSeed(
        "晴雨伞", "wh-alliance-zhongbai", 1500, 100, "自动开合晴雨两用伞，风雨天送件不再手忙脚乱。",
        name_en="Umbrella",
        description_en="An automatic umbrella for sun and rain: no more juggling parcels in a downpour.",
    ),
    GiftSeed(
        "洗手液", "wh-alliance-zhongbai", 500, 300, "500 毫升抑菌洗手液。", per_worker_limit=2,
        name_en="Hand wash", description_en="500 ml of antibacterial hand wash.",
    ),
    GiftSeed(
        "充电宝", "wh-alliance-cmcc", 1200, 80, "10000 毫安时快充充电宝，跑单路上不断电。",
        name_en="Power bank",
        description_en="A 10,000 mAh fast-charging power bank: your phone lasts the whole round.",
    ),
    GiftSeed(
        "分体雨衣", "wh-alliance-union", 800, 200, "加厚分体雨衣雨裤，带反光条，骑车更安全。",
        name_en="Two-piece raincoat",
        description_en="A thick raincoat and rain trousers with reflective strips, safer on the bike.",
    ),
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
            name_en=seed.name_en,
            description=seed.description,
            description_en=seed.description_en,
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
