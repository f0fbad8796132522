"""Forms of the staff case page, one per action. They check shape and presence; the services
(cases.services) decide what is valid, and their refusals come back onto these fields
(accounts.forms.apply_domain_error)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import StyledForm

from .models import CaseAction
from .services import MAX_ATTACHMENTS, NOTE_MAX

MAX_ID = 2**31 - 1


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_ATTACHMENTS files; what they are is checked by the service (core.images)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("最多上传 %(max)d 张照片。") % {"max": MAX_ATTACHMENTS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def _note(label: Any, *, required: bool, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "data-note": ""}),
    )


class ActionForm(StyledForm):
    action: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)


class AcceptForm(ActionForm):
    action = CaseAction.ACCEPT
    points = forms.IntegerField(label=_("奖励积分"), required=False, min_value=0, max_value=100_000)
    note = _note(_("受理说明（小哥会看到）"), required=False)

    def __init__(self, *args: Any, points_range: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["points"]
        ranged = points_range is not None and points_range["min"] != points_range["max"]
        if ranged and points_range is not None:
            field.required = True
            field.widget.attrs.update({"min": points_range["min"], "max": points_range["max"], "inputmode": "numeric"})
            field.help_text = _("该类别奖励 %(min)d–%(max)d 积分，请根据线索价值选择。") % points_range
            field.validators = [_within(points_range["min"], points_range["max"])]
        else:
            del self.fields["points"]


def _within(low: int, high: int) -> Any:
    def check(value: int | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(_("请填写 %(min)d 到 %(max)d 之间的积分。") % {"min": low, "max": high})

    return check


class RejectForm(ActionForm):
    action = CaseAction.REJECT
    note = _note(_("不予受理的原因（小哥会看到）"), required=True)


class StartForm(ActionForm):
    action = CaseAction.START
    note = _note(_("说明"), required=False)


class ResolveForm(ActionForm):
    action = CaseAction.RESOLVE
    note = _note(_("办理结果（小哥会看到）"), required=True, help_text=_("写清做了什么、结果如何。"))
    photos = PhotosField(
        label=_("现场照片"),
        required=False,
        help_text=_("最多 9 张，JPG、PNG 或 WebP，每张不超过 10 MB。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})


def _picked(label: Any) -> forms.IntegerField:
    """An id picked from a list drawn on the page; whether it may be picked is the service's call
    (the list may come from a search the posted form no longer knows)."""
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_ID, widget=forms.Select)


def _offer(field: forms.Field, blank: Any, items: list[tuple[int, str]]) -> None:
    field.widget.choices = [("", blank), *items]


class ForwardForm(ActionForm):
    action = CaseAction.FORWARD
    to_org = _picked(_("转给"))
    note = _note(_("转办原因"), required=True)

    def __init__(self, *args: Any, candidates: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self.fields["to_org"], _("请选择单位"), [(o.pk, o.name) for o in candidates or []])


class ReturnForm(ActionForm):
    action = CaseAction.RETURN
    note = _note(_("退回原因"), required=True)


class MergeForm(ActionForm):
    action = CaseAction.MERGE
    duplicate_of = forms.IntegerField(
        label=_("合并到案件编号"),
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = _note(_("说明"), required=False)


class AssignForm(ActionForm):
    action = CaseAction.ASSIGN
    handler = _picked(_("经办人"))
    note = _note(_("说明"), required=False)

    def __init__(self, *args: Any, assignees: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self.fields["handler"], _("请选择经办人"), [(u.pk, u.name) for u in assignees or []])


class CloseForm(ActionForm):
    action = CaseAction.CLOSE
    note = _note(_("说明"), required=False)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        AcceptForm,
        RejectForm,
        StartForm,
        ResolveForm,
        ForwardForm,
        ReturnForm,
        MergeForm,
        AssignForm,
        CloseForm,
    )
}


# The reporter's word on the outcome of a case, whatever its kind (reports and appeals both ask it).
class FeedbackForm(StyledForm):
    RATINGS = [(n, str(n)) for n in range(5, 0, -1)]

    rating = forms.TypedChoiceField(
        label=_("满意度"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请给出 1 到 5 星的评价。")},
    )
    comment = forms.CharField(
        label=_("说两句（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("处理得怎么样？")}),
    )
    resolved = forms.TypedChoiceField(
        choices=[("1", _("问题已解决")), ("0", _("问题未解决"))],
        coerce=lambda v: v == "1",
        error_messages={"required": _("请选择问题是否已解决。")},
    )
