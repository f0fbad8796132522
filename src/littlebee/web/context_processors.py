from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from littlebee.accounts.selectors import is_city_admin, is_staff_member
from littlebee.notifications.selectors import InboxBadge


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Platform name, the signed-in person's staff standing and unread messages, for the page chrome."""
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "platform_name": settings.PLATFORM_NAME or settings.PLATFORM_NAME_DEFAULT,
        "is_staff_member": authenticated and is_staff_member(user),  # type: ignore[arg-type]
        "is_city_admin": authenticated and is_city_admin(user),  # type: ignore[arg-type]
        "inbox_badge": InboxBadge(user) if authenticated else None,
    }
