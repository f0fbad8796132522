"""The staff casework console: the queue, a case's page with its action forms, and the figures.

Views parse the request, call services (writes) or selectors (reads) and render. Who may see a
case is selectors.case_for_actor (404 otherwise); who may act is the service's call (403), and
the status machine's (409). The pages are for people with a case role somewhere, and city
admins; anyone else signed in gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import is_city_admin, staff_access_of
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, NotFound

from . import selectors, services
from .forms import ACTION_FORMS, AcceptForm, ActionForm, AssignForm, ForwardForm, MergeForm, ResolveForm
from .hooks import StaffPanel, hooks_for, registered_hooks, registered_kinds
from .models import (
    ActorRole,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseStatus,
    ResponseTemplate,
)
from .selectors import stage_due

PAGE_SIZE = 20

# Pills share the platform's three tones: waiting, moving, done; refused or disputed in red.
STATUS_TONES: dict[str, str] = {
    CaseStatus.SUBMITTED: "warning",
    CaseStatus.ACCEPTED: "info",
    CaseStatus.IN_PROGRESS: "info",
    CaseStatus.RESOLVED: "success",
    CaseStatus.CLOSED: "neutral",
    CaseStatus.REJECTED: "danger",
    CaseStatus.DISPUTED: "danger",
    CaseStatus.MERGED: "neutral",
}

QUEUE_LABELS = {
    "mine": gettext_lazy("本单位"),
    "assigned": gettext_lazy("我经办的"),
    "overdue": gettext_lazy("已超期"),
    "urgent": gettext_lazy("紧急"),
    "all": gettext_lazy("全部"),
}


# --- Who may use the console ------------------------------------------------------------------
@dataclass(frozen=True)
class Console:
    user: User
    org_ids: list[int]
    city_admin: bool


def console_of(request: HttpRequest) -> Console:
    user = request_user(request)
    org_ids = selectors.staff_org_ids(user)
    city_admin = is_city_admin(user)
    if not org_ids and not city_admin:
        raise PermissionDenied(_("案件办理仅向承办单位的经办人和管理员开放。"))
    return Console(user=user, org_ids=org_ids, city_admin=city_admin)


def console_chrome(console: Console) -> dict[str, Any]:
    """What the staff layout needs: the sidebar's rights and the badge of open cases."""
    return {
        "access": staff_access_of(console.user),
        "cases_open_count": selectors.open_cases_count(console.org_ids),
    }


def _case_or_404(user: User, case_id: int) -> Case:
    return selectors.case_for_actor(user, case_id)


# --- Shared bits ------------------------------------------------------------------------------
# What only the kinds' owning apps know comes through their hooks (hooks.py): this module never
# names reports or appeals.
def _category_labels(kinds: list[str]) -> dict[str, dict[str, str]]:
    """The category names of these kinds by code, kind by kind (one query per kind at most)."""
    return {kind: hooks_for(kind).category_labels() for kind in kinds}


def _category_name(case: Case, labels: dict[str, dict[str, str]]) -> str:
    return labels.get(case.kind, {}).get(case.category, case.category)


def _list_subjects(cases: list[Case]) -> dict[int, str]:
    """The subjects the kinds give a page of cases (an appeal's), one query per kind at most."""
    subjects: dict[int, str] = {}
    for kind in {c.kind for c in cases}:
        subjects.update(hooks_for(kind).list_subjects([c for c in cases if c.kind == kind]))
    return subjects


def _queue_links(org_ids: list[int]) -> list[dict[str, str]]:
    return [{"label": label, "url": url} for hooks in registered_hooks() for label, url in hooks.queue_links(org_ids)]


def _int(raw: str | None, *, low: int = 1, high: int = 2**31 - 1) -> int | None:
    text = (raw or "").strip().lstrip("#")
    if not is_number(text) or len(text) > 10:
        return None
    value = int(text)
    return value if low <= value <= high else None


