"""The worker's 随手拍 pages: the one-screen report form, my reports, a report with its timeline and
the rating form, "me too" on a report nearby, and the offline queue's service worker.

Views parse the request, call services (writes) or selectors (reads) and render. The form also
answers JSON when its script sends it (Accept: application/json), so a report sent from the
offline queue learns where it went without a page load.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.cases import services as case_services
from littlebee.cases import worker_pages
from littlebee.cases.api import deadline_of
from littlebee.cases.forms import FeedbackForm
from littlebee.cases.models import CaseAction, CaseEvent, CaseStatus
from littlebee.cases.selectors import case_timeline
from littlebee.cases.worker_pages import STATUS_TONES, when
from littlebee.core.errors import DomainError, NotFound
from littlebee.core.geo import haversine_m, map_config

from . import selectors, services
from .api import category_points
from .forms import ReportForm
from .models import PhotoStatus, Report, ReportCategory

PAGE_SIZE = 20
CLIENT_KEY_TTL = 60 * 60 * 24 * 3

# Category icons the platform sprite lacks are drawn by reports/includes/icons.html; anything
# unknown falls back to the camera.
CATEGORY_ICONS = {
    "shield",
    "alert",
    "traffic-light",
    "road",
    "circle",
    "car",
    "flame",
    "trash",
    "lamp",
    "droplet",
}


def category_icon(category: ReportCategory) -> str:
    return category.icon if category.icon in CATEGORY_ICONS else "camera"


def points_label(points: dict[str, int] | None) -> str:
    if not points:
        return ""
    if points["min"] == points["max"]:
        return f"+{points['max']}"
    return f"+{points['min']}–{points['max']}"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- The form -------------------------------------------------------------------------------
def _category_tiles(categories: list[ReportCategory]) -> list[dict[str, Any]]:
    return [{"category": c, "icon": category_icon(c), "points": points_label(category_points(c))} for c in categories]


def _duplicates_near(form: ReportForm, user_id: int) -> list[dict[str, Any]]:
    """After a failed send, the open reports like this one nearby (what the script shows live)."""
    data = getattr(form, "cleaned_data", {})
    code, lat, lng = data.get("category"), data.get("lat"), data.get("lng")
    if not code or lat is None or lng is None:
        return []
    try:
        found = selectors.possible_duplicates(code, lat, lng)
    except (TypeError, ValueError):
        return []
    return [
        {"report": r, "distance_m": round(haversine_m(lat, lng, *selectors.report_point(r)))}
        for r in found
        if r.case.reporter_id != user_id
    ][:5]


def _submitted_message(report: Report) -> str:
    case = report.case
    deadline = deadline_of(case)
    if deadline is not None:
        return _("随手拍 #%(id)s 已提交，由%(org)s办理，%(deadline)s前受理。") % {
            "id": report.pk,
            "org": case.organisation.name,
            "deadline": when(deadline),
        }
    return _("随手拍 #%(id)s 已提交，由%(org)s办理。") % {"id": report.pk, "org": case.organisation.name}


def _sent_before(user: User, key: str | None) -> Report | None:
    """The report an earlier send of the same submission filed (the queue retrying after an
    answer was lost on the way back), if any."""
    earlier = cache.get(key) if key else None
    if not isinstance(earlier, int):
        return None
    try:
        return selectors.report_for(user, earlier)
    except NotFound:
        return None


def _form_errors_json(form: ReportForm, status: int) -> JsonResponse:
    errors = [
        {"field": name, "detail": str(message)} for name, messages_ in form.errors.items() for message in messages_
    ]
    return JsonResponse({"code": "invalid_input", "errors": errors}, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    categories = list(selectors.report_categories_active())
    status = 200
    retry_after: int | None = None
    form = ReportForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and "refresh" in request.POST:
        # Without JavaScript, "update the lists" redraws the street and community selects for
        # the district or street chosen; nothing is sent yet (photos are picked again).
        initial = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "refresh")}
        form = ReportForm(initial=initial, categories=categories)
    elif request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            key = f"reports:client-key:{user.pk}:{data['client_key']}" if data["client_key"] else None
            try:
                report = _sent_before(user, key)
                if report is None:
                    report = services.report_submit(
                        reporter=user,
                        category_code=data["category"],
                        description=data["description"],
                        lat=data["lat"],
                        lng=data["lng"],
                        address=data["address"],
                        urgent=data["urgent"],
                        photos=data["photos"],
                        location_source=data["location_source"],
                        community_id=data["community"],
                        client_claims_source=True,
                    )
                    if key:
                        cache.set(key, report.pk, CLIENT_KEY_TTL)
            except DomainError as exc:
                apply_domain_error(form, exc)
                # 429 lets the phone's outbox keep the report and send it again later.
                status = exc.status if exc.status in (400, 413, 429) else 400
                retry_after = getattr(exc, "retry_after", None)
            else:
                message = _submitted_message(report)
                messages.success(request, message)
                url = reverse("reports:detail", args=[report.pk])
                if _wants_json(request):
                    return JsonResponse({"id": report.pk, "url": url, "message": message}, status=201)
                return redirect(url)
        else:
            status = 400
        if _wants_json(request):
            return _with_retry_after(_form_errors_json(form, status), retry_after)
    context = {
        "form": form,
        "tiles": _category_tiles(categories),
        "selected": form["category"].value() or "",
        "duplicates": _duplicates_near(form, user.pk) if form.is_bound else [],
        "map_config": map_config(),
        "max_photos": services.MAX_PHOTOS,
    }
    return _with_retry_after(render(request, "reports/new.html", context, status=status), retry_after)


def _with_retry_after(response: HttpResponse, retry_after: int | None) -> HttpResponse:
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- My reports -----------------------------------------------------------------------------
@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.reports_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for report in page.object_list:
        photos = list(report.photos.all())
        thumb = next((p for p in photos if p.status == PhotoStatus.READY and p.thumbnail), None)
        rows.append(
            {
                "report": report,
                "icon": category_icon(report.category),
                "tone": STATUS_TONES.get(report.case.status, "neutral"),
                "following": report.case.reporter_id != user.pk,
                "thumbnail": thumb.thumbnail_url if thumb is not None else None,
                "photo_count": len(photos),
            }
        )
    return render(request, "reports/mine.html", {"page": page, "rows": rows})


# --- A report -------------------------------------------------------------------------------
def _report_or_404(request: HttpRequest, report_id: int) -> Report:
    return selectors.report_for(request_user(request), report_id)


def _next_step(report: Report, is_reporter: bool) -> str:
    """What happens next, in the worker's words."""
    case = report.case
    org = case.organisation.name
    deadline = when(deadline_of(case))
    status = case.status
    if status == CaseStatus.SUBMITTED:
        return _("等待%(org)s受理，最迟%(deadline)s。") % {"org": org, "deadline": deadline}
    if status == CaseStatus.ACCEPTED:
        return _("%(org)s已受理，正在安排处置，%(deadline)s前办结。") % {"org": org, "deadline": deadline}
    if status == CaseStatus.IN_PROGRESS:
        return _("%(org)s正在处置，%(deadline)s前办结。") % {"org": org, "deadline": deadline}
    if status == CaseStatus.RESOLVED:
        if is_reporter:
            return _("已办结。请看看问题是否真的解决了，并给处理打个分。")
        return _("已办结，等待提交人确认。")
    if status == CaseStatus.DISPUTED:
        return _("已反馈问题未解决，%(org)s正在重新办理，%(deadline)s前办结。") % {
            "org": org,
            "deadline": deadline,
        }
    if status == CaseStatus.CLOSED:
        return _("已办结并确认，感谢你让城市更好。")
    if status == CaseStatus.REJECTED:
        return _("未予受理，原因见下方。")
    if status == CaseStatus.MERGED:
        return _("与附近相同的问题合并办理，进展请看合并后的随手拍。")
    return ""


