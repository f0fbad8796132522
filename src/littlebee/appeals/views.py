"""The 我的诉求 pages: the worker's appeals, the intake form (with similar past appeals), an
appeal with its timeline and rating form; for staff, the industry committee's supervision view
of every appeal against an enterprise of its industry.

Views parse the request, call services (writes) or selectors (reads) and render. The case page
of an appeal is the staff console's (cases.views), which shows the appeal panel and the
supervision actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import worker_profile_of
from littlebee.cases import worker_pages
from littlebee.cases.models import CaseEvent, CaseStatus
from littlebee.cases.selectors import case_timeline, stage_due
from littlebee.cases.views import STATUS_TONES as STAFF_STATUS_TONES
from littlebee.cases.views import console_chrome, console_of
from littlebee.cases.worker_pages import STATUS_TONES, when
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError
from littlebee.orgs.selectors import enterprises_list

from . import selectors, services
from .forms import MAX_ATTACHMENTS, AppealForm, FeedbackForm
from .models import Appeal, AppealType, Involves

PAGE_SIZE = 20
SIMILAR_LIMIT = 5

TYPE_ICONS = {AppealType.RIGHTS: "shield", AppealType.INDUSTRY: "briefcase", AppealType.GROUP: "users"}

EVENT_TONES: dict[str, str] = {**worker_pages.EVENT_TONES, "take_over": "danger"}
EVENT_ICONS: dict[str, str] = {
    **worker_pages.EVENT_ICONS,
    "supervise": "flag",
    "set_deadline": "clock",
    "take_over": "arrow-right",
}


def _type_icon(appeal: Appeal) -> str:
    return TYPE_ICONS.get(AppealType(appeal.type), "clipboard") if appeal.type in AppealType.values else "clipboard"


# --- Similar past appeals -------------------------------------------------------------------
def _similar_rows(found: Any) -> list[dict[str, Any]]:
    """What a worker may see of a resolved public appeal: its subject, type and answer, never who
    sent it. The selector hands appeals or plain dicts; both come out the same."""
    labels = dict(AppealType.choices)
    rows = []
    for item in list(found)[:SIMILAR_LIMIT]:
        get = item.get if isinstance(item, dict) else (lambda key, obj=item: getattr(obj, key, None))
        kind = get("type") or ""
        rows.append(
            {
                "id": get("id") or get("pk"),
                "subject": get("subject") or "",
                "type": kind,
                "type_label": str(labels.get(kind, kind)),
                "resolution": get("resolution") or get("resolution_note") or get("answer") or "",
            }
        )
    return rows


def _similar_for(text: str, kind: str | None = None, involves: str | None = None) -> list[dict[str, Any]]:
    text = text.strip()[:120]
    if len(text) < 2:
        return []
    kind = kind if kind in AppealType.values else None
    involves = involves if involves in Involves.values else None
    return _similar_rows(selectors.similar_appeals(text, type=kind, involves=involves, limit=SIMILAR_LIMIT))


@login_required
@require_safe
def similar(request: HttpRequest) -> JsonResponse:
    """The form's live look-up while the worker types the subject."""
    rows = _similar_for(request.GET.get("q", ""), request.GET.get("type"), request.GET.get("involves"))
    return JsonResponse({"results": rows})


# --- The form -------------------------------------------------------------------------------
def _submitted_message(appeal: Appeal) -> str:
    case = appeal.case
    deadline = stage_due(case)
    if deadline is not None:
        return _("诉求 #%(id)s 已提交，由%(org)s办理，%(deadline)s前受理。") % {
            "id": appeal.pk,
            "org": case.organisation.name,
            "deadline": when(deadline),
        }
    return _("诉求 #%(id)s 已提交，由%(org)s办理。") % {"id": appeal.pk, "org": case.organisation.name}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    enterprises = list(enterprises_list())
    profile = worker_profile_of(user)
    employer_id = profile.enterprise_id if profile is not None else None
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES, enterprises=enterprises)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.appeal_submit(
                    worker=user,
                    type=data["type"],
                    involves=data["involves"],
                    enterprise_id=data["enterprise"],
                    subject=data["subject"],
                    description=data["description"],
                    anonymous_to_enterprise=data["anonymous_to_enterprise"],
                    outcome_public=data["outcome_public"],
                    attachments=data["attachments"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status if exc.status in (400, 413, 429) else 400
            else:
                messages.success(request, _submitted_message(appeal))
                return redirect("appeals:detail", appeal.pk)
        else:
            status = 400
    else:
        # The worker's own employer first, their identity hidden from it unless they say otherwise.
        form = AppealForm(
            initial={"enterprise": employer_id, "anonymous_to_enterprise": employer_id is not None},
            enterprises=enterprises,
        )
    similar_rows: list[dict[str, Any]] = []
    if form.is_bound:
        similar_rows = _similar_for(
            str(form.data.get("subject", "")), str(form.data.get("type", "")), str(form.data.get("involves", ""))
        )
    context = {
        "form": form,
        "similar": similar_rows,
        "employer_id": employer_id or "",
        "max_attachments": MAX_ATTACHMENTS,
        "involves_enterprise": Involves.ENTERPRISE.value,
    }
    return render(request, "appeals/new.html", context, status=status)


# --- My appeals -----------------------------------------------------------------------------
@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.appeals_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"appeal": appeal, "icon": _type_icon(appeal), "tone": STATUS_TONES.get(appeal.case.status, "neutral")}
        for appeal in page.object_list
    ]
    return render(request, "appeals/mine.html", {"page": page, "rows": rows})


