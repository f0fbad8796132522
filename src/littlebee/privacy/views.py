"""Personal-data pages: the privacy notice (public), the download of one's data, and closing
one's account with the password. Reads through selectors, the write through services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.requests import request_user
from littlebee.core.errors import DomainError
from littlebee.core.requests import client_ip

from . import selectors, services
from .forms import CloseAccountForm


@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    """What is kept, why and for how long; open to everyone (linked from registration)."""
    return render(request, "privacy/policy.html")


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The person's data as a JSON file to keep (the same as GET /api/v1/me/export)."""
    data = selectors.personal_data_of(request_user(request))
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"littlebee-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    """Close the account: what it means, then the password to confirm it."""
    form = CloseAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.account_close(
                    user=request_user(request), password=form.cleaned_data["password"], ip=client_ip(request)
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status
            else:
                logout(request)
                messages.success(request, _("账号已注销，你的个人信息已删除或匿名化。感谢你为城市做的一切。"))
                return redirect("home")
    return render(request, "privacy/close.html", {"form": form}, status=status)
