"""Demo 蜂巢 stations for Wuhan: 600 stations, 30 of them demonstration stations, and events.

Like the rest of the demo city (wuhan.py), the stations are first planned in memory
(`hive_plan()`: from the city plan and seeded random numbers, the same on every machine) and
then loaded by stable keys: a station by its name inside the demo city, an event by its
station and title among the events still to come. A second run adds nothing; a run after the
demo events have taken place publishes the next round, so the demo always has events ahead.

Every community has a station run by its party organisation (the two the seed article names,
西厂口社区 and 机安社区, have exactly that one, so their demo keepers keep exactly one
station); the remaining stations go to the busier districts, some of them run by alliance
units (supermarkets, mobile-phone shops, the trade union). Each station lies inside its
community's boundary. Dated exceptions are relative to the day of loading.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sized
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from shapely.geometry import Point, shape

from littlebee.accounts.models import CheckinStatus, Role, User
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.hives.models import (
    AnnualServiceItem,
    Event,
    EventRegistration,
    Hive,
    OpeningException,
    OpeningInterval,
    RegistrationStatus,
)
from littlebee.hives.services import CATALOGUE, CODE_ALPHABET, CODE_LENGTH, service_catalogue_ensure
from littlebee.orgs.models import Organisation, Region, RegionLevel

from . import wuhan_data as data
from .geometry import Frame, scatter
from .people import person_name
from .wuhan import ORG_PREFIX, WORKER_PHONE_BASE, RegionPlan, city_plan, party_org_code

STATION_COUNT = 600
DEMONSTRATION_COUNT = 30
STATION_TZ = ZoneInfo("Asia/Shanghai")
BASE_SERVICES = tuple(code for code, _name, _name_en, _icon, base in CATALOGUE if base)
SPECIAL_SERVICES = tuple(code for code, _name, _name_en, _icon, base in CATALOGUE if not base)
SERVICE_NAMES = {code: name for code, name, _name_en, _icon, _base in CATALOGUE}

# Every community has a station; the rest go where riders are busiest.
DISTRICT_WEIGHT = {
    "江岸区": 1.4, "江汉区": 1.5, "硚口区": 1.2, "汉阳区": 1.1, "武昌区": 1.5, "青山区": 0.9, "洪山区": 1.4,
    "东西湖区": 0.8, "汉南区": 0.3, "蔡甸区": 0.5, "江夏区": 0.7, "黄陂区": 0.5, "新洲区": 0.4,
}  # fmt: skip
KINDS = ("爱心驿站", "蜂巢驿站", "暖新驿站", "小哥之家", "户外劳动者驿站", "新就业群体服务站")
KIND_WEIGHTS = (4, 3, 2, 1, 2, 1)
# Real main roads of each district (for addresses and some station names).
ROADS = {
    "江岸区": ("解放大道", "中山大道", "沿江大道", "建设大道", "京汉大道", "黄浦大街", "二七路", "后湖大道", "胜利街"),
    "江汉区": ("解放大道", "中山大道", "建设大道", "发展大道", "新华路", "青年路", "唐家墩路", "江汉路", "红旗渠路"),
    "硚口区": ("解放大道", "中山大道", "京汉大道", "古田二路", "古田四路", "汉正街", "利济北路", "崇仁路", "长丰大道"),
    "汉阳区": ("汉阳大道", "鹦鹉大道", "龙阳大道", "拦江路", "琴台大道", "墨水湖北路", "江城大道", "四新大道"),
    "武昌区": ("武珞路", "中山路", "解放路", "民主路", "彭刘杨路", "首义路", "中北路", "中南路", "和平大道", "友谊大道",
              "徐东大街", "临江大道", "八一路"),
    "青山区": ("和平大道", "友谊大道", "建设一路", "建设二路", "冶金大道", "工业路", "红钢城大街", "青山路"),
    "洪山区": ("珞喻路", "雄楚大道", "光谷大道", "关山大道", "南湖大道", "白沙洲大道", "卓刀泉路", "民族大道"),
    "东西湖区": ("东吴大道", "金银湖路", "革新大道", "临空港大道", "三秀路", "环湖中路", "田园大道"),
    "汉南区": ("汉南大道", "兴城大道", "纱帽正街", "通港大道"),
    "蔡甸区": ("蔡甸大街", "树藩大街", "成功大道", "知音湖大道", "新天大道"),
    "江夏区": ("文化大道", "纸坊大街", "兴新街", "江夏大道", "熊廷弼路", "藏龙大道"),
    "黄陂区": ("黄陂大道", "前川大道", "百秀街", "板桥大道", "盘龙大道", "汉口北大道"),
    "新洲区": ("齐安大道", "问津大道", "衡州大街", "阳逻大道", "港城大道"),
}  # fmt: skip
# Alliance units that run stations in their shops: (slug, place name pattern, station kind).
CHAINS = (
    ("zhongbai", "中百仓储{road}店", "爱心驿站"),
    ("wushang", "武商超市{road}店", "暖新驿站"),
    ("cmcc", "中国移动{road}营业厅", "爱心驿站"),
    ("union", "{road}", "工会户外劳动者驿站"),
)
CHAIN_SHARE = 0.35  # of the stations beyond the first in a community
FACILITIES = ("沙发", "空调", "冰箱", "微波炉", "饮水机", "充电柜", "急救箱", "打气筒", "雨具", "书架", "爱心药箱")


@dataclass(frozen=True)
class Schedule:
    weight: float
    always_open: bool = False
    # (weekdays, opens, closes); closes <= opens runs past midnight.
    rows: tuple[tuple[range, str, str], ...] = ()


WEEKDAYS, WEEKEND, DAILY = range(5), range(5, 7), range(7)
OFFICE, PEAKS, THREE_SHIFTS, LONG_DAY, ALL_DAY, LATE, NIGHT = SCHEDULES = (
    # Community office hours with a lunch break, shorter at weekends.
    Schedule(0.28, rows=((WEEKDAYS, "08:30", "12:00"), (WEEKDAYS, "14:00", "18:00"), (WEEKEND, "09:00", "17:00"))),
    # Open around the lunch and dinner delivery peaks with a break between.
    Schedule(0.22, rows=((DAILY, "07:30", "11:30"), (DAILY, "13:30", "20:30"))),
    Schedule(0.10, rows=((DAILY, "06:30", "10:00"), (DAILY, "11:00", "14:00"), (DAILY, "17:00", "21:00"))),
    Schedule(0.10, rows=((DAILY, "08:00", "20:00"),)),
    Schedule(0.12, always_open=True),
    # The evening runs past midnight, for riders on the late shift.
    Schedule(0.12, rows=((DAILY, "09:00", "12:00"), (DAILY, "16:00", "02:00"))),
    Schedule(0.06, rows=((DAILY, "20:00", "06:00"),)),
)

# --- The plan -------------------------------------------------------------------------------
Interval = tuple[int, time, time]  # weekday (0 = Monday), opens, closes


@dataclass(frozen=True)
class ExceptionPlan:
    when: str  # "new_year", "national_day" or "in_days"
    closed: bool
    note: str
    days: int = 0  # for "in_days": days after the day of loading
    opens: time | None = None
    closes: time | None = None


@dataclass(frozen=True)
class AnnualPlan:
    title: str
    frequency: str = ""
    month_day: tuple[int, int] | None = None


@dataclass(frozen=True)
class HivePlan:
    name: str
    community_code: str
    managing_unit_code: str
    address: str
    lat: float
    lng: float
    responsible_person: str
    contact_phone: str
    description: str
    demonstration: bool
    always_open: bool
    intervals: tuple[Interval, ...]
    services: tuple[str, ...]
    exceptions: tuple[ExceptionPlan, ...]
    annual_items: tuple[AnnualPlan, ...]
    opened_days_ago: int


@dataclass(frozen=True)
class EventPlan:
    hive_name: str
    title: str
    description: str
    place: str
    days_ahead: int
    starts: time
    minutes: int
    capacity: int
    points: int
    organiser_code: str
    created_by_phone: str | None
    checkin_code: str
    registered: tuple[str, ...]  # worker phones, in the order they signed up
    waitlisted: tuple[str, ...]


@dataclass(frozen=True)
class HivesPlan:
    hives: tuple[HivePlan, ...]
    events: tuple[EventPlan, ...]


@dataclass(frozen=True)
class _SeedStation:
    community: tuple[str, str, str]
    name: str
    schedule: Schedule
    responsible_person: str
    place: str  # where in the community it is
    exceptions: tuple[ExceptionPlan, ...]


BIRTHDAY_PARTY = "小哥集体生日会"
BIRTHDAY_PARTY_DAYS_AHEAD = 9
SEED_STATIONS = (
    _SeedStation(
        data.XICHANGKOU, "西厂口社区蜂巢驿站", OFFICE, "何春梅", "西厂口社区党群服务中心一楼",
        (
            # Its staff are at the birthday party in the afternoon.
            ExceptionPlan(
                "in_days", False, "工作人员参加小哥集体生日会，下午闭站",
                days=BIRTHDAY_PARTY_DAYS_AHEAD, opens=time(8, 30), closes=time(13),
            ),
            ExceptionPlan("new_year", True, "元旦假期闭站"),
        ),
    ),
    # The article's 武昌区机安社区“江城蜂巢”爱心驿站: sofa, air conditioning, fridge, microwave.
    _SeedStation(
        data.JIAN, "机安社区爱心驿站", ALL_DAY, "罗晓琳", "机安社区党群服务中心一楼",
        (ExceptionPlan("in_days", True, "消防设施检查，当天闭站", days=12),),
    ),
)  # fmt: skip
SEED_FACILITIES = ("沙发", "空调", "冰箱", "微波炉", "饮水机", "充电柜")

BASE_ANNUAL_ITEMS = (
    AnnualPlan("夏季防暑降温", "6—9 月每天"),
    AnnualPlan("冬季暖心热饮", "12—2 月每天"),
    AnnualPlan("电动车安全检修日", "每月一次"),
)
DEMONSTRATION_ANNUAL_ITEMS = (
    AnnualPlan("小哥集体生日会", "每季度一次"),
    AnnualPlan("世界读书日共读活动", month_day=(4, 23)),
    AnnualPlan("中秋团圆茶话会", "中秋节当天"),
)
SPECIAL_ANNUAL_ITEMS = {
    "child_care": AnnualPlan("暑期子女托管班", "7—8 月工作日"),
    "clinic": AnnualPlan("健康义诊", "每月第二个周六"),
    "discounts": AnnualPlan("周边商户优惠日", "每周三"),
    "canteen": AnnualPlan("爱心午餐", "工作日 11:30—13:00"),
}


def _rng(key: str) -> random.Random:
    return random.Random(f"littlebee-hives-{key}")  # noqa: S311 - demo data, not security


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def _intervals(schedule: Schedule) -> tuple[Interval, ...]:
    return tuple((day, _clock(opens), _clock(closes)) for days, opens, closes in schedule.rows for day in days)


def _pick_schedule(rng: random.Random) -> Schedule:
    return rng.choices(SCHEDULES, weights=[s.weight for s in SCHEDULES])[0]


def _landline(rng: random.Random) -> str:
    return f"027-{rng.choice('885566')}{rng.randint(0, 9_999_999):07d}"


def _exceptions(rng: random.Random, always_open: bool) -> tuple[ExceptionPlan, ...]:
    """A few stations close on holidays or for a day of maintenance, or keep special hours one day."""
    found: list[ExceptionPlan] = []
    if always_open:
        if rng.random() < 0.06:
            found.append(ExceptionPlan("in_days", True, "消防设施检查，当天闭站", days=rng.randint(3, 20)))
        return tuple(found)
    if rng.random() < 0.06:
        found.append(ExceptionPlan("new_year", True, "元旦假期闭站"))
    if rng.random() < 0.03:
        found.append(ExceptionPlan("national_day", False, "国庆假期缩短开放时间", opens=time(9), closes=time(17)))
    roll = rng.random()
    if roll < 0.04:
        found.append(ExceptionPlan("in_days", True, "设备检修，暂停开放一天", days=rng.randint(3, 20)))
    elif roll < 0.07:
        found.append(
            ExceptionPlan(
                "in_days", False, "社区活动，当天 15:00 闭站", days=rng.randint(2, 14), opens=time(9), closes=time(15)
            )
        )
    return tuple(found)


def _annual_items(demonstration: bool, services: tuple[str, ...]) -> tuple[AnnualPlan, ...]:
    if not demonstration:
        return BASE_ANNUAL_ITEMS
    specials = tuple(SPECIAL_ANNUAL_ITEMS[code] for code in services if code in SPECIAL_ANNUAL_ITEMS)
    return BASE_ANNUAL_ITEMS + DEMONSTRATION_ANNUAL_ITEMS + specials


def _description(rng: random.Random, where: str, kind_of_place: str, facilities: tuple[str, ...]) -> str:
    area = rng.choice((20, 30, 40, 50, 60, 80, 100, 120))
    return (
        f"位于{where}，{kind_of_place}约 {area} 平方米，配有{'、'.join(facilities)}等设施，"
        "为快递小哥、外卖骑手、网约车司机提供避暑取暖、休息充电、饮水就餐、阅读学习、应急维修服务。"
    )


@dataclass
class _Draft:
    """A station while it is planned: its place first, its services and hours later."""

    community: RegionPlan
    name: str
    managing_unit_code: str
    address: str
    responsible_person: str
    contact_phone: str
    where: str
    kind_of_place: str
    own: bool  # the community's own station, run by its party organisation
    lat: float = 0.0
    lng: float = 0.0


@lru_cache(maxsize=1)
def hive_plan() -> HivesPlan:
    city = city_plan()
    regions = {r.code: r for r in city.regions}
    communities = [r for r in city.regions if r.level == RegionLevel.COMMUNITY]
    seed_codes = {city.region_by_names[s.community]: s for s in SEED_STATIONS}
    rng = _rng("stations")

    def district_of(region: RegionPlan) -> RegionPlan:
        return regions[regions[region.parent_code or ""].parent_code or ""]

    # How many stations each community gets: one each, the rest by district weight.
    drawable = [c for c in communities if c.code not in seed_codes]
    extra = rng.choices(
        drawable, weights=[DISTRICT_WEIGHT[district_of(c).name] for c in drawable], k=STATION_COUNT - len(communities)
    )
    per_community = Counter(c.code for c in communities) + Counter(c.code for c in extra)

    used_names: set[str] = set()

    def unique(*candidates: str) -> str:
        name = next((n for n in candidates if n not in used_names), "")
        number = 2
        while not name or name in used_names:  # pragma: no cover - every candidate taken
            name, number = f"{candidates[0]}{number}号站", number + 1
        used_names.add(name)
        return name

    drafts: list[_Draft] = []
    for community in communities:
        street = regions[community.parent_code or ""]
        district = district_of(community)
        stem = community.name.removesuffix("社区")
        for index in range(per_community[community.code]):
            road = rng.choice(ROADS[district.name])
            number = rng.randint(1, 399)
            unit = party_org_code(community.code)
            seed_station = seed_codes.get(community.code)
            if seed_station is not None:
                name = unique(seed_station.name)
                person, place = seed_station.responsible_person, seed_station.place
                kind_of_place = "社区党群服务中心内"
            elif index == 0:
                kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
                name = unique(f"{community.name}{kind}", f"{street.name}{community.name}{kind}")
                person, place = person_name(rng, female_share=0.6), f"{community.name}党群服务中心一楼"
                kind_of_place = "社区党群服务中心内"
            elif rng.random() >= CHAIN_SHARE:
                kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
                name = unique(f"{road}{kind}", f"{road}{stem}{kind}", f"{street.name}{road}{stem}{kind}")
                person, place = person_name(rng, female_share=0.6), ""
                kind_of_place = "临街门面"
            else:
                slug, pattern, kind = rng.choice(CHAINS)
                # Two shops of a chain on one road are told apart by the community: 中百仓储青年路汉兴店.
                shops = [pattern.format(road=r) for r in (road, f"{road}{stem}", f"{street.name}{road}{stem}")]
                name = unique(*(f"{shop}{kind}" for shop in shops))
                place = next(shop for shop in shops if name == f"{shop}{kind}")
                unit = f"{ORG_PREFIX}alliance-{slug}"
                person = person_name(rng, female_share=0.5)
                kind_of_place = "店内辟出专区"
            drafts.append(
                _Draft(
                    community=community,
                    name=name,
                    managing_unit_code=unit,
                    address=f"武汉市{district.name}{road}{number}号" + (f"（{place}）" if place else ""),
                    responsible_person=person,
                    contact_phone=_landline(rng),
                    where=f"{district.name}{street.name}{community.name}",
                    kind_of_place=kind_of_place,
                    own=index == 0,
                )
            )

    _place(drafts)
    demonstration = _pick_demonstration(rng, drafts, seed_codes)
    hives: list[HivePlan] = []
    for draft in drafts:
        seed = seed_codes.get(draft.community.code)
        schedule = seed.schedule if seed else _pick_schedule(rng)
        facilities = SEED_FACILITIES if seed else tuple(rng.sample(FACILITIES, rng.randint(4, 7)))
        is_demo = draft.name in demonstration
        services = BASE_SERVICES
        if is_demo:
            specials = set(rng.sample(SPECIAL_SERVICES, rng.randint(2, 4)))
            services += tuple(code for code in SPECIAL_SERVICES if code in specials)
        description = _description(rng, draft.where, draft.kind_of_place, facilities)
        if is_demo:
            offered = "、".join(SERVICE_NAMES[c] for c in services if c in SPECIAL_SERVICES)
            description += f"作为示范驿站，另提供{offered}等特色服务。"
        exceptions = seed.exceptions if seed else _exceptions(rng, schedule.always_open)
        hives.append(
            HivePlan(
                name=draft.name,
                community_code=draft.community.code,
                managing_unit_code=draft.managing_unit_code,
                address=draft.address,
                lat=draft.lat,
                lng=draft.lng,
                responsible_person=draft.responsible_person,
                contact_phone=draft.contact_phone,
                description=description,
                demonstration=is_demo,
                always_open=schedule.always_open,
                intervals=_intervals(schedule),
                services=services,
                exceptions=exceptions,
                annual_items=_annual_items(is_demo, services),
                opened_days_ago=rng.randint(30, 900),
            )
        )
    return HivesPlan(hives=tuple(hives), events=_plan_events(hives))


def _place(drafts: list[_Draft]) -> None:
    """Put each community's stations inside its boundary, apart from each other."""
    frame = Frame(*data.CITY_CENTRE)
    by_community: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_community.setdefault(draft.community.code, []).append(draft)
    for code, group in by_community.items():
        community = group[0].community
        area = frame.from_geojson(community.boundary)
        boundary = shape(community.boundary)
        points = scatter(
            _rng(f"place-{code}"),
            area=area,
            centre=frame.to_xy(community.lat, community.lng),
            radius_km=math.sqrt(area.area / math.pi),
            count=len(group),
            min_gap_km=0.6 * math.sqrt(area.area / len(group)),
        )
        for draft, xy in zip(group, points, strict=True):
            lat, lng = frame.to_lat_lng(*xy)
            draft.lat, draft.lng = round(lat, 6), round(lng, 6)
            if not boundary.contains(Point(draft.lng, draft.lat)):  # pragma: no cover - scatter keeps inside
                raise ValueError(f"demo data: station {draft.name} lies outside its community")


