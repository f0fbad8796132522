"""/appeals/figures/, the appeals' figures page issue 6 built, lives in the statistics now: the
offices' rates for appeals (/staff/stats/offices/?kind=appeal) and the dashboard's "收到诉求 N
件，解决 M 件", every figure from its one definition in measures.py. appeals sits below analytics
and cannot name it, so the address is kept here and leads there; who may follow it is the
statistics' own rule (selectors.stats_scope_of), workers and keepers refused."""

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

from .selectors import stats_scope_of

# The periods the old page offered, each one the statistics' preset of the same name.
PERIODS = ("30", "90", "all")


@login_required
@require_safe
def appeal_figures(request: HttpRequest) -> HttpResponse:
    if stats_scope_of(request_user(request)) is None:
        raise PermissionDenied(_("诉求统计仅向承办单位、行业党委和市级管理员开放。"))
    period = request.GET.get("period", "all")
    query = {"kind": "appeal", "period": period if period in PERIODS else "all"}
    return redirect(f"{reverse('analytics:offices')}?{urlencode(query)}")
