"""What the worker's pages of every case kind (随手拍, 我的诉求) share: the status and timeline
looks, the outcome and rating part of a case page, and the rating form's handling.

The kinds differ in their own facts and wording; the steps after "resolved" are the engine's
(confirm or dispute), so they look and behave the same whichever kind the case is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from littlebee.accounts.forms import apply_domain_error
from littlebee.accounts.models import User
from littlebee.accounts.requests import request_user
from littlebee.core.errors import DomainError, NotFound

from .models import Case, CaseAction, CaseEvent, CaseStatus

# The status pill's tone: waiting (warning), being worked on (info), done (success), refused (danger).
STATUS_TONES: dict[str, str] = {
    CaseStatus.SUBMITTED: "warning",
    CaseStatus.ACCEPTED: "info",
    CaseStatus.IN_PROGRESS: "info",
    CaseStatus.RESOLVED: "success",
    CaseStatus.CLOSED: "success",
    CaseStatus.DISPUTED: "danger",
    CaseStatus.REJECTED: "danger",
    CaseStatus.MERGED: "neutral",
}

# The engine's own steps; a kind adds the dots of the actions only it has.
EVENT_TONES: dict[str, str] = {
    CaseAction.OPEN: "honey",
    CaseAction.ACCEPT: "success",
    CaseAction.RESOLVE: "success",
    CaseAction.CONFIRM: "success",
    CaseAction.REJECT: "danger",
    CaseAction.DISPUTE: "danger",
    CaseAction.ESCALATE: "danger",
}
EVENT_ICONS: dict[str, str] = {
    CaseAction.OPEN: "send",
    CaseAction.ACCEPT: "check",
    CaseAction.RESOLVE: "check",
    CaseAction.CONFIRM: "check",
    CaseAction.REJECT: "x",
    CaseAction.DISPUTE: "alert",
    CaseAction.ESCALATE: "clock",
    CaseAction.FORWARD: "arrow-right",
    CaseAction.RETURN: "chevron-left",
}


class CaseItem(Protocol):
    """A kind's record (a report, an appeal): it shares its key with its case."""

    pk: Any

    @property
    def case(self) -> Case: ...


Item = TypeVar("Item", bound=CaseItem)
RatingForm = TypeVar("RatingForm", bound=forms.Form)


def when(value: datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def outcome_context(
    case: Case, events: list[CaseEvent], user: User, form_class: type[forms.Form], feedback_form: forms.Form | None
) -> dict[str, Any]:
    """The case page's outcome (the refusal or the answer) and, for its reporter once it is
    answered, the rating form."""
    can_rate = case.reporter_id == user.pk and case.can(CaseAction.CONFIRM)
    return {
        "rejection": next((e for e in reversed(events) if e.action == CaseAction.REJECT), None),
        "resolution": next((e for e in reversed(events) if e.action == CaseAction.RESOLVE), None),
        "can_rate": can_rate,
        "feedback_form": feedback_form or (form_class() if can_rate else None),
    }


def handle_feedback(
    request: HttpRequest,
    item: Item,
    *,
    form_class: type[RatingForm],
    submit: Callable[[User, dict[str, Any]], object],
    render_detail: Callable[[HttpRequest, Item, RatingForm, int], HttpResponse],
    detail_view: str,
    closed_message: str,
) -> HttpResponse:
    """The rating form's POST: `submit` files the rating; a refusal about a field shows the page
    again with it, any other goes back to the page as a message."""
    user = request_user(request)
    if item.case.reporter_id != user.pk:
        # Followers see the page read-only; only the reporter rates.
        raise PermissionDenied()
    form = form_class(request.POST)
    if not form.is_valid():
        return render_detail(request, item, form, 400)
    data = form.cleaned_data
    try:
        submit(user, data)
    except NotFound:
        raise  # the 404 page (core.error_pages), not the handler below
    except DomainError as exc:
        if exc.errors:
            apply_domain_error(form, exc)
            return render_detail(request, item, form, 400)
        messages.error(request, str(exc.detail))
        return redirect(detail_view, item.pk)
    if data["resolved"]:
        messages.success(request, closed_message)
    else:
        messages.success(request, _("已反馈问题未解决，将重新办理。"))
    return redirect(detail_view, item.pk)