def _pick_demonstration(
    rng: random.Random,
    drafts: list[_Draft],
    seed_codes: dict[str, _SeedStation],
) -> set[str]:
    """The seed stations, one community station in every other district, the rest anywhere."""
    chosen = {d.name for d in drafts if d.community.code in seed_codes}
    candidates = [d for d in drafts if d.own and d.community.code not in seed_codes]
    by_district: dict[str, list[_Draft]] = {}
    for draft in candidates:
        by_district.setdefault(draft.community.code[:6], []).append(draft)
    seed_districts = {code[:6] for code in seed_codes}
    for district_code in sorted(by_district):
        if district_code not in seed_districts:
            chosen.add(rng.choice(by_district[district_code]).name)
    rest = [d.name for d in candidates if d.name not in chosen]
    chosen.update(rng.sample(rest, DEMONSTRATION_COUNT - len(chosen)))
    return chosen


# --- Events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _EventSeed:
    title: str
    description: str
    host: str  # "xichangkou", "jian", or a special service the host demonstration station offers ("" for any)
    place: str  # appended to the station's name; a full place for the birthday party
    days_ahead: int
    starts: str
    minutes: int
    capacity: int
    points: int
    registered: int
    waitlisted: int = 0


EVENT_SEEDS = (
    _EventSeed(
        BIRTHDAY_PARTY,
        "黄鹤楼街道为本季度过生日的快递小哥、外卖骑手和网约车司机办一场集体生日会：共唱生日歌、许愿、切蛋糕，"
        "再一起登上黄鹤楼。门票由暖新联盟单位黄鹤楼公园捐赠。名额有限，报满后进入候补。",
        "xichangkou", "黄鹤楼公园南门广场（武昌区蛇山西山坡特1号）", BIRTHDAY_PARTY_DAYS_AHEAD, "15:00", 150, 20, 20,
        19,
    ),
    _EventSeed(
        "“江城小蜜蜂”随手拍培训",
        "手把手教大家用平台随手拍上报安全隐患和治安线索，讲解积分规则与全城通兑礼品。",
        "xichangkou", "活动室", 2, "15:00", 90, 25, 5, 7,
    ),
    _EventSeed(
        "电动车安全检修日",
        "免费检查刹车、灯光与电池，现场讲解充电安全，更换老化充电线。",
        "jian", "门前空地", 3, "14:00", 180, 40, 10, 12,
    ),
    _EventSeed(
        "交通安全微课堂",
        "交警大队民警讲解非机动车道通行规则、头盔佩戴和事故处理，答疑违章处理。",
        "", "阅读角", 5, "15:00", 90, 25, 10, 8,
    ),
    _EventSeed(
        "健康义诊",
        "社区卫生服务中心医生现场测血压、血糖，义诊颈腰椎劳损，发放常用药品。",
        "clinic", "健康小屋", 6, "14:30", 180, 50, 10, 21,
    ),
    _EventSeed(
        "应急救护培训（心肺复苏与 AED）",
        "红十字会讲师教授心肺复苏和自动体外除颤器使用，考核合格颁发救护员证。",
        "", "活动室", 7, "15:00", 120, 30, 15, 17,
    ),
    _EventSeed(
        "劳动权益法律咨询",
        "律师和人社部门工作人员解答劳动合同、社保缴纳、职业伤害保障等问题。",
        "", "会客区", 11, "15:00", 120, 30, 5, 6,
    ),
    _EventSeed(
        "亲子阅读开放日",
        "为小哥的孩子开放儿童托管区和绘本角，志愿者带读，家长可在旁休息。",
        "child_care", "儿童角", 13, "10:00", 120, 10, 5, 10, 3,
    ),
    _EventSeed(
        "爱心食堂开放日",
        "爱心食堂请小哥免费吃午饭，平日凭会员码享受优惠价。",
        "canteen", "爱心食堂", 16, "11:30", 120, 60, 5, 25,
    ),
)  # fmt: skip


