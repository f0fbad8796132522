"""Every write of volunteering: point permissions, tasks, claims and their steps, review and
service records, corrections, certificates, teams.

A claim moves through ClaimStatus one guarded step at a time, each writing a ClaimLog row in
its transaction. Lock order, always: the task row, then claim rows. The task row carries the
counts (`claimed_count`, `waitlisted_count`), changed by conditional updates in the same
transaction as the claim they count; the database check `task_not_overfull` is the last guard.
Points go through points.services.points_award with one idempotency key per claim, so a record
is never paid twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from littlebee.accounts.models import Membership, Role, User, WorkerProfile
from littlebee.accounts.services import worker_require_checked_in
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, PermissionDenied
from littlebee.core.geo import haversine_m, valid_lat_lng
from littlebee.core.texts import t
from littlebee.core.time_windows import time_window_errors
from littlebee.hives.models import Hive
from littlebee.learning.models import LearningItem
from littlebee.learning.selectors import items_passed_by
from littlebee.notifications.inbox import notify
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.selectors import community_at_point, region_party_org
from littlebee.points.models import PointsSource
from littlebee.points.rules import rule_for
from littlebee.points.services import points_award

from . import selectors, tokens
from .models import (
    Certificate,
    CheckMethod,
    Claim,
    ClaimAction,
    ClaimLog,
    ClaimStatus,
    CorrectionStatus,
    MembershipStatus,
    PointPermission,
    RecordCorrection,
    ServiceRecord,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Team,
    TeamMember,
    TeamRole,
    VolunteerSettings,
)

logger = logging.getLogger(__name__)

TITLE_MAX = 120
ADDRESS_MAX = 255
DESCRIPTION_MAX = 5_000
NOTE_MAX = 255
SLOTS_RANGE = (1, 1_000)
WAITLIST_RANGE = (0, 1_000)
RADIUS_RANGE = (20, 5_000)
POINTS_MAX = 1_000
PUBLISH_HORIZON = timedelta(days=365)
MAX_DURATION = timedelta(hours=24)
TASK_NOUN = pgettext_lazy("time window", "任务")
REPEAT_MAX = timedelta(days=90)
BUDGET_MAX = 10_000_000


# --- Point permissions ----------------------------------------------------------------------
@transaction.atomic
def point_permission_set(*, actor: User, organisation_id: int, max_points: int, monthly_budget: int) -> PointPermission:
    """A district admin lets an organisation of the district publish point-bearing tasks."""
    organisation = Organisation.objects.select_related("region").filter(pk=organisation_id, is_active=True).first()
    if organisation is None:
        raise NotFound()
    district = selectors.district_of(organisation.region)
    if district is None or not selectors.districts_administered_by(actor).filter(pk=district.pk).exists():
        raise NotFound()
    if not selectors.publishing_orgs_in(district).filter(pk=organisation.pk).exists():
        raise InvalidInput.one("organisation", _("该组织不能发布志愿任务。"))
    errors = []
    if not 0 <= max_points <= POINTS_MAX:
        errors.append(FieldError("max_points", _("单个任务最高积分须在 0 到 1000 之间。")))
    if not 0 <= monthly_budget <= BUDGET_MAX:
        errors.append(FieldError("monthly_budget", _("每月积分预算须在 0 到 10000000 之间。")))
    if errors:
        raise InvalidInput(errors)
    permission, _created = PointPermission.objects.update_or_create(
        organisation=organisation,
        defaults={
            "district": district,
            "max_points": max_points,
            "monthly_budget": monthly_budget,
            "updated_by": actor,
        },
    )
    return permission


@transaction.atomic
def point_permission_revoke(*, actor: User, organisation_id: int) -> None:
    permission = selectors.permissions_editable_by(actor).filter(organisation_id=organisation_id).first()
    if permission is None:
        raise NotFound()
    permission.delete()


def _points_check(*, organiser: Organisation, points: int, slots: int, region: Region, starts_at: datetime) -> None:
    """A task without points is always allowed; with points, the district's permission for the
    organiser (its most points a task, its monthly budget) and the earning rule's range."""
    if points == 0:
        return
    permission = PointPermission.objects.filter(organisation=organiser).first()
    if permission is None:
        raise PermissionDenied(_("所在区尚未允许本单位发布带积分的任务，请把积分设为 0，或联系区里开通。"))
    if points > permission.max_points:
        raise Conflict(
            "over_max_points",
            _("本单位发布的任务每个最多 %(max)d 积分（区里设定）。") % {"max": permission.max_points},
        )
    used = selectors.budget_used(organiser.pk, starts_at)
    if used + points * slots > permission.monthly_budget:
        raise Conflict(
            "over_budget",
            _("超出本月积分预算：预算 %(budget)d 分，已用 %(used)d 分，本任务需 %(need)d 分（积分 × 名额）。")
            % {"budget": permission.monthly_budget, "used": used, "need": points * slots},
        )
    rule = rule_for(source=PointsSource.VOLUNTEER_TASK, category="", region=region, on=starts_at)
    if rule is None:
        raise InvalidInput.one("points", _("志愿任务暂无积分规则，请把积分设为 0。"))
    if not rule.points_min <= points <= rule.points_max:
        raise InvalidInput.one(
            "points",
            _("按积分规则，志愿任务的积分应在 %(low)d 到 %(high)d 之间。")
            % {"low": rule.points_min, "high": rule.points_max},
        )


