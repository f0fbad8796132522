"""Staff console pages for events (活动): the organisers' list (with cancelling) and the publishing
form, so communities and stations run their events without the REST API.

Views parse the request, call services.events (writes) or selectors.events (reads) and render. Who
may publish for which organisation and at which station is event_selectors.organisers_for and
hives_hostable_by (the pick-lists of can_publish_for's rule, which event_create applies); who may
manage an event is event_selectors.events_manageable_by. A page that is not for the person's
post answers 403 like the console's queues; an event they may not manage answers 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import StyledForm, apply_domain_error
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import StaffAccess
from littlebee.accounts.views import staff_required
from littlebee.core import errors
from littlebee.core.digits import is_number
from littlebee.orgs.models import Organisation

from .models import Hive
from .selectors import events as event_selectors
from .services import events as event_services

PAGE_SIZE = 20
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
NOT_A_PUBLISHER = gettext_lazy("只有社区、街道、区党组织或驿站的工作人员可以发布活动。")


# --- The organisers' list ---------------------------------------------------------------------
TAB_LABELS = {
    "upcoming": gettext_lazy("未结束"),
    "past": gettext_lazy("已结束"),
    "cancelled": gettext_lazy("已取消"),
}


@staff_required
@require_safe
def events_manage(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The events the person may manage, by tab, each with its numbers and what to do next."""
    user = request_user(request)
    tab = request.GET.get("tab", "upcoming")
    if tab not in event_selectors.MANAGE_TABS:
        tab = "upcoming"
    now = timezone.now()
    counts = event_selectors.events_manageable_counts(user, now=now)
    page = Paginator(event_selectors.events_manageable_in_tab(user, tab, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "access": access,
        "tab": tab,
        "tabs": [
            {"value": value, "label": TAB_LABELS[value], "count": counts[value], "active": value == tab}
            for value in event_selectors.MANAGE_TABS
        ],
        "page": page,
        "now": now,
        "can_publish": event_selectors.organisers_for(user).exists(),
    }
    return render(request, "hives/event_manage.html", context)


def _back_to_list(request: HttpRequest) -> str:
    """Where the cancel button was pressed: a page of the organisers' list, or the list itself."""
    listing = reverse("hives:events_manage")
    candidate = request.POST.get("next", "")
    if candidate.startswith(listing) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return listing


@login_required
@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    """The organiser calls the event off. Anyone who may not manage it gets 404, as elsewhere."""
    try:
        cancelled = event_services.event_cancel(event_id=event_id, actor=request_user(request))
    except errors.NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except errors.DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request,
            _("已取消活动“%(title)s”，已短信通知报名和候补的小哥。") % {"title": cancelled.title},
        )
    return redirect(_back_to_list(request))


# --- Publishing -------------------------------------------------------------------------------
def _datetime_field(label: str | Any) -> forms.DateTimeField:
    """A phone's date-and-time picker; the value is wall time in the site's time zone."""
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": gettext_lazy("请选择时间。"), "invalid": gettext_lazy("请填写有效的日期和时间。")},
    )