def _plan_events(hives: list[HivePlan]) -> tuple[EventPlan, ...]:
    city = city_plan()
    rng = _rng("events")
    by_name = {h.name: h for h in hives}
    seeds = {"xichangkou": by_name[SEED_STATIONS[0].name], "jian": by_name[SEED_STATIONS[1].name]}
    # Other events go to demonstration stations run by their community, one event each.
    seed_names = {s.name for s in SEED_STATIONS}
    hosts = [
        h
        for h in hives
        if h.demonstration and h.managing_unit_code.startswith(f"{ORG_PREFIX}party-") and h.name not in seed_names
    ]
    staff_of = {(s.organisation_code, s.role): s.phone for s in city.staff}
    street_of = {r.code: r.parent_code for r in city.regions}
    workers = [
        w.phone
        for w in city.workers
        if int(w.phone) > WORKER_PHONE_BASE and w.checkin_status == CheckinStatus.CONFIRMED
    ]
    events = []
    for seed in EVENT_SEEDS:
        if seed.host in seeds:
            hive = seeds[seed.host]
        else:
            fitting = [h for h in hosts if not seed.host or seed.host in h.services]
            hive = rng.choice(fitting)
            hosts.remove(hive)
        organiser = hive.managing_unit_code
        created_by = staff_of.get((organiser, Role.KEEPER)) or staff_of.get((organiser, Role.HANDLER))
        place = f"{hive.name}{seed.place}"
        if seed.title == BIRTHDAY_PARTY:
            # The street's party working committee holds it, at the park.
            organiser = party_org_code(street_of[hive.community_code] or "")
            created_by = staff_of.get((organiser, Role.ADMIN))
            place = seed.place
        people = rng.sample(workers, seed.registered + seed.waitlisted)
        events.append(
            EventPlan(
                hive_name=hive.name,
                title=seed.title,
                description=seed.description,
                place=place,
                days_ahead=seed.days_ahead,
                starts=_clock(seed.starts),
                minutes=seed.minutes,
                capacity=seed.capacity,
                points=seed.points,
                organiser_code=organiser,
                created_by_phone=created_by,
                checkin_code="".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                registered=tuple(people[: seed.registered]),
                waitlisted=tuple(people[seed.registered :]),
            )
        )
    return tuple(events)


