"""蜂巢 stations: services, opening hours, visits, events and registrations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.core.texts import in_language
from littlebee.orgs.models import Organisation, Region


class Service(models.Model):
    """The service catalogue: five base services every station offers, plus special ones."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    # The English name (core.texts): blank shows the Chinese one under English too.
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    icon = models.CharField(_("图标"), max_length=40, blank=True)
    is_base = models.BooleanField(_("基础服务"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language."""
        return in_language(self.name, self.name_en)


class Hive(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    address = models.CharField(_("地址"), max_length=255)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    community = models.ForeignKey(
        Region,
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="hives",
        limit_choices_to={"level": "community"},
    )
    managing_unit = models.ForeignKey(
        Organisation, verbose_name=_("管理单位"), on_delete=models.PROTECT, related_name="hives"
    )
    responsible_person = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    description = models.TextField(_("简介"), blank=True)
    demonstration = models.BooleanField(_("示范驿站"), default=False)
    # A 24-hour station ignores the weekly schedule (exceptions still apply).
    always_open = models.BooleanField(_("24 小时开放"), default=False)
    time_zone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    services = models.ManyToManyField(Service, verbose_name=_("服务"), related_name="hives", blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("蜂巢驿站")
        verbose_name_plural = _("蜂巢驿站")
        ordering = ["name"]
        indexes = [
            # Nearest-station search: a bounding box on these two columns, then exact distance.
            models.Index(fields=["lat", "lng"], name="hive_lat_lng_idx"),
            # The finder's nearest search reads only active stations' positions: it finds them,
            # orders them and counts its circle from this index alone (an index-only scan where
            # the table is vacuumed), not from the table's rows.
            models.Index(fields=["lat", "lng", "id"], condition=Q(is_active=True), name="hive_active_position_idx"),
            models.Index(fields=["community"], name="hive_community_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180), name="hive_location_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningInterval(models.Model):
    """One opening interval of the weekly schedule; closes <= opens means it runs past midnight."""

    hive = models.ForeignKey(Hive, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("星期"))  # 0 = Monday, as datetime.weekday()
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="interval_weekday_range"),
            models.CheckConstraint(condition=~Q(opens=models.F("closes")), name="interval_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A dated exception: closed all day, or open with special hours (holidays, closures)."""

    hive = models.ForeignKey(Hive, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日期"))
    closed = models.BooleanField(_("全天闭站"), default=True)
    opens = models.TimeField(_("开门"), null=True, blank=True)
    closes = models.TimeField(_("关门"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["hive", "date"], name="exception_one_per_day"),
            models.CheckConstraint(
                condition=Q(closed=True) | (Q(opens__isnull=False) & Q(closes__isnull=False)),
                name="exception_hours_when_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hive} {self.date}"


class HivePhoto(models.Model):
    hive = models.ForeignKey(Hive, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="hives/%Y/%m/")
    caption = models.CharField(max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class AnnualServiceItem(models.Model):
    """年度服务项目清单: what a station commits to offer this year, with a date or a frequency."""

    hive = models.ForeignKey(Hive, on_delete=models.CASCADE, related_name="annual_items")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("项目"), max_length=120)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    frequency = models.CharField(_("频次"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["year", "order", "id"]
        indexes = [models.Index(fields=["hive", "year"], name="annual_item_hive_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class VisitMethod(models.TextChoices):
    QR = "qr", _("扫码")
    MEMBER_CODE = "member_code", _("站长扫会员码")


class HiveVisit(models.Model):
    """A counted visit: at most one per worker and station within VISIT_COOLDOWN_HOURS
    (enforced by services.visits under a lock on the worker's profile row)."""

    hive = models.ForeignKey(Hive, verbose_name=_("驿站"), on_delete=models.CASCADE, related_name="visits")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("小哥"), on_delete=models.CASCADE, related_name="hive_visits"
    )
    method = models.CharField(_("方式"), max_length=16, choices=VisitMethod.choices)
    # The keeper who scanned the worker's member code; empty for a self-scan of the station QR.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("服务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    at = models.DateTimeField(_("到访时间"), default=timezone.now)

    class Meta:
        verbose_name = _("驿站到访")
        verbose_name_plural = _("驿站到访")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["hive", "at"], name="visit_hive_at_idx"),
            models.Index(fields=["worker", "hive", "at"], name="visit_worker_hive_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hive} {self.at:%Y-%m-%d %H:%M}"


CHECKIN_OPENS_BEFORE = timedelta(hours=2)


class EventStatus(models.TextChoices):
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")


class Event(TimeStampedModel):
    """活动: published by a community or a station, with limited places and a waiting list."""

    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("介绍"), blank=True)
    hive = models.ForeignKey(Hive, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="events")
    place = models.CharField(_("地点"), max_length=255)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    points = models.PositiveIntegerField(_("参加积分"), default=0)
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.PUBLISHED)
    checkin_code = models.CharField(_("签到码"), max_length=12)
    # Kept by conditional updates in the same transaction as each registration change, so the
    # capacity check is one indexed row, never a count racing other requests.
    registered_count = models.PositiveIntegerField(default=0)
    waitlisted_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
            models.CheckConstraint(condition=Q(registered_count__lte=models.F("capacity")), name="event_not_overfull"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_registrations(self, now: datetime) -> bool:
        """Registration (and cancelling one) is open until the event starts."""
        return self.status == EventStatus.PUBLISHED and self.starts_at > now

    def can_cancel(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.registered_count, 0)

    def checkin_open(self, now: datetime) -> bool:
        """Workers check in at the door from two hours before the start until the end."""
        return self.status == EventStatus.PUBLISHED and self.starts_at - CHECKIN_OPENS_BEFORE <= now < self.ends_at


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    WAITLISTED = "waitlisted", _("候补中")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已签到")


class EventRegistration(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # Who checked the worker in: the worker (by the door code) or a staff member (attendance list).
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When a waitlisted registration moved up to a place freed by a cancellation; the worker's
    # notification reads it (the notifications inbox comes later).
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="registration_queue_idx")]
        constraints = [
            # One live registration per worker and event; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["event", "worker"], condition=~Q(status="cancelled"), name="registration_one_live_per_worker"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.event} ({self.status})"

    def can_cancel(self) -> bool:
        return self.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)

    def can_check_in(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED


class EventCheckinFailure(models.Model):
    """A wrong door code a worker entered for an event: the count behind the check-in guess limit,
    in the database so that every web process sees the same count (as accounts.AuthAttempt is for
    logins, which counts by phone number and would lock the worker out of logging in)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["event", "worker", "at"], name="checkin_failure_idx")]

    def __str__(self) -> str:
        return f"{self.worker_id} → {self.event_id} @ {self.at:%Y-%m-%d %H:%M}"


class EventAction(models.TextChoices):
    PUBLISH = "publish", _("发布活动")
    REGISTER = "register", _("报名")
    CANCEL_REGISTRATION = "cancel_registration", _("取消报名")
    PROMOTE = "promote", _("候补转正")
    CANCEL = "cancel", _("取消活动")
    CHECK_IN = "check_in", _("签到")


class EventLog(models.Model):
    """The append-only record of an event's and its registrations' changes: who (none for the
    system's promotion from the waiting list), when, which action, from and to which status.
    Written by each service in hives.services.events in the transaction of the change itself."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="log")
    registration = models.ForeignKey(
        EventRegistration, null=True, blank=True, on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=EventAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["event", "at"], name="eventlog_event_at_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=EventAction.values), name="eventlog_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"
