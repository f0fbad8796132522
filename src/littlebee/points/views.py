"""Points pages: the worker's points and leaderboards; the staff's earning rules, the city's
figures and the communities' honorary titles.

Views parse the request, call a service (every write) or a selector (every read with rules)
and render; no view decides who may do what. Who may edit which rule is points.rules.RuleEditor;
who may grant titles is selectors.title_granting_orgs. A console page that is not for the
person's post answers 403 (a PermissionDenied the selector raises); an object they may not
touch answers 404 (NotFound), both through core.error_pages.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import StaffAccess, worker_profile_of
from littlebee.accounts.views import staff_required
from littlebee.core.errors import DomainError, NotFound

from . import rules, selectors, services
from .badges import title_for
from .forms import EarningRuleForm, HonoraryTitleForm
from .models import EarningRule
from .selectors import Period, Scope

PAGE_SIZE = 20
BOARD_SIZE = 20

SCOPES: dict[str, Any] = {
    "community": gettext_lazy("本社区"),
    "district": gettext_lazy("本区"),
    "enterprise": gettext_lazy("本企业"),
}
PERIODS: dict[str, Any] = {"week": gettext_lazy("本周"), "all": gettext_lazy("总榜")}


# --- The worker's pages -------------------------------------------------------------------------
@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """Balance, title and the way to the next, badges, honours and the history."""
    user = request_user(request)
    account = selectors.account_of(user)
    page = Paginator(selectors.ledger_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": account,
        "title": title_for(account.lifetime_earned),
        "badges": selectors.badges_overview(user),
        "honours": list(selectors.honorary_titles_of(user)),
        "page": page,
    }
    return render(request, "points/mine.html", context)


def _board_choice(data: QueryDict) -> tuple[Scope, Period]:
    scope = data.get("scope", "community")
    period = data.get("period", "week")
    return (
        cast(Scope, scope if scope in SCOPES else "community"),
        cast(Period, period if period in PERIODS else "week"),
    )


@login_required
@require_safe
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The boards of the worker's own community, district and enterprise, this week or ever."""
    user = request_user(request)
    scope, period = _board_choice(request.GET)
    scope_id = selectors.board_scope_id(worker_profile_of(user), scope)
    context: dict[str, Any] = {
        "scope": scope,
        "period": period,
        "scope_tabs": [
            {"value": v, "label": label, "query": urlencode({"scope": v, "period": period})}
            for v, label in SCOPES.items()
        ],
        "period_tabs": [
            {"value": v, "label": label, "query": urlencode({"scope": scope, "period": v})}
            for v, label in PERIODS.items()
        ],
        "account": selectors.account_of(user),
        "rows": [],
        "position": None,
        "scope_name": None,
    }
    if scope_id is not None:
        context["scope_name"] = selectors.board_scope_name(scope, scope_id)
        context["rows"] = selectors.leaderboard(scope=scope, scope_id=scope_id, period=period, limit=BOARD_SIZE)
        context["position"] = selectors.board_position(worker=user, scope=scope, scope_id=scope_id, period=period)
    return render(request, "points/leaderboard.html", context)


@login_required
@require_POST
def privacy(request: HttpRequest) -> HttpResponse:
    """Hide from (or return to) the boards, and whether they name the worker in full; back to
    the board the worker was looking at."""
    hidden = request.POST.get("hide_from_boards") in ("on", "true", "1")
    show_name = request.POST.get("show_name_on_boards") in ("on", "true", "1")
    services.points_board_privacy_set(
        worker=request_user(request), hide_from_boards=hidden, show_name_on_boards=show_name
    )
    if hidden:
        messages.success(request, _("已设置：排行榜上不再显示你。"))
    elif show_name:
        messages.success(request, _("已设置：你会以全名出现在排行榜上。"))
    else:
        messages.success(request, _("已设置：你会出现在排行榜上，名字只显示姓氏。"))
    scope, period = _board_choice(request.POST)
    return redirect(f"{reverse('points:leaderboard')}?{urlencode({'scope': scope, 'period': period})}")


