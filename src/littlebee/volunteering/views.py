"""Workers' pages of 用心做: tasks near me, a task (claim, check in and out), my tasks, my hours
and certificates, teams; and the public verification page of a certificate.

Views parse the request, call services (writes) or selectors (reads) and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import worker_profile_of
from littlebee.core.errors import DomainError, NotFound, PermissionDenied
from littlebee.core.geo import map_config

from . import certificate_pdf, selectors, services
from .models import ClaimStatus, TaskKind

LIST_MAX = 50


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -180.0 <= number <= 180.0 else None


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@require_safe
def tasks(request: HttpRequest) -> HttpResponse:
    """Tasks near me now: by distance from the phone (starting within two hours first) once the
    page knows where the phone is, else by start time."""
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    if lat is not None and not -90 <= lat <= 90:
        lat = None
    kind = request.GET.get("kind") if request.GET.get("kind") in TaskKind.values else None
    hits = selectors.tasks_search(
        lat=lat if lng is not None else None, lng=lng if lat is not None else None, radius_km=10, kind=kind
    )[:LIST_MAX]
    user = request.user if isinstance(request.user, User) else None
    claims = selectors.my_claims_by_task(user, [h.task.pk for h in hits]) if user else {}
    rows = [(h.task, h.distance_m, claims.get(h.task.pk)) for h in hits]
    return render(
        request,
        "volunteering/tasks.html",
        {"rows": rows, "located": lat is not None and lng is not None, "kind": kind, "now": timezone.now()},
    )


@require_safe
def today_map(request: HttpRequest) -> HttpResponse:
    """Today's tasks on the stations' map (its tiles and coordinate handling, core.geo.map_config);
    the list under it is the page without JavaScript or tiles."""
    rows = selectors.tasks_today()
    points = [
        {
            "id": t.pk,
            "title": t.title,
            "lat": t.lat,
            "lng": t.lng,
            "time": f"{timezone.localtime(t.starts_at):%H:%M}–{timezone.localtime(t.ends_at):%H:%M}",
            "url": reverse("volunteering:task", args=[t.pk]),
        }
        for t in rows
    ]
    return render(request, "volunteering/map.html", {"rows": rows, "points": points, "map_config": map_config()})


@require_safe
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    found = selectors.task_get(task_id)
    user = request.user if isinstance(request.user, User) else None
    claim = selectors.my_claims_by_task(user, [found.pk]).get(found.pk) if user else None
    now = timezone.now()
    manages = user is not None and selectors.tasks_manageable_by(user).filter(pk=found.pk).exists()
    context = {
        "task": found,
        "claim": claim,
        "resident_visible": selectors.resident_visible(found, claim),
        "is_worker": user is not None and worker_profile_of(user) is not None,
        "open": found.accepts_claims(now),
        "checkin_open": found.checkin_opens_at() <= now < found.ends_at,
        "manages": manages,
        "places_left": max(0, found.slots - found.claimed_count),
        "required_passed": selectors.requirement_passed(user, found),
    }
    return render(request, "volunteering/task.html", context)


@login_required
@require_POST
def task_action(request: HttpRequest, task_id: int) -> HttpResponse:
    """Claim, cancel, check in or out, from the task page."""
    user = request_user(request)
    action = request.POST.get("action", "")
    lat, lng = _float(request.POST.get("lat")), _float(request.POST.get("lng"))
    token = request.POST.get("token", "").strip() or None
    try:
        if action == "claim":
            claim = services.claim_create(task_id=task_id, worker=user)
            if claim.status == ClaimStatus.CLAIMED:
                messages.success(request, _("认领成功，请按时到场签到。"))
            else:
                messages.info(request, _("名额已满，已加入候补，有名额时会通知你。"))
        else:
            claim_id = _int(request.POST.get("claim"))
            if claim_id is None:
                raise NotFound()
            if action == "cancel":
                services.claim_cancel(claim_id=claim_id, worker=user)
                messages.info(request, _("已取消认领。"))
            elif action == "check_in":
                services.claim_check_in(claim_id=claim_id, worker=user, token=token, lat=lat, lng=lng)
                messages.success(request, _("签到成功，感谢你的付出！结束时请签退。"))
            elif action == "check_out":
                services.claim_check_out(claim_id=claim_id, worker=user, token=token, lat=lat, lng=lng)
                messages.success(request, _("签退成功，组织方认证后时长和积分会到账。"))
            else:
                raise NotFound()
    except NotFound:
        raise
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, _refusal(exc))
    return redirect("volunteering:task", task_id=task_id)


def _refusal(exc: DomainError) -> str:
    """The refusal as a message; one naming a learning item to take links to it."""
    item = exc.extra.get("item")
    if isinstance(item, dict) and item.get("url"):
        return format_html('{} <a href="{}">{}</a>', str(exc.detail), item["url"], _("去学习"))
    return str(exc.detail)


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    claims = list(selectors.claims_of(user)[:100])
    pause = selectors.claiming_paused(user)
    context = {
        "claims": claims,
        "pause": pause,
        "settings": selectors.settings_of(user),
        "is_worker": worker_profile_of(user) is not None,
    }
    return render(request, "volunteering/mine.html", context)


@login_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    """The worker allows (or stops) a text when moved up from a waiting list."""
    try:
        services.volunteer_settings_set(
            worker=request_user(request), sms_on_promotion=request.POST.get("sms_on_promotion") == "on"
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("通知设置已保存。"))
    return redirect("volunteering:mine")


@login_required
@require_safe
def hours(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    records = list(selectors.records_of(user).prefetch_related("corrections")[:200])
    total_minutes = selectors.minutes_total(user)
    star = selectors.star_of(total_minutes / 60)
    certificates = list(user.volunteer_certificates.all()[:20])
    today = timezone.localdate()
    return render(
        request,
        "volunteering/hours.html",
        {
            "records": records,
            "hours_total": round(total_minutes / 60, 1),
            "star": star,
            "star_title": selectors.star_title(star),
            "next_star": selectors.next_star(total_minutes / 60),
            "star_range": range(1, 6),
            "certificates": certificates,
            "default_from": date(today.year, 1, 1),
            "today": today,
        },
    )


@login_required
@require_POST
def correction_request(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        services.correction_request(
            record_id=record_id,
            worker=request_user(request),
            minutes=_int(request.POST.get("minutes")) or 0,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已提交更正申请，组织方会答复你。"))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    return redirect("volunteering:hours")


@login_required
@require_POST
def certificate_request(request: HttpRequest) -> HttpResponse:
    try:
        date_from = date.fromisoformat(request.POST.get("from", ""))
        date_to = date.fromisoformat(request.POST.get("to", ""))
    except ValueError:
        messages.error(request, _("请填写有效的起止日期。"))
        return redirect("volunteering:hours")
    try:
        certificate = services.certificate_issue(worker=request_user(request), date_from=date_from, date_to=date_to)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("volunteering:hours")
    messages.success(request, _("证明已出具，编号 %(number)s。") % {"number": certificate.number})
    return redirect("volunteering:hours")


@login_required
@require_safe
def certificate_download(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate PDF, for its holder."""
    certificate = selectors.certificate_get(number)
    if certificate.worker_id != request_user(request).pk:
        raise NotFound()
    verify_url = request.build_absolute_uri(reverse("volunteering:verify", args=[certificate.number]))
    body = certificate_pdf.certificate_pdf(certificate, verify_url=verify_url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


@require_safe
def verify(request: HttpRequest, number: str) -> HttpResponse:
    """Public: what a certificate says, for whoever scans its QR code."""
    certificate = selectors.certificate_get(number[:32])
    return render(
        request,
        "volunteering/verify.html",
        {"certificate": certificate, "hours": round(certificate.minutes / 60, 1)},
    )


@require_safe
def teams(request: HttpRequest) -> HttpResponse:
    """Teams, by street, with their hours (the street's board) and my own standing in each."""
    user = request.user if isinstance(request.user, User) else None
    rows = list(selectors.teams_list()[:200])
    facts = selectors.team_facts(rows, user)
    boards: dict[str, list[Any]] = {}
    for team in sorted(rows, key=lambda t: -facts[t.pk].minutes):
        boards.setdefault(team.street.name, []).append((team, facts[team.pk], round(facts[team.pk].minutes / 60, 1)))
    return render(request, "volunteering/teams.html", {"boards": boards})


@login_required
@require_POST
def team_join(request: HttpRequest, team_id: int) -> HttpResponse:
    try:
        member = services.team_join(team_id=team_id, worker=request_user(request))
        if member.status == "pending":
            messages.success(request, _("已申请加入，等待队长同意。"))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    return redirect("volunteering:teams")
