"""The demo city's 我的诉求: the routing rules and deadlines (appeals.services), a handler for each
industry committee and regulator, and about six months of appeal history across the three
industries and their enterprises, with the resolved share near the seed's 430 of 538.

Like the report history (casework.py), every appeal is submitted with the real
`appeals.services.appeal_submit` at its historical time and every later step goes through the
real services (the case engine's transitions, the appeals' feedback and supervision), so the
timelines, escalations, deadlines and figures are what the product would have written. Each
life is planned whole from seeded random numbers and played up to now; a step in the future
stops it there. The periodic escalation sweep runs at the end, at the times it would have run.

Who works where in the history: each organisation's first handler, else its first admin — for
an enterprise party organisation the generated admin (177 0002 xxxx), for the committees and
regulators the handlers added here (177 0004 xxxx).

History is written once: when any appeal exists, nothing is added.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, Membership, Role, User, WorkerProfile
from littlebee.appeals import services as appeals
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.cases import services as cases
from littlebee.cases.models import Case, CaseKind, CaseStatus
from littlebee.cases.selectors import cases_visible_to
from littlebee.cases.workdays import SHANGHAI, add_working_hours
from littlebee.orgs.models import Organisation, OrgKind

from . import wuhan_data as data
from .casework import _acting_staff, _Later, _opened_at, _replay_begin, _replay_end, _sweep_ticks
from .people import person_name

APPEAL_COUNT = 300
HISTORY_DAYS = 182
# Handlers the demo adds to the industry committees and regulators that have none, in the
# generated range the rest of the demo city uses.
SUPERVISOR_STAFF_PHONE_BASE = 17700040000
RIDER = "13800000002"

INVOLVES_WEIGHTS: dict[str, float] = {
    Involves.ENTERPRISE: 62,
    Involves.INDUSTRY_MANAGEMENT: 18,
    Involves.GRASSROOTS: 20,
}
TYPE_OF: dict[str, tuple[tuple[str, float], ...]] = {
    Involves.ENTERPRISE: ((AppealType.RIGHTS, 0.85), (AppealType.GROUP, 0.15)),
    Involves.INDUSTRY_MANAGEMENT: ((AppealType.INDUSTRY, 0.8), (AppealType.RIGHTS, 0.2)),
    Involves.GRASSROOTS: ((AppealType.GROUP, 0.6), (AppealType.INDUSTRY, 0.4)),
}
# The outcome of a life played to the end; recent appeals stop wherever "now" cuts them.
OUTCOMES: dict[str, float] = {
    "closed": 43,
    "auto_closed": 9,
    "escalated": 9,  # the enterprise did not accept in time: the committee resolves it
    "disputed": 6,  # the worker says "not fixed": re-handled (by the committee, for an enterprise)
    "supervised": 6,  # the committee comments, the enterprise resolves
    "taken_over": 5,  # the committee sets a deadline, then takes it over
    "rejected": 3,
    "merged": 2,
}
ENTERPRISE_ONLY = frozenset({"escalated", "supervised", "taken_over"})
ANONYMOUS_SHARE = 0.4
PUBLIC_SHARE = 0.55

# (subject, description) per industry ("" = any) and what the appeal involves.
SUBJECTS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    (Involves.ENTERPRISE, ""): (
        ("站点罚款标准不透明", "站点对超时、差评的罚款没有书面标准，每次扣多少全凭站长一句话。"),
        ("超时扣款过重", "恶劣天气单量暴增，超时一单扣十元，一天下来几乎白干。"),
        ("社保缴纳问题", "入职半年，公司一直没有给缴纳社保，问站点说我们是外包人员。"),
        ("劳务费发放延迟", "上个月的劳务费到现在还没结清，已经拖了二十多天。"),
        ("意外保险理赔难", "送件途中摔伤住院，保险理赔材料交了一个月没有任何回音。"),
        ("押金迟迟不退", "离职一个多月了，入职时交的装备押金一直不退。"),
    ),
    (Involves.ENTERPRISE, "express"): (
        ("派件量考核过高", "每天派件量考核两百件，完不成就扣钱，节假日也不例外。"),
        ("驿站代收费被克扣", "派到驿站的件每件被扣五毛，站点说是公司规定，没有文件。"),
    ),
    (Involves.ENTERPRISE, "food_delivery"): (
        ("商户出餐慢导致超时", "商户出餐慢，等餐二十分钟，超时却全算在骑手头上。"),
        ("平台派单距离过远", "系统经常派五公里以外的单，路上的时间都算成我们的超时。"),
        ("差评申诉无人处理", "顾客因为餐洒了给差评，申诉提交后一周没人处理，直接扣了分。"),
    ),
    (Involves.ENTERPRISE, "ride_hailing"): (
        ("平台抽成比例不透明", "平台抽成比例不公开，一单实际到手不到六成。"),
        ("账号被无故封禁", "账号突然被封，客服只说违规，不说是哪一单。"),
        ("平台派单距离过远", "接驾距离经常超过五公里，空驶油费全是自己出。"),
    ),
    (Involves.INDUSTRY_MANAGEMENT, ""): (
        ("电动车通行规定不清楚", "各区对电动车能不能上主干道的规定不一样，经常被拦下。"),
        ("希望统一劳动者权益保障标准", "同一个行业，不同企业的休息、保险待遇差别很大，希望出台统一标准。"),
    ),
    (Involves.INDUSTRY_MANAGEMENT, "express"): (
        ("快递末端派费被层层克扣", "总部的派费到网点、再到快递员手上，层层克扣，希望行业规范。"),
    ),
    (Involves.INDUSTRY_MANAGEMENT, "food_delivery"): (
        ("外卖平台算法规则不透明", "配送时间越压越短，平台算法怎么定的没人解释，希望主管部门过问。"),
    ),
    (Involves.INDUSTRY_MANAGEMENT, "ride_hailing"): (
        ("网约车运输证办理难", "办理网约车运输证要跑好几个部门，材料要求也不一致。"),
    ),
    (Involves.GRASSROOTS, ""): (
        ("小区禁止骑手进入", "好几个小区不让电动车进，只能步行送到楼下，超时很严重。"),
        ("电动车充电难", "住处附近没有集中充电点，只能把电池搬上楼充电，很不安全。"),
        ("缺少休息场所", "夏天中午没有地方歇脚喝水，只能在树荫下等单。"),
        ("小区门口停车被罚", "在小区门口临时停车送件，几分钟就被贴条。"),
        ("写字楼外卖柜不够用", "写字楼只有一个外卖柜，中午根本放不下，保安又不让上楼。"),
    ),
}
ACCEPT_NOTES = ("已收到，正在核实情况。", "已受理，将尽快联系您了解详情。", "")
RESOLVE_NOTES: dict[str, tuple[str, ...]] = {
    Involves.ENTERPRISE: (
        "经核实，已与站点沟通，取消不合理的罚款，并在站点公示罚款标准。",
        "已督促站点补缴社保，相关费用已在本月补齐。",
        "已核实情况，拖欠的费用已于本周补发到账。",
        "已调整恶劣天气时段的超时考核规则，今后同类情况不再扣款。",
        "已与商户和站点协调，出餐超时的订单不再计入骑手超时。",
    ),
    Involves.INDUSTRY_MANAGEMENT: (
        "已将情况提交行业协调会研究，相关规范将于下季度发布。",
        "已约谈相关企业，要求公开计费和考核规则。",
        "已开设办理绿色通道，材料清单已在官网统一公布。",
    ),
    Involves.GRASSROOTS: (
        "已协调物业开放骑手通道，登记后可进入小区。",
        "已在社区内新增电动车集中充电点，欢迎使用。",
        "社区暖新驿站已开放休息区，提供饮水和充电。",
        "已与城管沟通，在小区门口划定临时停车位。",
    ),
}
# The answer to each subject above: what a worker reads under "similar past appeals" must be the
# answer to that problem, not a random one of its kind.
ANSWERS: dict[str, str] = {
    "站点罚款标准不透明": "经核实，已与站点沟通，取消不合理的罚款，并在站点公示罚款标准。",
    "超时扣款过重": "已调整恶劣天气时段的超时考核规则，今后同类情况不再扣款。",
    "社保缴纳问题": "已督促站点补缴社保，相关费用已在本月补齐。",
    "劳务费发放延迟": "已核实情况，拖欠的劳务费已于本周补发到账。",
    "意外保险理赔难": "已督促保险公司加快审核，理赔款已到账，并指定专人跟进后续报销。",
    "押金迟迟不退": "已核实离职手续，装备押金已全额退还。",
    "派件量考核过高": "已与网点协商，节假日派件量考核下调，完不成不再直接扣钱。",
    "驿站代收费被克扣": "经核实公司并无此规定，网点已停止扣费并退还多扣的费用。",
    "商户出餐慢导致超时": "已与商户和站点协调，出餐超时的订单不再计入骑手超时。",
    "平台派单距离过远": "已反馈平台调整派单范围，超过五公里的订单可免责拒单。",
    "差评申诉无人处理": "已督促站点处理差评申诉，核实后撤销扣分。",
    "平台抽成比例不透明": "已约谈平台，要求在司机端公开每单的抽成比例。",
    "账号被无故封禁": "已督促平台复核，账号已解封，并告知了具体违规订单和申诉渠道。",
    "电动车通行规定不清楚": "已协调交管部门统一公布电动车通行规定，各区执法口径一致。",
    "希望统一劳动者权益保障标准": "已将情况提交行业协调会研究，相关规范将于下季度发布。",
    "快递末端派费被层层克扣": "已约谈相关企业，要求公开派费标准，不得层层克扣。",
    "外卖平台算法规则不透明": "已约谈平台，要求公开配送时间的计算规则并听取骑手意见。",
    "网约车运输证办理难": "已开设办理绿色通道，材料清单已在官网统一公布。",
    "小区禁止骑手进入": "已协调物业开放骑手通道，登记后可进入小区。",
    "电动车充电难": "已在社区内新增电动车集中充电点，欢迎使用。",
    "缺少休息场所": "社区暖新驿站已开放休息区，提供饮水和充电。",
    "小区门口停车被罚": "已与城管沟通，在小区门口划定临时停车位。",
    "写字楼外卖柜不够用": "已协调物业增设外卖柜，并在午间开放送餐专用电梯。",
}
REJECT_NOTES = (
    "经核实，该问题属于劳动争议，请向劳动人事争议仲裁委员会申请仲裁，我们可以协助准备材料。",
    "经核实反映的情况与事实不符，已当面向您说明。",
    "该问题已有生效处理结果，不再重复受理。",
)
SUPERVISE_NOTES = (
    "请企业党组织在三个工作日内核实并答复小哥。",
    "已电话督办，请站点负责人当面沟通处理。",
)
DEADLINE_NOTES = ("请于期限内办结并反馈。",)
TAKE_OVER_NOTES = ("企业党组织未能在期限内妥善处理，由行业党委提级办理。",)
RESTART_NOTE = "已重新核实，安排专人跟进。"
MERGE_NOTE = "同一问题已有其他小哥反映，已合并办理，进展会同步告知您。"
CONFIRM_COMMENTS = ("问题解决了，谢谢！", "处理很及时。", "", "辛苦了。", "")
DISPUTE_COMMENTS = ("罚款还是没有退。", "只是口头答复，没有实际解决。", "站点还是老样子。")


# --- Staff -----------------------------------------------------------------------------------
def _supervisor_staff(users: dict[str, User], created: Counter[str]) -> None:
    """A handler for each industry committee and regulator that has none, so escalated,
    supervised and industry-management appeals have someone to take them."""
    orgs = list(
        Organisation.objects.filter(
            kind__in=[OrgKind.INDUSTRY_COMMITTEE, OrgKind.REGULATOR], code__startswith="wh-", is_active=True
        ).order_by("kind", "code")
    )
    staffed = set(
        Membership.objects.filter(organisation__in=orgs, role=Role.HANDLER).values_list("organisation_id", flat=True)
    )
    city_admin = User.objects.filter(phone=data.DEMO_STAFF[0].phone).first()
    courier = users.get("13800000001")
    password = courier.password if courier is not None else "!"
    rng = random.Random("wuhan-supervisor-staff")  # noqa: S311 - demo data, not security
    for number, org in enumerate(orgs, start=1):
        name = person_name(rng, female_share=0.4)
        if org.pk in staffed:
            continue
        phone = str(SUPERVISOR_STAFF_PHONE_BASE + number)
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create(phone=phone, name=name, password=password)
            users[phone] = user
            created["users"] += 1
        Membership.objects.create(user=user, organisation=org, role=Role.HANDLER, granted_by=city_admin)
        created["memberships"] += 1


# --- Planning ----------------------------------------------------------------------------------
@dataclass
class AppealSpec:
    at: datetime
    worker: User
    industry: str
    enterprise_id: int | None
    involves: str
    type: str
    subject: str
    description: str
    outcome: str
    anonymous: bool = False
    public: bool = False
    # For the fixed storylines: natural hours after sending at which each step happens.
    pace: dict[str, float] = field(default_factory=dict)


def _answer(rng: random.Random, spec: AppealSpec) -> str:
    """The resolution of the spec's subject. A note of its kind is still drawn, so the demo's
    random sequence (and so every other fact of the history) stays as it was."""
    drawn = rng.choice(RESOLVE_NOTES[spec.involves])
    return ANSWERS.get(spec.subject, drawn)


def _subject(rng: random.Random, involves: str, industry: str) -> tuple[str, str]:
    pool = SUBJECTS[(involves, "")] + SUBJECTS.get((involves, industry), ())
    return rng.choice(pool)


def _plan(rng: random.Random, now: datetime, workers: list[WorkerProfile]) -> list[AppealSpec]:
    specs: list[AppealSpec] = []
    # A few workers appeal several times; most once.
    activity = [1 / (rank + 1) ** 0.5 for rank in range(len(workers))]
    outcomes, outcome_weights = list(OUTCOMES), list(OUTCOMES.values())
    involves_all, involves_weights = list(INVOLVES_WEIGHTS), list(INVOLVES_WEIGHTS.values())
    for _ in range(APPEAL_COUNT):
        days_ago = rng.uniform(0, HISTORY_DAYS) if rng.random() < 0.88 else rng.uniform(0, 14)
        at = _opened_at(rng, now, days_ago)
        eligible = [(w, a) for w, a in zip(workers, activity, strict=True) if w.created_at < at - timedelta(days=2)]
        if not eligible:
            continue
        profile = rng.choices([w for w, _a in eligible], weights=[a for _w, a in eligible])[0]
        enterprise = profile.enterprise
        assert enterprise is not None
        involves = rng.choices(involves_all, weights=involves_weights)[0]
        kinds, kind_weights = zip(*TYPE_OF[involves], strict=True)
        outcome = rng.choices(outcomes, weights=outcome_weights)[0]
        if outcome in ENTERPRISE_ONLY and involves != Involves.ENTERPRISE:
            outcome = "closed"
        age = (now - at).total_seconds() / 86400
        if 1 <= age <= 9 and rng.random() < 0.2:
            outcome = "neglected"  # nobody took it up: the sweep escalates it
        elif 6 <= age <= 20 and rng.random() < 0.04:
            outcome = "stalled"  # accepted, then left past its resolve deadline
        elif outcome == "disputed" and age <= 25:
            outcome = "dispute_pending"  # the worker said "not fixed" lately: being handled again
        subject, description = _subject(rng, involves, enterprise.industry)
        specs.append(
            AppealSpec(
                at=at,
                worker=profile.user,
                industry=enterprise.industry,
                enterprise_id=enterprise.pk if involves == Involves.ENTERPRISE else None,
                involves=involves,
                type=rng.choices(kinds, weights=kind_weights)[0],
                subject=subject,
                description=description,
                outcome=outcome,
                anonymous=involves == Involves.ENTERPRISE and rng.random() < ANONYMOUS_SHARE,
                public=rng.random() < PUBLIC_SHARE,
            )
        )
    specs.sort(key=lambda s: s.at)
    return specs


def _rider_story(now: datetime, users: dict[str, User]) -> list[AppealSpec]:
    """The demo rider's own appeals: one resolved and rated, one 饿了么 is working on."""
    rider = users.get(RIDER)
    profile = WorkerProfile.objects.filter(user=rider).select_related("enterprise").first() if rider else None
    if rider is None or profile is None or profile.enterprise is None:
        return []

    def day(days: float, hour: int, minute: int = 0) -> datetime:
        local = timezone.localtime(now - timedelta(days=days), SHANGHAI)
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)

    industry = profile.enterprise.industry
    return [
        AppealSpec(
            at=day(46, 13, 20),
            worker=rider,
            industry=industry,
            enterprise_id=None,
            involves=Involves.GRASSROOTS,
            type=AppealType.GROUP,
            subject="电动车充电难",
            description="机安社区附近没有集中充电点，骑手只能把电池搬上楼充电，很不安全。",
            outcome="closed",
            public=True,
            pace={"accept": 2, "start": 20, "resolve": 24 * 6, "confirm": 24 * 7, "rating": 5},
        ),
        AppealSpec(
            at=day(8, 21, 10),
            worker=rider,
            industry=industry,
            enterprise_id=profile.enterprise_id,
            involves=Involves.ENTERPRISE,
            type=AppealType.RIGHTS,
            subject="商户出餐慢导致超时",
            description="汉街附近几家商户出餐慢，等餐二十分钟，超时却全算在骑手头上，希望站点核实后免除。",
            outcome="closed",
            pace={"accept": 14, "start": 30, "resolve": 24 * 40},
        ),
    ]


