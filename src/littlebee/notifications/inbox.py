"""Telling people things: one interface, channels behind it.

`notify` always writes an in-app inbox row in the current transaction (so it rolls back with
the change it reports) and, when asked with `sms=True`, also texts the person once the
transaction commits. Texting is for urgent staff alerts and for the messages that were texted
before the inbox existed; everything else is inbox-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from littlebee.accounts.models import User

from .models import Notification
from .sms import sms_send_on_commit

TITLE_MAX = Notification._meta.get_field("title").max_length or 200
LINK_MAX = Notification._meta.get_field("link").max_length or 500


def _checked_link(link: str) -> str:
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    return link


def _sms_text(title: str, body: str, sms_text: str) -> str:
    if sms_text:
        return sms_text
    return f"{title}：{body}" if body else title


def _row(user: User, kind: str, title: str, body: str, link: str, data: dict[str, Any] | None) -> Notification:
    return Notification(
        recipient=user,
        kind=kind,
        title=title[:TITLE_MAX],
        body=body,
        link=link,
        data=data or {},
        created_at=timezone.now(),
    )


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    sms: bool = False,
    sms_text: str = "",
) -> None:
    """Put a message in the person's inbox and, with `sms=True`, text it after commit.

    `link` is a path on this site ("/hives/events/7/"). The text message is `sms_text` when
    given, else the title and body. An inactive account is told nothing.
    """
    link = _checked_link(link)
    if not user.is_active:
        return
    _row(user, kind, title, body, link, data).save(force_insert=True)
    if sms and user.phone:
        sms_send_on_commit(phone=user.phone, message=_sms_text(title, body, sms_text))


def notify_many(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    sms: bool = False,
    sms_text: str = "",
) -> int:
    """`notify` for many people at once: one bulk insert, texts in the order given. Each person
    is told once, however often they appear. Returns how many were told."""
    link = _checked_link(link)
    seen: set[int] = set()
    told: list[User] = []
    for user in users:
        if user.is_active and user.pk not in seen:
            seen.add(user.pk)
            told.append(user)
    Notification.objects.bulk_create([_row(user, kind, title, body, link, data) for user in told], batch_size=500)
    if sms:
        message = _sms_text(title, body, sms_text)
        for user in told:
            if user.phone:
                sms_send_on_commit(phone=user.phone, message=message)
    return len(told)


def inbox_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's own messages read: those of `ids` (others' ids are ignored), or all of
    them when `ids` is None. Returns how many changed."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return 0
        unread = unread.filter(pk__in=wanted)
    return unread.update(read_at=timezone.now())
