"""Writes of 我的诉求: the routing and deadline rules of the kind, filing an appeal, the worker's
feedback (a dispute at an enterprise goes up to its industry committee), and supervision by the
industry committee. Each step is a case-engine service (littlebee.cases.services) in the same
transaction; the engine writes the timeline."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from littlebee.cases import routing
from littlebee.cases import services as case_services
from littlebee.cases.models import Case, CaseKind, DeadlineRule, RoutingRule, RoutingTarget
from littlebee.core.errors import DomainError, FieldError, InvalidInput
from littlebee.core.images import PixelBudget, image_encode, image_open, image_read
from littlebee.core.ratelimit import submissions_rate_check
from littlebee.core.texts import Text, joined, t
from littlebee.core.uploads import orphan_files_delete, upload_folder
from littlebee.orgs.models import Industry, Organisation, OrgKind, Region

from .models import Appeal, AppealAttachment, AppealType, Involves

if TYPE_CHECKING:
    from littlebee.accounts.models import User

MAX_ATTACHMENTS = 9
THUMB_SIDE = 480
ATTACHMENTS_FIELD = "attachments"
SUBJECT_MAX = 120
DESCRIPTION_MAX = 2000

# A worker's trade says which industry's committee and regulator answer an appeal that names no
# enterprise.
_INDUSTRY_OF_WORKER = {
    "courier": Industry.EXPRESS,
    "food_delivery": Industry.FOOD_DELIVERY,
    "ride_hailing": Industry.RIDE_HAILING,
}


# --- Rules as data ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _DeadlineSeed:
    accept_within_working_hours: int = 16
    resolve_within_working_days: int = 10
    dispute_within_working_days: int = 5


APPEAL_DEADLINES = _DeadlineSeed()

# 分类转办: what an appeal involves → who receives it first.
APPEAL_ROUTES = (
    (Involves.ENTERPRISE, RoutingTarget.ENTERPRISE_PARTY_ORG),
    (Involves.INDUSTRY_MANAGEMENT, RoutingTarget.REGULATOR),
    (Involves.GRASSROOTS, RoutingTarget.COMMUNITY),
)


def appeal_deadlines_ensure() -> int:
    """The appeal kind's default deadlines (accept within 16 working hours, resolve within 10
    working days, a dispute within 5). An existing row is left as city admins set it. Returns
    how many rows were created."""
    _rule, created = DeadlineRule.objects.get_or_create(
        kind=CaseKind.APPEAL,
        category="",
        defaults={
            "accept_within_working_hours": APPEAL_DEADLINES.accept_within_working_hours,
            "resolve_within_working_days": APPEAL_DEADLINES.resolve_within_working_days,
            "dispute_within_working_days": APPEAL_DEADLINES.dispute_within_working_days,
        },
    )
    return int(created)


def appeal_routing_ensure() -> int:
    """The city-wide routing rules of classification-forwarding (one per `involves`) and the
    deadlines; rules city admins changed or added are left alone. Returns how many rules were
    created. Safe to run again."""
    created_count = 0
    with transaction.atomic():
        appeal_deadlines_ensure()
        for involves, target in APPEAL_ROUTES:
            if RoutingRule.objects.filter(kind=CaseKind.APPEAL, category=involves, region=None).exists():
                continue
            RoutingRule.objects.create(kind=CaseKind.APPEAL, category=involves, region=None, target=target)
            created_count += 1
    return created_count


# --- Filing -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedAttachment:
    """An attachment checked and re-encoded, held in memory until the appeal is stored."""

    full: bytes
    full_ext: str
    thumb: bytes
    thumb_ext: str


def _prepare_attachments(uploads: list[Any]) -> list[PreparedAttachment]:
    """Every upload checked and re-encoded (pixels only: no EXIF, GPS, camera or software
    metadata survive, so nothing in a file points to the worker); the first bad one refuses all."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput.one(ATTACHMENTS_FIELD, _("最多上传 %(n)d 张图片。") % {"n": MAX_ATTACHMENTS})
    prepared: list[PreparedAttachment] = []
    budget = PixelBudget()  # the request's pixels across all its images
    for upload in uploads:
        image = image_open(image_read(upload, ATTACHMENTS_FIELD), ATTACHMENTS_FIELD, budget)
        try:
            full = image_encode(image, field=ATTACHMENTS_FIELD)
            thumb = image_encode(image, max_side=THUMB_SIDE, field=ATTACHMENTS_FIELD)
        finally:
            image.close()
        prepared.append(PreparedAttachment(full.content, full.extension, thumb.content, thumb.extension))
    return prepared