# --- Playing a life ----------------------------------------------------------------------------
class _History:
    def __init__(self, *, now: datetime, rng: random.Random, acting: dict[int, User]) -> None:
        self.now = now
        self.rng = rng
        self.acting = acting
        self.last_at_org: dict[int, int] = {}  # an earlier appeal at each organisation, to merge into

    def when(self, at: datetime) -> datetime:
        if at >= self.now:
            raise _Later
        return at

    def staff(self, case_id: int) -> User:
        # Read afresh: escalation and take-over move the case under a stale instance.
        org_id = Case.objects.filter(pk=case_id).values_list("organisation_id", flat=True).get()
        actor = self.acting.get(org_id)
        if actor is None:
            raise _Later  # nobody works there in the demo city: it waits
        return actor


def _play(h: _History, spec: AppealSpec) -> int:
    appeal = appeals.appeal_submit(
        worker=spec.worker,
        type=spec.type,
        involves=spec.involves,
        enterprise_id=spec.enterprise_id,
        subject=spec.subject,
        description=spec.description,
        anonymous_to_enterprise=spec.anonymous,
        outcome_public=spec.public,
        at=spec.at,
    )
    with contextlib.suppress(_Later):
        _live(h, spec, appeal)
    return appeal.pk


def _step(spec: AppealSpec, name: str, default: datetime) -> datetime:
    return spec.at + timedelta(hours=spec.pace[name]) if name in spec.pace else default


