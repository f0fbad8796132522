"""The demo city's 用心做: point permissions for every district, the seed's three teams at
黄鹤楼街道, 40 tasks across 武昌区 in every state, a history of certified hours for the demo
workers and a certificate for the demo courier.

Permissions and teams are made once each (found by their organisation and name). The tasks and
their history are written once: when any task exists, nothing is added. History claims are
written as the services would have left them (their timeline, the service record, the points
through points.services.points_award with the product's key `volunteering.claim:<id>`), so
`points_reconcile` agrees afterwards; upcoming and running tasks are left for people to claim.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, Membership, Role, User, WorkerProfile
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel
from littlebee.points.models import PointsSource
from littlebee.points.services import points_award
from littlebee.volunteering import services as volunteering
from littlebee.volunteering.models import (
    CheckMethod,
    Claim,
    ClaimAction,
    ClaimLog,
    ClaimStatus,
    MembershipStatus,
    PointPermission,
    ServiceRecord,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Team,
    TeamMember,
    TeamRole,
)
from littlebee.volunteering.services import REPEAT_MAX

COURIER = "13800000001"
RIDER = "13800000002"
COMMUNITY_HANDLER = "13900000001"
STREET_ADMIN = "13900000002"
# 武昌区 lets its communities and streets publish tasks of up to 20 points within a monthly
# budget; the other districts are more careful.
WUCHANG = "武昌区"
PERMISSIONS = {WUCHANG: (20, 2_000)}
DEFAULT_PERMISSION = (10, 600)
TEAMS = (
    ("黄鹤骑士帮", "骑手志愿服务队：政策宣传、消防隐患排查、帮助老人上下楼。"),
    ("商圈志愿服务队", "户部巷、司门口商圈的小哥们：文明劝导、商户消防检查。"),
    ("黄小蜂助老送餐志愿服务队", "为辖区独居、高龄老人送餐上门。"),
)
# (title, category, kind, hours long, points, slots)
TASK_KINDS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("帮助独居老人上下楼", TaskCategory.ELDERLY_HELP, TaskKind.VOLUNTEER, 1, 20, 2),
    ("为高龄老人送午餐", TaskCategory.ELDERLY_HELP, TaskKind.VOLUNTEER, 1, 15, 3),
    ("电动车消防隐患排查", TaskCategory.HAZARD_PATROL, TaskKind.VOLUNTEER, 2, 20, 4),
    ("沿街商户消防检查", TaskCategory.HAZARD_PATROL, TaskKind.VOLUNTEER, 2, 15, 3),
    ("新就业群体权益政策宣传", TaskCategory.POLICY_PROMOTION, TaskKind.VOLUNTEER, 1, 10, 4),
    ("文明交通劝导", TaskCategory.PUBLIC_WELFARE, TaskKind.VOLUNTEER, 2, 20, 5),
    ("社区环境清洁", TaskCategory.PUBLIC_WELFARE, TaskKind.VOLUNTEER, 1, 10, 6),
    ("代居民取药", TaskCategory.ERRAND, TaskKind.ERRAND, 1, 10, 1),
    ("代老人领取快递", TaskCategory.ERRAND, TaskKind.ERRAND, 1, 10, 1),
)
DUTY_TITLE = "西厂口社区志愿服务站值守"
DUTY_DESCRIPTION = (
    "每天全天开放，随到随签：帮居民指路、搬运、照看驿站。扫组织方二维码或在服务站附近定位签到，离开时签退。"
)
RESIDENTS = (
    ("李奶奶", "13907170001", "代取社区医院开的降压药，送到长街 12 号 3 楼"),
    ("王爷爷", "13907170002", "帮忙从驿站领取快递，送到家门口"),
)


@dataclass
class _Place:
    community: Region
    organiser: Organisation


def _count(created: Counter[str], what: str, n: int) -> None:
    if n:
        created[what] += n


def load_volunteering(*, now: datetime, created: Counter[str]) -> None:
    _permissions(created)
    teams = _teams(created)
    if Task.objects.exists():
        return
    places = _places()
    if not places:
        return
    _tasks(now, places, teams, created)


def _permissions(created: Counter[str]) -> None:
    districts = Region.objects.filter(level=RegionLevel.DISTRICT)
    existing = set(PointPermission.objects.values_list("organisation_id", flat=True))
    rows = []
    for district in districts:
        max_points, budget = PERMISSIONS.get(district.name, DEFAULT_PERMISSION)
        orgs = Organisation.objects.filter(
            kind=OrgKind.PARTY_ORG,
            region__level__in=(RegionLevel.STREET, RegionLevel.COMMUNITY),
            region__path__startswith=district.path,
            is_active=True,
        ).values_list("pk", flat=True)
        rows += [
            PointPermission(district=district, organisation_id=pk, max_points=max_points, monthly_budget=budget)
            for pk in orgs
            if pk not in existing
        ]
    PointPermission.objects.bulk_create(rows, batch_size=500)
    _count(created, "point permissions", len(rows))


def _user(phone: str) -> User | None:
    return User.objects.filter(phone=phone).first()


def _teams(created: Counter[str]) -> list[Team]:
    street = Region.objects.filter(level=RegionLevel.STREET, name="黄鹤楼街道").first()
    organiser = Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region=street).first() if street else None
    if street is None or organiser is None:
        return []
    teams = []
    # Members from the street's district (few workers check in at one street).
    codes = [code for code in street.path.split("/") if code]
    district_path = "/".join(codes[:2]) + "/"
    workers = list(
        WorkerProfile.objects.filter(
            checkin_status=CheckinStatus.CONFIRMED,
            community__path__startswith=district_path,
            user__is_active=True,
        )
        .exclude(user__phone__in=[COURIER, RIDER])
        .order_by("user_id")
        .values_list("user_id", flat=True)[:36]
    )
    courier, rider = _user(COURIER), _user(RIDER)
    for index, (name, description) in enumerate(TEAMS):
        team, made = Team.objects.get_or_create(
            organiser=organiser, name=name, defaults={"description": description, "street": street}
        )
        teams.append(team)
        _count(created, "volunteer teams", int(made))
        if not made:
            continue
        members = workers[index * 12 : (index + 1) * 12]
        rows = [
            TeamMember(
                team=team,
                worker_id=worker_id,
                role=TeamRole.CAPTAIN if i == 0 else TeamRole.MEMBER,
                status=MembershipStatus.PENDING if i == len(members) - 1 else MembershipStatus.MEMBER,
            )
            for i, worker_id in enumerate(members)
        ]
        if index == 0 and courier is not None:
            rows.append(TeamMember(team=team, worker=courier, status=MembershipStatus.MEMBER))
        if index == 2 and rider is not None:
            rows.append(TeamMember(team=team, worker=rider, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER))
        TeamMember.objects.bulk_create(rows)
        _count(created, "team members", len(rows))
    return teams


def _places() -> list[_Place]:
    district = Region.objects.filter(level=RegionLevel.DISTRICT, name=WUCHANG).first()
    if district is None:
        return []
    communities = Region.objects.filter(level=RegionLevel.COMMUNITY, path__startswith=district.path).order_by("code")
    orgs = {
        o.region_id: o
        for o in Organisation.objects.filter(kind=OrgKind.PARTY_ORG, region__in=communities, is_active=True)
    }
    places = [_Place(c, orgs[c.pk]) for c in communities if c.pk in orgs]
    # 西厂口社区 first: the demo courier's community, where the seed's story happens.
    places.sort(key=lambda p: p.community.name != "西厂口社区")
    return places


def _recorder(organiser: Organisation) -> User | None:
    membership = (
        Membership.objects.filter(organisation=organiser, role__in=(Role.HANDLER, Role.ADMIN))
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership is not None else _user(STREET_ADMIN)


def _tasks(now: datetime, places: list[_Place], teams: list[Team], created: Counter[str]) -> None:
    rng = random.Random("volunteering-demo")  # noqa: S311  (a repeatable demo, not a secret)
    local_now = timezone.localtime(now)
    hour = local_now.replace(minute=0, second=0, microsecond=0)
    home = places[0]
    others = places[1:] or places

    def make(place: _Place, index: int, starts: datetime, **fields: object) -> Task:
        title, category, kind, hours, points, slots = TASK_KINDS[index % len(TASK_KINDS)]
        resident = RESIDENTS[index % len(RESIDENTS)] if kind == TaskKind.ERRAND else ("", "", "")
        values: dict[str, object] = {
            "title": title,
            "description": f"{place.community.name}：{title}。",
            "kind": kind,
            "category": category,
            "organiser": place.organiser,
            "region": place.community,
            "lat": place.community.lat + rng.uniform(-0.002, 0.002),
            "lng": place.community.lng + rng.uniform(-0.002, 0.002),
            "radius_m": 300,
            "address": f"{place.community.name}居委会",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=hours),
            "slots": slots,
            "waitlist_slots": 2,
            "points": points,
            "resident_name": resident[0],
            "resident_phone": resident[1],
            "resident_need": resident[2],
            **fields,
        }
        return Task.objects.create(**values)

    tasks: list[Task] = []
    # Running now whenever the demo is looked at, for the story of the seed (claim, scan, check
    # out): a standing all-day duty at 西厂口社区, repeated every day. A task placed around the
    # load time is over by the next day, and the demo is often looked at days after loading;
    # this one's copy for each day is published by the periodic job (tasks_repeat_daily, run
    # after requests in the embedded default), so today always has one, for REPEAT_MAX days.
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    tasks.append(
        make(
            home,
            0,
            midnight,
            title=DUTY_TITLE,
            description=DUTY_DESCRIPTION,
            category=TaskCategory.PUBLIC_WELFARE,
            ends_at=midnight + timedelta(days=1),
            slots=8,
            # Without points: a task without points needs no share of the month's budget, which a
            # copy a day would use up before the month ends (and then no copy is published).
            points=0,
            repeats_until=midnight.date() + REPEAT_MAX,
        )
    )
    # Starting soon at 西厂口社区.
    tasks.append(make(home, 4, hour + timedelta(hours=1)))
    tasks.append(make(home, 7, hour + timedelta(hours=2)))
    # Upcoming across the district: every kind, one for a team, one for party members.
    for i in range(12):
        place = others[i % len(others)]
        fields: dict[str, object] = {}
        if i == 3 and teams:
            fields["team"] = teams[0]
        if i == 5:
            fields["requires_party_member"] = True
        tasks.append(make(place, i, hour + timedelta(days=1 + i // 3, hours=9 - hour.hour + (i % 3) * 3), **fields))
    # Running now elsewhere.
    for i in range(2):
        tasks.append(
            make(others[(i + 5) % len(others)], i + 2, hour - timedelta(minutes=30), ends_at=hour + timedelta(hours=2))
        )
    # Cancelled.
    for i in range(3):
        task = make(others[(i + 8) % len(others)], i + 5, hour + timedelta(days=2 + i))
        task.status = TaskStatus.CANCELLED
        task.save(update_fields=["status"])
        tasks.append(task)
    _count(created, "volunteer tasks (upcoming, running, cancelled)", len(tasks))
    past = _history(now, home, others, make, created, district_path=_district_path(home))
    _count(created, "volunteer tasks (past)", past)
    courier = _user(COURIER)
    if courier is not None and ServiceRecord.objects.filter(worker=courier).exists():
        today = timezone.localdate(now)
        volunteering.certificate_issue(worker=courier, date_from=today - timedelta(days=90), date_to=today)
        _count(created, "volunteer certificates", 1)


def _district_path(place: _Place) -> str:
    codes = [code for code in place.community.path.split("/") if code]
    return "/".join(codes[:2]) + "/"


def _history(
    now: datetime, home: _Place, others: list[_Place], make: object, created: Counter[str], *, district_path: str
) -> int:
    """20 past tasks: approved claims (records and points), declined, no-shows, a forgotten
    check-out flagged for review and a check-out still waiting for it."""
    rng = random.Random("volunteering-demo-history")  # noqa: S311
    courier, rider = _user(COURIER), _user(RIDER)
    pool = list(
        User.objects.filter(
            worker_profile__checkin_status=CheckinStatus.CONFIRMED,
            worker_profile__community__path__startswith=district_path,
            is_active=True,
        )
        .exclude(phone__in=[COURIER, RIDER])
        .order_by("pk")[:40]
    )
    made = 0
    records = 0
    for n in range(20):
        place = home if n % 3 == 0 else others[(n * 7) % len(others)]
        days_ago = 3 + n * 3
        starts = timezone.localtime(now - timedelta(days=days_ago)).replace(
            hour=9 + n % 6, minute=0, second=0, microsecond=0
        )
        task = make(place, n, starts)  # type: ignore[operator]
        made += 1
        people: list[User] = []
        if courier is not None and n % 2 == 0:
            people.append(courier)
        if rider is not None and n % 5 == 1:
            people.append(rider)
        people += rng.sample(pool, k=min(len(pool), max(0, task.slots - len(people))))
        people = people[: task.slots]
        recorder = _recorder(task.organiser)
        for i, person in enumerate(people):
            outcome = "approved"
            if n == 0 and i == len(people) - 1 and person not in (courier, rider):
                outcome = "flagged"
            elif n == 1 and person not in (courier, rider):
                outcome = "checked_out"
            elif i == 2:
                outcome = "no_show"
            elif i == 3:
                outcome = "declined"
            records += _past_claim(task, person, outcome, recorder, rng)
        Task.objects.filter(pk=task.pk).update(claimed_count=len(people))
    _count(created, "service records", records)
    return made


def _past_claim(task: Task, person: User, outcome: str, recorder: User | None, rng: random.Random) -> int:
    start, end = task.starts_at, task.ends_at
    late = timedelta(minutes=rng.randint(0, 8))
    claimed_at = start - timedelta(days=1, hours=rng.randint(0, 20))
    if outcome == "no_show":
        claim = Claim.objects.create(task=task, worker=person, status=ClaimStatus.NO_SHOW)
        ClaimLog.objects.bulk_create(
            [
                ClaimLog(claim=claim, at=claimed_at, actor=person, action=ClaimAction.CLAIM, to_status="claimed"),
                ClaimLog(claim=claim, at=end, action=ClaimAction.NO_SHOW, from_status="claimed", to_status="no_show"),
            ]
        )
        return 0
    checked_in = start + late
    flagged = outcome == "flagged"
    checked_out = end if flagged else end - timedelta(minutes=rng.randint(0, 5))
    presence = volunteering.presence_minutes(task, checked_in, checked_out)
    status = {
        "approved": ClaimStatus.APPROVED,
        "declined": ClaimStatus.DECLINED,
        "flagged": ClaimStatus.CHECKED_OUT,
        "checked_out": ClaimStatus.CHECKED_OUT,
    }[outcome]
    reviewed = outcome in ("approved", "declined")
    claim = Claim.objects.create(
        task=task,
        worker=person,
        status=status,
        checked_in_at=checked_in,
        check_in_method=CheckMethod.QR,
        checked_out_at=checked_out,
        check_out_method=CheckMethod.AUTO if flagged else CheckMethod.QR,
        flagged=flagged,
        presence_minutes=presence,
        minutes=volunteering.credited_minutes(task, presence),
        reviewed_by=recorder if reviewed else None,
        reviewed_at=end + timedelta(hours=3) if reviewed else None,
        review_note="未按要求完成任务" if outcome == "declined" else "",
    )
    logs = [
        ClaimLog(claim=claim, at=claimed_at, actor=person, action=ClaimAction.CLAIM, to_status="claimed"),
        ClaimLog(
            claim=claim,
            at=checked_in,
            actor=person,
            action=ClaimAction.CHECK_IN,
            from_status="claimed",
            to_status="checked_in",
        ),
        ClaimLog(
            claim=claim,
            at=checked_out,
            actor=None if flagged else person,
            action=ClaimAction.AUTO_CHECK_OUT if flagged else ClaimAction.CHECK_OUT,
            from_status="checked_in",
            to_status="checked_out",
        ),
    ]
    if reviewed:
        logs.append(
            ClaimLog(
                claim=claim,
                at=end + timedelta(hours=3),
                actor=recorder,
                action=ClaimAction.APPROVE if outcome == "approved" else ClaimAction.DECLINE,
                from_status="checked_out",
                to_status=status,
            )
        )
    ClaimLog.objects.bulk_create(logs)
    if outcome != "approved" or recorder is None:
        return 0
    recorded_at = end + timedelta(hours=3)
    record = ServiceRecord.objects.create(
        claim=claim,
        worker=person,
        task_title=task.title,
        category=task.category,
        organiser=task.organiser,
        address=task.address,
        started_at=max(checked_in, start),
        ended_at=min(checked_out, end),
        minutes=claim.minutes or 0,
        recorder=recorder,
        recorded_at=recorded_at,
    )
    counted_rows_changed(Counted.SERVICE_RECORD, record)
    if task.points:
        result = points_award(
            worker=person,
            source=PointsSource.VOLUNTEER_TASK,
            idempotency_key=f"volunteering.claim:{claim.pk}",
            source_object=record,
            region=task.region,
            amount=task.points,
            actor=recorder,
            note=task.title,
            at=recorded_at,
        )
        if result.entry is not None:
            ServiceRecord.objects.filter(pk=record.pk).update(points=result.entry.amount)
            record.points = result.entry.amount
            counted_rows_changed(Counted.SERVICE_RECORD, record)
    return 1