# --- Loading --------------------------------------------------------------------------------
def _exception_date(plan: ExceptionPlan, today: date) -> date:
    if plan.when == "new_year":
        return date(today.year + 1, 1, 1)
    if plan.when == "national_day":
        this_year = date(today.year, 10, 1)
        return this_year if this_year > today else date(today.year + 1, 10, 1)
    return today + timedelta(days=plan.days)


def demo_hives() -> QuerySet[Hive]:
    """The demo city's stations (the loader owns those whose names are in the plan)."""
    return Hive.objects.filter(community__code__startswith=data.CITY_CODE)


def load_hives(
    *,
    now: datetime,
    regions: dict[str, Region],
    orgs: dict[str, Organisation],
    users: dict[str, User],
    created: Counter[str],
) -> None:
    """Create the planned stations (with services, hours, exceptions, annual lists) and events that are missing."""
    plan = hive_plan()
    today = timezone.localtime(now, STATION_TZ).date()
    services = {s.code: s.pk for s in service_catalogue_ensure()}
    stations = dict(demo_hives().values_list("name", "pk"))
    missing = [spec for spec in plan.hives if spec.name not in stations]
    if missing:
        _create_hives(missing, now, today, regions, orgs, services, created)
        stations = dict(demo_hives().values_list("name", "pk"))
    _load_events(plan.events, now, today, stations, orgs, users, created)


