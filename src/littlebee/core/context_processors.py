from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest


class InboxBadge:
    """The bell's unread count: one COUNT, run only if a page shows the bell. A view that has
    just counted passes `unread` (as `inbox_badge` in its context) to save the query."""

    def __init__(self, user: Any, unread: int | None = None) -> None:
        self._user = user
        if unread is not None:
            self.__dict__["unread"] = unread

    @cached_property
    def unread(self) -> int:
        from littlebee.notifications.selectors import unread_count

        return unread_count(self._user)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Platform name, the signed-in person's staff standing and unread messages, for the page chrome."""
    from littlebee.accounts.selectors import is_city_admin, is_staff_member

    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "platform_name": settings.PLATFORM_NAME or settings.PLATFORM_NAME_DEFAULT,
        "is_staff_member": authenticated and is_staff_member(user),  # type: ignore[arg-type]
        "is_city_admin": authenticated and is_city_admin(user),  # type: ignore[arg-type]
        "inbox_badge": InboxBadge(user) if authenticated else None,
    }
