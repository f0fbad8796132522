"""The demo city's casework: the report catalogue, the common replies, and about three months
of 随手拍 history so that the staff console, the worker's "my reports" and the dashboards have
something to show.

Every report is submitted with `reports.services.report_submit` and every later step goes
through the case engine's services with its historical `at=`, so timelines, deadlines, points
(the ledger, through the accept hook) and notifications are exactly what the product would have
written. Each case's life is planned whole (seeded random numbers: the same history on every
machine) and then played up to now: a life whose next step lies in the future simply stops
there, which is how the recent cases end up submitted, in progress or awaiting a rating. Recent
cases nobody took up are then escalated by the real sweep (`cases_escalate_overdue`) at the
times the periodic job would have run.

History is written once: when any report case exists, nothing is added.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, Membership, Role, User, WorkerProfile
from littlebee.cases import notify as case_notify_module
from littlebee.cases import services as cases
from littlebee.cases.models import Case, CaseAction, CaseEvent, CaseKind, ResponseTemplate
from littlebee.cases.selectors import cases_visible_to
from littlebee.cases.workdays import SHANGHAI, add_working_hours
from littlebee.notifications.models import Notification
from littlebee.orgs.models import DepartmentType, Organisation, OrgKind, Region, RegionLevel
from littlebee.points import rules as point_rules
from littlebee.points.models import PointsSource
from littlebee.reports.models import ReportCategory
from littlebee.reports.replies import reply_templates_ensure
from littlebee.reports.services import report_categories_ensure, report_submit

from . import wuhan_data as data
from .people import person_name

CASE_COUNT = 300
HISTORY_DAYS = 90
# Department handlers the demo adds (traffic police, urban management, public security of each
# district), in the generated range the rest of the demo city uses.
DEPARTMENT_STAFF_PHONE_BASE = 17700030000
STAFFED_DEPARTMENTS = (DepartmentType.TRAFFIC_POLICE, DepartmentType.URBAN_MANAGEMENT, DepartmentType.PUBLIC_SECURITY)
# Inbox messages older than this are marked read: the demo people have seen their history.
UNREAD_DAYS = 3
COURIER = "13800000001"
RIDER = "13800000002"
TRAFFIC_HANDLER = "13900000006"

# How often each category is reported: everyday nuisances common, clues for the police rare.
CATEGORY_WEIGHTS: dict[str, float] = {
    "illegal_parking": 24,
    "garbage": 21,
    "road_damage": 11,
    "street_light": 10,
    "traffic_signal": 8,
    "manhole_cover": 7,
    "flooding": 6,
    "fire_hazard": 6,
    "safety_hazard": 5,
    "public_security_clue": 2,
}
# Categories a community usually passes on to a department of its district.
FORWARD_TO: dict[str, str] = {
    "illegal_parking": DepartmentType.TRAFFIC_POLICE,
    "road_damage": DepartmentType.URBAN_MANAGEMENT,
    "street_light": DepartmentType.URBAN_MANAGEMENT,
    "garbage": DepartmentType.URBAN_MANAGEMENT,
    "flooding": DepartmentType.URBAN_MANAGEMENT,
}
URGENT_SHARE: dict[str, float] = {
    "safety_hazard": 0.4,
    "fire_hazard": 0.35,
    "manhole_cover": 0.3,
    "flooding": 0.25,
    "traffic_signal": 0.2,
}
# Points the handler picks for a ranged category: (low, high) within the rule's range.
POINTS_PICK: dict[str, tuple[int, int]] = {
    "illegal_parking": (5, 10),
    "garbage": (5, 10),
    "street_light": (10, 15),
    "flooding": (10, 20),
    "road_damage": (10, 20),
    "traffic_signal": (15, 25),
    "manhole_cover": (20, 30),
    "fire_hazard": (20, 30),
}

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "public_security_clue": (
        "小区门口有人反复兜售来路不明的电动车电池，形迹可疑。",
        "送餐时发现出租屋内疑似聚众赌博，晚上人员进出频繁。",
        "路边停着一辆无牌面包车，车上的人在记录各家快递柜取件码。",
        "夜里有人在撬共享电单车的电池，已经连续几天看到。",
    ),
    "safety_hazard": (
        "人行道上的广告牌松动，风一吹就晃，下面每天很多人经过。",
        "工地围挡倒了一段，钢管伸到非机动车道上。",
        "桥下的护栏断了一截，晚上骑车很危险。",
        "老旧楼栋外墙瓷砖脱落，掉在单元门口。",
    ),
    "traffic_signal": (
        "路口信号灯不亮，车辆和行人抢行，很容易出事。",
        "左转信号灯一直是红灯，早高峰车排了很长。",
        "人行横道的绿灯只有几秒，老人过不去。",
        "信号灯黄灯一直闪，路口没有交警疏导。",
    ),
    "road_damage": (
        "非机动车道上有一个大坑，下雨后看不见，已经有人摔倒。",
        "路面塌陷了一块，周边有裂缝。",
        "人行道地砖大面积松动翘起，推车过不去。",
        "减速带被压坏了，螺丝露在外面会扎轮胎。",
    ),
    "manhole_cover": (
        "井盖不见了，只剩一个黑洞，晚上非常危险。",
        "井盖破了一个角，电动车压过去会翻。",
        "井盖下沉，比路面低了十几厘米。",
        "雨水井盖松动，车一压就响，还会翘起来。",
    ),
    "illegal_parking": (
        "私家车长期占用消防通道，救护车进不来。",
        "几辆车停在非机动车道上，骑手只能绕到机动车道。",
        "小区出入口被货车堵住，早上送件进不去。",
        "盲道上停满了车，附近有学校。",
        "路口转角处违停，视线被挡住，差点撞到行人。",
    ),
    "fire_hazard": (
        "楼道里堆满纸箱和旧家具，堵住了安全出口。",
        "有人从楼上拉电线给电动车飞线充电。",
        "商铺门口消防栓被杂物围住，打不开。",
        "地下车库里有人给电瓶车充电，已经冒过烟。",
    ),
    "garbage": (
        "垃圾桶满了好几天没人清运，味道很大。",
        "路边有人偷倒建筑垃圾，堆了一大堆。",
        "菜市场门口垃圾散落一地，苍蝇很多。",
        "绿化带里被扔了很多外卖盒和塑料袋。",
        "小区大件垃圾堆在路边一个多星期了。",
    ),
    "street_light": (
        "这一段路灯全灭了，晚上送件看不清路。",
        "路灯一闪一闪的，时亮时灭。",
        "小巷口的路灯灯罩掉了，灯泡也坏了。",
        "路灯白天也开着，晚上反而不亮。",
    ),
    "flooding": (
        "下雨后路面积水没过脚踝，电动车不敢过。",
        "地下通道积水很深，有车熄火。",
        "雨水口被落叶堵住，积水排不出去。",
        "路口低洼处积水，行人只能踩着砖头过。",
    ),
}
CONFIRM_COMMENTS = ("处理很及时，点赞！", "谢谢社区的同志。", "", "速度很快，辛苦了。", "已经修好了，谢谢。", "")
DISPUTE_COMMENTS = ("现场问题依然存在。", "只处理了一半，还没有彻底解决。", "过了两天又出现了。")
START_NOTES = ("已安排人员到现场处置。", "网格员已到现场查看。", "已联系责任单位到场处理。")
MERGE_NOTE = "该问题已有其他小哥反映，已合并到同一案件办理，办理进展会同步告知您。"


# --- Staff -----------------------------------------------------------------------------------
def _department_staff(users: dict[str, User], created: Counter[str]) -> None:
    """A handler for each district's traffic police, urban management and public security, where
    none is named yet, so forwarded and routed cases have someone to take them."""
    departments = list(
        Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT, department_type__in=STAFFED_DEPARTMENTS, code__startswith="wh-"
        ).order_by("code")
    )
    staffed = set(
        Membership.objects.filter(organisation__in=departments, role__in=[Role.HANDLER, Role.ADMIN]).values_list(
            "organisation_id", flat=True
        )
    )
    city_admin = next((u for u in users.values() if u.phone == data.DEMO_STAFF[0].phone), None)
    # The demo password's hash, shared like the rest of the demo accounts.
    password = users[COURIER].password if COURIER in users else "!"
    rng = random.Random("wuhan-department-staff")  # noqa: S311 - demo data, not security
    for number, org in enumerate(departments, start=1):
        name = person_name(rng, female_share=0.3)
        if org.pk in staffed:
            continue
        phone = str(DEPARTMENT_STAFF_PHONE_BASE + number)
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create(phone=phone, name=name, password=password)
            users[phone] = user
            created["users"] += 1
        Membership.objects.create(user=user, organisation=org, role=Role.HANDLER, granted_by=city_admin)
        created["memberships"] += 1


def _acting_staff() -> dict[int, User]:
    """Who acts for each organisation in the history: its first handler, else its first admin."""
    acting: dict[int, User] = {}
    memberships = (
        Membership.objects.filter(role__in=[Role.HANDLER, Role.ADMIN], user__is_active=True)
        .select_related("user")
        .order_by("organisation_id", "-role", "pk")  # "handler" sorts after "admin": handlers first
    )
    for membership in memberships:
        acting.setdefault(membership.organisation_id, membership.user)
    return acting


# --- Planning ----------------------------------------------------------------------------------
@dataclass
class CaseSpec:
    at: datetime
    reporter: User
    category: str
    community: Region
    outcome: str
    urgent: bool = False
    description: str = ""
    duplicate_of: CaseSpec | None = None
    case_id: int | None = None
    # For the fixed storylines: natural hours after opening at which each step happens.
    pace: dict[str, float] = field(default_factory=dict)


# Outcome of a life played to the end; recent cases stop wherever "now" cuts them.
OUTCOMES: dict[str, float] = {
    "closed": 46,
    "auto_closed": 10,
    "disputed": 6,
    "rejected": 10,
    "forwarded": 10,
    "returned": 3,
}


def _point_in(rng: random.Random, community: Region) -> tuple[float, float]:
    """A point about 100 m around the community's centre (which lies inside its boundary)."""
    angle = rng.uniform(0, 2 * math.pi)
    radius = rng.uniform(0, 0.0009)
    return round(community.lat + radius * math.sin(angle), 6), round(community.lng + radius * math.cos(angle), 6)


