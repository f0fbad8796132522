"""Inbox messages about points earned for a step the worker waited for.

The check-in award (services.checkin_points_award) and this message are both
accounts.hooks.checkin_confirmed hooks, registered in that order (apps.py), so this one finds
the entry the award has just written in the same transaction, and says nothing when there is
none (no rule, a cap, or points already given for an earlier confirmation).
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User, WorkerProfile
from littlebee.core.texts import t
from littlebee.notifications.inbox import notify

from .models import LedgerEntry, LedgerReason, PointsSource


def checkin_points_notify(*, profile: WorkerProfile, actor: User, at: datetime) -> None:
    """Tell the worker how many points the community's confirmation of the check-in earned."""
    entry = (
        LedgerEntry.objects.filter(
            worker_id=profile.user_id, reason=LedgerReason.EARN, source=PointsSource.CHECKIN_CONFIRMED, created_at=at
        )
        .only("pk", "amount")
        .first()
    )
    if entry is None:
        return
    community = profile.community.name
    notify(
        user=profile.user,
        kind="points_checkin",
        title=t(_("获得 %(amount)d 积分：社区报到"), amount=entry.amount),
        body=t(
            _("%(community)s 确认了您的报到，%(amount)d 积分已记入您的账户。"), community=community, amount=entry.amount
        ),
        link=reverse("points:mine"),
        data={"amount": entry.amount, "entry_id": entry.pk, "community": community},
    )
