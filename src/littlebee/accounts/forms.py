"""Page forms. They check shape and presence; the services decide what is valid.

A service that refuses raises a DomainError; `apply_domain_error` puts its field errors back on
the matching form fields so the page can show them inline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, InvalidInput
from littlebee.orgs import selectors as org_selectors
from littlebee.orgs.models import Organisation, Outlet, Region, RegionLevel

from .models import WorkerType
from .phones import normalise_phone
from .services import RegistrationInput

Choices = list[tuple[Any, Any]]


def apply_domain_error(form: forms.Form, exc: DomainError, *, field_for_code: Mapping[str, str] | None = None) -> None:
    """Show a service's refusal on the form: field errors inline, anything else above the form."""
    if exc.errors:
        for error in exc.errors:
            name = error.field if error.field in form.fields else None
            form.add_error(name, str(error.detail))
        return
    name = (field_for_code or {}).get(exc.code)
    form.add_error(name if name in form.fields else None, str(exc.detail))


# Django fills in limit_value (the limit) and show_value (the length sent).
TOO_LONG = _("最多 %(limit_value)d 字，现在有 %(show_value)d 字，请删减一些。")


class StyledForm(forms.Form):
    """Gives every widget the design system's classes, and required fields `aria-required`. A
    text over its limit is told in our words, not Django's ("确保该值不超过…"); a long text box
    shows a counter (littlebee.js, for every textarea with a maxlength)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = TOO_LONG
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "chips__input"
            elif isinstance(widget, forms.CheckboxInput):
                css = "check__input"
            elif isinstance(widget, forms.Select):
                css = "control control--select"
            else:
                css = "control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def value_of(self, name: str) -> Any:
        """The submitted value when bound, else the initial one: drives the dependent pick-lists."""
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name, self.fields[name].initial)

    def int_value_of(self, name: str) -> int | None:
        raw = self.value_of(name)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and is_number(raw.strip()) and len(raw.strip()) < 12:
            return int(raw.strip())
        return None


class PhoneField(forms.CharField):
    """A mainland mobile number, checked (and normalised) the way the services check it, so a
    typo is reported together with the form's other errors."""

    def clean(self, value: Any) -> str:
        raw = super().clean(value)
        try:
            return normalise_phone(raw)
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.detail), code="invalid_phone") from exc


def _phone_field() -> PhoneField:
    return PhoneField(
        label=_("手机号"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": _("11 位手机号码")}),
    )


def _code_field() -> forms.CharField:
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        error_messages={"min_length": _("验证码是 6 位数字。"), "required": _("请填写短信验证码。")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "placeholder": _("6 位数字"),
            }
        ),
    )