def _opened_at(rng: random.Random, now: datetime, days_ago: float) -> datetime:
    """A moment `days_ago` days back at an hour when couriers are on the road (7:00–22:00)."""
    day = timezone.localtime(now - timedelta(days=days_ago), SHANGHAI).date()
    hour = rng.choices(range(7, 22), weights=[3, 5, 6, 6, 7, 8, 7, 6, 6, 6, 7, 8, 7, 5, 3])[0]
    moment = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=SHANGHAI)
    return min(moment, now - timedelta(minutes=30))


def _plan(
    rng: random.Random,
    now: datetime,
    workers: list[WorkerProfile],
    communities: list[Region],
    by_code: dict[str, Region],
    users: dict[str, User],
) -> list[CaseSpec]:
    specs: list[CaseSpec] = []
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    from .wuhan import city_plan

    urban = {r.code for r in city_plan().regions if r.urban}
    community_weights = [3.0 if c.code in urban else 1.0 for c in communities]
    # A few keen reporters file many reports; most file one or two.
    activity = [1 / (rank + 1) ** 0.7 for rank in range(len(workers))]
    outcomes = list(OUTCOMES)
    outcome_weights = list(OUTCOMES.values())
    for _ in range(CASE_COUNT):
        days_ago = rng.uniform(0, HISTORY_DAYS) if rng.random() < 0.85 else rng.uniform(0, 10)
        at = _opened_at(rng, now, days_ago)
        eligible = [(w, a) for w, a in zip(workers, activity, strict=True) if w.created_at < at - timedelta(days=1)]
        if not eligible:
            continue
        profile = rng.choices([w for w, _a in eligible], weights=[a for _w, a in eligible])[0]
        category = rng.choices(categories, weights=weights)[0]
        if rng.random() < 0.55:
            community = by_code.get(profile.community.code, profile.community)
        else:
            community = rng.choices(communities, weights=community_weights)[0]
        outcome = rng.choices(outcomes, weights=outcome_weights)[0]
        age = (now - at).total_seconds() / 86400
        if 1 <= age <= 8 and rng.random() < 0.3:
            outcome = "neglected"  # nobody took it up: the sweep escalates it
        elif 5 <= age <= 12 and rng.random() < 0.15:
            outcome = "stalled"  # accepted, then left past its resolve deadline
        if outcome in ("forwarded", "returned") and category not in FORWARD_TO:
            outcome = "closed"
        spec = CaseSpec(
            at=at,
            reporter=profile.user,
            category=category,
            community=community,
            outcome=outcome,
            urgent=rng.random() < URGENT_SHARE.get(category, 0.02),
            description=rng.choice(DESCRIPTIONS[category]),
        )
        specs.append(spec)
        if category != "public_security_clue" and outcome not in ("rejected", "neglected") and rng.random() < 0.1:
            # Someone else reports the same thing a few hours later: merged into the first.
            others = [w for w, _a in eligible if w.user_id != profile.user_id]
            specs.append(
                CaseSpec(
                    at=min(at + timedelta(hours=rng.uniform(1, 20)), now - timedelta(minutes=20)),
                    reporter=rng.choice(others).user,
                    category=category,
                    community=community,
                    outcome="duplicate",
                    description=rng.choice(DESCRIPTIONS[category]),
                    duplicate_of=spec,
                )
            )
    specs += _storylines(now, users, by_code, rng, workers)
    specs.sort(key=lambda s: (s.duplicate_of is not None, s.at))
    # A duplicate is played after its first report whatever the times.
    return specs