# --- The queue --------------------------------------------------------------------------------
class BoundedPaginator(Paginator):
    """Django's Paginator, counting at most selectors.COUNT_CAP rows: a queue of a city's whole
    history offers its first 1000 (the filters and the search by number reach the rest), and
    `capped` says there are more."""

    capped = False

    def __init__(self, cases: QuerySet[Case], per_page: int) -> None:
        super().__init__(cases, per_page)
        self.cases = cases

    @cached_property
    def count(self) -> int:
        count, self.capped = selectors.count_bounded(self.cases)
        return count


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    console = console_of(request)
    default = "mine" if console.org_ids else "all"
    tab = request.GET.get("queue", default)
    if tab not in selectors.QUEUES:
        tab = default
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in CaseKind.values else ""
    labels = _category_labels(list(registered_kinds()))
    # The categories offered by the filter: those of the kinds that ask for it (reports).
    names: dict[str, str] = {}
    for kind_name, hooks in registered_kinds().items():
        if hooks.category_filter:
            names.update(labels[kind_name])
    category = request.GET.get("category", "")
    category = category if category in names else ""
    search = request.GET.get("q", "").strip()[:20]
    case_id = _int(search) if search else None
    if search and case_id is None:
        messages.warning(request, _("请输入案件编号（数字）。"))
        search = ""
    cases = selectors.cases_queue(
        console.user,
        tab,
        status=status or None,
        kind=kind or None,
        category=category or None,
        case_id=case_id,
        org_ids=console.org_ids,
        # The pages reach the first COUNT_CAP cases and the count one further (BoundedPaginator).
        rows=selectors.COUNT_CAP + 1,
    )
    page = BoundedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    subjects = _list_subjects(list(page.object_list))
    for case in page.object_list:
        due = stage_due(case)
        rows.append(
            {
                "case": case,
                "category_name": _category_name(case, labels),
                "subject": subjects.get(case.pk, ""),
                "tone": STATUS_TONES.get(CaseStatus(case.status), "neutral"),
                "due": due,
                "late": due is not None and due < now and case.is_open,
            }
        )
    filtered = bool(status or kind or category or case_id)
    query = {"status": status, "kind": kind, "category": category}
    tabs = []
    for name in selectors.QUEUES:
        if not console.org_ids and name != "all":
            continue
        tabs.append({"value": name, "label": QUEUE_LABELS[name], "active": name == tab})
    context = {
        **console_chrome(console),
        "tab": tab,
        "tabs": tabs,
        "page": page,
        "rows": rows,
        "status": status,
        "kind": kind,
        "category": category,
        "search": search,
        "filtered": filtered,
        "query": query,
        "statuses": CaseStatus.choices,
        "kinds": CaseKind.choices,
        "categories": list(names.items()),
        "queue_links": _queue_links(console.org_ids),
    }
    return render(request, "cases/queue.html", context)


# --- A case -----------------------------------------------------------------------------------
TIMELINE_TONES: dict[str, str] = {
    CaseAction.ACCEPT: "success",
    CaseAction.RESOLVE: "success",
    CaseAction.CONFIRM: "success",
    CaseAction.REJECT: "danger",
    CaseAction.DISPUTE: "danger",
    CaseAction.ESCALATE: "danger",
    CaseAction.OPEN: "honey",
}


def _templates_by_action(case: Case, actions: list[str]) -> dict[str, list[ResponseTemplate]]:
    """Reply templates for each action on the page, from one query: a template for no particular
    action serves every one."""
    found = list(selectors.response_templates_for(case.kind, case.category))
    return {action: [t for t in found if t.action in ("", action)] for action in actions}


ANONYMOUS_WORKER = gettext_lazy("匿名小哥（已对企业隐藏身份）")


def _action_form(action: str) -> type[ActionForm] | None:
    """The form of a holder's action, or of one a kind adds (an appeal's supervision)."""
    if action in ACTION_FORMS:
        return ACTION_FORMS[action]
    for hooks in registered_hooks():
        if action in hooks.action_forms:
            form_class: type[ActionForm] = hooks.action_forms[action]
            return form_class
    return None


def _staff_panel(case: Case, console: Console) -> StaffPanel | None:
    return hooks_for(case.kind).staff_panel(case, console.user, console.org_ids)


def _form_kwargs(
    action: str, case: Case, panel: StaffPanel | None, org_query: str, bound_org: int | None
) -> dict[str, Any]:
    if action == CaseAction.ACCEPT:
        return {"points_range": None, **(panel.form_kwargs.get(action, {}) if panel is not None else {})}
    if action == CaseAction.FORWARD:
        candidates = selectors.forward_candidates(case, org_query)
        if bound_org is not None and bound_org not in {o.pk for o in candidates}:
            from littlebee.orgs.models import Organisation

            candidates += list(Organisation.objects.filter(pk=bound_org, is_active=True))
        return {"candidates": candidates}
    if action == CaseAction.ASSIGN:
        return {"assignees": list(selectors.case_assignees(case))}
    return {}