# --- Tasks ---------------------------------------------------------------------------------------
def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


@dataclass
class TaskInput:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    description: str = ""
    category: str = ""
    radius_m: int = 200
    hive: int | None = None
    waitlist_slots: int = 3
    points: int = 0
    team: int | None = None
    requires_party_member: bool = False
    required_item: int | None = None
    # Repeat every day at the same hours up to this day (None: once).
    repeats_until: date | None = None
    resident_name: str = ""
    resident_phone: str = ""
    resident_need: str = ""


def _validate(data: TaskInput, now: datetime) -> None:
    errors: list[FieldError] = []
    if not data.title:
        errors.append(FieldError("title", _("请填写任务标题。")))
    elif len(data.title) > TITLE_MAX:
        errors.append(FieldError("title", _("任务标题过长。")))
    if len(data.description) > DESCRIPTION_MAX:
        errors.append(FieldError("description", _("任务说明过长。")))
    if data.kind not in TaskKind.values:
        errors.append(FieldError("kind", _("请从给定的选项中选择。")))
    if data.category not in TaskCategory.values:
        errors.append(FieldError("category", _("请从给定的选项中选择。")))
    if not data.address:
        errors.append(FieldError("address", _("请填写任务地点。")))
    elif len(data.address) > ADDRESS_MAX:
        errors.append(FieldError("address", _("任务地点过长。")))
    if data.lat is None or data.lng is None or not valid_lat_lng(data.lat, data.lng):
        errors.append(FieldError("lat", _("请在地图上选择任务位置。")))
    errors += time_window_errors(
        data.starts_at, data.ends_at, now=now, horizon=PUBLISH_HORIZON, longest=MAX_DURATION, noun=TASK_NOUN
    )
    if not SLOTS_RANGE[0] <= data.slots <= SLOTS_RANGE[1]:
        errors.append(FieldError("slots", _("名额须在 1 到 1000 之间。")))
    if not WAITLIST_RANGE[0] <= data.waitlist_slots <= WAITLIST_RANGE[1]:
        errors.append(FieldError("waitlist_slots", _("候补名额须在 0 到 1000 之间。")))
    if not RADIUS_RANGE[0] <= data.radius_m <= RADIUS_RANGE[1]:
        errors.append(FieldError("radius_m", _("签到半径须在 20 到 5000 米之间。")))
    if not 0 <= data.points <= POINTS_MAX:
        errors.append(FieldError("points", _("积分须在 0 到 1000 之间。")))
    if data.kind == TaskKind.ERRAND and not data.resident_need:
        errors.append(FieldError("resident_need", _("代办代领请写明居民的需求。")))
    if len(data.resident_need) > 500 or len(data.resident_name) > 40 or len(data.resident_phone) > 32:
        errors.append(FieldError("resident_need", _("居民信息过长。")))
    if data.repeats_until is not None and not errors:
        first = timezone.localdate(data.starts_at)
        if not first < data.repeats_until <= first + REPEAT_MAX:
            errors.append(
                FieldError(
                    "repeats_until",
                    _("每天重复须到开始日期之后、%(days)d 天以内的某一天为止。") % {"days": REPEAT_MAX.days},
                )
            )
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def task_publish(*, actor: User, organiser: int | None, data: TaskInput) -> Task:
    """Publish a task for an organisation the actor acts for. With points it needs the district's
    permission: 403 without one, 409 over_max_points / over_budget past it."""
    allowed = selectors.organisers_for(actor)
    if organiser is None:
        choices = list(allowed[:2])
        if len(choices) != 1:
            if not choices:
                raise PermissionDenied(_("只有社区、街道、驿站和企业党组织的工作人员可以发布任务。"))
            raise InvalidInput.one("organiser", _("请选择发布单位。"))
        organiser_obj = choices[0]
    else:
        found = allowed.filter(pk=organiser).first()
        if found is None:
            raise PermissionDenied(_("您不能以该单位的名义发布任务。"))
        organiser_obj = found
    data.title, data.address, data.description = _clean(data.title), _clean(data.address), _clean(data.description)
    data.resident_name, data.resident_phone = _clean(data.resident_name), _clean(data.resident_phone)
    data.resident_need = _clean(data.resident_need)
    if not data.category:
        data.category = TaskCategory.ERRAND if data.kind == TaskKind.ERRAND else TaskCategory.PUBLIC_WELFARE
    hive_obj: Hive | None = None
    if data.hive is not None:
        hive_obj = Hive.objects.filter(pk=data.hive, is_active=True).first()
        if hive_obj is None:
            raise InvalidInput.one("hive", _("找不到该蜂巢驿站。"))
        data.lat, data.lng = data.lat if data.lat is not None else hive_obj.lat, data.lng or hive_obj.lng
        data.address = data.address or hive_obj.address
    now = timezone.now()
    _validate(data, now)
    team_obj: Team | None = None
    if data.team is not None:
        team_obj = Team.objects.filter(pk=data.team, is_active=True).first()
        if team_obj is None:
            raise InvalidInput.one("team", _("找不到该服务队。"))
    item_obj: LearningItem | None = None
    if data.required_item is not None:
        item_obj = selectors.requirable_items().filter(pk=data.required_item).first()
        if item_obj is None:
            raise InvalidInput.one("required_item", _("找不到该学习内容，或它尚未发布。"))
    assert data.lat is not None and data.lng is not None
    match = community_at_point(data.lat, data.lng) if hive_obj is None else None
    region = hive_obj.community if hive_obj is not None else (match.community if match else organiser_obj.region)
    # Promised points are checked under the organiser's row lock, so two publications racing for
    # the last of a month's budget cannot both pass.
    Organisation.objects.select_for_update().filter(pk=organiser_obj.pk).first()
    _points_check(
        organiser=organiser_obj, points=data.points, slots=data.slots, region=region, starts_at=data.starts_at
    )
    return Task.objects.create(
        title=data.title,
        description=data.description,
        kind=data.kind,
        category=data.category,
        organiser=organiser_obj,
        region=region,
        hive=hive_obj,
        lat=data.lat,
        lng=data.lng,
        radius_m=data.radius_m,
        address=data.address,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        slots=data.slots,
        waitlist_slots=data.waitlist_slots,
        points=data.points,
        team=team_obj,
        requires_party_member=data.requires_party_member,
        required_item=item_obj,
        repeats_until=data.repeats_until,
        resident_name=data.resident_name,
        resident_phone=data.resident_phone,
        resident_need=data.resident_need,
        created_by=actor,
    )


