"""The in-app inbox: one row per message to one person, unread until they see it."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.core.texts import render


def message_part(message: Any, part: str, stored: str) -> str:
    """A part ("title", "body") of a message in the reader's language; `stored`, the text of a
    message written before keys, when the message has none. `message` may come from plain SQL
    (a JSON string on SQLite)."""
    if isinstance(message, str):
        try:
            message = json.loads(message) if message else {}
        except ValueError:
            message = {}
    if isinstance(message, dict) and part in message:
        return render(message[part])
    return stored


class Notification(models.Model):
    """A message in someone's inbox. `kind` is a short code ("event_promoted", "points_expiring"…);
    `message` holds its title and body as stored texts (core.texts: message keys and their
    parameters), rendered in the reader's language when read; `link` is a path on this site.

    `title` and `body` are the text of messages written before messages were stored as keys (in
    the city's language), shown as they are when `message` is empty."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    # {"title": text, "body": text} (core.texts), rendered when read.
    message = models.JSONField(_("消息"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox and its unread count: one person's messages, unread first, newest first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]
        constraints = [
            # A path on this site, never another site's address or a javascript: URL.
            models.CheckConstraint(
                condition=Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//")),
                name="notification_link_is_site_path",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.shown_title}"

    @property
    def shown_title(self) -> str:
        """The title in the reader's language."""
        return message_part(self.message, "title", self.title)

    @property
    def shown_body(self) -> str:
        return message_part(self.message, "body", self.body)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
