from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import StyledForm


class CloseAccountForm(StyledForm):
    password = forms.CharField(
        label=_("登录密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("请输入登录密码确认注销。"),
    )
    confirm = forms.BooleanField(label=_("我已了解：注销后无法恢复，积分和兑换券作废。"))