def _enterprise(enterprise_id: int | None) -> Organisation | None:
    if enterprise_id is None:
        return None
    return Organisation.objects.filter(pk=enterprise_id, kind=OrgKind.ENTERPRISE, is_active=True).first()


def _worker_community_and_industry(worker: User) -> tuple[Region | None, str]:
    profile = getattr(worker, "worker_profile", None)
    if profile is None:
        return None, ""
    return profile.community, _INDUSTRY_OF_WORKER.get(profile.worker_type, "")


def supervisor_of(enterprise: Organisation) -> Organisation | None:
    """The industry committee over an enterprise: its party organisation's parent when that is a
    committee, else the committee of its industry."""
    party = (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=enterprise, is_active=True)
        .select_related("parent")
        .order_by("pk")
        .first()
    )
    parent = party.parent if party is not None else None
    if parent is not None and parent.kind == OrgKind.INDUSTRY_COMMITTEE and parent.is_active:
        return parent
    return routing.industry_committee(enterprise.industry)


def _routing_reason(
    involves: str, target: Organisation, rule: RoutingRule | None, supervisor: Organisation | None
) -> Text:
    """Why the appeal went where it went, for the timeline: a text read in the reader's language
    (core.texts). Never names the worker."""
    how = RoutingTarget(rule.target).label if rule is not None else _("默认分拨")
    text = t(
        _("分类转办：%(involves)s → %(how)s，由 %(org)s 办理。"),
        involves=Involves(involves).label,
        how=how,
        org=target.name,
    )
    if supervisor is not None and supervisor.pk != target.pk:
        text = joined(text, t(_("%(committee)s 监督办理。"), committee=supervisor.name), sep="")
    return text


def _rate_check(worker: User, at: datetime) -> None:
    """429 when the worker already filed APPEALS_RATE_LIMIT_COUNT appeals within the last
    APPEALS_RATE_LIMIT_MINUTES (their own cases, by the indexed (reporter, created_at))."""
    submissions_rate_check(
        Case.objects.filter(reporter=worker, kind=CaseKind.APPEAL),
        limit=settings.APPEALS_RATE_LIMIT_COUNT,
        minutes=settings.APPEALS_RATE_LIMIT_MINUTES,
        at=at,
        detail=_("诉求提交过于频繁：%(minutes)d 分钟内最多 %(count)d 条，请稍后再试。")
        % {"minutes": settings.APPEALS_RATE_LIMIT_MINUTES, "count": settings.APPEALS_RATE_LIMIT_COUNT},
    )


@dataclass(frozen=True)
class AppealInput:
    """An appeal checked whole and cleaned, not yet stored (appeal_validate's answer)."""

    type: str
    involves: str
    enterprise: Organisation | None  # only for an appeal that involves an enterprise
    subject: str
    description: str
    anonymous_to_enterprise: bool
    outcome_public: bool
    attachments: tuple[PreparedAttachment, ...]