def _create_hives(
    specs: list[HivePlan],
    now: datetime,
    today: date,
    regions: dict[str, Region],
    orgs: dict[str, Organisation],
    services: dict[str, int],
    created: Counter[str],
) -> None:
    new = [
        Hive(
            name=spec.name,
            address=spec.address,
            lat=spec.lat,
            lng=spec.lng,
            community=regions[spec.community_code],
            managing_unit=orgs[spec.managing_unit_code],
            responsible_person=spec.responsible_person,
            contact_phone=spec.contact_phone,
            description=spec.description,
            demonstration=spec.demonstration,
            always_open=spec.always_open,
            time_zone=str(STATION_TZ),
        )
        for spec in specs
    ]
    Hive.objects.bulk_create(new, batch_size=250)
    # Look the new rows up by name (bulk_create returns primary keys only on some databases).
    ids = dict(demo_hives().filter(name__in=[s.name for s in specs]).values_list("name", "pk"))
    stored = []
    for spec in specs:
        opened = now - timedelta(days=spec.opened_days_ago)
        # bulk_create stamps created_at with "now" (auto_now_add): put the station's age back.
        stored.append(Hive(pk=ids[spec.name], created_at=opened, updated_at=opened))
    Hive.objects.bulk_update(stored, ["created_at", "updated_at"], batch_size=250)

    link = Hive.services.through
    links = [link(hive_id=ids[s.name], service_id=services[code]) for s in specs for code in s.services]
    intervals = [
        OpeningInterval(hive_id=ids[s.name], weekday=weekday, opens=opens, closes=closes)
        for s in specs
        for weekday, opens, closes in s.intervals
    ]
    exceptions = []
    for spec in specs:
        dates: set[date] = set()
        for exc in spec.exceptions:
            on = _exception_date(exc, today)
            if on in dates:
                continue  # one exception a day
            dates.add(on)
            exceptions.append(
                OpeningException(
                    hive_id=ids[spec.name],
                    date=on,
                    closed=exc.closed,
                    opens=exc.opens,
                    closes=exc.closes,
                    note=exc.note,
                )
            )
    annual = [
        AnnualServiceItem(
            hive_id=ids[spec.name],
            year=today.year,
            title=item.title,
            frequency=item.frequency,
            date=date(today.year, *item.month_day) if item.month_day else None,
            order=order,
        )
        for spec in specs
        for order, item in enumerate(spec.annual_items)
    ]
    link.objects.bulk_create(links, batch_size=1000)
    OpeningInterval.objects.bulk_create(intervals, batch_size=1000)
    OpeningException.objects.bulk_create(exceptions, batch_size=500)
    AnnualServiceItem.objects.bulk_create(annual, batch_size=500)
    made: dict[str, Sized] = {
        "stations": specs,
        "station services": links,
        "opening intervals": intervals,
        "opening exceptions": exceptions,
        "annual service items": annual,
    }
    created.update({what: len(rows) for what, rows in made.items() if rows})


