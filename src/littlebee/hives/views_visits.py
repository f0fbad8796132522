"""Pages for station visits: the station's QR poster, the page a scan lands on (and the chips there
that say which service the visit used), the worker's member code and the keeper's counter page.

Views parse the request, call services.visits (writes) or the selectors (reads) and render; who
may show a station's poster or use its counter page is selectors.hive_managed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import StyledForm, apply_domain_error
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of, worker_profile_of
from littlebee.core.errors import DomainError, NotFound

from . import selectors
from .models import Hive, Service
from .selectors import visits as visit_selectors
from .services import visits as visit_services
from .visit_tokens import member_code_for, seconds_to_next_window, token_for

RECENT_VISITS = 10


def qr_svg(data: str, *, scale: int = 8, css_class: str = "qr") -> SafeString:
    """A QR code as inline SVG. segno writes only path data and the attributes given here,
    never the encoded text, so the markup is safe to inline."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, border=2, omitsize=True, svgclass=css_class)
    return mark_safe(svg)  # noqa: S308


def _managed_hive(request: HttpRequest, hive_id: int) -> Hive:
    return selectors.hive_managed(request_user(request), hive_id, active_only=True)


# --- The station's poster -------------------------------------------------------------------
@login_required
@require_safe
@never_cache
def poster(request: HttpRequest, hive_id: int) -> HttpResponse:
    """The QR poster a station shows on a screen (or prints). The code rotates with the token
    window, so the page reloads itself just after each window starts."""
    hive = _managed_hive(request, hive_id)
    now = timezone.now()
    # The token rides in the fragment: browsers never send it, so no access log, proxy or
    # Referer holds it. The landing page's script reads it and posts it (visit below).
    landing = request.build_absolute_uri(reverse("hives:visit", args=[hive.pk]))
    visit_url = f"{landing}#{urlencode({'t': token_for(hive, now)})}"
    context = {
        "hive": hive,
        "qr": qr_svg(visit_url, css_class="poster__qr-svg"),
        "visit_url": visit_url,
        "refresh_seconds": seconds_to_next_window(now) + 1,
    }
    return render(request, "hives/poster.html", context)


# --- The page a worker lands on after scanning ----------------------------------------------
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def visit(request: HttpRequest, hive_id: int) -> HttpResponse:
    """GET: the page the station's QR opens (/hives/<id>/visit/#t=<token>). The token is in the
    fragment, which the server never sees; the page's script (hives-visit.js) posts it back
    here, keeping it for the tab first so that a worker who must sign in comes back to it.

    POST: records the visit the token stands for. Posting again within the cooldown only says
    the visit is already recorded."""
    if request.method != "POST":
        login_url = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
        context = {"hive_id": hive_id, "login_url": login_url, "signed_in": request.user.is_authenticated}
        return render(request, "hives/visit_landing.html", context)
    if not request.user.is_authenticated:
        return redirect_to_login(request.path)
    try:
        result = visit_services.visit_record_by_qr(
            worker=request_user(request), hive_id=hive_id, token=request.POST.get("token", "")
        )
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        return render(request, "hives/visit.html", {"error": exc}, status=exc.status)
    context = {
        "result": result,
        "visit": result.visit,
        "cooldown_hours": visit_services.visit_cooldown_hours(),
        "services": list(result.visit.hive.services.all()),
    }
    return render(request, "hives/visit.html", context)


@login_required
@require_POST
def visit_service(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The worker taps the service their visit just used; back to their visits, which show it."""
    try:
        visit = visit_services.visit_set_service(
            visit_id=visit_id, worker=request_user(request), service_code=request.POST.get("service", "")
        )
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        assert visit.service is not None
        messages.success(
            request,
            _("谢谢！已记录本次在%(hive)s使用的服务：%(service)s。")
            % {"hive": visit.hive.name, "service": visit.service.local_name},
        )
    return redirect("hives:member_code")


# --- The worker's member code ---------------------------------------------------------------
@login_required
@require_safe
@never_cache
def member_code(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    profile = worker_profile_of(user)
    context: dict[str, Any] = {"profile": profile}
    if profile is not None:
        code = member_code_for(user)
        context.update(
            code=code,
            qr=qr_svg(code, scale=10, css_class="member-code__qr-svg"),
            visits=list(visit_selectors.visits_of(user)[:RECENT_VISITS]),
        )
    return render(request, "hives/member_code.html", context)


# --- The keeper's counter page --------------------------------------------------------------
class MemberCodeForm(StyledForm):
    member_code = forms.CharField(
        label=gettext_lazy("会员码"),
        max_length=64,
        help_text=gettext_lazy("请小哥打开“我的会员码”，输入或粘贴码下方的字符，例如 42-ABCD-EFGH-IJKL-MNOP。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    service = forms.ChoiceField(
        label=gettext_lazy("本次服务"),
        required=False,
        help_text=gettext_lazy("小哥这次来用了哪项服务；可以不选。"),
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("不记录")), *((s.code, s.local_name) for s in services)]


@login_required
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, hive_id: int) -> HttpResponse:
    hive = _managed_hive(request, hive_id)
    user = request_user(request)
    offered = list(hive.services.all())
    # The service chosen for the last visit stays chosen for the next (?service=), as the same
    # service is often recorded for worker after worker.
    form = MemberCodeForm(request.POST or None, services=offered, initial={"service": request.GET.get("service", "")})
    if request.method == "POST" and form.is_valid():
        service_code = form.cleaned_data["service"] or None
        try:
            result = visit_services.visit_record_by_member_code(
                keeper=user, hive_id=hive.pk, member_code=form.cleaned_data["member_code"], service_code=service_code
            )
        except NotFound:
            raise  # the 404 page (core.error_pages), not the handler below
        except DomainError as exc:
            apply_domain_error(form, exc, field_for_code={"invalid_member_code": "member_code"})
        else:
            name = result.visit.worker.name
            if result.counted:
                messages.success(request, _("已记录%(name)s的本次到访。") % {"name": name})
            else:
                messages.info(
                    request,
                    _("%(name)s近 %(hours)d 小时内已在本站记录过到访，本次不重复计数。")
                    % {"name": name, "hours": visit_services.visit_cooldown_hours()},
                )
            url = reverse("hives:scan", args=[hive.pk])
            return redirect(f"{url}?{urlencode({'service': service_code})}" if service_code else url)
    context = {
        "access": staff_access_of(user),
        "hive": hive,
        "form": form,
        "recent": list(visit_selectors.visits_at(hive)[:RECENT_VISITS]),
        "cooldown_hours": visit_services.visit_cooldown_hours(),
    }
    return render(request, "hives/scan.html", context)