def appeal_validate(
    *,
    type: str,
    involves: str,
    enterprise_id: int | None,
    subject: str,
    description: str,
    anonymous_to_enterprise: bool,
    outcome_public: bool = False,
    attachments: list[Any] | None = None,
) -> AppealInput:
    """An appeal as the worker sent it, checked whole and cleaned; it writes nothing. Raises
    InvalidInput with every field's error, or PayloadTooLarge for an attachment."""
    errors: list[FieldError] = []
    if type not in AppealType.values:
        errors.append(FieldError("type", _("请选择诉求类型。")))
    if involves not in Involves.values:
        errors.append(FieldError("involves", _("请选择涉及方面。")))
    enterprise = _enterprise(enterprise_id)
    if enterprise_id is not None and enterprise is None:
        errors.append(FieldError("enterprise", _("该企业不存在。")))
    elif involves == Involves.ENTERPRISE and enterprise is None:
        errors.append(FieldError("enterprise", _("请选择涉及的企业。")))
    subject = (subject or "").strip()
    if not subject:
        errors.append(FieldError("subject", _("请填写诉求主题。")))
    elif len(subject) > SUBJECT_MAX:
        errors.append(FieldError("subject", _("主题最多 %(n)d 字。") % {"n": SUBJECT_MAX}))
    description = (description or "").strip()
    if not description:
        errors.append(FieldError("description", _("请说明具体情况。")))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(FieldError("description", _("具体情况最多 %(n)d 字。") % {"n": DESCRIPTION_MAX}))
    prepared: list[PreparedAttachment] = []
    try:
        prepared = _prepare_attachments(list(attachments or []))
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    return AppealInput(
        type=type,
        involves=involves,
        enterprise=enterprise if involves == Involves.ENTERPRISE else None,
        subject=subject,
        description=description,
        # Hidden from an enterprise only where one is involved: a 基层治理 appeal has none to hide from.
        anonymous_to_enterprise=bool(anonymous_to_enterprise) and involves == Involves.ENTERPRISE,
        outcome_public=bool(outcome_public),
        attachments=tuple(prepared),
    )


def appeal_submit(
    *,
    worker: User,
    type: str,
    involves: str,
    enterprise_id: int | None,
    subject: str,
    description: str,
    anonymous_to_enterprise: bool,
    outcome_public: bool = False,
    attachments: list[Any] | None = None,
    at: datetime | None = None,
) -> Appeal:
    """A new appeal: checked whole before anything is stored (appeal_validate: InvalidInput with
    every field's error, or PayloadTooLarge for an attachment), then its case opened and routed by
    the appeal routing rules (an enterprise's party organisation, the industry's regulator, the
    worker's community), the enterprise's industry committee named supervisor, and the
    attachments stored re-encoded with a thumbnail. Beyond APPEALS_RATE_LIMIT_COUNT appeals in
    APPEALS_RATE_LIMIT_MINUTES the worker is refused (TooManyRequests), before any image is read."""
    at = at or timezone.now()
    _rate_check(worker, at)
    data = appeal_validate(
        type=type,
        involves=involves,
        enterprise_id=enterprise_id,
        subject=subject,
        description=description,
        anonymous_to_enterprise=anonymous_to_enterprise,
        outcome_public=outcome_public,
        attachments=attachments,
    )
    return _appeal_store(worker=worker, data=data, at=at)


def _appeal_store(*, worker: User, data: AppealInput, at: datetime) -> Appeal:
    """Route a checked appeal and store it: the case, the appeal and its attachments, in one
    transaction. Refused (503) when no office can receive it, before anything is written."""
    enterprise = data.enterprise
    community, worker_industry = _worker_community_and_industry(worker)
    industry = enterprise.industry if enterprise is not None else worker_industry
    supervisor = supervisor_of(enterprise) if enterprise is not None else None
    # An enterprise appeal lies where the enterprise is: the worker's own community says nothing
    # the enterprise needs and might help it guess who wrote.
    region = enterprise.region if enterprise is not None else community
    target, rule = routing.route_with_rule(
        CaseKind.APPEAL, data.involves, region, enterprise=enterprise, industry=industry
    )
    if target is None:
        raise DomainError(code="no_receiving_office", detail=_("暂时没有可以接收该诉求的单位。"), status=503)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        # The worker's row locked, then counted again: two sends at once cannot both be the tenth.
        get_user_model().objects.select_for_update().filter(pk=worker.pk).values_list("pk").first()
        _rate_check(worker, at)
        case = case_services.case_open(
            kind=CaseKind.APPEAL,
            reporter=worker,
            category=data.involves,
            region=region,
            organisation=target,
            note=_routing_reason(data.involves, target, rule, supervisor),
            at=at,
            data={"routed": True, "rule": rule.pk if rule is not None else None},
        )
        appeal = Appeal.objects.create(
            case=case,
            type=data.type,
            involves=data.involves,
            enterprise=enterprise,
            industry=industry,
            supervisor=supervisor,
            subject=data.subject,
            description=data.description,
            anonymous_to_enterprise=data.anonymous_to_enterprise,
            outcome_public=data.outcome_public,
            created_at=at,
        )
        for item in data.attachments:
            name = uuid.uuid4().hex
            attachment = AppealAttachment(
                appeal=appeal, content_sha256=hashlib.sha256(item.full).hexdigest(), created_at=at
            )
            attachment.file.save(f"{name}.{item.full_ext}", ContentFile(item.full), save=False)
            attachment.thumbnail.save(f"{name}_t.{item.thumb_ext}", ContentFile(item.thumb), save=False)
            attachment.save()
    return appeal