# --- An appeal ------------------------------------------------------------------------------
def _appeal_or_404(user: User, appeal_id: int) -> Appeal:
    return selectors.appeal_for(user, appeal_id)


def _next_step(appeal: Appeal, is_worker: bool) -> str:
    """What happens next, in the worker's words."""
    case = appeal.case
    org = case.organisation.name
    deadline = when(stage_due(case))
    status = case.status
    if status == CaseStatus.SUBMITTED:
        return _("等待%(org)s受理，最迟%(deadline)s。") % {"org": org, "deadline": deadline}
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return _("%(org)s正在办理，%(deadline)s前答复。") % {"org": org, "deadline": deadline}
    if status == CaseStatus.RESOLVED:
        if is_worker:
            return _("已答复。请看看问题是否解决了，并给办理打个分。")
        return _("已答复，等待提交人确认。")
    if status == CaseStatus.DISPUTED:
        return _("你反馈问题未解决，%(org)s正在重新办理，%(deadline)s前答复。") % {"org": org, "deadline": deadline}
    if status == CaseStatus.CLOSED:
        return _("已办结并确认。")
    if status == CaseStatus.REJECTED:
        return _("未予受理，原因见下方。")
    return ""


def _timeline(events: list[CaseEvent], worker_id: int) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        if event.actor_role == "worker" or event.actor_id == worker_id:
            who = _("我") if event.actor_id == worker_id else event.get_actor_role_display()
        elif event.actor_role == "system":
            who = _("系统")
        else:
            who = event.from_org.name if event.from_org else event.get_actor_role_display()
        rows.append(
            {
                "event": event,
                "label": event.get_action_display(),
                "tone": EVENT_TONES.get(event.action, ""),
                "icon": EVENT_ICONS.get(event.action, "info"),
                "who": who,
                "rating": event.data.get("rating") if isinstance(event.data, dict) else None,
                "photos": [a for a in event.attachments.all() if a.kind == "photo"],
            }
        )
    return rows


def _render_detail(
    request: HttpRequest, appeal: Appeal, feedback_form: FeedbackForm | None = None, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    case = appeal.case
    events = list(case_timeline(case))
    is_worker = case.reporter_id == user.pk
    context = {
        "appeal": appeal,
        "case": case,
        "icon": _type_icon(appeal),
        "tone": STATUS_TONES.get(case.status, "neutral"),
        "next_step": _next_step(appeal, is_worker),
        "deadline": stage_due(case),
        "attachments": list(appeal.attachments.all()),
        "timeline": _timeline(events, case.reporter_id),
        "is_worker": is_worker,
        **worker_pages.outcome_context(case, events, user, FeedbackForm, feedback_form),
    }
    return render(request, "appeals/detail.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    return _render_detail(request, _appeal_or_404(request_user(request), appeal_id))


@login_required
@require_POST
def feedback(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = _appeal_or_404(request_user(request), appeal_id)
    return worker_pages.handle_feedback(
        request,
        appeal,
        form_class=FeedbackForm,
        submit=lambda user, data: services.appeal_feedback(
            appeal_id=appeal.pk, worker=user, rating=data["rating"], comment=data["comment"], resolved=data["resolved"]
        ),
        render_detail=_render_detail,
        detail_view="appeals:detail",
        closed_message=_("感谢评价！这条诉求已办结。"),
    )


# --- The committee's supervision view -------------------------------------------------------
# The rule is selectors.supervises_appeals; the console's supervision link reads it here too.
supervises_appeals = selectors.supervises_appeals


@login_required
@require_safe
def supervision(request: HttpRequest) -> HttpResponse:
    console = console_of(request)
    appeals = selectors.appeals_supervision_of(console.user, org_ids=console.org_ids, city_admin=console.city_admin)
    enterprises = list(enterprises_list().filter(pk__in=appeals.values("enterprise_id")))
    enterprise = request.GET.get("enterprise", "")
    enterprise_id = int(enterprise) if is_number(enterprise) and len(enterprise) < 10 else None
    if enterprise_id not in {e.pk for e in enterprises}:
        enterprise_id = None
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    if enterprise_id is not None:
        appeals = appeals.filter(enterprise_id=enterprise_id)
    if status:
        appeals = appeals.filter(case__status=status)
    if overdue:
        appeals = appeals.filter(case__overdue=True)
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for appeal in page.object_list:
        due = stage_due(appeal.case)
        rows.append(
            {
                "appeal": appeal,
                "case": appeal.case,
                "tone": STAFF_STATUS_TONES.get(CaseStatus(appeal.case.status), "neutral"),
                "due": due,
                "late": due is not None and due < now and appeal.case.is_open,
                "with_enterprise": appeal.case.organisation_id != appeal.supervisor_id,
            }
        )
    context = {
        **console_chrome(console),
        "page": page,
        "rows": rows,
        "enterprises": enterprises,
        "enterprise_id": enterprise_id,
        "status": status,
        "overdue": overdue,
        "statuses": CaseStatus.choices,
        "filtered": bool(enterprise_id or status or overdue),
        "queue_url": reverse("cases:queue"),
    }
    return render(request, "appeals/supervision.html", context)
