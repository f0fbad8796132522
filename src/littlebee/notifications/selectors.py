"""Reads of the in-app inbox: always one person's own messages."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from littlebee.accounts.models import User

from .models import Notification


def inbox_of(user: User) -> QuerySet[Notification]:
    """The person's messages, newest first (nobody else's, ever)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    """How many of the person's messages are unread: one COUNT on the inbox index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


class InboxBadge:
    """The bell's unread count: one COUNT, run only if a page shows the bell. A view that has
    just counted passes `unread` (as `inbox_badge` in its context) to save the query."""

    def __init__(self, user: Any, unread: int | None = None) -> None:
        self._user = user
        if unread is not None:
            self.__dict__["unread"] = unread

    @cached_property
    def unread(self) -> int:
        return unread_count(self._user)