class EventForm(StyledForm):
    """Shape and presence only: event_create decides what may be published (times, ranges, rights)."""

    organiser = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("主办组织"),
        empty_label=gettext_lazy("请选择主办组织"),
        error_messages={
            "required": gettext_lazy("请选择主办组织。"),
            "invalid_choice": gettext_lazy("你不能以这个组织的名义发布活动。"),
        },
    )
    hive = forms.ModelChoiceField(
        queryset=Hive.objects.none(),
        required=False,
        label=gettext_lazy("举办驿站"),
        empty_label=gettext_lazy("不在驿站举办"),
        help_text=gettext_lazy("选择驿站后，活动会显示在该驿站的页面上。"),
        error_messages={"invalid_choice": gettext_lazy("你不能在这个驿站发布活动。")},
    )
    title = forms.CharField(
        label=gettext_lazy("活动标题"),
        max_length=event_services.TITLE_MAX,
        error_messages={"required": gettext_lazy("请填写活动标题。")},
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("例如：小哥集体生日会")}),
    )
    description = forms.CharField(
        label=gettext_lazy("活动介绍"),
        required=False,
        max_length=event_services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("活动内容、注意事项、需要携带的物品等。"),
    )
    place = forms.CharField(
        label=gettext_lazy("活动地点"),
        max_length=event_services.PLACE_MAX,
        error_messages={"required": gettext_lazy("请填写活动地点。")},
    )
    starts_at = _datetime_field(gettext_lazy("开始时间"))
    ends_at = _datetime_field(gettext_lazy("结束时间"))
    capacity = forms.IntegerField(
        label=gettext_lazy("名额"),
        help_text=gettext_lazy("报满后的小哥进入候补名单，有人取消时按顺序递补。"),
        error_messages={"required": gettext_lazy("请填写名额。"), "invalid": gettext_lazy("请填写整数。")},
        widget=forms.NumberInput(
            attrs={
                "min": event_services.CAPACITY_RANGE[0],
                "max": event_services.CAPACITY_RANGE[1],
                "inputmode": "numeric",
            }
        ),
    )
    points = forms.IntegerField(
        label=gettext_lazy("参加积分"),
        initial=0,
        help_text=gettext_lazy("现场签到的小哥获得的积分，0 表示不发积分。"),
        error_messages={
            "required": gettext_lazy("请填写积分，不发积分填 0。"),
            "invalid": gettext_lazy("请填写整数。"),
        },
        widget=forms.NumberInput(
            attrs={"min": event_services.POINTS_RANGE[0], "max": event_services.POINTS_RANGE[1], "inputmode": "numeric"}
        ),
    )

    def __init__(self, *args: Any, organisers: QuerySet[Organisation], hives: QuerySet[Hive], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organiser_field = self.fields["organiser"]
        hive_field = self.fields["hive"]
        assert isinstance(organiser_field, forms.ModelChoiceField)
        assert isinstance(hive_field, forms.ModelChoiceField)
        organiser_field.queryset = organisers
        hive_field.queryset = hives


def _initial(
    request: HttpRequest,
    first_organisers: list[Organisation],
    organisers: QuerySet[Organisation],
    hives: QuerySet[Hive],
) -> dict[str, Any]:
    """A lone organiser comes preselected; `?hive=<id>` (from a station's pages) picks that station,
    its managing unit as organiser when the person may publish for it, and its name as the place."""
    initial: dict[str, Any] = {}
    if len(first_organisers) == 1:
        initial["organiser"] = first_organisers[0].pk
    raw = request.GET.get("hive", "")
    if is_number(raw) and len(raw) < 10:
        hive = hives.filter(pk=int(raw)).first()
        if hive is not None:
            initial["hive"] = hive.pk
            initial["place"] = hive.name
            if "organiser" not in initial and organisers.filter(pk=hive.managing_unit_id).exists():
                initial["organiser"] = hive.managing_unit_id
    return initial


# Enough to tell "exactly one" from "several" without loading a city admin's whole list.
ORGANISERS_PEEK = 2


@staff_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    user = request_user(request)
    organisers = event_selectors.organisers_for(user)
    hives = event_selectors.hives_hostable_by(user)
    first_organisers = list(organisers[:ORGANISERS_PEEK])
    if not first_organisers:
        raise PermissionDenied(NOT_A_PUBLISHER)
    if request.method == "POST":
        form = EventForm(request.POST, organisers=organisers, hives=hives)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = event_services.event_create(
                    actor=user,
                    organiser=data["organiser"].pk,
                    hive=data["hive"].pk if data["hive"] else None,
                    title=data["title"],
                    description=data["description"],
                    place=data["place"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    capacity=data["capacity"],
                    points=data["points"],
                )
            except errors.PermissionDenied:
                # Both lists allowed the choice, so it is the pair: this organiser at this station
                # (or, for a station's managing unit, no station at all).
                if data["hive"]:
                    form.add_error("hive", _("不能以所选主办组织的名义在这个驿站发布活动。"))
                else:
                    form.add_error("hive", _("以驿站管理单位的名义发布活动时，请选择本单位的驿站。"))
            except errors.DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("活动“%(title)s”已发布，小哥现在可以报名了。现场签到码：%(code)s")
                    % {"title": created.title, "code": created.checkin_code},
                )
                return redirect("hives:attendance", event_id=created.pk)
    else:
        initial = _initial(request, first_organisers, organisers, hives)
        form = EventForm(initial=initial, organisers=organisers, hives=hives)
    return render(request, "hives/event_form.html", {"access": access, "form": form})