# --- Earning rules (staff) ----------------------------------------------------------------------
@staff_required
@require_safe
def rules_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The rules the person may edit; for district admins also the city rules their district
    may adjust, each with the most points allowed."""
    editor = rules.rule_editor_required(access)
    editable = list(editor.rules().select_related("district").order_by("district__code", "source", "category"))
    adjustable: list[EarningRule] = []
    districts = [] if editor.city else list(editor.districts)
    if districts:
        adjustable = list(
            EarningRule.objects.filter(district__isnull=True, district_max_points__isnull=False).order_by(
                "source", "category"
            )
        )
    context = {
        "access": access,
        "city_rules": [r for r in editable if r.district_id is None],
        "district_rules": [r for r in editable if r.district_id is not None],
        "adjustable": adjustable,
        "districts": districts,
        # Each rule named by its category in the reader's language (one query).
        "category_names": rules.category_names(),
    }
    return render(request, "points/rules.html", context)


def _rule_form_page(
    request: HttpRequest, access: StaffAccess, rule: EarningRule | None, initial: dict[str, Any] | None = None
) -> HttpResponse:
    user = request_user(request)
    editor = rules.rule_editor_required(access)
    districts = None if editor.city else list(editor.districts)
    kwargs: dict[str, Any] = {"rule": rule, "districts": districts, "city_admin": access.city_admin}
    if request.method == "POST":
        form = EarningRuleForm(request.POST, **kwargs)
        if form.is_valid():
            target = form.apply_to(rule if rule is not None else EarningRule())
            try:
                services.earning_rule_save(actor=user, rule=target)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("积分规则已保存。"))
                return redirect("points:rules")
    else:
        form = EarningRuleForm(initial=initial, **kwargs)
    # The city rule a district rule adjusts, to say how far it may go.
    city_rule = None
    source = rule.source if rule is not None else form["source"].value()
    category = rule.category if rule is not None else (form["category"].value() or "")
    district_id = rule.district_id if rule is not None else form["district"].value()
    if district_id or not access.city_admin:
        city_rule = EarningRule.objects.filter(source=source, category=category, district__isnull=True).first()
    context = {"access": access, "form": form, "rule": rule, "city_rule": city_rule}
    return render(request, "points/rule_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    rules.rule_editor_required(access)
    initial: dict[str, Any] = {"is_active": True}
    for name in ("source", "category"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    city = EarningRule.objects.filter(
        source=initial.get("source", ""), category=initial.get("category", ""), district__isnull=True
    ).first()
    if city is not None:
        # A district's override starts from the city's values, within what the city allows.
        initial.update(
            points_min=min(city.points_min, city.district_max_points or city.points_min),
            points_max=min(city.points_max, city.district_max_points or city.points_max),
            daily_cap=city.daily_cap,
            weekly_cap=city.weekly_cap,
        )
    return _rule_form_page(request, access, None, initial)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, access: StaffAccess, rule_id: int) -> HttpResponse:
    rule = rules.earning_rule_editable(rules.rule_editor_required(access), rule_id)
    return _rule_form_page(request, access, rule)


# --- The city's figures (city admins) -----------------------------------------------------------
@staff_required
@require_safe
def city(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The city's points figures are the statistics' dashboard now (analytics): points issued,
    spent, expired, corrected and held, each by its one definition, so that issued − spent −
    expired ± corrections = held on every page. City admins only, as before."""
    selectors.city_figures_required(access)
    return redirect(f"{reverse('analytics:dashboard')}?period=365#points")


# --- Honorary titles (community staff) ----------------------------------------------------------
def _titles_page(request: HttpRequest, access: StaffAccess, form: HonoraryTitleForm, status: int = 200) -> HttpResponse:
    page = Paginator(selectors.honorary_titles_granted_by(request_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "points/titles.html", {"access": access, "form": form, "page": page}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def title_grant(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    selectors.title_granting_required(access)
    user = request_user(request)
    workers = selectors.workers_titleable_by(user)
    if request.method != "POST":
        return _titles_page(request, access, HonoraryTitleForm(workers=workers))
    form = HonoraryTitleForm(request.POST, workers=workers)
    if form.is_valid():
        profile = form.cleaned_data["worker"]
        try:
            granted = services.honorary_title_grant(
                actor=user,
                worker_id=profile.user_id,
                title=form.cleaned_data["title"],
                citation=form.cleaned_data["citation"],
                title_en=form.cleaned_data["title_en"],
                citation_en=form.cleaned_data["citation_en"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc, field_for_code={"already_granted": "title", "not_found": "worker"})
        else:
            messages.success(
                request,
                _("已授予%(name)s“%(title)s”称号。") % {"name": profile.user.name, "title": granted.title},
            )
            return redirect("points:titles")
    return _titles_page(request, access, form, status=400)


@staff_required
@require_POST
def title_revoke(request: HttpRequest, access: StaffAccess, title_id: int) -> HttpResponse:
    selectors.title_granting_required(access)
    try:
        revoked = services.honorary_title_revoke(actor=request_user(request), title_id=title_id)
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("已撤销“%(title)s”称号。") % {"title": revoked.title})
    return redirect("points:titles")
