"""The statistics pages of the staff console: the dashboard (/staff/stats/), the offices' rates
(/staff/stats/offices/), the enterprise scorecards (/staff/stats/enterprises/) and "how we count"
(/staff/stats/how/). Every number on them comes from measures.py, the functions the API and the
exports call; who sees what, from selectors.stats_scope_of."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import _json_script_escapes, format_html  # type: ignore[attr-defined]
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of
from littlebee.cases.selectors import open_cases_count, staff_org_ids
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, InvalidInput
from littlebee.core.geo import map_config
from littlebee.hives.models import Hive, Service
from littlebee.orgs.models import Industry, Organisation, Region, RegionLevel

from . import measures, services
from .measures import Period, Scope
from .rollups import city_zone
from .selectors import map_places, stats_scope_narrowed, stats_scope_of

PRESETS = {
    "30": (gettext_lazy("近 30 天"), 30),
    "90": (gettext_lazy("近 90 天"), 90),
    "365": (gettext_lazy("近一年"), 365),
    "all": (gettext_lazy("全部"), None),
}
STATION_ROWS = 10
STATION_URL_ID = 987654321  # an id no part of the station URL's pattern contains
OFFICE_PAGE_SIZE = 50
CHILD_LEVEL: dict[RegionLevel | None, tuple[str, RegionLevel]] = {
    None: ("district_id", RegionLevel.DISTRICT),
    RegionLevel.DISTRICT: ("street_id", RegionLevel.STREET),
    RegionLevel.STREET: ("region_id", RegionLevel.COMMUNITY),
}


def _scope_or_403(request: HttpRequest) -> Scope:
    scope = stats_scope_of(request_user(request))
    if scope is None:
        raise PermissionDenied(_("统计数据仅向工作人员开放。"))
    return scope


def _date(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput.one(field, _("日期格式应为 YYYY-MM-DD。")) from exc


def period_from_request(request: HttpRequest) -> tuple[Period, str]:
    """?period= (a preset) or ?from=&to= (dates); the last 30 days by default. Bad dates: 400."""
    preset = request.GET.get("period", "")
    today = timezone.localdate(timezone=city_zone())
    if preset in PRESETS and not request.GET.get("from"):
        days = PRESETS[preset][1]
        return (Period(start=None, end=today) if days is None else Period.last_days(days, today)), preset
    start, end = _date(request.GET.get("from"), "from"), _date(request.GET.get("to"), "to")
    if start is None and end is None:
        return Period.last_days(30, today), "30"
    return measures.period_of(start, end), ""


def _chrome(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    return {"access": staff_access_of(user), "cases_open_count": open_cases_count(staff_org_ids(user))}


def _period_context(period: Period, preset: str) -> dict[str, Any]:
    return {
        "period": period,
        "preset": preset,
        "presets": [{"value": k, "label": label, "active": k == preset} for k, (label, _d) in PRESETS.items()],
    }


def _bad_input(request: HttpRequest, exc: DomainError) -> HttpResponse:
    messages.error(request, str(exc.detail))
    return render(request, "analytics/bad_input.html", {**_chrome(request)}, status=exc.status)


# --- The dashboard ----------------------------------------------------------------------------
def _names(model: Any, ids: list[Any]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    return dict(model.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}


def _breakdown_rows(scope: Scope, period: Period, by: str, model: Any) -> list[dict[str, Any]]:
    rows = measures.breakdown(scope, period, by)
    names = _names(model, list(rows)) if model is not None else {}
    labels = dict(Industry.choices)
    result = []
    for key, values in rows.items():
        if model is None:
            name = str(labels.get(key, key)) if key else _("未填写")
        else:
            name = names.get(key, "") if key is not None else _("未知")
        result.append({"id": key, "name": name, **values})
    return sorted(result, key=lambda r: (-r["registered"] - r["reports_submitted"], str(r["name"])))


def _stations(scope: Scope, period: Period) -> dict[str, Any]:
    if not scope.everything and not (scope.district_ids or scope.street_ids or scope.community_ids):
        # No place, no station (an industry's or enterprise's scope: Scope.station_q).
        return {"by_service": [], "busiest": [], "idlest": [], "stations": 0}
    by_service = measures.service_use(scope, period)
    services_named = {s.pk: s for s in Service.objects.filter(pk__in=[k for k in by_service if k is not None])}
    service_rows = [
        {"name": services_named[k].local_name if k in services_named else _("未注明服务"), "visits": v}
        for k, v in sorted(by_service.items(), key=lambda kv: -kv[1])
    ]
    hives = Hive.objects.filter(is_active=True)
    if not scope.everything or scope.within:
        places = measures.Scope(
            district_ids=scope.district_ids, street_ids=scope.street_ids, community_ids=scope.community_ids
        )
        community_ids = Region.objects.filter(level=RegionLevel.COMMUNITY)
        if not scope.everything:
            community_ids = _regions_in(community_ids, places)
        if scope.within:
            community_ids = community_ids.filter(**_region_lookup(scope.within))
        hives = hives.filter(community_id__in=community_ids.values("pk"))
    # Only the ten busiest and ten idlest are shown: the database ranks the stations.
    ranks = measures.station_ranks(scope, period, hives, STATION_ROWS)
    # A station's page is /hives/<id>/: reversed once, its id put in per row (20 reversals a page).
    url = reverse("hives:station", args=[STATION_URL_ID])
    return {
        "by_service": service_rows,
        "busiest": [
            {"visits": v, "name": n, "id": i, "url": url.replace(str(STATION_URL_ID), str(i))}
            for i, n, v in ranks.busiest
        ],
        "idlest": [
            {"visits": v, "name": n, "id": i, "url": url.replace(str(STATION_URL_ID), str(i))}
            for i, n, v in ranks.idlest
        ],
        "stations": ranks.stations,
    }


def _region_lookup(within: tuple[str, int]) -> dict[str, int]:
    field, region = within
    return {
        "district_id": {"parent__parent_id": region},
        "street_id": {"parent_id": region},
        "region_id": {"pk": region},
    }[field]


def _regions_in(communities: Any, scope: Scope) -> Any:
    q = Q(pk__in=scope.community_ids) | Q(parent_id__in=scope.street_ids) | Q(parent__parent_id__in=scope.district_ids)
    return communities.filter(q)


def _map_points(scope: Scope, period: Period) -> list[str]:
    """Reports per community, where the community has reports, each as its point's JSON
    ({"name", "lat", "lng", "reports"}, as json_script writes it), the most reports first: the
    city's 1,404 communities summed over one column only, named and placed from the regions
    kept in the process (selectors.map_places)."""
    reports = measures.breakdown_counts(scope, period, "region_id", "reports_submitted")
    places = map_places()
    ranked = sorted(
        (-n, place.rank, place.json_start)
        for k, n in reports.items()
        if k is not None and (place := places.get(k)) is not None
    )
    return [f"{start}{-negative}}}" for negative, _rank, start in ranked]


def _charts_script(weeks: list[dict[str, Any]], months: list[dict[str, Any]], points: list[str]) -> SafeString:
    """{"weeks", "months", "map"} as json_script writes it (id "stats-charts"), the map's points
    joined from their JSON kept in the process rather than encoded again."""
    encoded = {
        name: json.dumps(rows, cls=DjangoJSONEncoder).translate(_json_script_escapes)
        for name, rows in (("weeks", weeks), ("months", months))
    }
    text = f'{{"weeks": {encoded["weeks"]}, "months": {encoded["months"]}, "map": [{", ".join(points)}]}}'
    return format_html('<script id="{}" type="application/json">{}</script>', "stats-charts", mark_safe(text))  # noqa: S308


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope_or_403(request)
    if not scope.sees_activity:
        return redirect("analytics:offices")
    try:
        period, preset = period_from_request(request)
        region_id = request.GET.get("region")
        if region_id is not None and not is_number(region_id):
            raise InvalidInput.one("region", _("区域编号应为数字。"))
        scope, region = stats_scope_narrowed(scope, int(region_id) if region_id else None)
    except DomainError as exc:
        return _bad_input(request, exc)
    overview = measures.overview(scope, period)
    child = CHILD_LEVEL.get(RegionLevel(region.level) if region else None)
    places = _breakdown_rows(scope, period, child[0], Region) if child else []
    points = _map_points(scope, period)
    trend_period = period if period.start else Period(start=period.end - timedelta(days=364), end=period.end)
    context = {
        **_chrome(request),
        **_period_context(period, preset),
        "scope": scope,
        "region": region,
        "trail": _trail(region),
        "overview": overview,
        "places": places,
        "child_level": child[1] if child else None,
        "industries": _breakdown_rows(scope, period, "industry", None) if not region else [],
        "enterprises": _breakdown_rows(scope, period, "enterprise_id", Organisation)[:20],
        "stations": _stations(scope, period),
        "charts": _charts_script(
            _chart_rows(measures.trend(scope, trend_period, "week")),
            _chart_rows(measures.trend(scope, trend_period, "month")),
            points,
        ),
        "has_map": bool(points),
        "map_config": map_config(),
        "region_keep": {"region": region.pk} if region else {},
        # The period in a drill-down link, written once rather than per row.
        "period_query": f"period={preset}"
        if preset
        else f"from={period.start.isoformat() if period.start else ''}&to={period.end.isoformat()}",
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/dashboard.html", context)


def _chart_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "start": r["start"].isoformat()} for r in rows]


def _trail(region: Region | None) -> list[Region]:
    """The drill-down's way back: district › street › community."""
    trail: list[Region] = []
    current = region
    while current is not None and current.level != RegionLevel.CITY and current.parent_id is not None:
        trail.insert(0, current)
        current = Region.objects.filter(pk=current.parent_id).only("pk", "name", "level", "parent_id").first()
    return trail


