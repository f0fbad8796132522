"""Points expiry (off unless `POINTS_EXPIRY_MONTHS` is set): the nightly job that writes the expiry
entries due, and the warning texted a month before. Oldest points are spent first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from littlebee.accounts.models import User
from littlebee.core.texts import t
from littlebee.notifications.inbox import notify

from ..models import ExpiryNotice, LedgerEntry, LedgerReason, PointsAccount
from .ledger import _account_locked, _insert, note_fields


def _expiring_total(worker_id: int, until: datetime) -> int:
    """Points of earnings that expire by `until`, less what reversals took back from them."""
    earned = LedgerEntry.objects.filter(
        worker_id=worker_id, reason=LedgerReason.EARN, expires_at__isnull=False, expires_at__lte=until
    )
    gross = earned.aggregate(total=Sum("amount"))["total"] or 0
    taken_back = LedgerEntry.objects.filter(reverses__in=earned).aggregate(total=Sum("amount"))["total"] or 0
    return int(gross + taken_back)


def _debited_total(worker_id: int) -> int:
    """Points spent or expired so far (positive), less refunds of them."""
    debits = LedgerEntry.objects.filter(worker_id=worker_id, reason__in=(LedgerReason.REDEMPTION, LedgerReason.EXPIRY))
    spent = -(debits.aggregate(total=Sum("amount"))["total"] or 0)
    refunded = LedgerEntry.objects.filter(reverses__in=debits).aggregate(total=Sum("amount"))["total"] or 0
    return int(spent - refunded)


def points_due_to_expire(worker_id: int, until: datetime) -> int:
    """Oldest points are spent first, so what expires by `until` is what those earnings
    brought in beyond everything already spent or expired."""
    return max(0, _expiring_total(worker_id, until) - _debited_total(worker_id))


def points_expire_due(*, at: datetime | None = None) -> int:
    """The nightly job: write the expiry entries due at `at`. Returns how many workers lost points."""
    if not settings.POINTS_EXPIRY_MONTHS:
        return 0
    at = at or timezone.now()
    workers = (
        LedgerEntry.objects.filter(reason=LedgerReason.EARN, expires_at__lte=at)
        .values_list("worker_id", flat=True)
        .distinct()
    )
    expired = 0
    for worker_id in workers.iterator():
        with transaction.atomic():
            account = _account_locked(worker_id)
            due = min(points_due_to_expire(worker_id, at), account.balance)
            if due <= 0:
                continue
            # The entry first: a second run on the same day finds its key taken and must not
            # debit the balance again without an entry to explain it.
            _entry, created = _insert(
                worker_id=worker_id,
                amount=-due,
                reason=LedgerReason.EXPIRY,
                idempotency_key=f"expiry:{worker_id}:{timezone.localdate(at).isoformat()}",
                # A text of ours, read in the reader's language (core.texts).
                **note_fields(t(gettext_noop("积分到期"))),
                created_at=at,
            )
            if not created:
                continue
            PointsAccount.objects.filter(pk=account.pk, balance__gte=due).update(balance=F("balance") - due)
            expired += 1
    return expired


def points_warn_expiring(*, at: datetime | None = None, within_days: int = 30) -> int:
    """Text workers whose points expire within a month, once per expiry date."""
    if not settings.POINTS_EXPIRY_MONTHS:
        return 0
    at = at or timezone.now()
    until = at + timedelta(days=within_days)
    upcoming = (
        LedgerEntry.objects.filter(reason=LedgerReason.EARN, expires_at__gt=at, expires_at__lte=until)
        .values_list("worker_id", flat=True)
        .distinct()
    )
    warned = 0
    for worker_id in upcoming.iterator():
        amount = points_due_to_expire(worker_id, until) - points_due_to_expire(worker_id, at)
        if amount <= 0:
            continue
        first = (
            LedgerEntry.objects.filter(
                worker_id=worker_id, reason=LedgerReason.EARN, expires_at__gt=at, expires_at__lte=until
            )
            .order_by("expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        expires_on: date = timezone.localdate(first) if first else timezone.localdate(until)
        # Keys and parameters: the inbox renders them in the reader's language, the text
        # message is written in the worker's (inbox.notify).
        day = expires_on.isoformat()
        message = t(
            gettext_lazy("【小蜜蜂】您有 %(amount)d 积分将于 %(date)s 起陆续到期，请尽快到积分商城兑换。"),
            amount=amount,
            date=day,
        )
        title = t(gettext_lazy("%(amount)d 积分即将到期"), amount=amount)
        body = t(
            gettext_lazy("您有 %(amount)d 积分将于 %(date)s 起陆续到期，请尽快到积分商城兑换。"),
            amount=amount,
            date=day,
        )
        try:
            # The notice, the inbox entry and the text (after commit) stand or fall together.
            with transaction.atomic():
                ExpiryNotice.objects.create(worker_id=worker_id, expires_on=expires_on, amount=amount, sent_at=at)
                user = User.objects.filter(pk=worker_id, is_active=True).first()
                if user is not None:
                    notify(
                        user=user,
                        kind="points_expiring",
                        title=title,
                        body=body,
                        link=reverse("points:mine"),
                        data={"amount": amount, "expires_on": expires_on.isoformat()},
                        sms=True,
                        sms_text=message,
                    )
        except IntegrityError:
            continue  # told already
        warned += 1
    return warned