@transaction.atomic
def task_cancel(*, task_id: int, actor: User) -> Task:
    """The organiser calls a task off; its claims that wait or hold a place are cancelled and told."""
    selectors.manageable_task(actor, task_id)
    task = _lock_task(task_id)
    if task.status != TaskStatus.PUBLISHED:
        raise Conflict("invalid_transition", _("该任务已取消。"))
    now = timezone.now()
    task.status = TaskStatus.CANCELLED
    task.save(update_fields=["status", "updated_at"])
    live = Claim.objects.select_for_update().filter(task=task, status__in=(ClaimStatus.WAITLISTED, ClaimStatus.CLAIMED))
    for claim in live:
        _move(claim, ClaimStatus.CANCELLED, ClaimAction.CANCEL, actor=actor, at=now, note="task cancelled")
        claim.cancelled_at = now
        claim.save(update_fields=["cancelled_at"])
        _tell(claim.worker_id, task, kind="task_cancelled", title=_("任务已取消：%(title)s"))
    return task


def tasks_repeat_daily(now: datetime | None = None) -> int:
    """The periodic job: each published repeated task gets its copy for today and tomorrow (a
    worker claims tomorrow's the evening before), up to its last day. A copy's points count
    against its own month's budget: a copy the budget no longer covers is not published (and
    logged). Idempotent; returns how many copies it published."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    originals = list(
        Task.objects.filter(
            status=TaskStatus.PUBLISHED, repeat_of__isnull=True, repeats_until__gte=today
        ).select_related("organiser", "region", "team", "hive", "required_item")
    )
    if not originals:
        return 0
    have = set(
        Task.objects.filter(repeat_of__in=originals, starts_at__gte=now - MAX_DURATION).values_list(
            "repeat_of_id", "starts_at"
        )
    )
    made = 0
    for original in originals:
        first = timezone.localtime(original.starts_at)
        assert original.repeats_until is not None
        for day in (today, today + timedelta(days=1)):
            if not first.date() < day <= original.repeats_until:
                continue
            starts_at = datetime.combine(day, first.timetz())
            if (original.pk, starts_at) in have:
                continue
            try:
                with transaction.atomic():
                    _repeat(original, starts_at)
            except DomainError as exc:
                logger.info("repeated task %s: no copy for %s: %s", original.pk, day, exc.code)
            except IntegrityError:
                continue  # another process published it meanwhile
            else:
                made += 1
    return made


def _repeat(original: Task, starts_at: datetime) -> Task:
    Organisation.objects.select_for_update().filter(pk=original.organiser_id).first()
    _points_check(
        organiser=original.organiser,
        points=original.points,
        slots=original.slots,
        region=original.region,
        starts_at=starts_at,
    )
    copied = {
        field.name: getattr(original, field.name)
        for field in Task._meta.concrete_fields
        if field.name
        not in ("id", "created_at", "updated_at", "starts_at", "ends_at", "claimed_count", "waitlisted_count")
    }
    copied.update(
        starts_at=starts_at,
        ends_at=starts_at + (original.ends_at - original.starts_at),
        repeat_of=original,
        repeats_until=None,
    )
    return Task.objects.create(**copied)


# --- Claims ---------------------------------------------------------------------------------------
def _lock_task(task_id: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def _move(claim: Claim, to_status: str, action: str, *, actor: User | None, at: datetime, note: str = "") -> ClaimLog:
    """Change the claim's status and write its timeline row."""
    was = claim.status
    claim.status = to_status
    claim.save(update_fields=["status", "updated_at"])
    return ClaimLog.objects.create(
        claim=claim, at=at, actor=actor, action=action, from_status=was, to_status=to_status, note=note[:NOTE_MAX]
    )


