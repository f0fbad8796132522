"""Points: an append-only ledger, the cached balance it explains, earning rules, badges and titles."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.core.texts import in_language, render
from littlebee.orgs.models import Organisation, Region


class PointsSource(models.TextChoices):
    """What earns points: one earning rule (per category, per district) for each."""

    REPORT = "report", _("随手拍上报")
    ARTICLE_READ = "article_read", _("阅读文章")
    QUIZ_PASSED = "quiz_passed", _("答题通过")
    VOLUNTEER_TASK = "volunteer_task", _("志愿任务")
    EVENT_ATTENDANCE = "event_attendance", _("参加活动")
    CHECKIN_CONFIRMED = "checkin_confirmed", _("社区报到")


class LedgerReason(models.TextChoices):
    EARN = "earn", _("获得")
    REDEMPTION = "redemption", _("兑换礼品")
    EXPIRY = "expiry", _("积分过期")
    REVERSAL = "reversal", _("冲正")
    ADJUSTMENT = "adjustment", _("人工调整")


class EarningRule(TimeStampedModel):
    """Points for one source (and report category), city-wide or overridden in one district.

    A city rule says whether districts may override it and up to how many points; a district
    rule applies to awards whose place lies in that district.
    """

    source = models.CharField(_("来源"), max_length=32, choices=PointsSource.choices)
    # Report category code (reports app), or "" for every category of the source.
    category = models.CharField(_("类别"), max_length=40, blank=True, default="")
    district = models.ForeignKey(
        Region,
        verbose_name=_("区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="earning_rules",
        limit_choices_to={"level": "district"},
        help_text=_("留空为全市默认规则。"),
    )
    points_min = models.PositiveIntegerField(_("最低积分"))
    points_max = models.PositiveIntegerField(_("最高积分"))
    daily_cap = models.PositiveIntegerField(_("每日上限"), null=True, blank=True)
    weekly_cap = models.PositiveIntegerField(_("每周上限"), null=True, blank=True)
    active_from = models.DateField(_("生效日期"), null=True, blank=True)
    active_until = models.DateField(_("截止日期"), null=True, blank=True)
    # City rules only: the most points a district override may give; null: no override allowed.
    district_max_points = models.PositiveIntegerField(_("区级最高可设积分"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["source", "category", "district_id"]
        constraints = [
            # One rule per scope: the city's (no district) and each district's. Two conditional
            # constraints rather than nulls_distinct=False, which SQLite (the embedded default)
            # silently does not create.
            models.UniqueConstraint(
                fields=["source", "category"],
                condition=Q(district__isnull=True),
                name="earning_rule_one_city_rule",
            ),
            models.UniqueConstraint(
                fields=["source", "category", "district"],
                condition=Q(district__isnull=False),
                name="earning_rule_one_district_rule",
            ),
            models.CheckConstraint(condition=Q(points_min__lte=F("points_max")), name="earning_rule_range_ordered"),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_from__lte=F("active_until")),
                name="earning_rule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        scope = self.district.name if self.district is not None else str(_("全市"))
        return f"{self.get_source_display()} {self.category} · {scope}"

    @property
    def is_ranged(self) -> bool:
        return self.points_min != self.points_max


class PointsAccount(models.Model):
    """The cached balance. It changes only by conditional updates in the transaction that
    writes the ledger entry explaining the change; `points_reconcile` checks it against the sum."""

    worker = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="points_account"
    )
    balance = models.IntegerField(_("余额"), default=0)
    lifetime_earned = models.IntegerField(_("累计获得"), default=0)
    hide_from_boards = models.BooleanField(_("不在排行榜显示"), default=False)
    # Boards show a masked name (张*) unless the worker chooses to be named in full.
    show_name_on_boards = models.BooleanField(_("排行榜显示全名"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative"),
            models.CheckConstraint(condition=Q(lifetime_earned__gte=0), name="points_lifetime_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.balance}"


class LedgerEntry(models.Model):
    """One signed change of a worker's points. Never edited or deleted: a correction is a
    reversal entry pointing at the entry it reverses."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    amount = models.IntegerField(_("积分"))
    reason = models.CharField(_("类型"), max_length=16, choices=LedgerReason.choices)
    # For earnings: what earned them (a PointsSource), and the rule that priced them.
    source = models.CharField(_("来源"), max_length=32, blank=True, default="")
    category = models.CharField(_("类别"), max_length=40, blank=True, default="")
    rule = models.ForeignKey(EarningRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The object behind the entry, e.g. ("hives.eventregistration", "42"): every point traceable.
    source_type = models.CharField(max_length=64, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    # One per source event: awarding the same event twice finds this key and writes nothing.
    idempotency_key = models.CharField(max_length=128, unique=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the line is about. `note_text`, when set, is a stored text (core.texts: a message key
    # and its parameters, a gift's names in both languages), shown in the reader's language;
    # `note` is then that text in the city's language (the admin's search, exports). Rows written
    # before texts, and a person's own words (an adjustment's reason), have `note` alone.
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")
    note_text = models.JSONField(_("说明（多语言）"), null=True, blank=True)
    # Earnings only, when expiry is on: when the points of this entry expire (oldest spent first).
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("积分明细")
        verbose_name_plural = _("积分明细")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["worker", "-created_at"], name="ledger_worker_time_idx"),
            models.Index(fields=["worker", "source", "created_at"], name="ledger_worker_source_idx"),
            models.Index(fields=["source_type", "source_id"], name="ledger_source_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.amount:+d} {self.reason}"

    @property
    def shown_note(self) -> str:
        """The note in the reader's language."""
        return ledger_note(self.note, self.note_text)

    @property
    def source_label(self) -> str:
        """What a row of the history is about: the earning's source, else the kind of entry."""
        if self.source in PointsSource.values:
            return str(PointsSource(self.source).label)
        return str(self.get_reason_display())


def ledger_note(note: str, note_text: object) -> str:
    """A ledger line's note in the reader's language: its stored text when it has one (a dict, or
    the JSON string plain SQL hands back on SQLite), else the note as written."""
    if isinstance(note_text, str):
        try:
            note_text = json.loads(note_text) if note_text else None
        except ValueError:
            note_text = None
    if note_text is None or note_text == "":
        return note
    return render(note_text) or note


class Badge(models.Model):
    """A milestone: first report, ten reports, first volunteer task…"""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    description = models.CharField(_("说明"), max_length=120, blank=True)
    # English (core.texts): blank shows the Chinese under English too.
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    description_en = models.CharField(_("英文说明"), max_length=200, blank=True)
    icon = models.CharField(_("图标"), max_length=40, blank=True)
    # Earned when the worker has `threshold` earnings from `source` (or lifetime points when blank).
    source = models.CharField(_("来源"), max_length=32, choices=PointsSource.choices, blank=True)
    threshold = models.PositiveIntegerField(_("门槛"), default=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("徽章")
        verbose_name_plural = _("徽章")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language."""
        return in_language(self.name, self.name_en)

    @property
    def local_description(self) -> str:
        return in_language(self.description, self.description_en)


class WorkerBadge(models.Model):
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="holders")
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["awarded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["worker", "badge"], name="worker_badge_once")]

    def __str__(self) -> str:
        return f"{self.worker} · {self.badge}"


class HonoraryTitle(TimeStampedModel):
    """A title a community grants a worker, e.g. the seed's 径心游侠."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="honorary_titles")
    title = models.CharField(_("称号"), max_length=40)
    citation = models.CharField(_("事迹"), max_length=255, blank=True)
    # English (core.texts): blank shows the Chinese under English too.
    title_en = models.CharField(_("英文称号"), max_length=60, blank=True)
    citation_en = models.CharField(_("英文事迹"), max_length=400, blank=True)
    granted_by_org = models.ForeignKey(
        Organisation, verbose_name=_("授予组织"), on_delete=models.PROTECT, related_name="granted_titles"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("荣誉称号")
        verbose_name_plural = _("荣誉称号")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A community grants a title to a worker once; after a revocation it may grant it again.
            models.UniqueConstraint(
                fields=["worker", "granted_by_org", "title"],
                condition=Q(revoked_at__isnull=True),
                name="honorary_title_live_once",
            ),
        ]

    def __str__(self) -> str:
        return self.local_title

    @property
    def local_title(self) -> str:
        """The title in the reader's language."""
        return in_language(self.title, self.title_en)

    @property
    def local_citation(self) -> str:
        return in_language(self.citation, self.citation_en)


class ExpiryNotice(models.Model):
    """One warning per worker and expiry date, so the nightly job never texts twice."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    amount = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["worker", "expires_on"], name="expiry_notice_once")]

    def __str__(self) -> str:
        return f"{self.worker} {self.expires_on}"
