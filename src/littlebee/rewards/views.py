"""Pages of the rewards mall: the mall, a gift and its redeem button, my vouchers, one voucher with
its QR code, and the keeper's pickup counter in the staff console.

Views parse the request, call services (writes) or selectors (reads) and render. Who may open
the counter is selectors.pickup_counter_hives, who may hand a voucher over
selectors.voucher_for_keeper (both the stations' rule, hives_managed_by).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import StyledForm, apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of, worker_profile_of
from littlebee.core.errors import DomainError, InvalidInput, NotFound
from littlebee.hives.views_visits import qr_svg
from littlebee.points.selectors import balance_of

from . import codes, selectors, services
from .models import Gift, PickupRule, Voucher, VoucherStatus

PAGE_SIZE = 20
RECENT_HANDOVERS = 10


def _float(raw: str | None) -> float | None:
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


# --- The mall -------------------------------------------------------------------------------
@require_safe
def mall(request: HttpRequest) -> HttpResponse:
    """Gift cards, in stock first. Filters: 离我近 (lat, lng in the query, from the phone's
    position) and 我能兑换 (within the balance)."""
    user = request.user if isinstance(request.user, User) else None
    affordable = request.GET.get("affordable") == "1" and user is not None
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    near: dict[int, float] | None = None
    if lat is not None and lng is not None:
        try:
            near = selectors.stations_near(lat, lng, selectors.near_validate(lat, lng, None))
        except InvalidInput:
            lat = lng = None  # a position that cannot be is ignored, like no position
    gifts = selectors.gifts_available(worker=user, affordable=affordable, near=near)
    page = Paginator(gifts, PAGE_SIZE).get_page(request.GET.get("page"))
    balance = balance_of(user) if user is not None else None
    cards = [
        {
            "gift": gift,
            "distance_m": selectors.nearest_pickup_m(gift, near) if near is not None else None,
            "short": balance is not None and gift.points_cost > balance,
        }
        for gift in page.object_list
    ]
    position = {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}"} if near is not None and lat is not None else {}

    def url(**query: str) -> str:
        return f"{reverse('rewards:mall')}?{urlencode(query)}" if query else reverse("rewards:mall")

    context = {
        "page": page,
        "cards": cards,
        "balance": balance,
        "affordable": affordable,
        "located": near is not None,
        "lat": lat if near is not None else None,
        "lng": lng if near is not None else None,
        "radius_km": int(selectors.NEAR_RADIUS_KM),
        # Chips are links: each keeps the other filter.
        "affordable_url": url(**position) if affordable else url(affordable="1", **position),
        "not_near_url": url(**({"affordable": "1"} if affordable else {})),
        "clear_url": url(),
    }
    return render(request, "rewards/mall.html", context)


# --- A gift ---------------------------------------------------------------------------------
class RedeemForm(StyledForm):
    hive = forms.TypedChoiceField(label=gettext_lazy("领取驿站"), coerce=int, widget=forms.RadioSelect, required=True)

    def __init__(self, *args: Any, gift: Gift, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = getattr(gift, "active_stations", [])
        if gift.pickup == PickupRule.LISTED:
            field = self.fields["hive"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [(s.hive_id, s.hive.name) for s in stations]
            if len(stations) == 1:
                self.fields["hive"].initial = stations[0].hive_id
        else:
            del self.fields["hive"]


def _gift_or_404(gift_id: int) -> Gift:
    return selectors.gift_on_sale(gift_id)


def _render_gift(request: HttpRequest, gift: Gift, form: RedeemForm, status: int = 200) -> HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    balance = balance_of(user) if user is not None else None
    held = selectors.vouchers_held(user, gift) if user is not None and gift.per_worker_limit else 0
    stations = getattr(gift, "active_stations", [])
    context = {
        "gift": gift,
        "form": form,
        "stations": stations,
        "balance": balance,
        "short_by": max(0, gift.points_cost - balance) if balance is not None else None,
        "limit_reached": gift.per_worker_limit is not None and held >= gift.per_worker_limit,
        "held": held,
        "is_worker": user is not None and worker_profile_of(user) is not None,
        "station_stock_left": any(s.stock_available is None or s.stock_available > 0 for s in stations),
    }
    return render(request, "rewards/gift.html", context, status=status)


@require_safe
def gift(request: HttpRequest, gift_id: int) -> HttpResponse:
    found = _gift_or_404(gift_id)
    return _render_gift(request, found, RedeemForm(gift=found))


@login_required
@require_POST
def redeem(request: HttpRequest, gift_id: int) -> HttpResponse:
    found = _gift_or_404(gift_id)
    form = RedeemForm(request.POST, gift=found)
    if not form.is_valid():
        return _render_gift(request, found, form, status=400)
    try:
        voucher = services.gift_redeem(
            worker=request_user(request), gift_id=found.pk, hive_id=form.cleaned_data.get("hive")
        )
    except InvalidInput as exc:
        apply_domain_error(form, exc)
        return _render_gift(request, found, form, status=exc.status)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("rewards:gift", gift_id=found.pk)
    messages.success(
        request,
        _("兑换成功！已扣除 %(points)d 积分，请在 %(days)d 天内到驿站出示兑换券领取。")
        % {"points": voucher.points, "days": found.voucher_valid_days},
    )
    return redirect("rewards:voucher", code=voucher.code)


# --- My vouchers ----------------------------------------------------------------------------
@login_required
@require_safe
def vouchers(request: HttpRequest) -> HttpResponse:
    waiting = request.GET.get("tab") != "all"
    rows = selectors.vouchers_of(request_user(request))
    if waiting:
        rows = rows.filter(status=VoucherStatus.RESERVED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "tab": "waiting" if waiting else "all", "now": timezone.now()}
    return render(request, "rewards/vouchers.html", context)


def _voucher_or_404(request: HttpRequest, code: str) -> Voucher:
    return selectors.voucher_of(request_user(request), code)


def pickup_url(request: HttpRequest, voucher: Voucher) -> str:
    """What the voucher's QR carries: the keeper's pickup screen with the code filled in, so any
    phone camera (or a scanner gun into the code field) brings the keeper straight to it.

    The code is a secret (whoever holds it can have the gift handed out), so it rides in the
    fragment, which browsers never send: no access log, proxy or Referer sees it. The page's
    script (rewards-pickup.js) posts it."""
    return f"{request.build_absolute_uri(reverse('rewards:pickup'))}#{urlencode({'code': voucher.code})}"


@login_required
@require_safe
@never_cache
def voucher(request: HttpRequest, code: str) -> HttpResponse:
    found = _voucher_or_404(request, code)
    now = timezone.now()
    context = {
        "voucher": found,
        "gift": found.gift,
        "qr": qr_svg(pickup_url(request, found), scale=10, css_class="voucher-qr__svg"),
        "due": found.is_due(now),
        "can_cancel": found.can_cancel(now),
        "timeline": list(selectors.voucher_timeline(found)),
    }
    return render(request, "rewards/voucher.html", context)


@login_required
@require_POST
def voucher_cancel(request: HttpRequest, code: str) -> HttpResponse:
    found = _voucher_or_404(request, code)
    try:
        services.voucher_cancel(worker=request_user(request), voucher_id=found.pk)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("已取消兑换，%(points)d 积分已退回。") % {"points": found.points})
    return redirect("rewards:voucher", code=found.code)


# --- The keeper's pickup counter ------------------------------------------------------------
class PickupForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("兑换码"),
        max_length=500,
        help_text=gettext_lazy("扫描小哥兑换券上的二维码，或输入二维码下方的 10 位兑换码。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "search",
                "placeholder": "ABCDE-FGHJK",
                "class": "pickup__code",
            }
        ),
    )

    def clean_code(self) -> str:
        code = codes.voucher_code_normalise(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("兑换码应为 10 位字母和数字，例如 ABCDE-FGHJK。"))
        return code


class HandOverForm(StyledForm):
    code = forms.CharField(max_length=500, widget=forms.HiddenInput)
    hive = forms.TypedChoiceField(label=gettext_lazy("发放驿站"), coerce=int, required=True)

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["hive"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(h.pk, h.name) for h in stations]


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def pickup(request: HttpRequest) -> HttpResponse:
    """Type or scan a code, see whose voucher it is and for what, confirm the hand-over.

    Both steps are POSTs with the code in the body (`lookup=1` marks the first): a code in the
    query string would be written to access logs and sent on as Referer, so ?code= is ignored."""
    user = request_user(request)
    managed = selectors.pickup_counter_hives(user)
    raw = request.POST.get("code") if request.method == "POST" else None
    confirming = request.method == "POST" and not request.POST.get("lookup")
    form = PickupForm({"code": raw} if raw else None)
    found: selectors.KeeperVoucher | None = None
    hand_over: HandOverForm | None = None
    status = 200
    if request.method == "POST" and not raw:
        form = PickupForm({"code": ""})  # an empty lookup says what to type
        form.is_valid()
        status = 400
    elif raw and form.is_valid():
        try:
            found = selectors.voucher_for_keeper(form.cleaned_data["code"], user)
        except NotFound as exc:
            form.add_error("code", str(exc.detail))
            status = 404
        else:
            default = found.default_station
            hand_over = HandOverForm(
                request.POST if confirming else None,
                stations=found.stations,
                initial={"code": found.voucher.code, "hive": default.pk if default else None},
            )
    elif raw:
        status = 400  # not a code: the form says so
    if confirming and found is not None and hand_over is not None:
        if hand_over.is_valid():
            try:
                done = services.voucher_fulfil(
                    code=found.voucher.code, keeper=user, hive_id=hand_over.cleaned_data["hive"]
                )
            except DomainError as exc:
                apply_domain_error(hand_over, exc)
                status = exc.status
                found = selectors.voucher_for_keeper(found.voucher.code, user)  # its status now
            else:
                messages.success(
                    request,
                    _("已发放：%(gift)s，领取人 %(name)s。") % {"gift": done.gift.local_name, "name": done.worker.name},
                )
                return redirect("rewards:pickup")
        else:
            status = 400
    now = timezone.now()
    if found is not None:
        # The code is in; the next thing to do is confirm (the button takes the focus).
        form = PickupForm(initial={"code": found.voucher.code_display})
        form.fields["code"].widget.attrs.pop("autofocus", None)
    context = {
        "access": staff_access_of(user),
        "form": form,
        "found": found,
        "voucher": found.voucher if found else None,
        "hand_over": hand_over,
        "due": found.voucher.is_due(now) if found else False,
        "recent": selectors.vouchers_handed_over_at(managed, limit=RECENT_HANDOVERS),
    }
    return render(request, "rewards/pickup.html", context, status=status)