def _live(h: _History, spec: AppealSpec, appeal: Appeal) -> None:
    rng, case_id, outcome = h.rng, appeal.pk, spec.outcome
    case = appeal.case
    org_id = case.organisation_id
    earlier = h.last_at_org.get(org_id)
    h.last_at_org[org_id] = case_id
    if outcome == "neglected":
        return
    if outcome == "merged":
        at = h.when(add_working_hours(spec.at, rng.uniform(1, 6)))
        actor = h.staff(case_id)
        if (
            earlier is not None
            and cases_visible_to(actor)
            .filter(pk=earlier)
            .exclude(status__in=[CaseStatus.MERGED, CaseStatus.REJECTED])
            .exists()
        ):
            cases.case_merge(case_id=case_id, actor=actor, duplicate_of=earlier, note=MERGE_NOTE, at=at)
            return
        outcome = "closed"  # nothing to merge into: handled on its own
    committee = appeal.supervisor
    if outcome == "escalated":
        # The enterprise lets its acceptance deadline pass: the sweep moves it to the committee.
        assert case.accept_due_at is not None
        at = h.when(case.accept_due_at + timedelta(minutes=rng.uniform(5, 240)))
        cases.case_escalate(case_id=case_id, at=at)
        at = h.when(add_working_hours(at, rng.uniform(0.5, 6)))
    else:
        at = h.when(_step(spec, "accept", add_working_hours(spec.at, rng.uniform(0.5, 12))))
    actor = h.staff(case_id)
    if outcome == "rejected":
        cases.case_reject(case_id=case_id, actor=actor, note=rng.choice(REJECT_NOTES), at=at)
        return
    if outcome == "taken_over" and committee is not None:
        # The enterprise accepts, but the committee sets it a deadline and then takes it over.
        cases.case_accept(case_id=case_id, actor=actor, note=rng.choice(ACCEPT_NOTES), at=at)
        chief = h.acting.get(committee.pk)
        if chief is None:
            return
        at = h.when(add_working_hours(at, rng.uniform(8, 24)))
        appeals.appeal_set_deadline(
            appeal_id=case_id,
            actor=chief,
            due_at=add_working_hours(at, 24),
            note=rng.choice(DEADLINE_NOTES),
            at=at,
        )
        at = h.when(add_working_hours(at, rng.uniform(26, 40)))
        appeals.appeal_take_over(appeal_id=case_id, actor=chief, note=rng.choice(TAKE_OVER_NOTES), at=at)
        at = h.when(add_working_hours(at, rng.uniform(0.5, 4)))
        actor = h.staff(case_id)
        if Case.objects.filter(pk=case_id, status=CaseStatus.SUBMITTED).exists():
            cases.case_accept(case_id=case_id, actor=actor, note="行业党委已接手办理。", at=at)
    else:
        cases.case_accept(case_id=case_id, actor=actor, note=rng.choice(ACCEPT_NOTES), at=at)
    accepted = at
    if outcome == "stalled":
        return
    if outcome == "supervised" and committee is not None and (chief := h.acting.get(committee.pk)) is not None:
        at = h.when(add_working_hours(at, rng.uniform(4, 20)))
        appeals.appeal_supervise_comment(appeal_id=case_id, actor=chief, note=rng.choice(SUPERVISE_NOTES), at=at)
    if rng.random() < 0.35 or "start" in spec.pace:
        at = h.when(_step(spec, "start", add_working_hours(max(at, accepted), rng.uniform(1, 12))))
        cases.case_start(case_id=case_id, actor=actor, note="已联系小哥了解情况。", at=at)
    at = h.when(max(_step(spec, "resolve", add_working_hours(accepted, rng.uniform(8, 70))), at + timedelta(hours=1)))
    cases.case_resolve(case_id=case_id, actor=actor, note=_answer(rng, spec), at=at)
    if outcome in ("disputed", "dispute_pending"):
        at = h.when(at + timedelta(hours=rng.uniform(6, 48)))
        appeals.appeal_feedback(
            appeal_id=case_id,
            worker=spec.worker,
            rating=rng.choice((1, 2)),
            comment=rng.choice(DISPUTE_COMMENTS),
            resolved=False,
            at=at,
        )
        if outcome == "dispute_pending":
            return
        # Held by the enterprise, the dispute has gone up to the committee: its handler re-handles it.
        at = h.when(add_working_hours(at, rng.uniform(1, 8)))
        actor = h.staff(case_id)
        if Case.objects.filter(pk=case_id, status=CaseStatus.SUBMITTED).exists():
            cases.case_accept(case_id=case_id, actor=actor, note=RESTART_NOTE, at=at)
        else:
            cases.case_start(case_id=case_id, actor=actor, note=RESTART_NOTE, at=at)
        at = h.when(add_working_hours(at, rng.uniform(4, 30)))
        cases.case_resolve(case_id=case_id, actor=actor, note=_answer(rng, spec), at=at)
    if outcome == "auto_closed":
        close_at = at + timedelta(days=cases.auto_close_days(), minutes=rng.uniform(5, 15))
        cases.case_close_unrated(case_id=case_id, at=h.when(close_at))
        return
    resolved = at
    at = h.when(_step(spec, "confirm", resolved + timedelta(hours=rng.uniform(1, 72))))
    rating = int(spec.pace["rating"]) if "rating" in spec.pace else rng.choices((5, 4, 3, 2), weights=(6, 3, 1, 0.5))[0]
    appeals.appeal_feedback(
        appeal_id=case_id,
        worker=spec.worker,
        rating=rating,
        comment=rng.choice(CONFIRM_COMMENTS),
        resolved=True,
        at=at,
    )


