"""用心做: volunteer tasks and errands, claims on them, the service records they leave, teams,
certificates, and the point permissions districts give their organisations.

A claim is a state machine (ClaimStatus) whose every step writes a ClaimLog row. A service
record is written once, when the organiser approves a claim, and never deleted: a change of
its minutes is a RecordCorrection that keeps the minutes before it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.hives.models import Hive
from littlebee.learning.models import LearningItem
from littlebee.orgs.models import Organisation, Region


class PointPermission(TimeStampedModel):
    """A district lets one of its organisations publish tasks that carry points: at most
    `max_points` a task, and `monthly_budget` points a calendar month (points × slots of the
    tasks it publishes starting that month). No row: the organisation publishes tasks without points."""

    district = models.ForeignKey(
        Region, verbose_name=_("区"), on_delete=models.PROTECT, related_name="+", limit_choices_to={"level": "district"}
    )
    organisation = models.OneToOneField(
        Organisation, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="volunteering_permission"
    )
    max_points = models.PositiveIntegerField(_("单个任务最高积分"))
    monthly_budget = models.PositiveIntegerField(_("每月积分预算"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("任务积分权限")
        verbose_name_plural = _("任务积分权限")
        ordering = ["district_id", "organisation_id"]

    def __str__(self) -> str:
        return f"{self.organisation} ≤{self.max_points} / {self.monthly_budget}"


class TaskKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    ERRAND = "errand", _("代办代领")


class TaskCategory(models.TextChoices):
    PUBLIC_WELFARE = "public_welfare", _("公益活动")
    ERRAND = "errand", _("代办代领")
    HAZARD_PATROL = "hazard_patrol", _("隐患排查")
    POLICY_PROMOTION = "policy_promotion", _("政策宣传")
    ELDERLY_HELP = "elderly_help", _("助老服务")


class Availability(models.TextChoices):
    """What a claim on the task would get now: a place, a place on the waiting list, or nothing."""

    OPEN = "open", _("可认领")
    WAITLIST = "waitlist", _("候补")
    FULL = "full", _("已满")


class TaskStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class Team(TimeStampedModel):
    """A volunteer team (黄鹤骑士帮…) that a street or community runs; captains lead it."""

    name = models.CharField(_("名称"), max_length=80)
    description = models.CharField(_("简介"), max_length=500, blank=True)
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("组建单位"), on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    # The street whose board lists the team (the organiser's street, or its own region if a street).
    street = models.ForeignKey(Region, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organiser", "name"], name="team_name_unique_per_organiser")]

    def __str__(self) -> str:
        return self.name


class TeamRole(models.TextChoices):
    MEMBER = "member", _("队员")
    CAPTAIN = "captain", _("队长")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    MEMBER = "member", _("已加入")
    DECLINED = "declined", _("未通过")
    LEFT = "left", _("已退出")


class TeamMember(TimeStampedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_teams")
    role = models.CharField(_("角色"), max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    status = models.CharField(_("状态"), max_length=16, choices=MembershipStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team_id", "-role", "created_at"]
        constraints = [
            # One live request or membership per worker and team.
            models.UniqueConstraint(
                fields=["team", "worker"],
                condition=Q(status__in=["pending", "member"]),
                name="team_member_one_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.worker} · {self.status}"


class Task(TimeStampedModel):
    """A volunteer task or an errand, at a point with a radius (or a station), in a time window."""

    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TaskKind.choices)
    category = models.CharField(_("类别"), max_length=32, choices=TaskCategory.choices)
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="volunteer_tasks"
    )
    # Where the task happens: picks the district's earning rule and the organiser's budget month.
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    hive = models.ForeignKey(
        Hive, verbose_name=_("蜂巢驿站"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    radius_m = models.PositiveIntegerField(_("签到半径（米）"), default=200)
    address = models.CharField(_("地点"), max_length=255)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveIntegerField(_("名额"))
    # How many may wait for a freed place; 0: no waiting list.
    waitlist_slots = models.PositiveIntegerField(_("候补名额"), default=3)
    points = models.PositiveIntegerField(_("积分"), default=0)
    team = models.ForeignKey(
        Team, verbose_name=_("仅限服务队"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    requires_party_member = models.BooleanField(_("仅限党员"), default=False)
    # A learning item the worker must have passed before claiming (fire-safety training before a
    # hazard patrol). Protected: an item a task requires cannot be deleted from under it.
    required_item = models.ForeignKey(
        LearningItem,
        verbose_name=_("须先学习通过"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An errand's resident: shown only to the worker holding the claim, until it is done.
    resident_name = models.CharField(_("居民称呼"), max_length=40, blank=True)
    resident_phone = models.CharField(_("居民电话"), max_length=32, blank=True)
    resident_need = models.CharField(_("居民需求"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PUBLISHED)
    # A task repeated every day at the same hours, up to this day (a standing duty such as a
    # station's volunteer desk): the periodic job publishes each day's copy (`repeat_of` this
    # task) the day before. Cancelling this task ends the series; cancelling a copy, that day.
    repeats_until = models.DateField(_("每天重复至"), null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats", editable=False
    )
    claimed_count = models.PositiveIntegerField(default=0)
    waitlisted_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿任务")
        verbose_name_plural = _("志愿任务")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["status", "ends_at", "lat"], name="task_open_box_idx"),
            models.Index(fields=["organiser", "starts_at"], name="task_organiser_month_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(claimed_count__lte=F("slots")), name="task_not_overfull"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="task_ends_after_start"),
            models.CheckConstraint(condition=Q(slots__gte=1), name="task_has_slots"),
            # One copy of a repeated task a day, however often (and in how many processes) the
            # job runs.
            models.UniqueConstraint(
                fields=["repeat_of", "starts_at"], condition=Q(repeat_of__isnull=False), name="task_one_repeat_a_day"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def window_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def checkin_opens_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=settings.VOLUNTEERING_CHECKIN_OPENS_MINUTES)

    def cancel_cutoff(self) -> datetime:
        return self.starts_at - timedelta(minutes=settings.VOLUNTEERING_CANCEL_CUTOFF_MINUTES)

    @property
    def availability(self) -> str:
        if self.claimed_count < self.slots:
            return Availability.OPEN
        if self.waitlisted_count < self.waitlist_slots:
            return Availability.WAITLIST
        return Availability.FULL

    def accepts_claims(self, now: datetime) -> bool:
        return self.status == TaskStatus.PUBLISHED and now < self.ends_at


class ClaimStatus(models.TextChoices):
    WAITLISTED = "waitlisted", _("候补")
    CLAIMED = "claimed", _("已认领")
    CHECKED_IN = "checked_in", _("已签到")
    CHECKED_OUT = "checked_out", _("待审核")
    APPROVED = "approved", _("已认证")
    DECLINED = "declined", _("未认证")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("未到场")


# Claims that hold (or wait for) a place and may still become service.
LIVE_STATUSES = (ClaimStatus.WAITLISTED, ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN)
# Claims that hold a place: counted in Task.claimed_count.
HOLDING_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.CHECKED_OUT, ClaimStatus.APPROVED)


class CheckMethod(models.TextChoices):
    QR = "qr", _("扫码")
    POSITION = "position", _("定位")
    AUTO = "auto", _("系统自动")


class Claim(TimeStampedModel):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="claims")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_claims")
    status = models.CharField(_("状态"), max_length=16, choices=ClaimStatus.choices)
    # A captain who put a member on the task (null: the worker claimed it).
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    check_in_method = models.CharField(max_length=16, choices=CheckMethod.choices, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    check_out_method = models.CharField(max_length=16, choices=CheckMethod.choices, blank=True)
    # Checked out by the system at the task's end: the organiser looks at it before approving.
    flagged = models.BooleanField(_("需核实"), default=False)
    # Presence overlapping the task window, and whether it reaches the share that is credited.
    presence_minutes = models.PositiveIntegerField(null=True, blank=True)
    minutes = models.PositiveIntegerField(_("认证时长（分钟）"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("任务认领")
        verbose_name_plural = _("任务认领")
        ordering = ["task_id", "created_at", "id"]
        indexes = [models.Index(fields=["worker", "status"], name="claim_worker_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "worker"],
                condition=~Q(status__in=["cancelled", "no_show"]),
                name="claim_one_live_per_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.worker} · {self.status}"

    def can_cancel(self) -> bool:
        return self.status in (ClaimStatus.WAITLISTED, ClaimStatus.CLAIMED)

    def can_check_in(self) -> bool:
        return self.status == ClaimStatus.CLAIMED

    def can_check_out(self) -> bool:
        return self.status == ClaimStatus.CHECKED_IN

    def can_review(self) -> bool:
        return self.status == ClaimStatus.CHECKED_OUT


class ClaimAction(models.TextChoices):
    CLAIM = "claim", _("认领")
    WAITLIST = "waitlist", _("候补")
    ASSIGN = "assign", _("队长指派")
    PROMOTE = "promote", _("候补转正")
    CANCEL = "cancel", _("取消")
    LATE_CANCEL = "late_cancel", _("逾期取消")
    NO_SHOW = "no_show", _("未到场")
    CHECK_IN = "check_in", _("签到")
    CHECK_OUT = "check_out", _("签退")
    AUTO_CHECK_OUT = "auto_check_out", _("系统自动签退")
    APPROVE = "approve", _("认证时长")
    DECLINE = "decline", _("不予认证")


class ClaimLog(models.Model):
    """The claim's timeline: who did what, when, from and to which status."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=ClaimAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action} @ {self.at:%Y-%m-%d %H:%M}"