def _timeline_rows(events: list[CaseEvent], hidden_actor_id: int | None = None) -> list[dict[str, Any]]:
    """Timeline rows; `hidden_actor_id` (the reporter, when hidden from the viewer) is named by
    role only."""
    rows = []
    for event in events:
        hidden = hidden_actor_id is not None and event.actor_id == hidden_actor_id
        rows.append(
            {
                "event": event,
                "actor_name": ANONYMOUS_WORKER if hidden else (event.actor.name if event.actor else ""),
                "label": CaseAction(event.action).label if event.action in CaseAction.values else event.action,
                "tone": TIMELINE_TONES.get(CaseAction(event.action), "") if event.action in CaseAction.values else "",
                "role": ActorRole(event.actor_role).label if event.actor_role in ActorRole.values else "",
                "moved": event.from_org_id is not None
                and event.to_org_id is not None
                and event.from_org_id != event.to_org_id,
                "points": event.data.get("points_awarded") if event.action == CaseAction.ACCEPT else None,
                "attachments": list(event.attachments.all()),
            }
        )
    return rows


def _deadlines(case: Case, now: datetime) -> list[dict[str, Any]]:
    current = stage_due(case)
    rows = []
    for label, due in (
        (_("受理期限"), case.accept_due_at),
        (_("办结期限"), case.resolve_due_at),
        (_("异议办理期限"), case.dispute_due_at),
    ):
        if due is None:
            continue
        is_current = due == current and case.is_open
        rows.append({"label": label, "due": due, "current": is_current, "late": is_current and due < now})
    return rows


