"""The staff pages of 认真学: the items of the caller's organisations with how many opened,
finished and passed each, writing an item, its review (submit, return, publish: never by its
author; archive), its audio or video, and the question bank with its Excel import.

Who may do what is learning.selectors.learning_editor_of (city admins, staff of a city's or
district's party organisation); items they may not edit answer 404.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.requests import request_user
from littlebee.accounts.selectors import StaffAccess
from littlebee.accounts.views import staff_required
from littlebee.core.errors import DomainError, PermissionDenied

from . import selectors, services
from .forms import ImportForm, ItemForm, QuestionForm
from .models import ItemStatus, LearningItem
from .selectors import LearningEditor

PAGE_SIZE = 30


def _editor(access: StaffAccess) -> LearningEditor:
    editor = selectors.learning_editor_of_access(access)
    if not editor.edits_any:
        raise PermissionDenied(_("学习内容由市、区党组织的工作人员编写和审核。"))
    return editor


@staff_required
@require_safe
def items(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    editor = _editor(access)
    status = request.GET.get("status", "")
    queryset = editor.items().select_related("author", "reviewer", "organisation").order_by("-updated_at", "-id")
    if status in ItemStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    figures = selectors.item_figures([i.pk for i in rows])
    context = {
        "access": access,
        "page": page,
        "rows": [{"item": i, "figures": figures[i.pk]} for i in rows],
        "statuses": ItemStatus.choices,
        "status": status,
    }
    return render(request, "learning/staff/items.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, access: StaffAccess, item_id: int | None = None) -> HttpResponse:
    editor = _editor(access)
    user = request_user(request)
    item = selectors.item_editable(editor, item_id) if item_id is not None else None
    kwargs: dict[str, Any] = {"organisations": list(editor.organisations), "city": editor.city}
    if request.method == "POST":
        form = ItemForm(request.POST, **kwargs)
        if form.is_valid():
            target = form.apply_to(item if item is not None else LearningItem())
            try:
                saved = services.item_save(
                    actor=user,
                    item=target,
                    regions=list(form.cleaned_data["regions"]),
                    enterprises=list(form.cleaned_data["enterprises"]),
                    questions=form.cleaned_data["questions"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("learning:staff_edit", item_id=saved.pk)
    else:
        form = ItemForm(initial=ItemForm.initial_of(item) if item is not None else None, **kwargs)
    return _edit_page(request, access, item, form, status=400 if form.errors else 200)


def _edit_page(
    request: HttpRequest, access: StaffAccess, item: LearningItem | None, form: ItemForm, *, status: int = 200
) -> HttpResponse:
    user = request_user(request)
    context: dict[str, Any] = {
        "access": access,
        "form": form,
        "item": item,
        "editable": item is None or item.status == ItemStatus.DRAFT,
        "is_author": item is not None and item.author_id == user.pk,
        "events": list(item.events.select_related("actor")) if item is not None else [],
        "figures": selectors.item_figures([item.pk])[item.pk] if item is not None else None,
        "flagged": selectors.flagged_sessions(item.pk) if item is not None else [],
    }
    return render(request, "learning/staff/edit.html", context, status=status)


@staff_required
@require_POST
def item_action(request: HttpRequest, access: StaffAccess, item_id: int) -> HttpResponse:
    _editor(access)
    action = request.POST.get("action", "")
    try:
        services.item_transition(
            actor=request_user(request), item_id=item_id, action=action, note=request.POST.get("note", "")[:255]
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.detail))
    else:
        done = {
            "submit": _("已提交审核。"),
            "return": _("已退回作者修改。"),
            "publish": _("审核通过，已发布。"),
            "archive": _("已归档，不再向小哥展示。"),
        }
        messages.success(request, done.get(action, _("已保存。")))
    return redirect("learning:staff_edit", item_id=item_id)


@staff_required
@require_POST
def item_media_upload(request: HttpRequest, access: StaffAccess, item_id: int) -> HttpResponse:
    _editor(access)
    upload = request.FILES.get("media")
    if upload is None:
        messages.error(request, _("请选择文件。"))
        return redirect("learning:staff_edit", item_id=item_id)
    try:
        services.item_media_attach(actor=request_user(request), item_id=item_id, upload=upload)
    except DomainError as exc:
        if exc.status == 404:
            raise
        # The refusal on the item's page, with its status (400 not media of the kind, 413 too large).
        messages.error(request, str(exc.detail))
        editor = _editor(access)
        item = selectors.item_editable(editor, item_id)
        kwargs: dict[str, Any] = {"organisations": list(editor.organisations), "city": editor.city}
        form = ItemForm(initial=ItemForm.initial_of(item), **kwargs)
        return _edit_page(request, access, item, form, status=exc.status)
    messages.success(request, _("文件已上传。"))
    return redirect("learning:staff_edit", item_id=item_id)


# --- The question bank ---------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    editor = _editor(access)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = services.row_draft(form.row())
        try:
            question = services.question_create(actor=request_user(request), draft=draft)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已加入题库，编号 %(id)d。") % {"id": question.pk})
            return redirect("learning:staff_questions")
    bank = selectors.questions_visible_to(editor).prefetch_related("choices").order_by("-id")
    page = Paginator(bank, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"access": access, "form": form, "page": page, "import_form": ImportForm()}
    return render(request, "learning/staff/questions.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def questions_import(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    editor = _editor(access)
    form = ImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        try:
            report = services.questions_import(actor=request_user(request), upload=form.cleaned_data["file"])
        except DomainError as exc:
            apply_domain_error(form, exc, field_for_code={"invalid_input": "file"})
        else:
            if not report.errors:
                messages.success(request, _("已导入 %(n)d 道题。") % {"n": report.created})
                return redirect("learning:staff_questions")
    bank = selectors.questions_visible_to(editor).prefetch_related("choices").order_by("-id")
    context = {
        "access": access,
        "form": QuestionForm(),
        "page": Paginator(bank, PAGE_SIZE).get_page(1),
        "import_form": form,
        "report": report,
    }
    return render(request, "learning/staff/questions.html", context, status=400)


@staff_required
@require_safe
def import_template(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """An Excel file with the import's columns and two example rows."""
    _editor(access)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(list(services.IMPORT_HEADER))
    sheet.append(
        [
            "交通安全",
            "单选",
            "电动自行车驾驶人应当佩戴什么？",
            "安全头盔",
            "耳机",
            "",
            "",
            "",
            "",
            "A",
            "头盔能减少头部伤害。",
        ]
    )
    sheet.append(
        [
            "劳动权益",
            "判断",
            "平台企业可以随意延长劳动者的工作时间。",
            "",
            "",
            "",
            "",
            "",
            "",
            "错",
            "应当合理确定工作时间。",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="questions-template.xlsx"'
    return response