def _storylines(
    now: datetime,
    users: dict[str, User],
    by_code: dict[str, Region],
    rng: random.Random,
    workers: list[WorkerProfile],
) -> list[CaseSpec]:
    """The demo people's own cases: what the courier sees in "my reports", what waits in the
    traffic police handler's queue."""
    from .wuhan import city_plan

    names = city_plan().region_by_names
    xichangkou = by_code[names[data.XICHANGKOU]]
    jian = by_code[names[data.JIAN]]
    specs: list[CaseSpec] = []

    def day(days: float, hour: int, minute: int = 0) -> datetime:
        local = timezone.localtime(now - timedelta(days=days), SHANGHAI)
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)

    courier = users.get(COURIER)
    if courier is not None:
        mine: tuple[tuple[datetime, str, str, dict[str, float]], ...] = (
            (day(70, 10, 12), "garbage", "closed", {}),
            (day(41, 8, 40), "manhole_cover", "disputed", {}),
            (day(20, 21, 5), "public_security_clue", "closed", {}),
            (day(12, 15, 30), "illegal_parking", "rejected", {}),
            # Resolved yesterday, waiting for his rating.
            (now - timedelta(days=3), "road_damage", "closed", {"accept": 3, "resolve": 48, "confirm": 24 * 30}),
            # Work began this morning.
            (now - timedelta(hours=26), "street_light", "closed", {"accept": 2, "start": 20, "resolve": 24 * 30}),
            # Just sent: waiting in the 西厂口 handler's queue.
            (now - timedelta(minutes=50), "garbage", "closed", {"accept": 24 * 30}),
        )
        for at, category, outcome, pace in mine:
            specs.append(
                CaseSpec(
                    at=min(at, now - timedelta(minutes=30)),
                    reporter=courier,
                    category=category,
                    community=xichangkou,
                    outcome=outcome,
                    description=DESCRIPTIONS[category][0],
                    pace=pace,
                )
            )
    rider = users.get(RIDER)
    if rider is not None:
        rides: tuple[tuple[int, str, str, dict[str, float]], ...] = (
            (33, "illegal_parking", "forwarded", {}),
            (16, "garbage", "closed", {}),
            # Resolved, then "not fixed" yesterday: back with the community.
            (6, "fire_hazard", "disputed", {"accept": 1, "resolve": 30, "dispute": 24 * 5, "restart": 24 * 30}),
        )
        for days, category, outcome, pace in rides:
            specs.append(
                CaseSpec(
                    at=day(days, 12, 20),
                    reporter=rider,
                    category=category,
                    community=jian,
                    outcome=outcome,
                    description=DESCRIPTIONS[category][1],
                    pace=pace,
                )
            )
    # Signals out in 武昌 within the last hours: the traffic police handler's queue.
    wuchang = [c for c in by_code.values() if c.level == RegionLevel.COMMUNITY and c.code.startswith("420106")]
    wuchang.sort(key=lambda c: c.code)
    reporters = [w.user for w in workers if w.created_at < now - timedelta(days=2)]
    for minutes in (25, 70, 140):
        specs.append(
            CaseSpec(
                at=now - timedelta(minutes=minutes),
                reporter=rng.choice(reporters),
                category="traffic_signal",
                community=rng.choice(wuchang),
                outcome="closed",
                description=rng.choice(DESCRIPTIONS["traffic_signal"]),
                pace={"accept": 24 * 30},
            )
        )
    return specs