def _render_detail(
    request: HttpRequest,
    console: Console,
    case: Case,
    *,
    bound: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    actions = selectors.case_actions_for(console.user, case, console.org_ids)
    panel = _staff_panel(case, console)
    org_query = request.GET.get("org_q", "").strip()[:50]
    bound_org = None
    if isinstance(bound, ForwardForm):
        bound_org = _int(bound.data.get(bound.add_prefix("to_org")))
    templates = _templates_by_action(case, actions)
    forms = []
    for action in actions:
        if bound is not None and bound.action == action:
            form = bound
        else:
            form_class = _action_form(action)
            if form_class is None:  # an action no installed kind offers a form for
                continue
            form = form_class(**_form_kwargs(action, case, panel, org_query, bound_org))
        forms.append(
            {
                "action": action,
                "label": CaseAction(action).label,
                "form": form,
                "templates": templates.get(action, []),
                "open": form.is_bound or (action == CaseAction.FORWARD and bool(org_query)),
            }
        )
    show_reporter = selectors.reporter_visible(case, console.user)
    reporter_phone = selectors.reporter_phone_for(case, console.user, console.org_ids)
    context = {
        **console_chrome(console),
        "case": case,
        "category_name": panel.title if panel and panel.title else _category_name(case, _category_labels([case.kind])),
        "tone": STATUS_TONES.get(CaseStatus(case.status), "neutral"),
        "deadlines": _deadlines(case, now),
        "timeline": _timeline_rows(
            list(selectors.case_timeline(case)), hidden_actor_id=None if show_reporter else case.reporter_id
        ),
        "show_reporter": show_reporter,
        "reporter_phone": reporter_phone,
        # Only a full number is a number to call; a masked one is shown, not linked.
        "reporter_phone_callable": reporter_phone is not None and reporter_phone == case.reporter.phone,
        "anonymous_worker": ANONYMOUS_WORKER,
        "forms": forms,
        "org_query": org_query,
        # The kind's part of the page (a report, an appeal) and its variables.
        "kind_panel": panel,
        **(panel.context if panel else {}),
        "can_act": bool(actions),
        "holder_staff": case.organisation_id in console.org_ids,
        "now": now,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    console = console_of(request)
    case = _case_or_404(console.user, case_id)
    return _render_detail(request, console, case)


DONE_MESSAGES: dict[str, Any] = {
    CaseAction.ACCEPT: gettext_lazy("已受理。"),
    CaseAction.REJECT: gettext_lazy("已不予受理，提交人会收到原因。"),
    CaseAction.START: gettext_lazy("已开始处置。"),
    CaseAction.RESOLVE: gettext_lazy("已办结，提交人会收到办理结果。"),
    CaseAction.FORWARD: gettext_lazy("已转办。"),
    CaseAction.RETURN: gettext_lazy("已退回。"),
    CaseAction.MERGE: gettext_lazy("已合并为重复案件。"),
    CaseAction.ASSIGN: gettext_lazy("已指定经办人。"),
    CaseAction.CLOSE: gettext_lazy("已关闭。"),
    CaseAction.SUPERVISE: gettext_lazy("督办意见已送达承办单位。"),
    CaseAction.SET_DEADLINE: gettext_lazy("已设定期限，逾期将自动升级。"),
    CaseAction.TAKE_OVER: gettext_lazy("已提级办理，案件转到本单位。"),
}


def _arguments(form: ActionForm, case_id: int, actor: User) -> dict[str, Any]:
    """services.case_act's arguments from the action's form."""
    data = form.cleaned_data
    arguments: dict[str, Any] = {"case_id": case_id, "actor": actor, "note": data.get("note", "")}
    if isinstance(form, AcceptForm):
        arguments["points"] = data.get("points")
    elif isinstance(form, ResolveForm):
        arguments["photos"] = data.get("photos") or []
    elif isinstance(form, ForwardForm):
        arguments["to_org"] = data["to_org"]
    elif isinstance(form, MergeForm):
        arguments["duplicate_of"] = data["duplicate_of"]
    elif isinstance(form, AssignForm):
        arguments["handler"] = data["handler"]
    elif "due_at" in data:
        arguments["due_at"] = data["due_at"]
    return arguments


@login_required
@require_POST
def action(request: HttpRequest, case_id: int) -> HttpResponse:
    console = console_of(request)
    case = _case_or_404(console.user, case_id)
    name = request.POST.get("action", "")
    form_class = _action_form(name)
    if form_class is None:
        messages.error(request, _("请选择要执行的操作。"))
        return redirect("cases:detail", case_id=case.pk)
    panel = _staff_panel(case, console) if name == CaseAction.ACCEPT else None
    bound_org = _int(request.POST.get(f"{name}-to_org"))
    form = form_class(request.POST, request.FILES, **_form_kwargs(name, case, panel, "", bound_org))
    if not form.is_valid():
        return _render_detail(request, console, case, bound=form, status=400)
    try:
        services.case_act(action=name, **_arguments(form, case.pk, console.user))
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        if exc.code == "invalid_transition":
            messages.error(request, _("该案件状态已变化，请刷新后再办理。"))
            return redirect("cases:detail", case_id=case.pk)
        if exc.status == 403:
            messages.error(request, str(exc.detail))
            return redirect("cases:detail", case_id=case.pk)
        apply_domain_error(form, exc)
        case = _case_or_404(console.user, case_id)
        return _render_detail(request, console, case, bound=form, status=exc.status)
    messages.success(request, str(DONE_MESSAGES[name]))
    try:
        selectors.case_for_actor(console.user, case.pk)
    except NotFound:
        # Forwarded to an office of another district, say: nothing more to see here.
        return redirect("cases:queue")
    return redirect("cases:detail", case_id=case.pk)


# --- Figures ----------------------------------------------------------------------------------
# Kinds and periods the statistics' offices table (analytics, /staff/stats/offices/) takes.
FIGURE_PERIODS = ("30", "90", "all")


@login_required
@require_safe
def figures(request: HttpRequest) -> HttpResponse:
    """The figures per office are the statistics' offices table now: one definition of each rate
    (analytics.measures) for every page, export and API call. This address, kept for bookmarks
    and the sidebar of old pages, leads there with its period and kind; 403 as before for anyone
    without a case role."""
    console_of(request)
    query = {"period": request.GET.get("period", "30")}
    if query["period"] not in FIGURE_PERIODS:
        query["period"] = "30"
    kind = request.GET.get("kind", "")
    if kind in CaseKind.values:
        query["kind"] = kind
    return redirect(f"{reverse('analytics:offices')}?{urlencode(query)}")