def _load_events(
    specs: tuple[EventPlan, ...],
    now: datetime,
    today: date,
    stations: dict[str, int],
    orgs: dict[str, Organisation],
    users: dict[str, User],
    created: Counter[str],
) -> None:
    """Publish each planned event unless its station already has it ahead, with its sign-ups."""
    ahead = set(
        Event.objects.filter(hive__community__code__startswith=data.CITY_CODE, starts_at__gt=now).values_list(
            "hive_id", "title"
        )
    )
    registrations: list[EventRegistration] = []
    for spec in specs:
        hive_id = stations.get(spec.hive_name)
        if hive_id is None or (hive_id, spec.title) in ahead:
            continue
        starts = datetime.combine(today + timedelta(days=spec.days_ahead), spec.starts, tzinfo=STATION_TZ)
        registered = [users[phone] for phone in spec.registered if phone in users]
        waitlisted = [users[phone] for phone in spec.waitlisted if phone in users]
        event = Event.objects.create(
            title=spec.title,
            description=spec.description,
            hive_id=hive_id,
            organiser=orgs[spec.organiser_code],
            place=spec.place,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=spec.minutes),
            capacity=spec.capacity,
            points=spec.points,
            checkin_code=spec.checkin_code,
            registered_count=len(registered),
            waitlisted_count=len(waitlisted),
            created_by=users.get(spec.created_by_phone or ""),
        )
        # In sign-up order: the waiting list is served by created_at, then id.
        registrations += [
            EventRegistration(event=event, worker=worker, status=RegistrationStatus.REGISTERED) for worker in registered
        ]
        registrations += [
            EventRegistration(event=event, worker=worker, status=RegistrationStatus.WAITLISTED) for worker in waitlisted
        ]
        created["events"] += 1
    if registrations:
        EventRegistration.objects.bulk_create(registrations, batch_size=500)
        counted_rows_changed(Counted.EVENT_REGISTRATION, *registrations)
        created["event registrations"] += len(registrations)


def hive_counts() -> dict[str, int]:
    """What the demo city holds of stations and events now."""
    hives = demo_hives()
    events = Event.objects.filter(hive__community__code__startswith=data.CITY_CODE)
    return {
        "hives": hives.count(),
        "hives.active": hives.filter(is_active=True).count(),
        "hives.demonstration": hives.filter(demonstration=True).count(),
        "hives.always_open": hives.filter(always_open=True).count(),
        "hives.services": Hive.services.through.objects.filter(hive__in=hives).count(),
        "opening_intervals": OpeningInterval.objects.filter(hive__in=hives).count(),
        "opening_exceptions": OpeningException.objects.filter(hive__in=hives).count(),
        "annual_items": AnnualServiceItem.objects.filter(hive__in=hives).count(),
        "events": events.count(),
        "event_registrations": EventRegistration.objects.filter(event__in=events).count(),
    }