def _tell(
    worker_id: int,
    task: Task,
    *,
    kind: str,
    title: Promise,
    body: Promise | None = None,
    sms_text: Promise | None = None,
) -> None:
    """A notice in the worker's inbox linking to the task, stored as message keys and parameters
    (core.texts) so the worker reads it in their own language; with `sms_text`, also a text
    message in the worker's language after commit, if the worker allowed it (VolunteerSettings)."""
    user = User.objects.filter(pk=worker_id, is_active=True).first()
    if user is None:
        return
    facts = {"title": task.title, "time": timezone.localtime(task.starts_at).strftime("%Y-%m-%d %H:%M")}
    notify(
        user=user,
        kind=kind,
        title=t(title, title=task.title),
        body=t(body, **facts) if body is not None else "",
        link=reverse("volunteering:task", args=[task.pk]),
        data={"task_id": task.pk},
        sms=sms_text is not None
        and VolunteerSettings.objects.filter(worker_id=worker_id, sms_on_promotion=True).exists(),
        sms_text=t(sms_text, **facts) if sms_text is not None else "",
    )


@transaction.atomic
def claim_create(*, task_id: int, worker: User, assigned_by: User | None = None) -> Claim:
    """A place if one is free, else the waiting list (if it has room). Refused for workers not
    checked in, paused by no-shows, outside a team-only task's team, or with an overlapping claim."""
    profile = WorkerProfile.objects.filter(user_id=worker.pk).first() if worker.is_authenticated else None
    if profile is None:
        raise PermissionDenied(_("只有注册报到的新就业群体可以认领任务。"))
    worker_require_checked_in(worker, doing="task")
    now = timezone.now()
    pause = selectors.claiming_paused(worker, now)
    if pause is not None:
        raise Conflict(
            "claiming_paused",
            _("近期您有 %(count)d 次认领后未到场，%(until)s 前暂不能认领任务。")
            % {"count": pause.no_shows, "until": timezone.localtime(pause.until).strftime("%Y-%m-%d %H:%M")},
        )
    task = _lock_task(task_id)
    if not task.accepts_claims(now):
        raise Conflict("invalid_transition", _("该任务已结束或已取消，不能再认领。"))
    if task.team_id is not None and not selectors.is_member(worker, task.team_id):
        raise Conflict("team_only", _("该任务仅限服务队队员认领，请先申请加入服务队。"))
    if task.requires_party_member and not profile.party_member:
        raise Conflict("party_members_only", _("该任务仅限党员认领。"))
    if task.required_item_id is not None and not items_passed_by(worker, [task.required_item_id]):
        raise LearningRequired(LearningItem.objects.get(pk=task.required_item_id))
    if (
        Claim.objects.filter(task=task, worker=worker)
        .exclude(status__in=(ClaimStatus.CANCELLED, ClaimStatus.NO_SHOW))
        .exists()
    ):
        raise Conflict("already_claimed", _("您已认领该任务。"))
    other = selectors.overlapping_claim(worker, task)
    if other is not None:
        raise Conflict(
            "overlapping_claim",
            _("您认领的“%(title)s”与该任务时间重叠，同一时间只能做一件事。") % {"title": other.task.title},
        )
    took = Task.objects.filter(pk=task.pk, claimed_count__lt=F("slots")).update(claimed_count=F("claimed_count") + 1)
    if took:
        status = ClaimStatus.CLAIMED
    else:
        queued = Task.objects.filter(pk=task.pk, waitlisted_count__lt=F("waitlist_slots")).update(
            waitlisted_count=F("waitlisted_count") + 1
        )
        if not queued:
            raise Conflict("full_waitlist", _("该任务名额已满，候补也已满。"))
        status = ClaimStatus.WAITLISTED
    try:
        with transaction.atomic():
            claim = Claim.objects.create(task=task, worker=worker, status=status, assigned_by=assigned_by)
    except IntegrityError as exc:
        raise Conflict("already_claimed", _("您已认领该任务。")) from exc
    if assigned_by is not None:
        action = ClaimAction.ASSIGN
    else:
        action = ClaimAction.CLAIM if status == ClaimStatus.CLAIMED else ClaimAction.WAITLIST
    ClaimLog.objects.create(claim=claim, at=now, actor=assigned_by or worker, action=action, to_status=status)
    return claim


class LearningRequired(DomainError):
    """409: the task requires a learning item the worker has not passed. The answer names the item
    and says where to take it, so the worker can go and come back."""

    def __init__(self, item: LearningItem) -> None:
        title = item.local_title
        super().__init__(
            code="learning_required",
            detail=_("该任务要求先学习并通过“%(title)s”，完成后再来认领。") % {"title": title},
            status=409,
            extra={"item": {"id": item.pk, "title": title, "url": reverse("learning:item", args=[item.pk])}},
        )