EVENT_ICONS: dict[str, str] = {
    **worker_pages.EVENT_ICONS,
    CaseAction.FOLLOW: "users",
    CaseAction.MERGE: "refresh",
}


def _timeline(events: list[CaseEvent], *, is_reporter: bool = True) -> list[dict[str, Any]]:
    """The case's steps. A follower sees each step and the public outcome (the answer's note and
    photos), not what passed between the office and the reporter (notes, files, their rating)."""
    return [
        {
            "event": e,
            "tone": worker_pages.EVENT_TONES.get(e.action, ""),
            "icon": EVENT_ICONS.get(e.action, "info"),
            "photos": [a for a in e.attachments.all() if a.kind == "photo"]
            if is_reporter or e.action == CaseAction.RESOLVE
            else [],
            "files": [a for a in e.attachments.all() if a.kind != "photo"] if is_reporter else [],
            "rating": (e.data.get("rating") if isinstance(e.data, dict) else None) if is_reporter else None,
            "note": e.shown_note if is_reporter or e.action == CaseAction.RESOLVE else "",
        }
        for e in events
    ]


def _render_detail(
    request: HttpRequest, report: Report, feedback_form: FeedbackForm | None = None, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    case = report.case
    events = list(case_timeline(case))
    is_reporter = case.reporter_id == user.pk
    points = sum(int(e.data.get("points_awarded", 0) or 0) for e in events if e.action == CaseAction.ACCEPT)
    outcome = worker_pages.outcome_context(case, events, user, FeedbackForm, feedback_form)
    resolution = outcome["resolution"]
    context = {
        "report": report,
        "case": case,
        "icon": category_icon(report.category),
        "tone": STATUS_TONES.get(case.status, "neutral"),
        "next_step": _next_step(report, is_reporter),
        "deadline": deadline_of(case),
        "photos": list(report.photos.all()),
        "timeline": _timeline(events, is_reporter=is_reporter),
        "points": points,
        # A follower's own part: when they said "me too" (another worker's report is not theirs).
        "followed_at": None if is_reporter else selectors.followed_at(user, case.pk),
        **outcome,
        "resolution_photos": [a for a in resolution.attachments.all() if a.kind == "photo"] if resolution else [],
        "is_reporter": is_reporter,
        "accepted": any(e.action == CaseAction.ACCEPT for e in events),
    }
    return render(request, "reports/detail.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _render_detail(request, _report_or_404(request, report_id))


@login_required
@require_POST
def feedback(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report_or_404(request, report_id)
    return worker_pages.handle_feedback(
        request,
        report,
        form_class=FeedbackForm,
        submit=lambda user, data: services.report_feedback(
            report_id=report.pk,
            worker=user,
            rating=data["rating"],
            comment=data["comment"],
            resolved=data["resolved"],
        ),
        render_detail=_render_detail,
        detail_view="reports:detail",
        closed_message=_("感谢评价！这条随手拍已办结。"),
    )


# --- Me too ---------------------------------------------------------------------------------
@login_required
@require_POST
def follow(request: HttpRequest, report_id: int) -> HttpResponse:
    user = request_user(request)
    try:
        report = selectors.report_followable(report_id)
        added = case_services.case_follow(case_id=report.pk, user=user)
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError:
        messages.error(request, _("这条随手拍已办结，不能再关注。"))
        return redirect("reports:new")
    if report.case.reporter_id == user.pk:
        messages.info(request, _("这是你自己提交的随手拍。"))
    elif added:
        messages.success(request, _("已记录“我也遇到”，处理进展会通知你。"))
    else:
        messages.info(request, _("你已经关注了这条随手拍。"))
    return redirect("reports:detail", report.pk)


# --- The offline queue's service worker -----------------------------------------------------
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """report-sw.js served from /reports/ so that it may control the report pages."""
    path = finders.find("js/report-sw.js")
    if not path or isinstance(path, list):
        raise Http404
    with open(path, encoding="utf-8") as file:
        body = file.read().replace("__REPORT_FORM_JS__", static("js/report-form.js"))
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/reports/"
    # A new version must reach phones soon; browsers re-check at most daily anyway.
    response["Cache-Control"] = "no-cache"
    return response
