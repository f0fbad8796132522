"""Station management pages in the staff console: the stations a keeper or an admin runs, and the
form that edits one (details, services, weekly hours), with its sections that change one thing at a
time through their own POST views (dated exceptions, the annual service list, photos).

Views parse the request, call the services (writes) or the selectors (reads) and render. Who may
manage a station is selectors.hive_managed; which fields they may change, services.hive_editable_fields.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import StyledForm, apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import staff_access_of
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, FieldError, InvalidInput, NotFound, PermissionDenied

from . import hours, photo_images, selectors, services
from .models import Hive, Service
from .selectors import finder as finder_selectors
from .selectors import manage as manage_selectors
from .views_stations import WEEKDAY_NAMES

MANAGE_PAGE_SIZE = 20
# The details the edit form offers, when hive_update accepts them from the person editing.
DETAIL_FIELDS = ("name", "address", "responsible_person", "contact_phone", "description", "services")
ADMIN_ONLY_FIELDS = ("demonstration",)


def _managed_hive(user: User, hive_id: int) -> Hive:
    return selectors.hive_managed(user, hive_id)


# --- The list of stations -------------------------------------------------------------------
class ManageSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索驿站"), required=False, max_length=manage_selectors.SEARCH_MAX_CHARS)


@login_required
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    """The stations the signed-in person manages, 20 a page. Someone who manages none sees an
    empty page that says so (not a refusal: a new keeper may not have been linked to a station yet)."""
    user = request_user(request)
    form = ManageSearchForm(request.GET or None)
    words = form.cleaned_data["q"].strip() if form.is_valid() else ""
    hives = manage_selectors.hives_managed_search(user, words)
    page: Page[Hive] = Paginator(hives, MANAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "access": staff_access_of(user),
        "form": form,
        "words": words,
        "page": page,
        "rows": manage_selectors.managed_rows(list(page.object_list)),
    }
    return render(request, "hives/manage.html", context)


# --- The edit form --------------------------------------------------------------------------
_TRANSLATE = str.maketrans({"：": ":", "，": ",", "、": ",", "；": ",", ";": ",", "–": "-", "—": "-", "－": "-"})
_SEPARATORS = re.compile(r"[,\s]+")
_AROUND_DASH = re.compile(r"\s*(?:-|~|～|至|到)\s*")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def day_text_parse(text: str) -> list[list[str]]:
    """A day's text as intervals: "08:00-12:00, 14:00-20:00" → [["08:00", "12:00"], ["14:00", "20:00"]];
    empty → [] (closed).

    Only the shape is checked here (full-width punctuation and "8:00" are forgiven); whether the
    times and intervals make sense is hours.schedule_parse's to say.
    """
    text = _AROUND_DASH.sub("-", text.translate(_TRANSLATE).strip())
    pairs = []
    for piece in _SEPARATORS.split(text):
        if not piece:
            continue
        match = _SPAN.match(piece)
        if match is None:
            raise forms.ValidationError(
                _("无法识别“%(piece)s”。请按 08:00-20:00 的格式填写，多个时段用逗号分隔，当天不开放请留空。"),
                code="format",
                params={"piece": piece},
            )
        opens_h, opens_m, closes_h, closes_m = match.groups()
        pairs.append([f"{int(opens_h):02d}:{opens_m}", f"{int(closes_h):02d}:{closes_m}"])
    return pairs


def day_text_format(pairs: list[list[str]]) -> str:
    return ", ".join(f"{opens}-{closes}" for opens, closes in pairs)


class DayHoursField(forms.CharField):
    """One weekday's opening intervals typed as text; cleans to [[opens, closes], …]."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {
            "placeholder": "08:00-20:00",
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "off",
            "aria-describedby": "hours-help",
        }
        super().__init__(required=False, max_length=120, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> list[list[str]]:
        return day_text_parse(super().clean(value))


class StationForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("驿站名称"), max_length=120)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255)
    responsible_person = forms.CharField(label=gettext_lazy("负责人"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("手机号或带区号的固定电话，如 027-88886666。小哥在驿站页面可以直接拨打。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=gettext_lazy("简介"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    services = forms.MultipleChoiceField(
        label=gettext_lazy("服务项目"), required=False, widget=forms.CheckboxSelectMultiple
    )
    always_open = forms.BooleanField(
        label=gettext_lazy("24 小时开放"),
        required=False,
        help_text=gettext_lazy("勾选后每天全天开放，下面的每周时间保留但不生效；日期例外仍然有效。"),
    )
    mon = DayHoursField(label=WEEKDAY_NAMES[0])
    tue = DayHoursField(label=WEEKDAY_NAMES[1])
    wed = DayHoursField(label=WEEKDAY_NAMES[2])
    thu = DayHoursField(label=WEEKDAY_NAMES[3])
    fri = DayHoursField(label=WEEKDAY_NAMES[4])
    sat = DayHoursField(label=WEEKDAY_NAMES[5])
    sun = DayHoursField(label=WEEKDAY_NAMES[6])
    demonstration = forms.BooleanField(
        label=gettext_lazy("示范驿站"),
        required=False,
        help_text=gettext_lazy("提供儿童托管、健康诊所等特色服务的驿站，在地图和驿站页面上标注。"),
    )

    def __init__(self, *args: Any, catalogue: list[Service], editable: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (*DETAIL_FIELDS, *ADMIN_ONLY_FIELDS):
            if name not in editable:
                del self.fields[name]
        if "services" in self.fields:
            field = self.fields["services"]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [(s.code, s.local_name) for s in catalogue]

    def clean_contact_phone(self) -> str:
        """Checked here too (by the service's own pattern), so that a typo is reported together
        with the hours; hive_update checks it again and stays the rule."""
        phone = str(self.cleaned_data["contact_phone"]).strip()
        if phone and not services.PHONE_RE.match(phone):
            raise forms.ValidationError(_("请输入有效的电话号码，如 13800000000 或 027-88886666。"), code="phone")
        return phone

    def details(self) -> dict[str, Any]:
        """What hive_update gets: the details this person may change."""
        return {name: self.cleaned_data[name] for name in (*DETAIL_FIELDS, *ADMIN_ONLY_FIELDS) if name in self.fields}

    def schedule(self) -> dict[str, Any]:
        """What hours.schedule_parse reads: {"always_open": …, "mon": [["08:00", "20:00"]], …}."""
        return {"always_open": self.cleaned_data["always_open"], **{day: self.cleaned_data[day] for day in hours.DAYS}}

    def add_schedule_error(self, error: FieldError, schedule: dict[str, Any]) -> None:
        """A schedule error beside its day: "mon.1" names the day's second interval, quoted."""
        day, _dot, index = error.field.partition(".")
        if day not in self.fields:
            self.add_error(None, str(error.detail))
            return
        pairs = schedule.get(day)
        if isinstance(pairs, list) and is_number(index) and int(index) < len(pairs):
            opens, closes = pairs[int(index)]
            message = _("“%(span)s”：%(detail)s") % {"span": f"{opens}-{closes}", "detail": error.detail}
        else:
            message = str(error.detail)
        self.add_error(day, message)


def _station_initial(hive: Hive) -> dict[str, Any]:
    schedule = hours.schedule_as_dict(hive.intervals.all(), hive.always_open)
    return {
        "name": hive.name,
        "address": hive.address,
        "responsible_person": hive.responsible_person,
        "contact_phone": hive.contact_phone,
        "description": hive.description,
        "services": [s.code for s in hive.services.all()],
        "demonstration": hive.demonstration,
        "always_open": hive.always_open,
        **{day: day_text_format(schedule[day]) for day in hours.DAYS},
    }


class ExceptionForm(StyledForm):
    KINDS = (("closed", gettext_lazy("全天闭站")), ("hours", gettext_lazy("特殊开放时间")))

    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=gettext_lazy("当天"), choices=KINDS, initial="closed", widget=forms.RadioSelect)
    opens = forms.TimeField(
        label=gettext_lazy("开门"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes = forms.TimeField(
        label=gettext_lazy("关门"),
        required=False,
        help_text=gettext_lazy("早于开门时间表示次日关门。"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：国庆放假、设备检修")}),
    )


class AnnualItemForm(StyledForm):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    title = forms.CharField(
        label=gettext_lazy("项目"),
        max_length=services.ANNUAL_TITLE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：夏季防暑降温、小哥集体生日会")}),
    )
    date = forms.DateField(
        label=gettext_lazy("日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    frequency = forms.CharField(
        label=gettext_lazy("频次"),
        max_length=services.ANNUAL_FREQUENCY_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：每月一次、6—9 月每天")}),
    )
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=services.ANNUAL_DESCRIPTION_MAX, required=False
    )

    def __init__(self, *args: Any, years: tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, _("%(year)s 年") % {"year": year}) for year in years]


class PhotoForm(StyledForm):
    photo = forms.FileField(
        label=gettext_lazy("照片"),
        help_text=gettext_lazy("JPG、PNG 或 WebP，不超过 10 MB。上传后会自动去除拍摄地点等信息。"),
        error_messages={"required": gettext_lazy("请选择一张照片。"), "empty": gettext_lazy("照片文件是空的。")},
        widget=forms.FileInput(attrs={"accept": photo_images.ACCEPT}),
    )
    caption = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=services.CAPTION_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：休息区、充电桩")}),
    )


def _annual_form(hive: Hive, data: Any = None) -> AnnualItemForm:
    today = manage_selectors.hive_local_today(hive)
    return AnnualItemForm(
        data,
        prefix="annual",
        years=services.annual_years(today),
        initial={"year": today.year},
    )


def _render_edit(
    request: HttpRequest,
    hive: Hive,
    *,
    form: StationForm | None = None,
    exception_form: ExceptionForm | None = None,
    annual_form: AnnualItemForm | None = None,
) -> HttpResponse:
    user = request_user(request)
    if form is None:
        form = StationForm(
            initial=_station_initial(hive),
            catalogue=finder_selectors.services_catalogue(),
            editable=services.hive_editable_fields(actor=user, hive=hive),
        )
    today = manage_selectors.hive_local_today(hive)
    context = {
        "access": staff_access_of(user),
        "hive": hive,
        "form": form,
        "administers": "demonstration" in form.fields,
        "days": [(form[day], day == hours.DAYS[today.weekday()]) for day in hours.DAYS],
        "exceptions": manage_selectors.exceptions_upcoming(hive),
        "exception_form": exception_form or ExceptionForm(prefix="exception", initial={"date": today}),
        "today": today,
        "annual_years": manage_selectors.annual_items_by_year(hive, today=today),
        "annual_form": annual_form or _annual_form(hive),
        "photos": manage_selectors.photos_of(hive),
        "max_photos": services.MAX_PHOTOS,
        "photo_form": PhotoForm(prefix="photo"),
    }
    return render(request, "hives/edit.html", context)


def _save(user: User, hive: Hive, form: StationForm) -> bool:
    """Details and weekly hours in one transaction: all saved, or nothing and the errors on the form."""
    errors: list[FieldError] = []
    schedule_errors: list[FieldError] = []
    schedule = form.schedule()
    with transaction.atomic():
        try:
            services.hive_update(hive_id=hive.pk, actor=user, **form.details())
        except InvalidInput as exc:
            errors.extend(exc.errors)
        except PermissionDenied as exc:
            errors.append(FieldError("", exc.detail))
        try:
            services.hive_set_schedule(hive_id=hive.pk, actor=user, schedule=schedule)
        except InvalidInput as exc:
            schedule_errors.extend(exc.errors)
        if errors or schedule_errors:
            transaction.set_rollback(True)
    for error in errors:
        form.add_error(error.field if error.field in form.fields else None, str(error.detail))
    for error in schedule_errors:
        form.add_schedule_error(error, schedule)
    return not (errors or schedule_errors)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, hive_id: int) -> HttpResponse:
    user = request_user(request)
    hive = _managed_hive(user, hive_id)
    if request.method != "POST":
        return _render_edit(request, hive)
    form = StationForm(
        request.POST,
        catalogue=finder_selectors.services_catalogue(),
        editable=services.hive_editable_fields(actor=user, hive=hive),
    )
    saved = form.is_valid() and _save(user, hive, form)
    if saved:
        messages.success(request, _("驿站信息已保存。"))
        return redirect("hives:edit", hive_id=hive.pk)
    return _render_edit(request, hive, form=form)


# --- Dated exceptions -----------------------------------------------------------------------
def _exceptions_url(hive: Hive) -> str:
    return f"{reverse('hives:edit', args=[hive.pk])}#exceptions"


@login_required
@require_POST
def exception_add(request: HttpRequest, hive_id: int) -> HttpResponse:
    user = request_user(request)
    hive = _managed_hive(user, hive_id)
    form = ExceptionForm(request.POST, prefix="exception")
    if form.is_valid():
        data = form.cleaned_data
        try:
            exception = services.hive_add_exception(
                hive_id=hive.pk,
                actor=user,
                on=data["date"],
                closed=data["kind"] == "closed",
                opens=data["opens"],
                closes=data["closes"],
                note=data["note"],
                today=manage_selectors.hive_local_today(hive),
            )
        except InvalidInput as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已设置 %(date)s 的日期例外。") % {"date": f"{exception.date:%Y-%m-%d}"})
            return redirect(_exceptions_url(hive))
    return _render_edit(request, hive, exception_form=form)


@login_required
@require_POST
def exception_remove(request: HttpRequest, hive_id: int, exception_id: int) -> HttpResponse:
    user = request_user(request)
    exception = services.hive_remove_exception(hive_id=hive_id, actor=user, exception_id=exception_id)
    messages.success(
        request, _("已删除 %(date)s 的日期例外，当天按每周时间开放。") % {"date": f"{exception.date:%Y-%m-%d}"}
    )
    return redirect(f"{reverse('hives:edit', args=[hive_id])}#exceptions")


# --- The annual service list ----------------------------------------------------------------
def _annual_url(hive_id: int) -> str:
    return f"{reverse('hives:edit', args=[hive_id])}#annual-items"


@login_required
@require_POST
def annual_item_add(request: HttpRequest, hive_id: int) -> HttpResponse:
    user = request_user(request)
    hive = _managed_hive(user, hive_id)
    form = _annual_form(hive, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.hive_add_annual_item(
                hive_id=hive.pk,
                actor=user,
                year=data["year"],
                title=data["title"],
                description=data["description"],
                on=data["date"],
                frequency=data["frequency"],
                today=manage_selectors.hive_local_today(hive),
            )
        except NotFound:
            raise  # the 404 page (core.error_pages), not the handler below
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("已将“%(title)s”加入 %(year)d 年服务项目清单。") % {"title": item.title, "year": item.year},
            )
            return redirect(_annual_url(hive.pk))
    return _render_edit(request, hive, annual_form=form)


@login_required
@require_POST
def annual_item_remove(request: HttpRequest, hive_id: int, item_id: int) -> HttpResponse:
    item = services.hive_remove_annual_item(hive_id=hive_id, item_id=item_id, actor=request_user(request))
    messages.success(
        request, _("已从 %(year)d 年服务项目清单删除“%(title)s”。") % {"title": item.title, "year": item.year}
    )
    return redirect(_annual_url(hive_id))


# --- Photos ---------------------------------------------------------------------------------
def _photos_url(hive_id: int) -> str:
    return f"{reverse('hives:edit', args=[hive_id])}#photos"


@login_required
@require_POST
def photo_add(request: HttpRequest, hive_id: int) -> HttpResponse:
    """Upload one photo. A refusal (not an image, too big, the ninth photo already there) comes
    back as a message above the page: a file input cannot be refilled anyway."""
    user = request_user(request)
    hive = _managed_hive(user, hive_id)
    form = PhotoForm(request.POST, request.FILES, prefix="photo")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_photos_url(hive.pk))
    try:
        services.hive_add_photo(
            hive_id=hive.pk, actor=user, upload=form.cleaned_data["photo"], caption=form.cleaned_data["caption"]
        )
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("照片已上传。"))
    return redirect(_photos_url(hive.pk))


@login_required
@require_POST
def photo_remove(request: HttpRequest, hive_id: int, photo_id: int) -> HttpResponse:
    services.hive_remove_photo(hive_id=hive_id, photo_id=photo_id, actor=request_user(request))
    messages.success(request, _("照片已删除。"))
    return redirect(_photos_url(hive_id))
