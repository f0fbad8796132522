"""The appeals' figures page (/appeals/figures/) is the statistics now: the offices' rates for
appeals (analytics, /staff/stats/offices/?kind=appeal) and the dashboard's "收到诉求 N 件，解决 M 件".
One definition of each figure (analytics.measures) for every page; this address leads there.
Workers get 403 as before."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from littlebee.accounts.requests import request_user

from .figures import figures_scope

# Periods the statistics' pages take.
PERIODS = ("30", "90", "all")


@login_required
@require_safe
def figures(request: HttpRequest) -> HttpResponse:
    if figures_scope(request_user(request)) is None:
        raise PermissionDenied(_("诉求统计仅向承办单位、行业党委和市级管理员开放。"))
    period = request.GET.get("period", "all")
    query = {"kind": "appeal", "period": period if period in PERIODS else "all"}
    return redirect(f"{reverse('analytics:offices')}?{urlencode(query)}")
