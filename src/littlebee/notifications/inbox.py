"""Telling people things: one interface, channels behind it.

`notify` always writes an in-app inbox row in the current transaction (so it rolls back with
the change it reports) and, when asked with `sms=True`, also texts the person once the
transaction commits. Texting is for urgent staff alerts and for the messages that were texted
before the inbox existed; everything else is inbox-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import router
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.core.raw_insert import insert_instance, insert_instances
from littlebee.core.texts import Text, render_in

from .models import Notification
from .sms import sms_send_on_commit

LINK_MAX = Notification._meta.get_field("link").max_length or 500
# Rows a statement of notify_many writes at most: one statement (made once per row count, core.raw_insert)
# for any office's staff, without a statement cached for every size up to a city's.
_ROWS_PER_INSERT = 100


def _checked_link(link: str) -> str:
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    return link


def language_of(user: User) -> str:
    """The language a text to `user` is written in: the one they chose, else the city's."""
    return user.language or settings.LANGUAGE_CODE


def _sms_text(user: User, title: Text, body: Text, sms_text: Text) -> str:
    """The text message, written now in the recipient's language."""
    language = language_of(user)
    if sms_text:
        return render_in(sms_text, language)
    title_text, body_text = render_in(title, language), render_in(body, language)
    return f"{title_text}：{body_text}" if body_text else title_text


def _row(user: User, kind: str, title: Text, body: Text, link: str, data: dict[str, Any] | None) -> Notification:
    # The message is kept as texts (keys and parameters), rendered when read: not the sentence
    # it makes in whatever language is active now.
    return Notification(
        recipient=user,
        kind=kind,
        message={"title": title, "body": body or ""},
        link=link,
        data=data or {},
        created_at=timezone.now(),
    )


def notify(
    *,
    user: User,
    kind: str,
    title: Text,
    body: Text = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    sms: bool = False,
    sms_text: Text = "",
) -> None:
    """Put a message in the person's inbox and, with `sms=True`, text it after commit.

    `title`, `body` and `sms_text` are texts (core.texts): `t(gettext_lazy("…"), …)` for words
    of ours, which the inbox shows in the reader's language; a plain string is shown as it is.
    `link` is a path on this site ("/hives/events/7/"). The text message is `sms_text` when
    given, else the title and body, written in the person's language (User.language). An
    inactive account is told nothing.
    """
    link = _checked_link(link)
    if not user.is_active:
        return
    # A plain INSERT made once per database (core.raw_insert): every case step tells someone, and
    # the ORM compiled this statement again for each of them.
    insert_instance(_row(user, kind, title, body, link, data), using=router.db_for_write(Notification))
    if sms and user.phone:
        sms_send_on_commit(phone=user.phone, message=_sms_text(user, title, body, sms_text))


def notify_many(
    users: Iterable[User],
    *,
    kind: str,
    title: Text,
    body: Text = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    sms: bool = False,
    sms_text: Text = "",
) -> int:
    """`notify` for many people at once: the same rows in one INSERT (per 100 people), texts after
    commit in the order given. Each person is told once, however often they appear; an inactive
    account is told nothing. Returns how many were told."""
    link = _checked_link(link)
    seen: set[int] = set()
    told: list[User] = []
    for user in users:
        if user.is_active and user.pk not in seen:
            seen.add(user.pk)
            told.append(user)
    # Plain multi-row INSERTs made once per size (core.raw_insert): bulk_create compiled its
    # statement again for every case step that tells an office.
    using = router.db_for_write(Notification)
    rows = [_row(user, kind, title, body, link, data) for user in told]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        insert_instances(rows[start : start + _ROWS_PER_INSERT], using=using)
    if sms:
        for user in told:
            if user.phone:
                sms_send_on_commit(phone=user.phone, message=_sms_text(user, title, body, sms_text))
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
