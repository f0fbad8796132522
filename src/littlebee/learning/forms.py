"""Staff forms of 认真学: an item, a question, an Excel file of questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.forms import StyledForm
from littlebee.accounts.models import WorkerType
from littlebee.core.digits import is_number
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from .models import ItemKind, LearningItem, Question, QuestionKind, QuizKind, Topic

LETTERS = "ABCDEF"


class ItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=ItemKind.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    topic = forms.ChoiceField(label=_("主题"), choices=Topic.choices)
    summary = forms.CharField(label=_("摘要"), max_length=200, required=False)
    title_en = forms.CharField(label=_("英文标题"), max_length=160, required=False)
    summary_en = forms.CharField(label=_("英文摘要"), max_length=300, required=False)
    body = forms.CharField(
        label=_("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("段落之间空一行。音视频可填写文字稿。"),
    )
    body_en = forms.CharField(
        label=_("英文正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("可不填；不填时英文界面显示中文正文。"),
    )
    worker_types = forms.MultipleChoiceField(
        label=_("面向从业类型"),
        choices=WorkerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为全部。"),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("面向区域"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("不选为全市。"),
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=_("面向企业"), queryset=Organisation.objects.none(), required=False, help_text=_("不选为全部企业。")
    )
    publish_from = forms.DateTimeField(
        label=_("发布时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    publish_until = forms.DateTimeField(
        label=_("下线时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    organisation = forms.ModelChoiceField(label=_("发布单位"), queryset=Organisation.objects.none(), required=False)
    quiz_kind = forms.ChoiceField(label=_("答题类型"), choices=[("", "—"), *QuizKind.choices], required=False)
    question_count = forms.IntegerField(label=_("题目数量"), min_value=1, max_value=50, initial=5)
    pass_mark = forms.IntegerField(label=_("及格线（%）"), min_value=0, max_value=100, initial=60)
    max_attempts = forms.IntegerField(
        label=_("可答次数"), min_value=0, max_value=100, initial=1, help_text=_("0 为不限。")
    )
    seconds_per_question = forms.IntegerField(label=_("每题限时（秒）"), min_value=5, max_value=600, initial=20)
    questions = forms.CharField(
        label=_("固定题目"),
        required=False,
        max_length=2000,
        help_text=_("专项考试的题目编号，按顺序用逗号分隔，如 12, 15, 18。"),
    )

    def __init__(self, *args: Any, organisations: list[Organisation] | None = None, city: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["regions"].queryset = Region.objects.filter(
            level__in=[RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET]
        ).order_by("path")
        fields["enterprises"].queryset = Organisation.objects.filter(kind=OrgKind.ENTERPRISE).order_by("name")
        fields["organisation"].queryset = (
            Organisation.objects.filter(
                kind=OrgKind.PARTY_ORG, region__level__in=[RegionLevel.CITY, RegionLevel.DISTRICT]
            )
            if city
            else Organisation.objects.filter(pk__in=[o.pk for o in organisations or []])
        )
        fields["organisation"].required = not city
        if not city and organisations:
            fields["organisation"].initial = organisations[0].pk

    def clean_questions(self) -> list[Question]:
        raw = self.cleaned_data.get("questions") or ""
        ids: list[int] = []
        for part in raw.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not is_number(part) or len(part) > 10:
                raise forms.ValidationError(_("请填写题目编号，用逗号分隔。"))
            ids.append(int(part))
        found = {q.pk: q for q in Question.objects.filter(pk__in=ids)}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise forms.ValidationError(_("没有这些题目：%(ids)s") % {"ids": ", ".join(missing)})
        return [found[i] for i in dict.fromkeys(ids)]

    @classmethod
    def initial_of(cls, item: LearningItem) -> dict[str, Any]:
        return {
            "kind": item.kind,
            "title": item.title,
            "topic": item.topic,
            "summary": item.summary,
            "title_en": item.title_en,
            "summary_en": item.summary_en,
            "body": item.body,
            "body_en": item.body_en,
            "worker_types": item.worker_type_codes(),
            "regions": list(item.regions.all()),
            "enterprises": list(item.enterprises.all()),
            "publish_from": item.publish_from,
            "publish_until": item.publish_until,
            "organisation": item.organisation_id,
            "quiz_kind": item.quiz_kind,
            "question_count": item.question_count,
            "pass_mark": item.pass_mark,
            "max_attempts": item.max_attempts,
            "seconds_per_question": item.seconds_per_question,
            "questions": ", ".join(str(pk) for pk in item.questions.order_by("pk").values_list("pk", flat=True)),
        }

    def apply_to(self, item: LearningItem) -> LearningItem:
        data = self.cleaned_data
        for name in (
            "kind",
            "title",
            "topic",
            "summary",
            "title_en",
            "summary_en",
            "body",
            "body_en",
            "publish_from",
            "publish_until",
            "organisation",
            "quiz_kind",
            "question_count",
            "pass_mark",
            "max_attempts",
            "seconds_per_question",
        ):
            setattr(item, name, data.get(name))
        item.summary = item.summary or ""
        item.title_en = item.title_en or ""
        item.summary_en = item.summary_en or ""
        item.body = item.body or ""
        item.body_en = item.body_en or ""
        item.quiz_kind = item.quiz_kind or ""
        item.worker_types = " ".join(data.get("worker_types") or [])
        return item


class QuestionForm(StyledForm):
    topic = forms.ChoiceField(label=_("主题"), choices=Topic.choices)
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    choice_a = forms.CharField(label=_("选项 A"), max_length=200, required=False)
    choice_b = forms.CharField(label=_("选项 B"), max_length=200, required=False)
    choice_c = forms.CharField(label=_("选项 C"), max_length=200, required=False)
    choice_d = forms.CharField(label=_("选项 D"), max_length=200, required=False)
    answer = forms.CharField(label=_("答案"), max_length=6, help_text=_("选项字母，如 A 或 ACD；判断题填“对”或“错”。"))
    explanation = forms.CharField(label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(
        label=_("英文题目"), max_length=700, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    choice_a_en = forms.CharField(label=_("英文选项 A"), max_length=300, required=False)
    choice_b_en = forms.CharField(label=_("英文选项 B"), max_length=300, required=False)
    choice_c_en = forms.CharField(label=_("英文选项 C"), max_length=300, required=False)
    choice_d_en = forms.CharField(label=_("英文选项 D"), max_length=300, required=False)
    explanation_en = forms.CharField(
        label=_("英文解析"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("英文可不填；不填时英文界面显示中文。"),
    )

    def row(self) -> tuple[Any, ...]:
        """The form as a row of the Excel import (services.IMPORT_HEADER's columns)."""
        d = self.cleaned_data
        return (
            d["topic"],
            d["kind"],
            d["text"],
            d["choice_a"],
            d["choice_b"],
            d["choice_c"],
            d["choice_d"],
            "",
            "",
            d["answer"],
            d["explanation"],
            d["text_en"],
            d["choice_a_en"],
            d["choice_b_en"],
            d["choice_c_en"],
            d["choice_d_en"],
            "",
            "",
            d["explanation_en"],
        )


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