# --- Playing a life ----------------------------------------------------------------------------
class _Later(Exception):
    """The rest of this case's life lies in the future."""


class _History:
    def __init__(self, *, now: datetime, rng: random.Random, acting: dict[int, User]) -> None:
        self.now = now
        self.rng = rng
        self.acting = acting
        self.replies: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for t in ResponseTemplate.objects.filter(kind=CaseKind.REPORT, is_active=True).order_by("pk"):
            self.replies[(t.category, t.action)].append((t.title, t.body))
        self.departments = {
            (o.region_id, o.department_type): o
            for o in Organisation.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True).order_by("pk")
        }
        self.points_range: dict[str, tuple[int, int] | None] = {}

    def reply(self, category: str, action: str) -> str:
        pool = self.replies.get((category, action), []) + self.replies.get(("", action), [])
        return self.rng.choice(pool)[1] if pool else ""

    def when(self, at: datetime) -> datetime:
        if at >= self.now:
            raise _Later
        return at

    def points(self, category: str, community: Region, at: datetime) -> int | None:
        if category not in self.points_range:
            rule = point_rules.rule_for(source=PointsSource.REPORT, category=category, region=community, on=at)
            ranged = rule is not None and rule.points_min != rule.points_max
            self.points_range[category] = (rule.points_min, rule.points_max) if rule is not None and ranged else None
        bounds = self.points_range[category]
        if bounds is None:
            return None
        low, high = POINTS_PICK.get(category, bounds)
        return max(bounds[0], min(bounds[1], self.rng.randint(low, high)))

    def department(self, case: Case, department_type: str) -> Organisation | None:
        district_code = (case.region.code if case.region is not None else "")[:6]
        district = Region.objects.filter(code=district_code, level=RegionLevel.DISTRICT).first()
        return self.departments.get((district.pk if district else 0, department_type))


