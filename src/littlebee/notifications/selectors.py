"""Reads of the in-app inbox: always one person's own messages."""

from __future__ import annotations

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