class ServiceRecord(models.Model):
    """志愿服务记录: written by the organiser's approval, once per claim, never deleted. The facts
    are copied from the task so the record stays true if the task is edited later."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="record")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_records")
    task_title = models.CharField(max_length=120)
    category = models.CharField(max_length=32, choices=TaskCategory.choices)
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    points = models.PositiveIntegerField(default=0)
    recorder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["worker", "started_at"], name="record_worker_time_idx")]

    def __str__(self) -> str:
        return f"{self.worker} {self.task_title} {self.minutes}min"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("维持原记录")


class RecordCorrection(TimeStampedModel):
    """A worker asks for a record's minutes to be corrected; the organiser answers. Accepted, it
    changes the record's minutes and keeps what they were (`minutes_before`)."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT, related_name="corrections")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("理由"), max_length=500)
    minutes_asked = models.PositiveIntegerField(_("申请时长（分钟）"))
    status = models.CharField(max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING)
    minutes_before = models.PositiveIntegerField(null=True, blank=True)
    minutes_after = models.PositiveIntegerField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.CharField(_("答复"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("记录更正")
        verbose_name_plural = _("记录更正")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="pending"), name="correction_one_pending_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.status}"


class Certificate(models.Model):
    """志愿服务证明: the facts of the four blocks of the official format, fixed when issued."""

    number = models.CharField(max_length=32, unique=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_certificates"
    )
    # Identity block, as it stood at issue (the account may be closed later).
    holder_name = models.CharField(max_length=100)
    holder_phone_masked = models.CharField(max_length=20)
    period_from = models.DateField()
    period_to = models.DateField()
    minutes = models.PositiveIntegerField()
    records = models.PositiveIntegerField()
    # Issuing block: the worker's community party organisation, its person in charge and contact.
    issuer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(max_length=200)
    person_in_charge = models.CharField(max_length=100)
    contact = models.CharField(max_length=64)
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class VolunteerSettings(models.Model):
    """What the worker allowed: a text message (besides the inbox) when a waiting-list place
    becomes theirs. Off until they turn it on; no row, all off."""

    worker = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_settings")
    sms_on_promotion = models.BooleanField(_("候补转正时短信通知"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿服务通知设置")
        verbose_name_plural = _("志愿服务通知设置")

    def __str__(self) -> str:
        return f"{self.worker_id} sms_on_promotion={self.sms_on_promotion}"