def _pace(spec: CaseSpec, step: str, default: Callable[[], datetime], opened: datetime) -> datetime:
    if step in spec.pace:
        return opened + timedelta(hours=spec.pace[step])
    return default()


def _play(h: _History, spec: CaseSpec) -> Case | None:
    """Submit the report and take it through its planned life, stopping at now."""
    rng = h.rng
    lat, lng = _point_in(rng, spec.community)
    report = report_submit(
        reporter=spec.reporter,
        category_code=spec.category,
        description=spec.description,
        lat=lat,
        lng=lng,
        address=f"{spec.community.name}附近",
        urgent=spec.urgent,
        at=spec.at,
    )
    case = report.case
    spec.case_id = case.pk
    with contextlib.suppress(_Later):
        _live(h, spec, case)
    return case


def _staff(h: _History, case: Case) -> User:
    # Read afresh: forward, return and escalation move the case under this stale instance.
    org_id = Case.objects.filter(pk=case.pk).values_list("organisation_id", flat=True).get()
    actor = h.acting.get(org_id)
    if actor is None:
        raise _Later  # nobody works there in the demo city: it waits
    return actor


def _live(h: _History, spec: CaseSpec, case: Case) -> None:
    rng = h.rng
    opened = spec.at
    outcome = spec.outcome
    if outcome == "neglected":
        return
    if outcome == "duplicate":
        master = spec.duplicate_of
        if master is None or master.case_id is None:
            return
        actor = _staff(h, case)
        at = h.when(add_working_hours(opened, rng.uniform(0.3, 2)))
        if not cases_visible_to(actor).filter(pk=master.case_id).exists():
            return
        cases.case_merge(case_id=case.pk, actor=actor, duplicate_of=master.case_id, note=MERGE_NOTE, at=at)
        return

    def first_response() -> datetime:
        if spec.urgent:
            return opened + timedelta(minutes=rng.uniform(10, 90))
        return add_working_hours(opened, rng.uniform(0.3, 4))

    at = h.when(_pace(spec, "accept", first_response, opened))
    if outcome in ("forwarded", "returned"):
        target = h.department(case, FORWARD_TO[spec.category])
        if target is not None and target.pk != case.organisation_id:
            actor = _staff(h, case)
            cases.case_forward(
                case_id=case.pk,
                actor=actor,
                to_org=target,
                note=f"该问题属{target.short_name or target.name}职责范围，转请处理。",
                at=at,
            )
            at = h.when(add_working_hours(at, rng.uniform(0.5, 4)))
            if outcome == "returned":
                cases.case_return(
                    case_id=case.pk,
                    actor=_staff(h, case),
                    note="经核实，该问题属社区日常管理范围，不属于本部门职责，退回社区处理。",
                    at=at,
                )
                at = h.when(add_working_hours(at, rng.uniform(0.5, 3)))
    actor = _staff(h, case)
    if outcome == "rejected":
        cases.case_reject(case_id=case.pk, actor=actor, note=h.reply(spec.category, CaseAction.REJECT), at=at)
        return
    cases.case_accept(
        case_id=case.pk,
        actor=actor,
        note=h.reply(spec.category, CaseAction.ACCEPT) if rng.random() < 0.7 else "",
        points=h.points(spec.category, spec.community, at),
        at=at,
    )
    accepted = at
    if outcome == "stalled":
        return
    if rng.random() < 0.6 or "start" in spec.pace:
        at = h.when(_pace(spec, "start", lambda: add_working_hours(accepted, rng.uniform(0.5, 6)), opened))
        cases.case_start(case_id=case.pk, actor=actor, note=rng.choice(START_NOTES), at=at)
    resolve_at = _pace(spec, "resolve", lambda: add_working_hours(accepted, rng.uniform(2, 30)), opened)
    at = h.when(max(resolve_at, at + timedelta(minutes=rng.uniform(20, 90))))
    cases.case_resolve(case_id=case.pk, actor=actor, note=h.reply(spec.category, CaseAction.RESOLVE), at=at)
    if outcome == "disputed":
        resolved_first = at
        at = h.when(_pace(spec, "dispute", lambda: resolved_first + timedelta(hours=rng.uniform(6, 40)), opened))
        cases.case_feedback(
            case_id=case.pk,
            worker=spec.reporter,
            rating=rng.choice((1, 2)),
            comment=rng.choice(DISPUTE_COMMENTS),
            resolved=False,
            at=at,
        )
        disputed = at
        at = h.when(_pace(spec, "restart", lambda: add_working_hours(disputed, rng.uniform(1, 6)), opened))
        cases.case_start(case_id=case.pk, actor=actor, note="已重新安排人员到现场处置。", at=at)
        at = h.when(add_working_hours(at, rng.uniform(2, 12)))
        cases.case_resolve(case_id=case.pk, actor=actor, note=h.reply(spec.category, CaseAction.RESOLVE), at=at)
    if outcome == "auto_closed":
        # The system's close of what the reporter never rated, when its sweep would have run.
        close_at = at + timedelta(days=cases.auto_close_days(), minutes=rng.uniform(5, 15))
        cases.case_close_unrated(case_id=case.pk, at=h.when(close_at))
        return
    resolved = at
    at = h.when(_pace(spec, "confirm", lambda: resolved + timedelta(hours=rng.uniform(1, 60)), opened))
    cases.case_feedback(
        case_id=case.pk,
        worker=spec.reporter,
        rating=rng.choices((5, 4, 3), weights=(6, 3, 1))[0],
        comment=rng.choice(CONFIRM_COMMENTS),
        resolved=True,
        at=at,
    )


