"""Demo 蜂巢 stations for Wuhan: 600 across the districts, 30 demonstration stations, events."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from littlebee.hives.models import (
    AnnualServiceItem,
    Event,
    Hive,
    OpeningException,
    OpeningInterval,
    Service,
)
from littlebee.hives.services import service_catalogue_ensure
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from . import wuhan_data as data

STATION_COUNT = 600
DEMONSTRATION_COUNT = 30
BASE_SERVICES = ("shelter", "rest_charging", "water_meals", "reading", "emergency_repair")
SPECIAL_SERVICES = ("child_care", "clinic", "discounts", "canteen")
# Central districts have more riders, so more stations.
DISTRICT_WEIGHT = {
    "江岸区": 1.4, "江汉区": 1.4, "硚口区": 1.2, "汉阳区": 1.1, "武昌区": 1.5, "青山区": 0.9, "洪山区": 1.4,
    "东西湖区": 0.9, "汉南区": 0.4, "蔡甸区": 0.6, "江夏区": 0.8, "黄陂区": 0.6, "新洲区": 0.5,
}  # fmt: skip
KINDS = ("爱心驿站", "蜂巢驿站", "暖新驿站", "小哥之家", "户外劳动者驿站", "新就业群体服务站")
ROADS = (
    "解放路", "中山路", "民主路", "和平大道", "友谊大道", "建设大道", "解放大道", "武珞路", "珞喻路", "中北路",
    "汉阳大道", "鹦鹉大道", "发展大道", "京汉大道", "沿江大道", "八一路", "雄楚大道", "光谷大道", "金银湖路",
    "吴家山路", "东风大道", "文化大道", "黄孝河路", "古田二路", "青年路", "车站路", "首义路", "彭刘杨路",
)  # fmt: skip

# Weekly schedules, as (weekday set, opens, closes); closes <= opens runs past midnight.
SCHEDULES: tuple[tuple[float, bool, tuple[tuple[range, time, time], ...]], ...] = (
    (0.40, False, ((range(7), time(8), time(20)),)),
    (0.18, True, ()),
    (0.14, False, ((range(7), time(7), time(22)),)),
    (0.10, False, ((range(7), time(18), time(2)),)),  # night shift: 18:00 to 02:00
    (0.10, False, (
        (range(5), time(8, 30), time(12)), (range(5), time(13, 30), time(18)), (range(5, 7), time(9), time(17)),
    )),
    (0.08, False, ((range(7), time(6), time(10)), (range(7), time(16), time(23, 30)))),
)  # fmt: skip

ANNUAL_ITEMS = (
    ("夏季防暑降温服务", "6—9 月每天"),
    ("冬季暖心热饮", "12—2 月每天"),
    ("电动车安全检修日", "每月一次"),
    ("小哥集体生日会", "每季度一次"),
)


@dataclass(frozen=True)
class EventSeed:
    title: str
    description: str
    place: str
    days_ahead: int
    hour: int
    capacity: int
    points: int


EVENTS = (
    EventSeed(
        "小哥集体生日会",
        "为本月过生日的快递小哥、外卖骑手和网约车司机办一场集体生日会：蛋糕、合影，黄鹤楼公园捐赠门票。",
        "黄鹤楼公园 南门广场",
        9, 15, 50, 20,
    ),
    EventSeed("夏季防暑应急技能培训", "讲解中暑识别与急救，发放防暑药品。", "驿站活动室", 5, 19, 30, 10),
    EventSeed("电动车安全检修日", "免费检查刹车、灯光与电池，现场讲解充电安全。", "驿站门前空地", 3, 14, 40, 10),
    EventSeed("交通安全微课堂", "交警讲解非机动车道通行规则与事故处理。", "驿站阅读角", 12, 20, 25, 10),
    EventSeed("亲子阅读开放日", "为小哥的孩子开放儿童托管与阅读区。", "驿站儿童角", 16, 10, 20, 5),
)  # fmt: skip


def _rng(key: str) -> random.Random:
    return random.Random(f"littlebee-hives-{key}")  # noqa: S311 - demo data, not security


def _jitter(rng: random.Random, lat: float, lng: float, metres: float) -> tuple[float, float]:
    r = metres * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    return (
        lat + (r * math.cos(angle)) / 111_320,
        lng + (r * math.sin(angle)) / (111_320 * math.cos(math.radians(lat))),
    )


def _pick_schedule(rng: random.Random) -> tuple[bool, tuple[tuple[range, time, time], ...]]:
    roll = rng.random()
    for share, always_open, intervals in SCHEDULES:
        if roll < share:
            return always_open, intervals
        roll -= share
    return SCHEDULES[0][1], SCHEDULES[0][2]


def load_hives(*, now: datetime | None = None) -> Counter[str]:
    """Create the demo stations and events unless the city has them already."""
    created: Counter[str] = Counter()
    city = Region.objects.filter(code=data.CITY_CODE).first()
    if city is None or Hive.objects.filter(community__path__startswith=city.path).exists():
        return created
    now = now or timezone.now()
    service_catalogue_ensure()
    services = {s.code: s for s in Service.objects.all()}
    communities = list(
        Region.objects.filter(level=RegionLevel.COMMUNITY, path__startswith=city.path)
        .select_related("parent", "parent__parent")
        .order_by("code")
    )
    party_orgs = {
        o.region_id: o for o in Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region__path__startswith=city.path)
    }
    alliance_units = list(Organisation.objects.filter(kind=OrgKind.ALLIANCE_UNIT, code__startswith="wh-"))
    rng = _rng("stations")

    # The two stations the seed names come first, so they exist whatever the draw.
    named = [("西厂口社区", "西厂口社区蜂巢驿站"), ("机安社区", "机安社区爱心驿站")]
    by_name = {c.name: c for c in communities}
    plan: list[tuple[Region, str]] = [(by_name[c], n) for c, n in named if c in by_name]
    weights = [
        DISTRICT_WEIGHT.get(c.parent.parent.name if c.parent and c.parent.parent else "", 1.0) for c in communities
    ]
    used_names = {name for _, name in plan}
    while len(plan) < STATION_COUNT:
        community = rng.choices(communities, weights=weights)[0]
        name = f"{community.name}{rng.choice(KINDS)}"
        if name in used_names:
            name = f"{community.parent.name if community.parent else ''}{community.name}{rng.choice(KINDS)}"
        if name in used_names:
            continue
        used_names.add(name)
        plan.append((community, name))

    demonstration = {0, 1, *rng.sample(range(2, STATION_COUNT), DEMONSTRATION_COUNT - 2)}
    hives: list[Hive] = []
    schedules: list[tuple[bool, tuple[tuple[range, time, time], ...]]] = []
    for i, (community, name) in enumerate(plan):
        lat, lng = _jitter(rng, community.lat, community.lng, 450)
        managing = party_orgs[community.pk]
        if alliance_units and rng.random() < 0.08:
            managing = rng.choice(alliance_units)
        always_open, intervals = (False, SCHEDULES[0][2]) if i == 0 else _pick_schedule(rng)
        schedules.append((always_open, intervals))
        street = community.parent.name if community.parent else ""
        hives.append(
            Hive(
                name=name,
                address=f"武汉市{community.full_name().replace(' ', '')} {rng.choice(ROADS)}{rng.randint(1, 388)}号",
                lat=round(lat, 6),
                lng=round(lng, 6),
                community=community,
                managing_unit=managing,
                responsible_person=f"{rng.choice(data.SURNAMES)[0]}{rng.choice(('主任', '书记', '站长', '老师'))}",
                contact_phone=f"027-{rng.randint(8000_0000, 8899_9999)}",
                description=f"位于{street}{community.name}，为快递小哥、外卖骑手、网约车司机提供歇脚、充电、饮水等服务。",
                demonstration=i in demonstration,
                always_open=always_open,
                created_at=now - timedelta(days=rng.randint(30, 900)),
            )
        )
    Hive.objects.bulk_create(hives, batch_size=500)
    hives = list(Hive.objects.filter(community__path__startswith=city.path).order_by("id"))
    created["hives"] = len(hives)

    through = Hive.services.through
    links = []
    intervals_rows: list[OpeningInterval] = []
    exceptions: list[OpeningException] = []
    annual: list[AnnualServiceItem] = []
    new_year = now.astimezone(timezone.get_current_timezone()).date().replace(month=1, day=1)
    for hive, (always_open, intervals) in zip(hives, schedules, strict=True):
        codes = list(BASE_SERVICES)
        if hive.demonstration:
            codes += rng.sample(SPECIAL_SERVICES, rng.randint(2, 4))
        links += [through(hive_id=hive.pk, service_id=services[c].pk) for c in codes]
        for days, opens, closes in intervals:
            intervals_rows += [OpeningInterval(hive=hive, weekday=d, opens=opens, closes=closes) for d in days]
        if not always_open and rng.random() < 0.15:
            exceptions.append(
                OpeningException(hive=hive, date=new_year.replace(year=new_year.year + 1), closed=True, note="元旦闭站")
            )
        if hive.demonstration:
            annual += [
                AnnualServiceItem(hive=hive, year=new_year.year, title=title, frequency=frequency, order=n)
                for n, (title, frequency) in enumerate(ANNUAL_ITEMS, start=1)
            ]
    through.objects.bulk_create(links, batch_size=2000)
    OpeningInterval.objects.bulk_create(intervals_rows, batch_size=2000)
    OpeningException.objects.bulk_create(exceptions, batch_size=500)
    AnnualServiceItem.objects.bulk_create(annual, batch_size=500)
    created["opening_intervals"] = len(intervals_rows)
    created["annual_items"] = len(annual)

    created["events"] = _load_events(hives, now, rng)
    return created


def _load_events(hives: list[Hive], now: datetime, rng: random.Random) -> int:
    local_today = now.astimezone(timezone.get_current_timezone()).replace(hour=0, minute=0, second=0, microsecond=0)
    hosts = [h for h in hives if h.demonstration]
    birthday_host = hives[0]  # 西厂口社区蜂巢驿站, the street of 黄鹤楼
    events = []
    for i, seed in enumerate(EVENTS):
        hive = birthday_host if i == 0 else rng.choice(hosts)
        starts = local_today + timedelta(days=seed.days_ahead, hours=seed.hour)
        organiser = hive.managing_unit
        if i == 0 and hive.community.parent is not None:
            # The birthday party is the street's: 黄鹤楼街道 hosts it at the park.
            organiser = (
                Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region=hive.community.parent).first() or organiser
            )
        events.append(
            Event(
                title=seed.title,
                description=seed.description,
                hive=hive,
                organiser=organiser,
                place=seed.place if i == 0 else f"{hive.name} {seed.place}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=seed.capacity,
                points=seed.points,
                checkin_code=f"{rng.randint(0, 999_999):06d}",
            )
        )
    Event.objects.bulk_create(events)
    return len(events)


def hive_counts() -> dict[str, int]:
    city = Region.objects.filter(code=data.CITY_CODE).first()
    if city is None:
        return {}
    qs = Hive.objects.filter(community__path__startswith=city.path)
    return {
        "hives": qs.count(),
        "hives.demonstration": qs.filter(demonstration=True).count(),
        "hives.always_open": qs.filter(always_open=True).count(),
        "events": Event.objects.filter(hive__in=qs).aggregate(n=Count("id"))["n"],
    }