# --- Loading -----------------------------------------------------------------------------------
def load_appeals(*, now: datetime, users: dict[str, User], created: Counter[str]) -> None:
    """The routing rules and deadlines (what is missing), the committees' and regulators'
    handlers, and the appeal history when there is none yet."""
    appeals.appeal_routing_ensure()
    _supervisor_staff(users, created)
    if Appeal.objects.exists():
        return

    rng = random.Random("wuhan-appeals")  # noqa: S311 - demo data, not security
    workers = list(
        WorkerProfile.objects.filter(
            checkin_status=CheckinStatus.CONFIRMED, enterprise__isnull=False, user__phone__startswith="17700"
        )
        .select_related("user", "enterprise", "community")
        .order_by("user__phone")
    )
    rng.shuffle(workers)
    history = _History(now=now, rng=rng, acting=_acting_staff())
    state: dict[str, Any] = {}
    transaction.on_commit(partial(_replay_begin, state))
    case_ids: list[int] = []
    specs = sorted(_plan(rng, now, workers) + _rider_story(now, users), key=lambda s: s.at)
    for spec in specs:
        case_ids.append(_play(history, spec))
    for tick in _sweep_ticks(now):
        cases.cases_escalate_overdue(now=tick)
    transaction.on_commit(partial(_replay_end, state, case_ids, now), robust=True)
    created["appeals"] += len(case_ids)


def appeal_counts() -> dict[str, int]:
    """Appeal cases by status, for the loader's summary."""
    return dict(Counter(Case.objects.filter(kind=CaseKind.APPEAL).values_list("status", flat=True).iterator()))
