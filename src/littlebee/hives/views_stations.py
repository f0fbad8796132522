"""Pages for finding a station: the finder (list and map) and the station page.

Both are public: a rider with a dead phone battery should not have to log in to find a charger.
The list is rendered on the server, so it works without JavaScript and when map tiles fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from littlebee.accounts.models import User
from littlebee.core.errors import InvalidInput
from littlebee.core.geo import map_config, valid_lat_lng

from . import hours, selectors
from .models import Service
from .selectors import events as event_selectors
from .selectors import finder as finder_selectors

FINDER_LIMIT = 20
WEEKDAY_NAMES = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


class FinderForm(forms.Form):
    q = forms.CharField(label=_("搜索驿站"), required=False, max_length=finder_selectors.SEARCH_MAX_CHARS)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    open_now = forms.BooleanField(label=_("营业中"), required=False)
    service = forms.CharField(required=False, max_length=40)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None) or (
            lat is not None
            and lng is not None
            and not (math.isfinite(lat) and math.isfinite(lng) and valid_lat_lng(lat, lng))
        ):
            # A broken position is dropped, not an error page: the list falls back to the city centre.
            data["lat"] = data["lng"] = None
        return data


@require_safe
def finder(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    words = (data.get("q") or "").strip()
    lat, lng = data.get("lat"), data.get("lng")
    open_now = bool(data.get("open_now"))
    service = data.get("service") or None
    catalogue = finder_selectors.services_catalogue()
    if service and service not in {s.code for s in catalogue}:
        form.add_error(None, _("未知的服务项目。"))
        service = None
    located = lat is not None and lng is not None
    items: list[finder_selectors.FinderItem] = []
    # How many stations match, of which `items` shows the first (nearest, or by name).
    count = 0
    try:
        if words:
            matching = finder_selectors.hives_matching_all(
                words=words, lat=lat, lng=lng, open_now=open_now, service=service
            )
            items, count = matching[: finder_selectors.SEARCH_LIMIT], len(matching)
        else:
            centre_lat, centre_lng = (lat, lng) if lat is not None and lng is not None else settings.HIVES_MAP_CENTER
            found = selectors.hives_search(
                lat=centre_lat, lng=centre_lng, open_now=open_now, service=service, limit=FINDER_LIMIT
            )
            items, count = finder_selectors.finder_items_from_nearest(found.items), found.count
    except InvalidInput as exc:
        for error in exc.errors:
            form.add_error(None, str(error.detail))
    if not located:
        for item in items:
            item.distance_m = None
    context = {
        "form": form,
        "items": items,
        "count": count,
        "words": words,
        "located": located,
        "lat": lat,
        "lng": lng,
        "open_now": open_now,
        "service": service,
        "catalogue": catalogue,
        "chips": _chips(catalogue, words=words, lat=lat, lng=lng, open_now=open_now, service=service),
        "map_config": map_config(),
    }
    return render(request, "hives/finder.html", context)


@dataclass(frozen=True)
class Chip:
    label: str
    url: str
    active: bool


def _chips(
    catalogue: list[Service], *, words: str, lat: float | None, lng: float | None, open_now: bool, service: str | None
) -> list[Chip]:
    """Filter chips as links, so the filters work without JavaScript too."""

    def url(**changes: Any) -> str:
        params: dict[str, Any] = {"q": words, "lat": lat, "lng": lng, "open_now": "on" if open_now else None}
        params["service"] = service
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    chips = [Chip(str(_("营业中")), url(open_now=None if open_now else "on"), open_now)]
    for entry in catalogue:
        active = entry.code == service
        chips.append(Chip(entry.local_name, url(service=None if active else entry.code), active))
    return chips


@dataclass(frozen=True)
class DayHours:
    label: str
    spans: list[str]
    today: bool


def _week(intervals: list[Any], always_open: bool, today: int) -> list[DayHours]:
    days = []
    for weekday, label in enumerate(WEEKDAY_NAMES):
        if always_open:
            spans = [str(_("24 小时"))]
        else:
            spans = [
                f"{i.opens:%H:%M}–{i.closes:%H:%M}" + (str(_("（次日）")) if i.closes <= i.opens else "")
                for i in intervals
                if i.weekday == weekday
            ]
        days.append(DayHours(str(label), spans, weekday == today))
    return days


def navigation_url(lat: float, lng: float, name: str) -> str:
    return str(settings.HIVES_NAVIGATION_URL).format(lat=f"{lat:.6f}", lng=f"{lng:.6f}", name=quote(name))


@require_safe
def station(request: HttpRequest, hive_id: int) -> HttpResponse:
    detail = selectors.hive_detail(hive_id)
    hive = detail.hive
    user = request.user
    local_now = timezone.localtime(timezone.now(), hours.zone(hive.time_zone))
    event_ids = [e.pk for e in detail.events]
    my_statuses = event_selectors.my_statuses(user, event_ids) if isinstance(user, User) else {}
    manages = selectors.hive_is_managed_by(user, hive.pk)
    context = {
        "hive": hive,
        "detail": detail,
        "status": detail.status,
        "week": _week(detail.intervals, hive.always_open, local_now.weekday()),
        "events": [(event, my_statuses.get(event.pk)) for event in detail.events],
        "navigation_url": navigation_url(hive.lat, hive.lng, hive.name),
        "manages": manages,
        "map_config": map_config(),
    }
    return render(request, "hives/station.html", context)