def _sweep_ticks(now: datetime, days: int = 12) -> list[datetime]:
    """When the periodic escalation job would have run over the last days (sampled), then now."""
    ticks = []
    today = timezone.localtime(now, SHANGHAI).date()
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        for hour in (9, 15):
            tick = datetime.combine(day, time(hour, 30), tzinfo=SHANGHAI)
            if tick < now:
                ticks.append(tick)
    return [*ticks, now]


# --- Notifications -----------------------------------------------------------------------------
def _quiet_history(original: Any) -> Callable[..., None]:
    def deliver(**kwargs: Any) -> None:
        # Urgent cases from weeks ago would otherwise text their staff on every demo load.
        original(**{**kwargs, "sms": False})

    return deliver


def _replay_begin(state: dict[str, Any]) -> None:
    state["original"] = case_notify_module.deliver
    state["first_id"] = (Notification.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    case_notify_module.deliver = _quiet_history(state["original"])


def _replay_end(state: dict[str, Any], case_ids: list[int], now: datetime) -> None:
    """Restore delivery, date each history message at its step and mark the old ones read."""
    case_notify_module.deliver = state["original"]
    notifications_backdate(first_id=state["first_id"], case_ids=case_ids, now=now)


def notifications_backdate(*, first_id: int, case_ids: list[int], now: datetime) -> int:
    """Give the inbox messages sent while replaying the history the time of the step they tell
    about, and mark as read those older than UNREAD_DAYS. Returns how many were changed."""
    wanted = set(case_ids)
    steps: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for case_id, action, at in (
        CaseEvent.objects.filter(case_id__in=wanted).order_by("at", "pk").values_list("case_id", "action", "at")
    ):
        steps[(case_id, action)].append(at)
    seen: Counter[tuple[int, int, str]] = Counter()
    changed = []
    read_before = now - timedelta(days=UNREAD_DAYS)
    rng = random.Random("wuhan-inbox")  # noqa: S311 - demo data, not security
    for note in Notification.objects.filter(pk__gte=first_id, kind__startswith="case_").order_by("pk"):
        case_id, action = note.data.get("case"), note.data.get("action")
        if case_id not in wanted or not steps.get((case_id, action)):
            continue
        times = steps[(case_id, action)]
        index = seen[(note.recipient_id, case_id, action)]
        seen[(note.recipient_id, case_id, action)] += 1
        note.created_at = times[min(index, len(times) - 1)]
        note.read_at = (
            note.created_at + timedelta(minutes=rng.uniform(2, 240)) if note.created_at < read_before else None
        )
        changed.append(note)
    Notification.objects.bulk_update(changed, ["created_at", "read_at"], batch_size=500)
    return len(changed)


# --- Loading -----------------------------------------------------------------------------------
def load_casework(*, now: datetime, users: dict[str, User], created: Counter[str]) -> None:
    """The catalogue and replies (what is missing), department handlers, and the report history
    when there is none yet."""
    categories = ReportCategory.objects.count()
    report_categories_ensure()
    if n := ReportCategory.objects.count() - categories:
        created["report categories"] += n
    if n := reply_templates_ensure():
        created["reply templates"] += n
    _department_staff(users, created)
    if Case.objects.filter(kind=CaseKind.REPORT).exists():
        return

    rng = random.Random("wuhan-casework")  # noqa: S311 - demo data, not security
    communities = list(Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith=data.CITY_CODE))
    communities.sort(key=lambda c: c.code)
    by_code = {c.code: c for c in communities}
    workers = list(
        WorkerProfile.objects.filter(checkin_status=CheckinStatus.CONFIRMED, user__phone__startswith="17700")
        .select_related("user", "community")
        .order_by("user__phone")
    )
    rng.shuffle(workers)
    history = _History(now=now, rng=rng, acting=_acting_staff())
    state: dict[str, Any] = {}
    transaction.on_commit(partial(_replay_begin, state))
    case_ids: list[int] = []
    for spec in _plan(rng, now, workers, communities, by_code, users):
        case = _play(history, spec)
        if case is not None:
            case_ids.append(case.pk)
    for tick in _sweep_ticks(now):
        cases.cases_escalate_overdue(now=tick)
    transaction.on_commit(partial(_replay_end, state, case_ids, now), robust=True)
    created["report cases"] += len(case_ids)


def casework_counts() -> dict[str, int]:
    """Report cases by status, for the loader's summary."""
    counts: Counter[str] = Counter(
        Case.objects.filter(kind=CaseKind.REPORT).values_list("status", flat=True).iterator()
    )
    return dict(counts)
