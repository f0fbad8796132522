"""Pages for events (活动): the list, an event's page where workers register, cancel and check in,
and the organiser's attendance list with check-in at the door and exports.

Views parse the request, call services.events (writes) or selectors.events (reads) and render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of, worker_profile_of
from littlebee.core.errors import DomainError, NotFound

from . import event_exports
from .models import Event, RegistrationStatus
from .selectors import events as event_selectors
from .services import events as event_services

PAGE_SIZE = 20


@require_safe
def events(request: HttpRequest) -> HttpResponse:
    """Upcoming events, and (signed in) the worker's own registrations."""
    mine = request.GET.get("tab") == "mine" and request.user.is_authenticated
    context: dict[str, Any] = {"tab": "mine" if mine else "upcoming"}
    if mine:
        context["page"] = Paginator(event_selectors.registrations_of(request_user(request)), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    else:
        page = Paginator(event_selectors.events_upcoming(), PAGE_SIZE).get_page(request.GET.get("page"))
        ids = [e.pk for e in page.object_list]
        statuses = event_selectors.my_statuses(request.user, ids) if isinstance(request.user, User) else {}
        context["page"] = page
        context["rows"] = [(event, statuses.get(event.pk)) for event in page.object_list]
    return render(request, "hives/events.html", context)


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("签到码"),
        max_length=12,
        help_text=gettext_lazy("活动现场会公布签到码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
    )


def _event_or_404(event_id: int) -> Event:
    return event_selectors.event_get(event_id)


@require_safe
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    found = _event_or_404(event_id)
    return _render_event(request, found, CheckinForm())


def _render_event(request: HttpRequest, found: Event, checkin_form: CheckinForm, status: int = 200) -> HttpResponse:
    user = request.user
    registration = None
    position = None
    if isinstance(user, User):
        registration = event_selectors.registration_live(event_id=found.pk, worker=user)
        position = event_selectors.waitlist_position(registration) if registration else None
    now = timezone.now()
    context = {
        "event": found,
        "registration": registration,
        "position": position,
        "open_for_registration": found.accepts_registrations(now),
        "checkin_open": found.checkin_open(now),
        "is_worker": isinstance(user, User) and worker_profile_of(user) is not None,
        "manages": isinstance(user, User) and bool(event_selectors.manageable_ids(user, [found.pk])),
        "checkin_form": checkin_form,
    }
    return render(request, "hives/event.html", context, status=status)


@login_required
@require_POST
def event_action(request: HttpRequest, event_id: int) -> HttpResponse:
    """register / cancel / checkin, answered by a redirect back to the event with a message."""
    found = _event_or_404(event_id)
    user = request_user(request)
    action = request.POST.get("action")
    try:
        if action == "register":
            registration = event_services.event_register(event_id=found.pk, worker=user)
            if registration.status == RegistrationStatus.REGISTERED:
                messages.success(request, _("报名成功，活动开始前可随时取消。"))
            else:
                position = event_selectors.waitlist_position(registration)
                messages.info(
                    request,
                    _("名额已满，你已进入候补名单第 %(position)d 位；有人取消时会自动递补并短信通知你。")
                    % {"position": position or 1},
                )
        elif action == "cancel":
            event_services.event_cancel_my_registration(event_id=found.pk, worker=user)
            messages.success(request, _("已取消报名。"))
        elif action == "checkin":
            form = CheckinForm(request.POST)
            if not form.is_valid():
                return _render_event(request, found, form, status=400)
            event_services.event_checkin(event_id=found.pk, worker=user, code=form.cleaned_data["code"])
            messages.success(request, _("签到成功，欢迎参加！"))
        else:
            messages.error(request, _("无法识别的操作。"))
    except NotFound:
        messages.error(request, _("你没有该活动的有效报名。"))
    except DomainError as exc:
        # A wrong code belongs beside the code field; anything else (closed window, cancelled
        # event, too many tries) is a message above the page.
        if action == "checkin" and found.checkin_open(timezone.now()):
            form = CheckinForm(request.POST)
            form.is_valid()
            form.add_error("code", str(exc.detail))
            return _render_event(request, found, form, status=exc.status)
        messages.error(request, str(exc.detail))
    return redirect("hives:event", event_id=found.pk)


# --- The organiser's attendance list --------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request_user(request)
    found = event_selectors.manageable_event(user, event_id)
    if request.method == "POST":
        try:
            registration_id = int(request.POST.get("registration", ""))
        except ValueError:
            messages.error(request, _("请选择要签到的报名。"))
        else:
            try:
                event_services.event_checkin_by_staff(event_id=found.pk, registration_id=registration_id, actor=user)
            except NotFound:
                messages.error(request, _("找不到这条报名。"))
            except DomainError as exc:
                messages.error(request, str(exc.detail))
            else:
                messages.success(request, _("已为其签到。"))
        return redirect("hives:attendance", event_id=found.pk)
    rows = event_exports.attendance_rows(found, user)
    counts = {status: 0 for status in RegistrationStatus.values}
    for row in rows:
        counts[row.status] += 1
    context = {
        "access": staff_access_of(user),
        "event": found,
        "rows": [row for row in rows if row.status != RegistrationStatus.CANCELLED],
        "counts": counts,
        "checkin_open": found.checkin_open(timezone.now()),
        "can_publish": event_selectors.organisers_for(user).exists(),
    }
    return render(request, "hives/attendance.html", context)
