"""Forms of the points pages: shape and presence only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import StyledForm
from littlebee.accounts.models import WorkerProfile
from littlebee.orgs.models import Region, RegionLevel

from .models import EarningRule, PointsSource

# Larger than any real rule; keeps a hostile number from overflowing the database's integers.
POINTS_LIMIT = 100_000


def _points_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=POINTS_LIMIT,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("请填写积分。"),
            "invalid": _("请输入整数。"),
            "min_value": _("不能小于 0。"),
            "max_value": _("数值过大。"),
        },
    )


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请填写有效的日期。")},
    )


class EarningRuleForm(StyledForm):
    """One earning rule. A new rule names its scope (source, category, district); an existing
    rule keeps it. City admins see the district cap, district admins do not."""

    source = forms.ChoiceField(label=_("来源"), choices=PointsSource.choices)
    category = forms.CharField(
        label=_("类别编码"),
        required=False,
        max_length=40,
        help_text=_("随手拍类别编码，例如 safety_hazard；留空则适用于该来源的所有类别。"),
    )
    district = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        required=False,
        label=_("适用范围"),
        empty_label=_("全市"),
        error_messages={"invalid_choice": _("您不能为这个区设置积分规则。")},
    )
    points_min = _points_field(_("最低积分"), help_text=_("与最高积分相同即为固定积分。"))
    points_max = _points_field(_("最高积分"))
    daily_cap = _points_field(_("每人每日上限"), required=False, help_text=_("留空为不限。"))
    weekly_cap = _points_field(_("每人每周上限"), required=False, help_text=_("留空为不限。"))
    active_from = _date_field(_("生效日期"))
    active_until = _date_field(_("截止日期"))
    district_max_points = _points_field(
        _("各区最高可设积分"),
        required=False,
        help_text=_("留空则各区不能调整这项积分。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        rule: EarningRule | None,
        districts: list[Region] | None,
        city_admin: bool,
        **kwargs: Any,
    ) -> None:
        """`districts`: those the person may choose (None: any district, for city admins)."""
        super().__init__(*args, **kwargs)
        self.rule = rule
        if rule is not None:
            for name in ("source", "category", "district"):
                del self.fields[name]
        else:
            choices = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
            if districts is not None:
                choices = choices.filter(pk__in=[d.pk for d in districts])
                district = self.fields["district"]
                assert isinstance(district, forms.ModelChoiceField)
                district.required = True
                district.empty_label = None
                district.label = _("区")
            self.fields["district"].queryset = choices  # type: ignore[attr-defined]
        if not city_admin:
            del self.fields["district_max_points"]

    def apply_to(self, rule: EarningRule) -> EarningRule:
        """The form's values on the rule (unsaved): earning_rule_save checks and saves it."""
        data = self.cleaned_data
        for name in ("source", "category", "district"):
            if name in self.fields:
                setattr(rule, name, data[name] if name != "category" else (data[name] or "").strip())
        for name in (
            "points_min",
            "points_max",
            "daily_cap",
            "weekly_cap",
            "active_from",
            "active_until",
            "district_max_points",
            "is_active",
        ):
            if name in self.fields:
                setattr(rule, name, data[name])
        return rule


class _WorkerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, WorkerProfile)
        return f"{obj.user.name}（{obj.user.phone[-4:]}）· {obj.community.name}"


class HonoraryTitleForm(StyledForm):
    worker = _WorkerChoice(
        queryset=WorkerProfile.objects.none(),
        label=_("小哥"),
        empty_label=_("请选择已在本社区报到的小哥"),
        error_messages={
            "required": _("请选择小哥。"),
            "invalid_choice": _("只能为在本社区报到的小哥授予称号。"),
        },
    )
    title = forms.CharField(
        label=_("称号"),
        max_length=40,
        initial=_("径心游侠"),
        error_messages={"required": _("请填写称号。")},
    )
    citation = forms.CharField(
        label=_("事迹"),
        required=False,
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("小哥会在积分页看到，例如：雨夜护送迷路老人回家。"),
    )
    # English (core.texts): read by workers using the site in English; blank shows the Chinese.
    title_en = forms.CharField(
        label=_("英文称号（选填）"),
        required=False,
        max_length=60,
        help_text=_("英文界面显示，例如：Wayfinder Knight。留空则显示中文称号。"),
    )
    citation_en = forms.CharField(
        label=_("英文事迹（选填）"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers  # type: ignore[attr-defined]
