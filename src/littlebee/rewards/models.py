"""The rewards mall (全城通兑): gifts, their stock (in total and per station), vouchers and their timeline.

Stock moves only by conditional updates in the transaction that issues or releases a voucher
(rewards.services); the check constraints below are the last guard that it never goes below zero
or above the total, whatever the concurrency.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.models import TimeStampedModel
from littlebee.core.texts import in_language
from littlebee.hives.models import Hive
from littlebee.orgs.models import Organisation, OrgKind
from littlebee.points.models import LedgerEntry

# Who gives gifts: alliance units (暖新联盟单位), enterprises, and government (departments,
# party organisations, regulators).
DONOR_KINDS = (
    OrgKind.ALLIANCE_UNIT,
    OrgKind.ENTERPRISE,
    OrgKind.DEPARTMENT,
    OrgKind.PARTY_ORG,
    OrgKind.REGULATOR,
)


class PickupRule(models.TextChoices):
    ANY_HIVE = "any_hive", _("全城任一驿站")
    LISTED = "listed", _("指定驿站")


class Gift(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("介绍"), blank=True)
    # English (core.texts): blank shows the Chinese under English too.
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    description_en = models.TextField(_("英文介绍"), blank=True)
    picture = models.ImageField(_("图片"), upload_to="gifts/%Y/%m/", blank=True)
    points_cost = models.PositiveIntegerField(_("所需积分"))
    donor = models.ForeignKey(
        Organisation,
        verbose_name=_("捐赠单位"),
        on_delete=models.PROTECT,
        related_name="donated_gifts",
        limit_choices_to={"kind__in": DONOR_KINDS},
    )
    donor_note = models.CharField(_("捐赠说明"), max_length=200, blank=True)
    total_stock = models.PositiveIntegerField(_("总库存"))
    # What is left to redeem: total less the vouchers reserved or fulfilled. Changed only by
    # conditional updates (services), never by saving the row.
    stock_available = models.PositiveIntegerField(_("可兑库存"))
    pickup = models.CharField(_("领取方式"), max_length=16, choices=PickupRule.choices, default=PickupRule.ANY_HIVE)
    per_worker_limit = models.PositiveIntegerField(
        _("每人限兑"), null=True, blank=True, help_text=_("留空为不限；已取消和已过期的兑换券不计入。")
    )
    active_from = models.DateTimeField(_("开始兑换"), null=True, blank=True)
    active_until = models.DateTimeField(_("结束兑换"), null=True, blank=True)
    voucher_valid_days = models.PositiveSmallIntegerField(
        _("兑换券有效天数"), default=14, help_text=_("兑换后未领取的兑换券到期自动作废，积分和库存退回。")
    )
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("礼品")
        verbose_name_plural = _("礼品")
        ordering = ["points_cost", "id"]
        indexes = [
            # The mall: active gifts by cost ("affordable" is a range on it).
            models.Index(fields=["is_active", "points_cost"], name="gift_active_cost_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(points_cost__gte=1), name="gift_cost_positive"),
            models.CheckConstraint(condition=Q(stock_available__gte=0), name="gift_stock_not_negative"),
            models.CheckConstraint(condition=Q(stock_available__lte=F("total_stock")), name="gift_stock_within_total"),
            models.CheckConstraint(condition=Q(voucher_valid_days__gte=1), name="gift_voucher_days_positive"),
            models.CheckConstraint(
                condition=Q(per_worker_limit__isnull=True) | Q(per_worker_limit__gte=1),
                name="gift_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_from__lt=F("active_until")),
                name="gift_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language."""
        return in_language(self.name, self.name_en)

    @property
    def local_description(self) -> str:
        return in_language(self.description, self.description_en)

    def in_window(self, at: datetime) -> bool:
        return (self.active_from is None or self.active_from <= at) and (
            self.active_until is None or at < self.active_until
        )


