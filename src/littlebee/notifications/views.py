"""The inbox page: the signed-in person's messages, newest first. Opening a page of it marks
the messages shown read; "全部已读" marks the rest."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from littlebee.accounts.requests import request_user

from .inbox import inbox_mark_read
from .selectors import InboxBadge, inbox_of, unread_count

PAGE_SIZE = 20


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(inbox_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Shown as they were (unread highlighted), then marked read: the bell counts what is left.
    items = list(page.object_list)
    shown_unread = [n.pk for n in items if n.read_at is None]
    if shown_unread:
        inbox_mark_read(user=user, ids=shown_unread)
    # What is left unread (on other pages): for "全部已读" and the bell, counted once.
    unread = unread_count(user)
    context = {"page": page, "items": items, "more_unread": unread > 0, "inbox_badge": InboxBadge(user, unread)}
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_read(user=request_user(request))
    return redirect("notifications:inbox")