# --- The offices' rates -----------------------------------------------------------------------
SORTS = [
    ("received", gettext_lazy("收到件数")),
    ("signed_on_time_rate", gettext_lazy("及时签收率")),
    ("resolved_on_time_rate", gettext_lazy("按时办结率")),
    ("satisfaction_rate", gettext_lazy("满意率")),
    ("returned_rate", gettext_lazy("回退率")),
    ("reopened_rate", gettext_lazy("重办率")),
    ("overdue_now", gettext_lazy("当前超期")),
]
KINDS = [("", gettext_lazy("全部类型")), ("report", gettext_lazy("随手拍")), ("appeal", gettext_lazy("诉求"))]


def _ranked(
    rows: list[measures.OfficeRow], sort: str, page_number: str | None
) -> tuple[Page[measures.OfficeRow], list[dict[str, Any]]]:
    """The page of the sorted rows, each with its place (a row whose sorting rate lacks the
    minimum sample has none) and its rates: only the page's rows have their rates computed (a
    city has over a thousand offices; sorting by a count needs none)."""
    page = Paginator(rows, OFFICE_PAGE_SIZE).get_page(page_number)
    ranked = []
    for position, row in enumerate(page.object_list, start=page.start_index()):
        rates = row.rates
        has_place = sort in ("received", "overdue_now") or rates[sort].value is not None
        ranked.append({"row": row, "rates": rates, "rank": position if has_place else None})
    return page, ranked


