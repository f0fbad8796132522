"""The appeals' figures page (/appeals/figures/): the seed-style headline, then the figures per
industry and per organisation over a period, for city admins (the city), industry committees
(their industry) and enterprise party organisations (their own). Workers get 403."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of
from littlebee.cases.selectors import open_cases_count, staff_org_ids

from .figures import appeal_figures, figures_scope

PERIODS = {
    "30": (gettext_lazy("近 30 天"), 30),
    "90": (gettext_lazy("近 90 天"), 90),
    "180": (gettext_lazy("近半年"), 180),
    "all": (gettext_lazy("全部"), None),
}
DEFAULT_PERIOD = "all"
# The city's table would list every community that ever had an appeal: the busiest first, the
# rest behind a link.
ORG_ROWS = 20


@login_required
@require_safe
def figures(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    scope = figures_scope(user)
    if scope is None:
        raise PermissionDenied(_("诉求统计仅向承办单位、行业党委和市级管理员开放。"))
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    days = PERIODS[period][1]
    since = timezone.now() - timedelta(days=days) if days is not None else None
    report = appeal_figures(scope, since)
    show_all = request.GET.get("all") == "1"
    context = {
        "access": staff_access_of(user),
        "cases_open_count": open_cases_count(staff_org_ids(user)),
        "report": report,
        "organisations": report.organisations if show_all else report.organisations[:ORG_ROWS],
        "hidden_rows": 0 if show_all else max(0, len(report.organisations) - ORG_ROWS),
        "scope": scope,
        "period": period,
        "periods": [{"value": key, "label": label, "active": key == period} for key, (label, _d) in PERIODS.items()],
    }
    return render(request, "appeals/figures.html", context)