def _new_password_fields(label: Any) -> tuple[forms.CharField, forms.CharField]:
    return (
        forms.CharField(
            label=label,
            strip=False,
            help_text=_("至少 8 位，须同时包含字母和数字。"),
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
        forms.CharField(
            label=_("确认密码"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


def _options(blank: str | Any, items: Iterable[tuple[Any, Any]]) -> Choices:
    return [("", blank), *items]


# --- Region and enterprise pick-lists -------------------------------------------------------
class RegionPickerMixin(StyledForm):
    """District → street → community. The selects are filled server-side from what was chosen,
    so the form works without JavaScript (a "refresh the lists" button re-renders it); with
    JavaScript, littlebee.js fills them from /api/v1/regions as the worker picks."""

    district = forms.IntegerField(
        label=_("区"), required=False, widget=forms.Select(attrs={"data-cascade": "id_street"})
    )
    street = forms.IntegerField(
        label=_("街道"), required=False, widget=forms.Select(attrs={"data-cascade": "id_community"})
    )
    community = forms.IntegerField(
        label=_("社区"),
        error_messages={"required": _("请选择报到社区。")},
        widget=forms.Select(attrs={"data-region-leaf": "1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district_id = self.int_value_of("district")
        street_id = self.int_value_of("street")
        self._set_choices("district", _("请选择区"), org_selectors.regions_at_level(RegionLevel.DISTRICT))
        streets = org_selectors.regions_under(district_id, RegionLevel.STREET) if district_id else []
        self._set_choices("street", _("请选择街道"), streets)
        communities = org_selectors.regions_under(street_id, RegionLevel.COMMUNITY) if street_id else []
        self._set_choices("community", _("请选择社区"), communities)

    def _set_choices(self, name: str, blank: Any, regions: Iterable[Region]) -> None:
        widget = self.fields[name].widget
        assert isinstance(widget, forms.Select)
        widget.choices = _options(blank, ((r.pk, r.name) for r in regions))


def enterprise_choices() -> Choices:
    """Active enterprises grouped by industry, for a select with <optgroup>s."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for enterprise in org_selectors.enterprises_list():
        label = str(enterprise.get_industry_display()) if enterprise.industry else str(_("其他"))
        groups.setdefault(label, []).append((enterprise.pk, enterprise.display_name))
    return _options(_("请选择所属企业"), groups.items())


def outlet_choices(outlets: Iterable[Outlet], blank: Any) -> Choices:
    return _options(blank, ((o.pk, str(o)) for o in outlets))


# --- Registration ---------------------------------------------------------------------------
class RegistrationForm(RegionPickerMixin):
    field_order = (
        "phone",
        "code",
        "password",
        "password_confirm",
        "name",
        "worker_type",
        "enterprise",
        "outlet",
        "district",
        "street",
        "community",
        "party_member",
    )

    phone = _phone_field()
    code = _code_field()
    password = forms.CharField(
        label=_("设置密码"),
        strip=False,
        help_text=_("至少 8 位，须同时包含字母和数字。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("与身份证一致")}),
    )
    worker_type = forms.ChoiceField(
        label=_("从业类型"),
        choices=WorkerType.choices,
        error_messages={"required": _("请选择从业类型。")},
        widget=forms.RadioSelect,
    )
    enterprise = forms.IntegerField(
        label=_("所属企业"),
        required=False,
        help_text=_("从业类型为“其他”时可不选。"),
        widget=forms.Select(attrs={"data-outlets": "id_outlet"}),
    )
    outlet = forms.IntegerField(
        label=_("网点"),
        required=False,
        help_text=_("选填。"),
        widget=forms.Select,
    )
    party_member = forms.BooleanField(label=_("我是中共党员"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enterprise_widget = self.fields["enterprise"].widget
        assert isinstance(enterprise_widget, forms.Select)
        enterprise_widget.choices = enterprise_choices()
        enterprise_id = self.int_value_of("enterprise")
        outlets = org_selectors.outlets_of_enterprise_id(enterprise_id) if enterprise_id else []
        outlet_widget = self.fields["outlet"].widget
        assert isinstance(outlet_widget, forms.Select)
        outlet_widget.choices = outlet_choices(outlets, _("暂不选择网点"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return cleaned

    def to_input(self) -> RegistrationInput:
        data = self.cleaned_data
        return RegistrationInput(
            phone=data["phone"],
            password=data["password"],
            name=data["name"],
            worker_type=data["worker_type"],
            enterprise_id=data.get("enterprise"),
            community_id=data.get("community"),
            outlet_id=data.get("outlet"),
            party_member=bool(data.get("party_member")),
            code=data["code"],
        )


# --- Login ----------------------------------------------------------------------------------
class PasswordLoginForm(StyledForm):
    phone = _phone_field()
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeLoginForm(StyledForm):
    phone = _phone_field()
    code = _code_field()


class _NewPasswordForm(StyledForm):
    new_password: forms.CharField
    new_password_confirm: forms.CharField

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("new_password"), cleaned.get("new_password_confirm")
        if password and confirm and password != confirm:
            self.add_error("new_password_confirm", _("两次输入的密码不一致。"))
        return cleaned


class PasswordResetForm(_NewPasswordForm):
    phone = _phone_field()
    code = _code_field()
    new_password, new_password_confirm = _new_password_fields(_("新密码"))


class PasswordChangeForm(_NewPasswordForm):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password, new_password_confirm = _new_password_fields(_("新密码"))


class SmsCodeRequestForm(StyledForm):
    phone = _phone_field()


# --- Profile --------------------------------------------------------------------------------
class ProfileEditForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    outlet = forms.IntegerField(label=_("网点"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, enterprise: Organisation | None, has_outlet: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if enterprise is None:
            del self.fields["outlet"]
            return
        outlets = [(o.pk, str(o)) for o in org_selectors.outlets_of(enterprise)]
        if not outlets:
            del self.fields["outlet"]
            return
        outlet_widget = self.fields["outlet"].widget
        assert isinstance(outlet_widget, forms.Select)
        # A chosen outlet can be changed but not cleared, so the blank choice is only offered
        # while none is chosen.
        outlet_widget.choices = outlets if has_outlet else _options(_("暂不选择网点"), outlets)


class CheckinResubmitForm(RegionPickerMixin):
    pass


class DecisionForm(StyledForm):
    note = forms.CharField(label=_("意见"), max_length=255, required=False, widget=forms.Textarea)