@login_required
@require_safe
def offices(request: HttpRequest) -> HttpResponse:
    scope = _scope_or_403(request)
    try:
        period, preset = period_from_request(request)
    except DomainError as exc:
        return _bad_input(request, exc)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("report", "appeal") else ""
    sort = request.GET.get("sort", "received")
    sort = sort if sort in dict(SORTS) else "received"
    # The bad rates (returned, reopened) rank the highest first too: the table is a list of
    # where to look, and "样本不足" rows stay at the bottom either way.
    rows = measures.offices_sorted(measures.office_rows(scope, period, kind or None), sort)
    page, ranked = _ranked(rows, sort, request.GET.get("page"))
    context = {
        **_chrome(request),
        **_period_context(period, preset),
        "rows": rows,
        # A city has over a thousand offices: the table shows them a page at a time (the ranks
        # run on across pages; the total and the export cover them all).
        "ranked": ranked,
        "page": page,
        "total": measures.offices_total(rows),
        "sort": sort,
        "sorts": SORTS,
        "kind": kind,
        "kinds": KINDS,
        "keep": {"kind": kind, "sort": sort} if kind else {"sort": sort},
        "min_sample": measures.min_sample(),
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/offices.html", context)


# --- The enterprise scorecards ----------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enterprises(request: HttpRequest) -> HttpResponse:
    scope = _scope_or_403(request)
    if not scope.sees_enterprises:
        raise PermissionDenied(_("企业考核仅向市级管理员、行业党委和企业党组织开放。"))
    if request.method == "POST":
        if not scope.everything:
            raise PermissionDenied(_("只有市级管理员可以设置考核权重。"))
        try:
            services.score_weights_set(
                weights={k: str(v) for k, v in request.POST.items()}, actor=request_user(request)
            )
        except InvalidInput as exc:
            messages.error(request, str(exc.detail))
            return redirect(f"{request.path}?{request.GET.urlencode()}")
        messages.success(request, _("考核权重已保存。"))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    try:
        period, preset = period_from_request(request)
    except DomainError as exc:
        return _bad_input(request, exc)
    industry = request.GET.get("industry", "")
    industry = industry if industry in Industry.values else ""
    cards = measures.scorecards(scope, period, industry or None)
    groups: dict[str, list[measures.Scorecard]] = {}
    for card in cards:
        groups.setdefault(card.industry, []).append(card)
    labels = dict(Industry.choices)
    weights = measures.score_weights()
    context = {
        **_chrome(request),
        **_period_context(period, preset),
        "keep": {"industry": industry} if industry else {},
        "groups": [{"industry": labels.get(k, k), "cards": v} for k, v in groups.items()],
        "industry": industry,
        "industries": Industry.choices if scope.everything else [(i, labels[i]) for i in scope.industries],
        "parts": measures.SCORE_PARTS,
        "weight_rows": [(p, weights[p.code]) for p in measures.SCORE_PARTS],
        "can_set_weights": scope.everything,
        "min_sample": measures.min_sample(),
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/enterprises.html", context)


# --- How we count -----------------------------------------------------------------------------
@login_required
@require_safe
def how(request: HttpRequest) -> HttpResponse:
    _scope_or_403(request)
    context = {
        **_chrome(request),
        "measures": measures.MEASURES,
        "rates": measures.OFFICE_RATES,
        "parts": measures.SCORE_PARTS,
        "min_sample": measures.min_sample(),
    }
    return render(request, "analytics/how.html", context)
