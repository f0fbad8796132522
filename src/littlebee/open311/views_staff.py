"""The city admin's page of Open311 partners (/staff/partners/): add a partner tied to an
organisation, issue it keys with a daily quota (the secret shown once, on the answer to the
POST that made it, and never again), revoke a key, set a partner's webhook (its signing secret
shown once too) and read the webhook deliveries' log. Only city admins: a partner has no
sign-in here, so no partner reads another's log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import DomainError
from littlebee.orgs.models import Organisation

from . import selectors, services, webhooks
from .models import Partner

TEXT = {"class": "control"}
SELECT = {"class": "control control--select"}


class PartnerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("合作方名称"), max_length=100, widget=forms.TextInput(TEXT))
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("所属单位"),
        queryset=Organisation.objects.filter(is_active=True).order_by("kind", "name"),
        widget=forms.Select(SELECT),
    )


class WebhookForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=gettext_lazy("合作方"), queryset=Partner.objects.order_by("name"), widget=forms.Select(SELECT)
    )
    url = forms.CharField(
        label=gettext_lazy("回调地址（留空则停用）"),
        max_length=500,
        required=False,
        widget=forms.URLInput({**TEXT, "inputmode": "url"}),
    )


class KeyForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=gettext_lazy("合作方"), queryset=Partner.objects.order_by("name"), widget=forms.Select(SELECT)
    )
    daily_quota = forms.IntegerField(
        label=gettext_lazy("每日限额"),
        min_value=1,
        max_value=services.MAX_DAILY_QUOTA,
        initial=1000,
        widget=forms.NumberInput(TEXT),
    )
    rate_limit = forms.IntegerField(
        label=gettext_lazy("短时限额"),
        help_text=gettext_lazy("每 %(minutes)d 分钟最多提交的条数；留空为 %(count)d 条。"),
        required=False,
        min_value=1,
        max_value=services.MAX_RATE_LIMIT,
        widget=forms.NumberInput(TEXT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rate_limit"]
        field.help_text = str(field.help_text) % {
            "minutes": settings.OPEN311_KEY_RATE_LIMIT_MINUTES,
            "count": settings.OPEN311_KEY_RATE_LIMIT_COUNT,
        }


def _city_admin_or_403(request: HttpRequest) -> None:
    if not is_city_admin(request_user(request)):
        raise PermissionDenied(_("仅市级管理员可以管理接口合作方。"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    _city_admin_or_403(request)
    user = request_user(request)
    partner_form = PartnerForm(prefix="p")
    key_form = KeyForm(prefix="k")
    webhook_form = WebhookForm(prefix="h")
    issued: str | None = None
    webhook_secret: str | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "partner":
            partner_form = PartnerForm(request.POST, prefix="p")
            if partner_form.is_valid():
                try:
                    partner = services.partner_create(
                        name=partner_form.cleaned_data["name"],
                        organisation=partner_form.cleaned_data["organisation"],
                        actor=user,
                    )
                except DomainError as exc:
                    partner_form.add_error("name", str(exc.errors[0].detail if exc.errors else exc.detail))
                else:
                    messages.success(request, _("已添加合作方“%(name)s”。") % {"name": partner.name})
                    return redirect("open311_staff:partners")
            status = 400
        elif action == "key":
            key_form = KeyForm(request.POST, prefix="k")
            if key_form.is_valid():
                _key, issued = services.api_key_issue(
                    partner=key_form.cleaned_data["partner"],
                    actor=user,
                    daily_quota=key_form.cleaned_data["daily_quota"],
                    rate_limit=key_form.cleaned_data["rate_limit"],
                )
                key_form = KeyForm(prefix="k")
            else:
                status = 400
        elif action == "webhook":
            webhook_form = WebhookForm(request.POST, prefix="h")
            if webhook_form.is_valid():
                try:
                    _partner, webhook_secret = webhooks.webhook_set(
                        partner_id=webhook_form.cleaned_data["partner"].pk,
                        url=webhook_form.cleaned_data["url"],
                        actor=user,
                    )
                except DomainError as exc:
                    webhook_form.add_error("url", str(exc.errors[0].detail if exc.errors else exc.detail))
                    status = 400
                else:
                    webhook_form = WebhookForm(prefix="h")
            else:
                status = 400
        else:
            status = 400
    context = {
        "partners": selectors.partners_with_keys(),
        "partner_form": partner_form,
        "key_form": key_form,
        "webhook_form": webhook_form,
        "issued": issued,
        "webhook_secret": webhook_secret,
        "deliveries": webhooks.deliveries_log(),
        "rate_minutes": settings.OPEN311_KEY_RATE_LIMIT_MINUTES,
    }
    response = render(request, "open311/partners.html", context, status=status)
    if issued or webhook_secret:
        # The secret is on this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    _city_admin_or_403(request)
    key = services.api_key_revoke(key_id=key_id, actor=request_user(request))
    messages.success(request, _("已吊销密钥 %(prefix)s…。") % {"prefix": key.prefix})
    return redirect("open311_staff:partners")