def _promote_next(task: Task, now: datetime) -> Claim | None:
    """Give the freed place to the earliest waiting claim (the task row is locked) and tell its worker."""
    if now >= task.ends_at or task.status != TaskStatus.PUBLISHED:
        return None
    nxt = (
        Claim.objects.select_for_update()
        .filter(task=task, status=ClaimStatus.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    nxt.promoted_at = now
    nxt.save(update_fields=["promoted_at"])
    _move(nxt, ClaimStatus.CLAIMED, ClaimAction.PROMOTE, actor=None, at=now)
    Task.objects.filter(pk=task.pk).update(
        claimed_count=F("claimed_count") + 1, waitlisted_count=F("waitlisted_count") - 1
    )
    _tell(
        nxt.worker_id,
        task,
        kind="task_promoted",
        title=_("候补转正：%(title)s"),
        body=_("您候补的任务“%(title)s”（%(time)s）有了名额，您已转为正式认领，请按时到场签到。"),
        sms_text=_("【小蜜蜂】您候补的志愿任务“%(title)s”（%(time)s）有了名额，您已转为正式认领，请按时到场签到。"),
    )
    return nxt


@transaction.atomic
def claim_cancel(*, claim_id: int, worker: User) -> Claim:
    """The worker gives a claim up. Before the cut-off it is a cancellation; after it (a place held
    until the last moment) it counts as a no-show. A freed place goes to the waiting list's head."""
    found = selectors.claim_of_worker(worker, claim_id)
    task = _lock_task(found.task_id)
    claim = Claim.objects.select_for_update().get(pk=found.pk)
    if not claim.can_cancel():
        raise Conflict("invalid_transition", _("该认领无法取消。"))
    now = timezone.now()
    was = claim.status
    if was == ClaimStatus.CLAIMED and now >= task.cancel_cutoff():
        _move(claim, ClaimStatus.NO_SHOW, ClaimAction.LATE_CANCEL, actor=worker, at=now)
    else:
        _move(claim, ClaimStatus.CANCELLED, ClaimAction.CANCEL, actor=worker, at=now)
    claim.cancelled_at = now
    claim.save(update_fields=["cancelled_at"])
    if was == ClaimStatus.CLAIMED:
        Task.objects.filter(pk=task.pk).update(claimed_count=F("claimed_count") - 1)
        _promote_next(task, now)
    else:
        Task.objects.filter(pk=task.pk).update(waitlisted_count=F("waitlisted_count") - 1)
    return claim


def _where_check(task: Task, *, token: str | None, lat: float | None, lng: float | None, now: datetime) -> str:
    """The check method a check-in/out proves: the organiser's current QR, or a position within the radius."""
    if token:
        tokens.token_check(token, task_id=task.pk, at=now)
        return CheckMethod.QR
    if lat is None or lng is None:
        raise InvalidInput.one("token", _("请扫描组织方的二维码，或允许获取位置。"))
    if not valid_lat_lng(lat, lng):
        raise InvalidInput.one("lat", _("位置无效。"))
    distance = haversine_m(lat, lng, task.lat, task.lng)
    if distance > task.radius_m:
        raise TooFar(distance, task.radius_m)
    return CheckMethod.POSITION


class TooFar(DomainError):
    def __init__(self, distance: float, radius: int) -> None:
        super().__init__(
            code="too_far",
            detail=_("您距离任务地点约 %(d)d 米，需在 %(r)d 米内签到。") % {"d": distance, "r": radius},
            status=400,
        )


@transaction.atomic
def claim_check_in(
    *, claim_id: int, worker: User, token: str | None = None, lat: float | None = None, lng: float | None = None
) -> Claim:
    found = selectors.claim_of_worker(worker, claim_id)
    task = _lock_task(found.task_id)
    claim = Claim.objects.select_for_update().get(pk=found.pk)
    if not claim.can_check_in():
        raise Conflict("invalid_transition", _("当前状态不能签到。"))
    now = timezone.now()
    if task.status != TaskStatus.PUBLISHED or not task.checkin_opens_at() <= now < task.ends_at:
        raise Conflict(
            "checkin_closed",
            _("签到在任务开始前 %(m)d 分钟开放，任务结束后关闭。") % {"m": settings.VOLUNTEERING_CHECKIN_OPENS_MINUTES},
        )
    method = _where_check(task, token=token, lat=lat, lng=lng, now=now)
    claim.checked_in_at = now
    claim.check_in_method = method
    claim.save(update_fields=["checked_in_at", "check_in_method"])
    _move(claim, ClaimStatus.CHECKED_IN, ClaimAction.CHECK_IN, actor=worker, at=now, note=method)
    return claim


def presence_minutes(task: Task, checked_in_at: datetime, checked_out_at: datetime) -> int:
    """Minutes of presence inside the task window: travel and waiting before the start are not service."""
    start = max(checked_in_at, task.starts_at)
    end = min(checked_out_at, task.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def credited_minutes(task: Task, presence: int) -> int:
    """Presence reaching the minimum share of the window is credited in full; under it, nothing
    (the organiser may still credit it by giving minutes)."""
    needed = task.window_minutes * settings.VOLUNTEERING_MIN_PRESENCE_PERCENT / 100
    return presence if presence >= needed else 0


def _check_out(claim: Claim, task: Task, *, at: datetime, method: str, actor: User | None, flagged: bool) -> None:
    assert claim.checked_in_at is not None
    claim.checked_out_at = at
    claim.check_out_method = method
    claim.flagged = flagged
    claim.presence_minutes = presence_minutes(task, claim.checked_in_at, at)
    claim.minutes = credited_minutes(task, claim.presence_minutes)
    claim.save(update_fields=["checked_out_at", "check_out_method", "flagged", "presence_minutes", "minutes"])
    action = ClaimAction.AUTO_CHECK_OUT if method == CheckMethod.AUTO else ClaimAction.CHECK_OUT
    _move(claim, ClaimStatus.CHECKED_OUT, action, actor=actor, at=at, note=method)


@transaction.atomic
def claim_check_out(
    *, claim_id: int, worker: User, token: str | None = None, lat: float | None = None, lng: float | None = None
) -> Claim:
    found = selectors.claim_of_worker(worker, claim_id)
    task = _lock_task(found.task_id)
    claim = Claim.objects.select_for_update().get(pk=found.pk)
    if not claim.can_check_out():
        raise Conflict("invalid_transition", _("请先签到，再签退。"))
    now = timezone.now()
    method = _where_check(task, token=token, lat=lat, lng=lng, now=now)
    _check_out(claim, task, at=now, method=method, actor=worker, flagged=False)
    return claim


@transaction.atomic
def claims_close_ended(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: at a task's end, a claim never checked in is a no-show, a check-in never
    checked out is checked out at the end and flagged for the organiser, and whoever still waits
    is let go."""
    now = now or timezone.now()
    counts = {"no_show": 0, "auto_check_out": 0, "waitlist_closed": 0}
    ended = Claim.objects.select_for_update().filter(
        task__ends_at__lte=now, status__in=(ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.WAITLISTED)
    )
    for claim in ended.select_related("task").order_by("task_id", "id"):
        task = claim.task
        if claim.status == ClaimStatus.CLAIMED:
            _move(claim, ClaimStatus.NO_SHOW, ClaimAction.NO_SHOW, actor=None, at=now)
            counts["no_show"] += 1
        elif claim.status == ClaimStatus.CHECKED_IN:
            _check_out(claim, task, at=task.ends_at, method=CheckMethod.AUTO, actor=None, flagged=True)
            counts["auto_check_out"] += 1
        else:
            _move(claim, ClaimStatus.CANCELLED, ClaimAction.CANCEL, actor=None, at=now, note="waitlist closed")
            Task.objects.filter(pk=task.pk).update(waitlisted_count=F("waitlisted_count") - 1)
            counts["waitlist_closed"] += 1
    return counts


# --- Review and records ---------------------------------------------------------------------------
REVIEW_DECISIONS = ("approve", "decline")


@transaction.atomic
def claim_review(*, claim_id: int, actor: User, decision: str, minutes: int | None = None, note: str = "") -> Claim:
    """The organiser approves (writing the service record and awarding the points, once) or declines
    a checked-out claim. Minutes may be adjusted within the task window, with a reason."""
    found = selectors.claims_manageable_by(actor).filter(pk=claim_id).values_list("task_id", flat=True).first()
    if found is None:
        raise NotFound()
    task = _lock_task(found)
    claim = Claim.objects.select_for_update().select_related("worker").get(pk=claim_id)
    return _review(claim, task, actor=actor, decision=decision, minutes=minutes, note=_clean(note))


def _review(claim: Claim, task: Task, *, actor: User, decision: str, minutes: int | None, note: str) -> Claim:
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput.one("decision", _("请选择认证或不予认证。"))
    if len(note) > NOTE_MAX:
        raise InvalidInput.one("note", _("审核意见过长。"))
    if not claim.can_review():
        raise Conflict("invalid_transition", _("只有已签退、待审核的认领可以审核。"))
    now = timezone.now()
    if decision == "decline":
        claim.reviewed_by, claim.reviewed_at, claim.review_note = actor, now, note
        claim.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        _move(claim, ClaimStatus.DECLINED, ClaimAction.DECLINE, actor=actor, at=now, note=note)
        _tell(claim.worker_id, task, kind="task_declined", title=_("服务时长未获认证：%(title)s"))
        return claim
    credited = claim.minutes or 0
    if minutes is not None:
        if not 1 <= minutes <= task.window_minutes:
            raise InvalidInput.one(
                "minutes", _("认证时长须在 1 到 %(max)d 分钟之间（任务时段）。") % {"max": task.window_minutes}
            )
        if minutes != credited and not note:
            raise InvalidInput.one("note", _("调整时长请写明理由。"))
        credited = minutes
    elif credited == 0:
        raise Conflict(
            "presence_too_short",
            _("在岗时间不足任务时段的 %(p)d%%，如确需认证请填写认证时长和理由，否则请不予认证。")
            % {"p": settings.VOLUNTEERING_MIN_PRESENCE_PERCENT},
        )
    claim.minutes = credited
    claim.reviewed_by, claim.reviewed_at, claim.review_note = actor, now, note
    claim.save(update_fields=["minutes", "reviewed_by", "reviewed_at", "review_note"])
    _move(claim, ClaimStatus.APPROVED, ClaimAction.APPROVE, actor=actor, at=now, note=note)
    assert claim.checked_in_at is not None and claim.checked_out_at is not None
    record = ServiceRecord.objects.create(
        claim=claim,
        worker_id=claim.worker_id,
        task_title=task.title,
        category=task.category,
        organiser_id=task.organiser_id,
        address=task.address,
        started_at=max(claim.checked_in_at, task.starts_at),
        ended_at=min(claim.checked_out_at, task.ends_at),
        minutes=credited,
        points=0,
        recorder=actor,
        recorded_at=now,
    )
    counted_rows_changed(Counted.SERVICE_RECORD, record)
    if task.points:
        result = points_award(
            worker=claim.worker,
            source=PointsSource.VOLUNTEER_TASK,
            idempotency_key=f"volunteering.claim:{claim.pk}",
            source_object=record,
            region=task.region,
            amount=task.points,
            actor=actor,
            note=task.title[:NOTE_MAX],
            at=now,
        )
        if result.entry is not None:
            record.points = result.entry.amount
            record.save(update_fields=["points"])
            counted_rows_changed(Counted.SERVICE_RECORD, record)
        else:
            logger.info("volunteer claim %s approved without points: %s", claim.pk, result.refusal)
    _tell(
        claim.worker_id,
        task,
        kind="task_approved",
        title=_("服务时长已认证：%(title)s"),
        body=_("“%(title)s”的服务时长已由组织方认证，积分已发放。"),
    )
    return claim


@dataclass
class BulkResult:
    done: list[int]
    refused: dict[int, str]


@transaction.atomic
def claims_review_bulk(*, task_id: int, claim_ids: list[int], actor: User, decision: str, note: str = "") -> BulkResult:
    """Review many claims of one task at once, each with its own credited minutes; one refused
    claim (wrong status, too short a presence) is reported and the others go through."""
    selectors.manageable_task(actor, task_id)
    task = _lock_task(task_id)
    result = BulkResult(done=[], refused={})
    claims = Claim.objects.select_for_update().select_related("worker").filter(task=task, pk__in=claim_ids)
    found = {c.pk: c for c in claims}
    for claim_id in claim_ids:
        claim = found.get(claim_id)
        if claim is None:
            result.refused[claim_id] = "not_found"
            continue
        try:
            with transaction.atomic():
                _review(claim, task, actor=actor, decision=decision, minutes=None, note=_clean(note))
        except (Conflict, InvalidInput) as exc:
            result.refused[claim_id] = exc.code
        else:
            result.done.append(claim_id)
    return result


@transaction.atomic
def correction_request(*, record_id: int, worker: User, minutes: int, reason: str) -> RecordCorrection:
    record = ServiceRecord.objects.select_related("claim__task").filter(pk=record_id, worker_id=worker.pk).first()
    if record is None:
        raise NotFound()
    reason = _clean(reason)
    window = record.claim.task.window_minutes
    errors = []
    if not reason:
        errors.append(FieldError("reason", _("请写明需要更正的理由。")))
    elif len(reason) > 500:
        errors.append(FieldError("reason", _("理由过长。")))
    if not 1 <= minutes <= window:
        errors.append(FieldError("minutes", _("时长须在 1 到 %(max)d 分钟之间（任务时段）。") % {"max": window}))
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            return RecordCorrection.objects.create(
                record=record, requested_by=worker, reason=reason, minutes_asked=minutes
            )
    except IntegrityError as exc:
        raise Conflict("already_requested", _("该记录已有待答复的更正申请。")) from exc


@transaction.atomic
def correction_answer(*, correction_id: int, actor: User, accept: bool, note: str = "") -> RecordCorrection:
    """The organiser answers: accepted, the record takes the asked minutes and the correction keeps
    the minutes before; rejected, the record stays. Either way nothing is deleted."""
    correction = (
        selectors.corrections_answerable_by(actor).select_for_update(of=("self",)).filter(pk=correction_id).first()
    )
    if correction is None:
        raise NotFound()
    if correction.status != CorrectionStatus.PENDING:
        raise Conflict("invalid_transition", _("该更正申请已答复。"))
    note = _clean(note)
    if len(note) > NOTE_MAX:
        raise InvalidInput.one("note", _("答复过长。"))
    if not accept and not note:
        raise InvalidInput.one("note", _("维持原记录请写明理由。"))
    now = timezone.now()
    record = ServiceRecord.objects.select_for_update().get(pk=correction.record_id)
    correction.minutes_before = record.minutes
    if accept:
        record.minutes = correction.minutes_asked
        record.save(update_fields=["minutes"])
        counted_rows_changed(Counted.SERVICE_RECORD, record)
    correction.minutes_after = record.minutes
    correction.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
    correction.answered_by, correction.answered_at, correction.answer_note = actor, now, note
    correction.save(
        update_fields=[
            "minutes_before",
            "minutes_after",
            "status",
            "answered_by",
            "answered_at",
            "answer_note",
            "updated_at",
        ]
    )
    return correction


# --- Certificates ----------------------------------------------------------------------------------
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _certificate_number(day: date) -> str:
    suffix = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(10))
    return f"ZY{day:%Y%m%d}{suffix}"


def _mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


@transaction.atomic
def certificate_issue(*, worker: User, date_from: date, date_to: date) -> Certificate:
    """A certificate of the worker's certified hours in a period, issued in the name of the worker's
    community party organisation with its person in charge and contact."""
    profile = WorkerProfile.objects.select_related("community").filter(user_id=worker.pk).first()
    if profile is None:
        raise PermissionDenied(_("只有注册报到的新就业群体可以申请志愿服务证明。"))
    today = timezone.localdate()
    if date_from > date_to:
        raise InvalidInput.one("to", _("结束日期不能早于开始日期。"))
    if date_to > today:
        raise InvalidInput.one("to", _("结束日期不能晚于今天。"))
    if (date_to - date_from).days > 366 * 10:
        raise InvalidInput.one("from", _("证明期间不能超过十年。"))
    minutes = selectors.minutes_total(worker, since=date_from, until=date_to)
    records = selectors.records_of(worker).filter(
        started_at__gte=selectors._day_start(date_from),
        started_at__lt=selectors._day_start(date_to + timedelta(days=1)),
    )
    count = records.count()
    if count == 0:
        raise Conflict("no_service_records", _("该期间没有经认证的志愿服务记录。"))
    issuer = region_party_org(profile.community) if profile.community_id else None
    if issuer is None:
        raise Conflict("no_service_records", _("您的报到社区尚无党组织，暂不能出具证明。"))
    head = (
        Membership.objects.filter(organisation=issuer, role=Role.ADMIN)
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    for _attempt in range(5):
        number = _certificate_number(today)
        if not Certificate.objects.filter(number=number).exists():
            break
    return Certificate.objects.create(
        number=number,
        worker=worker,
        holder_name=worker.name,
        holder_phone_masked=_mask(worker.phone),
        period_from=date_from,
        period_to=date_to,
        minutes=minutes,
        records=count,
        issuer=issuer,
        issuer_name=issuer.name,
        person_in_charge=head.user.name if head is not None else issuer.display_name,
        contact=issuer.contact_phone,
        issued_at=timezone.now(),
    )


# --- Settings ----------------------------------------------------------------------------------------
def volunteer_settings_set(*, worker: User, sms_on_promotion: bool) -> VolunteerSettings:
    """The worker allows (or stops) a text message when moved up from a waiting list."""
    if not WorkerProfile.objects.filter(user_id=worker.pk).exists():
        raise PermissionDenied(_("只有注册报到的新就业群体可以设置志愿服务通知。"))
    found, _created = VolunteerSettings.objects.update_or_create(
        worker=worker, defaults={"sms_on_promotion": sms_on_promotion}
    )
    return found


# --- Teams ------------------------------------------------------------------------------------------
@transaction.atomic
def team_create(*, actor: User, organiser: int, name: str, description: str = "") -> Team:
    org = selectors.team_orgs_for(actor).filter(pk=organiser).first()
    if org is None:
        raise PermissionDenied(_("只有街道、社区党组织的工作人员可以组建服务队。"))
    name, description = _clean(name), _clean(description)
    if not name or len(name) > 80:
        raise InvalidInput.one("name", _("请填写服务队名称（80 字以内）。"))
    if len(description) > 500:
        raise InvalidInput.one("description", _("简介过长。"))
    street = org.region if org.region.level == "street" else org.region.parent
    assert street is not None
    try:
        with transaction.atomic():
            return Team.objects.create(
                name=name, description=description, organiser=org, street=street, created_by=actor
            )
    except IntegrityError as exc:
        raise Conflict("conflict", _("本单位已有同名服务队。")) from exc


@transaction.atomic
def team_join(*, team_id: int, worker: User) -> TeamMember:
    """A worker asks to join; a captain or the organiser accepts."""
    team = selectors.team_get(team_id)
    if not WorkerProfile.objects.filter(user_id=worker.pk).exists():
        raise PermissionDenied(_("只有注册报到的新就业群体可以加入服务队。"))
    worker_require_checked_in(worker, doing="task")
    live = TeamMember.objects.filter(
        team=team, worker=worker, status__in=(MembershipStatus.PENDING, MembershipStatus.MEMBER)
    ).first()
    if live is not None:
        return live
    try:
        with transaction.atomic():
            return TeamMember.objects.create(team=team, worker=worker, status=MembershipStatus.PENDING)
    except IntegrityError:
        return TeamMember.objects.get(team=team, worker=worker, status__in=["pending", "member"])


def _team_decider(actor: User, team_id: int) -> bool:
    return selectors.teams_manageable_by(actor).filter(pk=team_id).exists() or selectors.is_captain(actor, team_id)


@transaction.atomic
def team_member_decide(*, member_id: int, actor: User, accept: bool) -> TeamMember:
    member = TeamMember.objects.select_for_update().filter(pk=member_id).first()
    if member is None or not _team_decider(actor, member.team_id):
        raise NotFound()
    if member.status != MembershipStatus.PENDING:
        raise Conflict("invalid_transition", _("该申请已处理。"))
    member.status = MembershipStatus.MEMBER if accept else MembershipStatus.DECLINED
    member.decided_by, member.decided_at = actor, timezone.now()
    member.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return member


@transaction.atomic
def team_captain_set(*, member_id: int, actor: User, captain: bool = True) -> TeamMember:
    """The organiser names (or un-names) a member captain."""
    member = TeamMember.objects.select_for_update().filter(pk=member_id).first()
    if member is None or not selectors.teams_manageable_by(actor).filter(pk=member.team_id).exists():
        raise NotFound()
    if member.status != MembershipStatus.MEMBER:
        raise Conflict("invalid_transition", _("只有正式队员可以任队长。"))
    member.role = TeamRole.CAPTAIN if captain else TeamRole.MEMBER
    member.save(update_fields=["role", "updated_at"])
    return member


def task_assign(*, task_id: int, worker_id: int, actor: User) -> Claim:
    """A captain puts a member of the team on a task for the team."""
    task = selectors.task_get(task_id)
    if task.team_id is None or not selectors.is_captain(actor, task.team_id):
        raise NotFound()
    member = User.objects.filter(pk=worker_id, is_active=True).first()
    if member is None or not selectors.is_member(member, task.team_id):
        raise InvalidInput.one("worker", _("只能指派本服务队的队员。"))
    return claim_create(task_id=task_id, worker=member, assigned_by=actor)
