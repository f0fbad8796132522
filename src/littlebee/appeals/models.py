"""我的诉求 appeals: what a worker asks of an enterprise, an industry or the neighbourhood, each one
a cases.Case of kind "appeal" routed by classification-forwarding (分类转办).

The case carries status, the organisation holding it, the handler, deadlines and the timeline; the
appeal carries what the worker wrote, whom it concerns, and whether the worker hid their identity
from the enterprise. The case's category is the appeal's `involves`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import Case
from littlebee.orgs.models import Industry, Organisation


class AppealType(models.TextChoices):
    RIGHTS = "rights", _("权益保障")  # pay, fees, penalties, insurance
    INDUSTRY = "industry", _("行业治理")
    GROUP = "group", _("群体状况")


class Involves(models.TextChoices):
    ENTERPRISE = "enterprise", _("涉及企业")
    INDUSTRY_MANAGEMENT = "industry_management", _("行业管理")
    GRASSROOTS = "grassroots", _("基层治理")


class Appeal(models.Model):
    # The appeal's id is its case's id.
    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="appeal")
    type = models.CharField(_("诉求类型"), max_length=16, choices=AppealType.choices)
    involves = models.CharField(_("涉及方面"), max_length=32, choices=Involves.choices)
    # The enterprise it concerns (kind enterprise), when it involves one.
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_against",
    )
    # The enterprise's industry, else the worker's: whose industry committee and regulator.
    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices, blank=True)
    # The industry committee that supervises an enterprise-related appeal (sees it, comments,
    # sets a deadline, takes it over); null for the others.
    supervisor = models.ForeignKey(
        Organisation,
        verbose_name=_("监督单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_appeals",
    )
    subject = models.CharField(_("主题"), max_length=120)
    description = models.TextField(_("具体情况"))
    # Hidden from the enterprise's handlers: name, phone and anything that identifies the worker.
    anonymous_to_enterprise = models.BooleanField(_("对企业隐藏身份"), default=False)
    # The worker agrees that, once resolved, subject and answer may be shown (without any
    # identity) to other workers looking for similar appeals.
    outcome_public = models.BooleanField(_("允许匿名公开处理结果"), default=False)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-case"]
        indexes = [
            models.Index(fields=["enterprise", "-created_at"], name="appeal_enterprise_idx"),
            models.Index(fields=["industry", "-created_at"], name="appeal_industry_idx"),
            models.Index(fields=["supervisor", "-created_at"], name="appeal_supervisor_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=AppealType.values), name="appeal_type_valid"),
            models.CheckConstraint(condition=Q(involves__in=Involves.values), name="appeal_involves_valid"),
            models.CheckConstraint(
                condition=~Q(involves="enterprise") | Q(enterprise__isnull=False), name="appeal_enterprise_named"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class AppealAttachment(models.Model):
    """An image the worker attached, checked and re-encoded on upload (no metadata kept)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="appeals/%Y/%m/")
    thumbnail = models.FileField(upload_to="appeals/thumbs/%Y/%m/", blank=True)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"attachment {self.pk} of appeal {self.appeal_id}"

    # Served through an authorised view (views_files.py), only to those who may see the appeal.
    @property
    def url(self) -> str:
        return reverse("appeal-attachment-file", args=[self.appeal_id, self.pk, "file"]) if self.file else ""

    @property
    def thumbnail_url(self) -> str:
        if not self.thumbnail:
            return self.url
        return reverse("appeal-attachment-file", args=[self.appeal_id, self.pk, "thumb"])