class GiftStation(models.Model):
    """A station where a `listed` gift is picked up, with its own stock if it has one
    (null: the gift's stock is shared by its stations)."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="stations")
    hive = models.ForeignKey(Hive, verbose_name=_("驿站"), on_delete=models.CASCADE, related_name="gift_stations")
    stock_available = models.PositiveIntegerField(
        _("本站可兑库存"), null=True, blank=True, help_text=_("留空为不单独限量，共用礼品总库存。")
    )

    class Meta:
        verbose_name = _("领取驿站")
        verbose_name_plural = _("领取驿站")
        ordering = ["gift_id", "hive__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gift", "hive"], name="gift_station_once"),
            models.CheckConstraint(
                condition=Q(stock_available__isnull=True) | Q(stock_available__gte=0),
                name="gift_station_stock_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gift} @ {self.hive}"


class VoucherStatus(models.TextChoices):
    RESERVED = "reserved", _("待领取")
    FULFILLED = "fulfilled", _("已领取")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


# Vouchers that hold stock and count against a worker's limit.
LIVE_STATUSES = (VoucherStatus.RESERVED, VoucherStatus.FULFILLED)


class Voucher(models.Model):
    """A redeemed gift waiting at a station: reserved → fulfilled, or cancelled / expired (refunded)."""

    # Ten characters of an alphabet without look-alikes (services.CODE_ALPHABET), stored without
    # the grouping dash shown to people.
    code = models.CharField(_("兑换码"), max_length=16, unique=True)
    gift = models.ForeignKey(Gift, verbose_name=_("礼品"), on_delete=models.PROTECT, related_name="vouchers")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("小哥"), on_delete=models.PROTECT, related_name="vouchers"
    )
    # The pickup station chosen at redemption; null for an `any_hive` gift redeemed without one.
    hive = models.ForeignKey(
        Hive, verbose_name=_("领取驿站"), null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    status = models.CharField(_("状态"), max_length=16, choices=VoucherStatus.choices, default=VoucherStatus.RESERVED)
    points = models.PositiveIntegerField(_("积分"))
    # Whether redeeming took one from the station's own stock (given back on release).
    took_station_stock = models.BooleanField(default=False)
    points_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="redeemed_voucher"
    )
    refund_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="refunded_voucher"
    )
    created_at = models.DateTimeField(_("兑换时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    fulfilled_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fulfilled_hive = models.ForeignKey(
        Hive, verbose_name=_("发放驿站"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    expired_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("兑换券")
        verbose_name_plural = _("兑换券")
        ordering = ["-created_at", "-id"]
        indexes = [
            # My vouchers, newest first.
            models.Index(fields=["worker", "-created_at"], name="voucher_worker_time_idx"),
            # The per-worker limit: live vouchers of one worker for one gift.
            models.Index(fields=["worker", "gift", "status"], name="voucher_worker_gift_idx"),
            # Per-gift figures.
            models.Index(fields=["gift", "status"], name="voucher_gift_status_idx"),
            # The expiry sweep reads only reserved vouchers, by date.
            models.Index(fields=["expires_at"], condition=Q(status="reserved"), name="voucher_reserved_expiry_idx"),
            # A station's recent hand-overs on the pickup screen.
            models.Index(fields=["fulfilled_hive", "-fulfilled_at"], name="voucher_fulfilled_hive_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="voucher_expiry_after_creation"),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | (Q(fulfilled_at__isnull=False) & Q(fulfilled_hive__isnull=False)),
                name="voucher_fulfilled_has_station",
            ),
            # A released voucher always carries the refund of its points.
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled", "expired"]) | Q(refund_entry__isnull=False),
                name="voucher_released_refunded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_display} {self.gift}"

    @property
    def code_display(self) -> str:
        """ABCDE-FGHJK: two groups of five are easy to read out and type."""
        return f"{self.code[:5]}-{self.code[5:]}" if len(self.code) == 10 else self.code

    def is_due(self, at: datetime) -> bool:
        """Reserved and past its date: expired, whether or not the sweep has run yet."""
        return self.status == VoucherStatus.RESERVED and self.expires_at <= at

    def can_fulfil(self, at: datetime) -> bool:
        return self.status == VoucherStatus.RESERVED and not self.is_due(at)

    def can_cancel(self, at: datetime) -> bool:
        return self.status == VoucherStatus.RESERVED and not self.is_due(at)

    def can_expire(self, at: datetime) -> bool:
        return self.is_due(at)


class VoucherEvent(models.Model):
    """The voucher's timeline: one row per transition, written in the transition's transaction."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=VoucherStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=VoucherStatus.choices)
    hive = models.ForeignKey(Hive, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("兑换券记录")
        verbose_name_plural = _("兑换券记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["voucher", "at"], name="voucher_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.voucher_id} {self.from_status or '-'} → {self.to_status}"
