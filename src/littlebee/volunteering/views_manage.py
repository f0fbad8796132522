"""Organisers' and district admins' pages of 用心做: my tasks, publish, a task's claimants with the
rotating check-in QR and review (one by one or in bulk), corrections, teams, point permissions.

Who may open which page is the selectors' rule (tasks_manageable_by, organisers_for,
districts_administered_by, teams_manageable_by); anything else is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.requests import request_user
from littlebee.core.errors import DomainError, NotFound, PermissionDenied

from . import selectors, services, tokens
from .models import ClaimStatus, TaskCategory, TaskKind


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@login_required
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    """The organiser's tasks, newest first, with what waits for review, and pending corrections."""
    user = request_user(request)
    organisers = list(selectors.organisers_for(user)[:50])
    if not organisers:
        raise NotFound()
    rows = list(selectors.tasks_manageable_by(user).order_by("-starts_at", "-id")[:100])
    waiting = selectors.review_waiting_counts([t.pk for t in rows])
    corrections = selectors.corrections_pending_for(user).count()
    return render(
        request,
        "volunteering/manage.html",
        {"rows": [(t, waiting.get(t.pk, 0)) for t in rows], "corrections": corrections, "organisers": organisers},
    )


class TaskForm(forms.Form):
    organiser = forms.TypedChoiceField(label=gettext_lazy("发布单位"), coerce=int)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=TaskKind.choices)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=TaskCategory.choices)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=gettext_lazy("地点"), max_length=255)
    lat = forms.FloatField(label=gettext_lazy("纬度"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=gettext_lazy("经度"), min_value=-180, max_value=180)
    radius_m = forms.IntegerField(label=gettext_lazy("签到半径（米）"), initial=200, min_value=20, max_value=5000)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    repeats_until = forms.DateField(
        label=gettext_lazy("每天重复至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("常设的值守、巡查可每天同一时段重复发布；不填只发布一次。"),
    )
    slots = forms.IntegerField(label=gettext_lazy("名额"), min_value=1, max_value=1000, initial=2)
    waitlist_slots = forms.IntegerField(label=gettext_lazy("候补名额"), min_value=0, max_value=1000, initial=3)
    points = forms.IntegerField(label=gettext_lazy("积分"), min_value=0, max_value=1000, initial=0)
    team = forms.TypedChoiceField(label=gettext_lazy("仅限服务队"), coerce=int, required=False, empty_value=None)
    requires_party_member = forms.BooleanField(label=gettext_lazy("仅限党员"), required=False)
    required_item = forms.TypedChoiceField(
        label=gettext_lazy("须先学习通过"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("例如消防安全培训：没学过并通过的小哥不能认领。"),
    )
    resident_name = forms.CharField(label=gettext_lazy("居民称呼（代办代领）"), max_length=40, required=False)
    resident_phone = forms.CharField(label=gettext_lazy("居民电话（只给认领的小哥看）"), max_length=32, required=False)
    resident_need = forms.CharField(label=gettext_lazy("居民需求（代办代领）"), max_length=500, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organiser_field: Any = self.fields["organiser"]
        team_field: Any = self.fields["team"]
        organiser_field.choices = [(o.pk, o.name) for o in selectors.organisers_for(user)[:200]]
        teams = selectors.teams_list()[:200]
        team_field.choices = [("", _("不限")), *[(t.pk, t.name) for t in teams]]
        item_field: Any = self.fields["required_item"]
        items = selectors.requirable_items()[:300]
        item_field.choices = [("", _("无")), *[(i.pk, i.local_title) for i in items]]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not selectors.organisers_for(user).exists():
        raise NotFound()
    form = TaskForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def aware(value: datetime) -> datetime:
            return timezone.make_aware(value) if timezone.is_naive(value) else value

        try:
            task = services.task_publish(
                actor=user,
                organiser=data["organiser"],
                data=services.TaskInput(
                    title=data["title"],
                    kind=data["kind"],
                    category=data["category"],
                    description=data["description"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    radius_m=data["radius_m"],
                    starts_at=aware(data["starts_at"]),
                    ends_at=aware(data["ends_at"]),
                    slots=data["slots"],
                    waitlist_slots=data["waitlist_slots"],
                    points=data["points"],
                    team=data["team"],
                    requires_party_member=data["requires_party_member"],
                    required_item=data["required_item"],
                    repeats_until=data["repeats_until"],
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    resident_need=data["resident_need"],
                ),
            )
        except NotFound:
            raise
        except DomainError as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, str(error.detail))
            if not exc.errors:
                form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("任务已发布。"))
            return redirect("volunteering:manage_task", task_id=task.pk)
    return render(request, "volunteering/publish.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_safe
def manage_task(request: HttpRequest, task_id: int) -> HttpResponse:
    """Claimants and attendance, review one by one or in bulk, and the link to the check-in QR."""
    user = request_user(request)
    task = selectors.manageable_task(user, task_id)
    claims = list(selectors.claims_of_task(task))
    return render(
        request,
        "volunteering/manage_task.html",
        {
            "task": task,
            "claims": claims,
            "to_review": [c for c in claims if c.status == ClaimStatus.CHECKED_OUT],
            "window_minutes": task.window_minutes,
        },
    )


@login_required
@require_safe
def task_qr(request: HttpRequest, task_id: int) -> HttpResponse:
    """The rotating check-in QR, shown on the organiser's phone or screen; it reloads itself when
    its window ends."""
    task = selectors.manageable_task(request_user(request), task_id)
    now = timezone.now()
    token = tokens.token_for(task.pk, now)
    link = request.build_absolute_uri(reverse("volunteering:task", args=[task.pk])) + f"#token={token}"
    svg = segno.make(link, error="m").svg_inline(scale=6, dark="#1f2328")
    return render(
        request,
        "volunteering/qr.html",
        {"task": task, "qr_svg": svg, "link": link, "refresh": tokens.seconds_to_next_window(now)},
    )


@login_required
@require_POST
def review(request: HttpRequest, task_id: int) -> HttpResponse:
    """One claim (with optional minutes and note) or the ticked ones in bulk."""
    user = request_user(request)
    selectors.manageable_task(user, task_id)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    single = _int(request.POST.get("claim"))
    try:
        if single is not None:
            services.claim_review(
                claim_id=single, actor=user, decision=decision, minutes=_int(request.POST.get("minutes")), note=note
            )
            messages.success(request, _("已审核。"))
        else:
            ids = [i for i in (_int(v) for v in request.POST.getlist("claims")) if i is not None]
            result = services.claims_review_bulk(
                task_id=task_id, claim_ids=ids, actor=user, decision=decision, note=note
            )
            messages.success(
                request,
                _("已审核 %(done)d 条，%(refused)d 条未处理。")
                % {"done": len(result.done), "refused": len(result.refused)},
            )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    return redirect("volunteering:manage_task", task_id=task_id)


@login_required
@require_POST
def cancel_task(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        services.task_cancel(task_id=task_id, actor=request_user(request))
        messages.success(request, _("任务已取消，已认领的小哥会收到通知。"))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    return redirect("volunteering:manage_task", task_id=task_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def corrections(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not selectors.organisers_for(user).exists():
        raise NotFound()
    if request.method == "POST":
        try:
            services.correction_answer(
                correction_id=_int(request.POST.get("correction")) or 0,
                actor=user,
                accept=request.POST.get("accept") == "1",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已答复。"))
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        return redirect("volunteering:corrections")
    rows = list(selectors.corrections_answerable_by(user).select_related("record__organiser")[:200])
    return render(request, "volunteering/corrections.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def teams_manage(request: HttpRequest) -> HttpResponse:
    """Found teams, accept members, name captains: organiser staff; captains accept members too."""
    user = request_user(request)
    orgs = list(selectors.team_orgs_for(user)[:50])
    managed = list(selectors.teams_manageable_by(user)[:100])
    captained = list(selectors.teams_captained_by(user))
    if not orgs and not managed and not captained:
        raise NotFound()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                services.team_create(
                    actor=user,
                    organiser=_int(request.POST.get("organiser")) or 0,
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                )
                messages.success(request, _("服务队已建立。"))
            elif action in ("accept", "decline"):
                services.team_member_decide(
                    member_id=_int(request.POST.get("member")) or 0, actor=user, accept=action == "accept"
                )
                messages.success(request, _("已处理入队申请。"))
            elif action == "assign":
                services.task_assign(
                    task_id=_int(request.POST.get("task")) or 0,
                    worker_id=_int(request.POST.get("worker")) or 0,
                    actor=user,
                )
                messages.success(request, _("已指派。"))
            elif action == "captain":
                services.team_captain_set(member_id=_int(request.POST.get("member")) or 0, actor=user)
                messages.success(request, _("已设为队长。"))
            else:
                raise NotFound()
        except NotFound:
            raise
        except PermissionDenied as exc:
            messages.error(request, str(exc.detail))
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        return redirect("volunteering:teams_manage")
    teams = {t.pk: t for t in [*managed, *captained]}
    open_tasks = selectors.team_tasks_open([t.pk for t in captained])
    blocks = [
        (t, list(selectors.team_members(t)), open_tasks.get(t.pk, []))
        for t in sorted(teams.values(), key=lambda t: t.name)
    ]
    return render(request, "volunteering/teams_manage.html", {"orgs": orgs, "blocks": blocks})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def permissions(request: HttpRequest) -> HttpResponse:
    """A district admin's point permissions: which organisations publish point-bearing tasks, the most
    points a task and the monthly budget of each."""
    user = request_user(request)
    districts = list(selectors.districts_administered_by(user)[:50])
    if not districts:
        raise NotFound()
    if request.method == "POST":
        organisation_id = _int(request.POST.get("organisation")) or 0
        try:
            if request.POST.get("action") == "revoke":
                services.point_permission_revoke(actor=user, organisation_id=organisation_id)
                messages.success(request, _("已收回积分权限。"))
            else:
                max_points = _int(request.POST.get("max_points"))
                budget = _int(request.POST.get("monthly_budget"))
                if max_points is None or budget is None:
                    messages.error(request, _("请填写整数。"))
                    return redirect("volunteering:permissions")
                services.point_permission_set(
                    actor=user, organisation_id=organisation_id, max_points=max_points, monthly_budget=budget
                )
                messages.success(request, _("已保存积分权限。"))
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        return redirect("volunteering:permissions")
    district_id = _int(request.GET.get("district"))
    district = next((d for d in districts if d.pk == district_id), districts[0])
    orgs = list(selectors.publishing_orgs_in(district)[:500])
    used = selectors.budgets_used([o.pk for o in orgs], timezone.now())
    rows = [(o, getattr(o, "volunteering_permission", None), used.get(o.pk, 0)) for o in orgs]
    return render(
        request, "volunteering/permissions.html", {"districts": districts, "district": district, "rows": rows}
    )
