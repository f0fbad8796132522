"""Forms of the worker's 随手拍 pages. They parse what the phone sent; every rule about what makes
a report acceptable lives in services.report_submit and is shown back through apply_domain_error."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import RegionPickerMixin

from .models import LocationSource, ReportCategory
from .services import MAX_PHOTOS


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """0–9 photos; their content is checked by the service (type, size, pixels)."""

    widget = MultiplePhotoInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class CoordinateField(forms.FloatField):
    """A number or nothing: a photo's EXIF position may stand in for the phone's."""

    def clean(self, value: Any) -> float | None:
        number = super().clean(value)
        if number is not None and not math.isfinite(number):
            raise forms.ValidationError(_("位置无效。"))
        return number


class ReportForm(RegionPickerMixin):
    """The report. Where: a point (the phone, the map, or a photo's EXIF), or else the street and
    community the worker chose (RegionPickerMixin's cascading selects; the point becomes the
    community's centre, approximate)."""

    photos = MultiplePhotoField(
        label=_("照片"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    category = forms.ChoiceField(
        label=_("问题类别"), widget=forms.RadioSelect, error_messages={"required": _("请选择类别。")}
    )
    lat = CoordinateField(label=_("纬度"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lng = CoordinateField(label=_("经度"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    address = forms.CharField(
        label=_("地址（选填）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：中山路与解放路路口东侧"), "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("问题描述（选填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("简单说说看到了什么")}),
    )
    urgent = forms.BooleanField(
        label=_("突发事件直报"),
        required=False,
        help_text=_("正在发生、可能危及人身安全的情况，2 小时内必须受理。"),
    )
    # Without a point: the community chosen (its centre stands for the place).
    community = forms.IntegerField(
        label=_("社区"), required=False, widget=forms.Select(attrs={"data-region-leaf": "1"})
    )
    # Where the point came from: the phone ("device") or the map ("map"); set by the script. A
    # photo's point and a chosen community are the server's to recognise, not the page's to claim.
    location_source = forms.ChoiceField(
        required=False,
        choices=[("", "")]
        + [
            (s.value, s.label)
            for s in LocationSource
            if s not in (LocationSource.PHOTO, LocationSource.COMMUNITY, LocationSource.ADDRESS)
        ],
        widget=forms.HiddenInput,
    )
    # Set by the page's script once per report, so a send repeated after a lost answer (the offline
    # queue retrying) does not file the same report twice.
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: Iterable[ReportCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.code, c.local_name) for c in categories]
