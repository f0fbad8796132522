"""Open311 GeoReport v2: the partners allowed to post reports (a delivery platform, another city's
hotline), their API keys and daily use, the extra attributes a category asks for (its service
definition), and what a partner sent with each report it posted.

A report posted through Open311 is an ordinary reports.Report, filed by reports.services; the
PostedRequest beside it keeps what only Open311 carries (the partner, the token, the client's
device and account ids, the attributes and a media_url).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from littlebee.core.texts import in_language
from littlebee.orgs.models import Organisation
from littlebee.reports.models import Report, ReportCategory


class Partner(models.Model):
    """A system that posts reports on behalf of people: tied to an organisation (the enterprise
    whose workers it may speak for). Reports it cannot attribute to one of that enterprise's
    workers are filed under its own account (`user`), which cannot sign in."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_partner", editable=False
    )
    created_at = models.DateTimeField(_("创建时间"))
    # Where every status change of a report the partner posted is sent, signed with the secret
    # (HMAC-SHA256). The secret has to be kept to sign: it is shown once, when the URL is set.
    webhook_url = models.URLField(_("回调地址"), max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口合作方")
        verbose_name_plural = _("接口合作方")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """An Open311 api_key. Only the SHA-256 of the secret is kept: it is shown once, at issue."""

    partner = models.ForeignKey(Partner, verbose_name=_("合作方"), on_delete=models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    daily_quota = models.PositiveIntegerField(_("每日限额"), default=1000)
    # Posts allowed within OPEN311_KEY_RATE_LIMIT_MINUTES; empty: OPEN311_KEY_RATE_LIMIT_COUNT.
    # A platform filing for thousands of couriers needs more than a city hotline.
    rate_limit = models.PositiveIntegerField(_("短时限额"), null=True, blank=True)
    created_at = models.DateTimeField(_("签发时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 密钥")
        verbose_name_plural = _("API 密钥")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def posts_per_window(self) -> int:
        """How many posts the key may make within OPEN311_KEY_RATE_LIMIT_MINUTES."""
        return self.rate_limit or settings.OPEN311_KEY_RATE_LIMIT_COUNT


class ApiKeyUsage(models.Model):
    """How many posts a key made on one (local) day: counted up by a conditional UPDATE below
    the quota, so two posts at once cannot both be the last one allowed."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="open311_usage_once_a_day")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.day}: {self.count}"


class Datatype(models.TextChoices):
    """GeoReport v2's attribute datatypes."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_DATATYPES = (Datatype.SINGLE, Datatype.MULTI)


class ServiceAttribute(models.Model):
    """An extra question a category asks of an Open311 client (a service definition's
    attribute). `values` lists the choices of a list datatype: [{"key": …, "name": …}]."""

    category = models.ForeignKey(
        ReportCategory, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.SlugField(_("编码"), max_length=40)
    datatype = models.CharField(_("数据类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("必填"), default=False)
    description = models.CharField(_("说明"), max_length=200)
    description_en = models.CharField(_("英文说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=1)
    values = models.JSONField(_("选项"), default=list, blank=True)

    class Meta:
        verbose_name = _("服务属性")
        verbose_name_plural = _("服务属性")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_once"),
            models.CheckConstraint(condition=Q(datatype__in=Datatype.values), name="open311_attribute_datatype"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}.{self.code}"

    @property
    def local_description(self) -> str:
        return in_language(self.description, self.description_en)

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values if isinstance(v, dict)]


class PostedRequest(models.Model):
    """What a partner sent with a report, beyond the report itself."""

    report = models.OneToOneField(Report, primary_key=True, on_delete=models.CASCADE, related_name="open311")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="requests")
    key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Answered by tokens/{token}: the request's id for a client that kept only the token.
    token = models.CharField(max_length=32, unique=True)
    # The report was filed as this worker of the partner's enterprise (their phone matched),
    # not under the partner's own account.
    attributed_to_worker = models.BooleanField(default=False)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=50, blank=True)
    last_name = models.CharField(max_length=50, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")
        # The key's recent posts, counted for its rate limit on every post.
        indexes = [models.Index(fields=["key", "created_at"], name="open311_posted_key_time_idx")]

    def __str__(self) -> str:
        return f"#{self.report_id} via {self.partner_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class WebhookDelivery(models.Model):
    """One status change of a posted report, sent to its partner's webhook: tried again with a
    growing wait until delivered or out of attempts; the city admin reads them as a log."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="deliveries")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回调记录")
        verbose_name_plural = _("回调记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep's rows: pending deliveries by when they are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="open311_delivery_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="open311_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of #{self.report_id} to {self.partner_id}"
