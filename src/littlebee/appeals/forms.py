"""Forms of the appeal pages: the worker's intake form and rating form, and the supervising
committee's three actions. They parse what was sent; what makes an appeal acceptable (an
enterprise that exists, images that are images…) is decided by appeals.services and shown back
through apply_domain_error."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import StyledForm
from littlebee.cases.forms import ActionForm, FeedbackForm
from littlebee.cases.models import CaseAction
from littlebee.orgs.models import Industry, Organisation

from .models import AppealType, Involves
from .services import DESCRIPTION_MAX, SUBJECT_MAX

MAX_ATTACHMENTS = 9
NOTE_MAX = 2000

__all__ = ["AppealForm", "DeadlineForm", "FeedbackForm", "SuperviseForm", "TakeOverForm"]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """0–9 images; what each one really is, is checked by the service."""

    widget = MultipleImageInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("最多上传 %(n)d 张图片。") % {"n": MAX_ATTACHMENTS})
        return [super(ImagesField, self).clean(f, initial) for f in files]


def enterprise_choices(enterprises: Iterable[Organisation]) -> list[tuple[Any, Any]]:
    """The picker's options, grouped by industry (the list comes ordered by industry)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for enterprise in enterprises:
        groups.setdefault(enterprise.industry, []).append((enterprise.pk, enterprise.display_name))
    labels = dict(Industry.choices)
    choices: list[tuple[Any, Any]] = [("", _("请选择企业"))]
    choices += [(labels.get(industry, industry), options) for industry, options in groups.items()]
    return choices


class AppealForm(StyledForm):
    type = forms.ChoiceField(
        label=_("诉求类型"),
        choices=AppealType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择诉求类型。")},
    )
    involves = forms.ChoiceField(
        label=_("涉及方面"),
        choices=Involves.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择诉求涉及的方面。")},
    )
    # A plain number: an unknown id is the service's to refuse ("该企业不存在。"), not the form's.
    enterprise = forms.IntegerField(
        label=_("涉及企业"), required=False, min_value=1, max_value=2**31 - 1, widget=forms.Select
    )
    subject = forms.CharField(
        label=_("主题"),
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("一句话说明诉求，如：超时罚款不合理"), "autocomplete": "off"}),
        error_messages={"required": _("请填写主题。")},
    )
    description = forms.CharField(
        label=_("具体情况"),
        # The service's limit, so that the page counts down to it and says it in our words.
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("发生了什么、什么时候、涉及多少钱，希望怎么解决")}),
        error_messages={"required": _("请说明具体情况。")},
    )
    attachments = ImagesField(
        label=_("图片（选填）"), required=False, widget=MultipleImageInput(attrs={"accept": "image/*"})
    )
    anonymous_to_enterprise = forms.BooleanField(
        label=_("对企业隐藏我的身份"),
        required=False,
        help_text=_("企业只能看到诉求内容，看不到你的姓名和电话；行业党委和政府部门仍能看到，以便联系你。"),
    )
    outcome_public = forms.BooleanField(
        label=_("允许匿名公开处理结果"),
        required=False,
        help_text=_("办结后，主题和处理结果（不含你的任何信息）可供其他小哥参考。"),
    )

    def __init__(self, *args: Any, enterprises: Iterable[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["enterprise"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = enterprise_choices(enterprises)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("involves") == Involves.ENTERPRISE and not data.get("enterprise"):
            if "enterprise" not in self.errors:
                self.add_error("enterprise", _("请选择涉及的企业。"))
        elif data.get("involves") and data.get("involves") != Involves.ENTERPRISE:
            # A leftover pick from before switching to another kind of appeal concerns no one.
            data["enterprise"] = None
        return data


# --- The supervising committee's actions -----------------------------------------------------
class SupervisionForm(ActionForm):
    """The case page's forms for the supervising organisation (cases.views renders and posts
    them like the holder's actions; cases.services.case_supervise & co. decide)."""


class SuperviseForm(SupervisionForm):
    action = CaseAction.SUPERVISE
    note = forms.CharField(
        label=_("督办意见"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写督办意见。")},
    )


class DeadlineForm(SupervisionForm):
    action = CaseAction.SET_DEADLINE
    due_at = forms.DateTimeField(
        label=_("办结期限"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("请选择期限。"), "invalid": _("请选择有效的日期和时间。")},
    )
    note = forms.CharField(
        label=_("说明（选填）"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class TakeOverForm(SupervisionForm):
    action = CaseAction.TAKE_OVER
    note = forms.CharField(
        label=_("提级办理的原因"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明提级办理的原因。")},
    )


SUPERVISION_FORMS: dict[str, type[ActionForm]] = {
    SuperviseForm.action: SuperviseForm,
    DeadlineForm.action: DeadlineForm,
    TakeOverForm.action: TakeOverForm,
}
