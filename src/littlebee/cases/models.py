"""The case engine shared by reports (随手拍) and appeals (我的诉求).

A case sits with one organisation (and, once someone takes it, a named handler) and moves through
the status machine below. Every move is one service in `services.py` that locks the row, checks
the guard (`TRANSITIONS`), saves with `update_fields` and appends a `CaseEvent`, all in one
transaction. Routing, deadline and reply templates are data that city admins edit.

Status machine (action: from → to; "·" keeps the status):

    open      —                                         → submitted
    accept    submitted                                 → accepted
    reject    submitted                                 → rejected      (final)
    start     accepted, disputed                        → in_progress
    resolve   accepted, in_progress, disputed           → resolved
    confirm   resolved   (the reporter: "fixed")        → closed        (final)
    dispute   resolved   (the reporter: "not fixed")    → disputed
    close     resolved   (staff, e.g. no feedback)      → closed        (final)
    forward   submitted, accepted, in_progress, disputed → submitted at another organisation
    return    submitted, accepted                       → submitted at the previous organisation / triage
    merge     submitted, accepted, in_progress, disputed → merged        (final, duplicate_of set)
    assign    submitted, accepted, in_progress, disputed → ·             (names the handler)
    escalate  submitted, accepted, in_progress, disputed → ·             (system: overdue, to the parent organisation;
                                                                        or a dispute the owning app sends up)
    supervise submitted, accepted, in_progress, disputed → ·             (the supervising organisation's comment)
    set_deadline  submitted, accepted, in_progress, disputed → ·         (the supervisor shortens the stage)
    take_over submitted, accepted, in_progress, disputed → submitted at the supervising organisation
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from littlebee.core.texts import Text, render
from littlebee.orgs.models import DepartmentType, Organisation, Region


class CaseKind(models.TextChoices):
    REPORT = "report", _("随手拍")
    APPEAL = "appeal", _("诉求")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    IN_PROGRESS = "in_progress", _("处置中")
    RESOLVED = "resolved", _("已办结")
    DISPUTED = "disputed", _("有异议，重新办理")
    CLOSED = "closed", _("已关闭")
    MERGED = "merged", _("已合并")


class CaseAction(models.TextChoices):
    OPEN = "open", _("提交")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    START = "start", _("开始处置")
    RESOLVE = "resolve", _("办结")
    CONFIRM = "confirm", _("确认解决")
    DISPUTE = "dispute", _("反馈未解决")
    CLOSE = "close", _("关闭")
    FORWARD = "forward", _("转办")
    RETURN = "return", _("退回")
    MERGE = "merge", _("合并为重复")
    ASSIGN = "assign", _("指定经办人")
    ESCALATE = "escalate", _("超期升级")
    FOLLOW = "follow", _("我也遇到")
    # Supervision of a case by an organisation the owning app names (hooks.KindHooks.supervisor_id):
    # an enterprise appeal by its industry committee.
    SUPERVISE = "supervise", _("督办意见")
    SET_DEADLINE = "set_deadline", _("设定期限")
    TAKE_OVER = "take_over", _("提级办理")


# Cases still being worked on: they have a deadline and may be forwarded, merged, escalated.
OPEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.DISPUTED})

# action → (statuses it may start from, status it leads to; None keeps the status).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    CaseAction.ACCEPT: (frozenset({CaseStatus.SUBMITTED}), CaseStatus.ACCEPTED),
    CaseAction.REJECT: (frozenset({CaseStatus.SUBMITTED}), CaseStatus.REJECTED),
    CaseAction.START: (frozenset({CaseStatus.ACCEPTED, CaseStatus.DISPUTED}), CaseStatus.IN_PROGRESS),
    CaseAction.RESOLVE: (
        frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.DISPUTED}),
        CaseStatus.RESOLVED,
    ),
    CaseAction.CONFIRM: (frozenset({CaseStatus.RESOLVED}), CaseStatus.CLOSED),
    CaseAction.DISPUTE: (frozenset({CaseStatus.RESOLVED}), CaseStatus.DISPUTED),
    CaseAction.CLOSE: (frozenset({CaseStatus.RESOLVED}), CaseStatus.CLOSED),
    CaseAction.FORWARD: (OPEN_STATUSES, CaseStatus.SUBMITTED),
    CaseAction.RETURN: (frozenset({CaseStatus.SUBMITTED, CaseStatus.ACCEPTED}), CaseStatus.SUBMITTED),
    CaseAction.MERGE: (OPEN_STATUSES, CaseStatus.MERGED),
    CaseAction.ASSIGN: (OPEN_STATUSES, None),
    CaseAction.ESCALATE: (OPEN_STATUSES, None),
    CaseAction.FOLLOW: (OPEN_STATUSES | {CaseStatus.RESOLVED}, None),
    CaseAction.SUPERVISE: (OPEN_STATUSES, None),
    CaseAction.SET_DEADLINE: (OPEN_STATUSES, None),
    CaseAction.TAKE_OVER: (OPEN_STATUSES, CaseStatus.SUBMITTED),
}

# What staff of the supervising organisation may do while another organisation holds the case.
SUPERVISION_ACTIONS = (CaseAction.SUPERVISE, CaseAction.SET_DEADLINE, CaseAction.TAKE_OVER)

# What staff of the holding organisation may do; the reporter's feedback is confirm/dispute.
STAFF_ACTIONS = (
    CaseAction.ACCEPT,
    CaseAction.REJECT,
    CaseAction.START,
    CaseAction.RESOLVE,
    CaseAction.CLOSE,
    CaseAction.FORWARD,
    CaseAction.RETURN,
    CaseAction.MERGE,
    CaseAction.ASSIGN,
)


class ActorRole(models.TextChoices):
    WORKER = "worker", _("小哥")
    HANDLER = "handler", _("经办人")
    ADMIN = "admin", _("管理员")
    SYSTEM = "system", _("系统")


class Case(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    # A category code of the owning app (reports.ReportCategory.code, an appeal type, …).
    category = models.CharField(_("类别"), max_length=64)
    # Where it lies: usually a community; a street or district when that is all that is known.
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    # Where it sits now, and who there is named for it.
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="cases"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_cases",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="reported_cases"
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    urgent = models.BooleanField(_("紧急"), default=False)
    # Seen only by staff of the organisation holding it (not even city admins), and its reporter.
    confidential = models.BooleanField(_("保密"), default=False)

    accept_due_at = models.DateTimeField(_("受理期限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    dispute_due_at = models.DateTimeField(_("异议办理期限"), null=True, blank=True)
    # The deadline of the current stage, while someone can still miss it; the escalation sweep
    # reads only this column. Null once escalation has nowhere further to go, or the case is done.
    next_escalation_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue = models.BooleanField(_("超期"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    # "Not fixed" answers from the reporter; each one counts against the office that resolved it
    # (the `dispute` event's from_org says which).
    dispute_count = models.PositiveSmallIntegerField(_("异议次数"), default=0)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价内容"), max_length=500, blank=True)

    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="case_org_status_idx"),
            models.Index(fields=["organisation", "overdue"], name="case_org_overdue_idx"),
            models.Index(fields=["handler", "status"], name="case_handler_status_idx"),
            models.Index(fields=["reporter", "-created_at"], name="case_reporter_idx"),
            models.Index(fields=["kind", "category", "status"], name="case_kind_category_idx"),
            # Where: open reports of a category near a point (reports' possible duplicates), and
            # every located case in a box (the public map).
            models.Index(fields=["kind", "category", "lat", "lng"], name="case_kind_category_point_idx"),
            models.Index(fields=["lat", "lng"], condition=Q(lat__isnull=False), name="case_point_idx"),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(next_escalation_at__isnull=False),
                name="case_escalation_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CaseKind.values), name="case_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="case_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=(Q(status="merged") & Q(duplicate_of__isnull=False))
                | (~Q(status="merged") & Q(duplicate_of__isnull=True)),
                name="case_merged_has_master",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=F("pk")), name="case_not_duplicate_of_itself"),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="case_location_pair_in_range",
            ),
            models.CheckConstraint(condition=~Q(category=""), name="case_category_set"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.category}"

    def can(self, action: str) -> bool:
        """The guard: whether `action` is allowed from the current status."""
        allowed = TRANSITIONS.get(action)
        return allowed is not None and self.status in allowed[0]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """The append-only timeline of a case: who (and in what role), when, from, to, why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16, choices=ActorRole.choices)
    action = models.CharField(max_length=16, choices=CaseAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at_idx"),
            # Per-office figures: disputes and escalations counted against the office they left.
            models.Index(fields=["action", "from_org", "at"], name="caseevent_action_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"

    @property
    def note_text(self) -> Text:
        """The note as a text (core.texts): a note the system wrote is stored as a key and its
        parameters in data["note_text"] and read in the reader's language; a person's note is
        their words, as written."""
        stored = (self.data or {}).get("note_text")
        return stored if stored else self.note

    @property
    def shown_note(self) -> str:
        """The note in the reader's language."""
        return render(self.note_text)


class CaseFollower(models.Model):
    """Someone told about a case besides its reporter: reporters of cases merged into it, and
    workers who said "me too"."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("关注人")
        verbose_name_plural = _("关注人")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="casefollower_once")]
        indexes = [models.Index(fields=["user", "case"], name="casefollower_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → #{self.case_id}"


class CaseOrganisation(models.Model):
    """Every organisation a case has sat with (routed, forwarded, returned, escalated to): they
    keep read access to it (cases_visible_to), but only the one holding it now may act."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="holders")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="caseorg_once")]
        indexes = [models.Index(fields=["organisation", "case"], name="caseorg_org_idx")]

    def __str__(self) -> str:
        return f"#{self.case_id} @ {self.organisation_id}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")


class CaseAttachment(models.Model):
    """A file on a timeline row (the handler's photo of the repair, a document). Stored through
    Django's storage API; the owning app checks and processes files before handing them over."""

    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    kind = models.CharField(max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    content_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name

    @property
    def url(self) -> str:
        """Served through an authorised view (views_files.py), only to those who may see the case."""
        return reverse("case-attachment-file", args=[self.event.case_id, self.pk]) if self.file else ""


# --- Configuration edited by city admins ----------------------------------------------------
class RoutingTarget(models.TextChoices):
    COMMUNITY = "community", _("所在社区党组织")
    DEPARTMENT = "department", _("所在区的职能部门")
    ORGANISATION = "organisation", _("指定单位")
    # For appeals: the party organisation of the enterprise the appeal names (its industry
    # committee when the enterprise has none), and the regulator of the appeal's industry.
    ENTERPRISE_PARTY_ORG = "enterprise_party_org", _("涉事企业党组织")
    REGULATOR = "regulator", _("行业主管部门")


class RoutingRule(models.Model):
    """Which organisation first receives a case of a kind and category in a region.

    The most specific rule wins: an exact category before "any" (''), a rule of a smaller region
    before a larger one (none = the whole city), then the lowest priority number. A rule whose
    target does not exist where the case lies (no such department in that district) is skipped.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices)
    category = models.CharField(_("类别"), max_length=64, blank=True, help_text=_("留空表示任意类别。"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("适用区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示全市；可选区或街道。"),
    )
    target = models.CharField(_("接收方"), max_length=32, choices=RoutingTarget.choices)
    department_type = models.CharField(_("部门类别"), max_length=32, choices=DepartmentType.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("指定单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("数字越小越优先。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        ordering = ["kind", "category", "priority", "id"]
        indexes = [models.Index(fields=["kind", "category", "is_active"], name="routingrule_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="department") | ~Q(department_type=""), name="routingrule_department_type_set"
            ),
            models.CheckConstraint(
                condition=~Q(target="organisation") | Q(organisation__isnull=False),
                name="routingrule_organisation_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category or '*'} → {self.get_target_display()}"


class DeadlineRule(models.Model):
    """How long each stage may take for a kind and category ('' = any category of the kind)."""

    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices)
    category = models.CharField(_("类别"), max_length=64, blank=True, help_text=_("留空表示该类型的默认期限。"))
    accept_within_working_hours = models.PositiveSmallIntegerField(_("受理时限（工作小时）"), default=8)
    urgent_accept_within_hours = models.PositiveSmallIntegerField(_("紧急事件受理时限（自然小时）"), default=2)
    resolve_within_working_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    dispute_within_working_days = models.PositiveSmallIntegerField(_("异议办理时限（工作日）"), default=3)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["kind", "category"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "category"], name="deadlinerule_once"),
            models.CheckConstraint(
                condition=Q(accept_within_working_hours__gte=1)
                & Q(urgent_accept_within_hours__gte=1)
                & Q(resolve_within_working_days__gte=1)
                & Q(dispute_within_working_days__gte=1),
                name="deadlinerule_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category or '*'}"


class ResponseTemplate(models.Model):
    """A common reply for a kind and category ('' = any), picked when acting on a case."""

    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices)
    category = models.CharField(_("类别"), max_length=64, blank=True)
    action = models.CharField(
        _("用于"), max_length=16, choices=CaseAction.choices, blank=True, help_text=_("留空表示任意操作。")
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("回复模板")
        verbose_name_plural = _("回复模板")
        ordering = ["kind", "category", "title"]
        indexes = [models.Index(fields=["kind", "category"], name="responsetemplate_lookup_idx")]

    def __str__(self) -> str:
        return self.title