def _appeal_files_known(names: list[str]) -> set[str]:
    known = set(AppealAttachment.objects.filter(file__in=names).values_list("file", flat=True))
    return known | set(AppealAttachment.objects.filter(thumbnail__in=names).values_list("thumbnail", flat=True))


def appeal_orphan_files_delete(*, at: datetime | None = None) -> int:
    """Files of appeal attachments whose rows never committed (the filing rolled back), older
    than UPLOAD_ORPHAN_GRACE_MINUTES: deleted (core.uploads)."""
    folders = [upload_folder(AppealAttachment, name) for name in ("file", "thumbnail")]
    return orphan_files_delete(
        upload_to=folders,
        known=_appeal_files_known,
        grace=timedelta(minutes=settings.UPLOAD_ORPHAN_GRACE_MINUTES),
        at=at,
    )


# --- The worker's feedback ----------------------------------------------------------------------
@transaction.atomic
def appeal_feedback(
    *, appeal_id: int, worker: User, rating: int, comment: str = "", resolved: bool, at: datetime | None = None
) -> Appeal:
    """The worker rates the answer 1–5. "Resolved" closes it; "not resolved" reopens it as a
    dispute, and a dispute of an answer from the enterprise's party organisation goes up to the
    supervising industry committee at once, with the reason on the timeline."""
    from .selectors import appeal_for

    at = at or timezone.now()
    appeal = appeal_for(worker, appeal_id)
    case = case_services.case_feedback(
        case_id=appeal.case_id, worker=worker, rating=rating, comment=comment, resolved=resolved, at=at
    )
    supervisor = appeal.supervisor
    if (
        not resolved
        and supervisor is not None
        and supervisor.is_active
        and case.organisation.kind == OrgKind.ENTERPRISE_PARTY_ORG
        and case.organisation_id != supervisor.pk
    ):
        # A text read in the reader's language (core.texts), not in the disputing worker's.
        reason = t(_("提交人对企业的答复不满意，自动升级至 %(committee)s 办理。"), committee=supervisor.name)
        case_services.case_escalate_to(
            case_id=case.pk, to_org=supervisor, reason=reason, data={"reason": "dispute"}, at=at
        )
    return appeal_for(worker, appeal_id)


# --- Supervision by the industry committee --------------------------------------------------------
def appeal_supervise_comment(*, appeal_id: int, actor: User, note: str, at: datetime | None = None) -> Appeal:
    """督办意见 to the enterprise's party organisation: 404 unless the actor sees the appeal, 403
    unless they are staff of its supervising committee."""
    from .selectors import appeal_for

    appeal = appeal_for(actor, appeal_id)
    case_services.case_supervise(case_id=appeal.case_id, actor=actor, note=note, at=at)
    return appeal_for(actor, appeal_id)


def appeal_set_deadline(
    *, appeal_id: int, actor: User, due_at: datetime, note: str = "", at: datetime | None = None
) -> Appeal:
    """设定期限 for the current stage; missing it escalates to the committee."""
    from .selectors import appeal_for

    appeal = appeal_for(actor, appeal_id)
    case_services.case_set_deadline(case_id=appeal.case_id, actor=actor, due_at=due_at, note=note, at=at)
    return appeal_for(actor, appeal_id)


def appeal_take_over(*, appeal_id: int, actor: User, note: str, at: datetime | None = None) -> Appeal:
    """提级办理: the committee takes the appeal from the enterprise's party organisation."""
    from .selectors import appeal_for

    appeal = appeal_for(actor, appeal_id)
    case_services.case_take_over(case_id=appeal.case_id, actor=actor, note=note, at=at)
    return appeal_for(actor, appeal_id)
