"""Exports (/staff/stats/exports/): ask for a file, follow its progress, download it for a week.
Only the person who asked may download it; the rows are those of their scope when it was built."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from littlebee.accounts.requests import request_user
from littlebee.core.errors import DomainError

from . import services
from .models import Export, ExportFormat, ExportKind, ExportStatus
from .selectors import stats_scope_of
from .views import _chrome, _period_context, period_from_request

RECENT = 20


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    scope = stats_scope_of(user)
    if scope is None:
        raise PermissionDenied(_("统计数据仅向工作人员开放。"))
    try:
        period, preset = period_from_request(request)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("analytics:exports")
    if request.method == "POST":
        kind, fmt = request.POST.get("kind", ""), request.POST.get("format", "")
        if kind == ExportKind.SCORECARDS and not scope.sees_enterprises:
            raise PermissionDenied(_("企业考核仅向市级管理员、行业党委和企业党组织开放。"))
        params: dict[str, Any] = {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat(),
        }
        try:
            services.export_request(user=user, kind=kind, fmt=fmt, params=params)
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect("analytics:exports")
        messages.success(request, _("已开始生成导出文件，完成后可在下方下载（保留 7 天）。"))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    kinds = [(k, label) for k, label in ExportKind.choices if k != ExportKind.SCORECARDS or scope.sees_enterprises]
    recent = list(Export.objects.filter(requested_by=user, expires_at__gt=timezone.now())[:RECENT])
    context = {
        **_chrome(request),
        **_period_context(period, preset),
        "kinds": kinds,
        "formats": ExportFormat.choices,
        "exports": recent,
        "busy": any(e.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) for e in recent),
        "keep": {},
    }
    return render(request, "analytics/exports.html", context)


@login_required
@require_safe
def download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """The file, to the person who asked for it, while it is kept; 404 for anyone else."""
    export = Export.objects.filter(
        pk=export_id, requested_by=request_user(request), status=ExportStatus.DONE, expires_at__gt=timezone.now()
    ).first()
    if export is None or not export.file:
        raise Http404
    name = export.file.name.rsplit("/", 1)[-1]
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name)
