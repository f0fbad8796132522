"""A closed account's record: when it was closed, nothing about who it was."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountClosure(models.Model):
    """The worker closed their account: their personal data was erased or anonymised then
    (services.account_close). The user row stays, anonymised, because ledgers and case records
    point at it; this row says when and keeps the count of closures honest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="closure")
    closed_at = models.DateTimeField(_("注销时间"))

    class Meta:
        verbose_name = _("账号注销记录")
        verbose_name_plural = _("账号注销记录")

    def __str__(self) -> str:
        return f"account {self.user_id} closed {self.closed_at:%Y-%m-%d}"
