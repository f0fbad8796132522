"""What a worker hears when a decision they wait for is taken: the community's check-in and the
employer's confirmation, confirmed or turned down.

accounts takes the decisions but sits below notifications, so it calls
`accounts.hooks.profile_decided`, which this app fills when it starts (apps.py). The message goes
to the inbox in the decision's transaction; a turned-down decision is also texted after commit,
since the worker has to act on it (pick another community, correct the employer). There is no
per-person SMS preference yet: a confirmation needs nothing from the worker and stays in the
inbox only.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import ProfileEvent, ProfileEventAction, WorkerProfile
from littlebee.core.texts import Text, joined, t

from .inbox import notify

KIND_OF: dict[str, str] = {
    ProfileEventAction.CHECKIN_CONFIRMED: "checkin_confirmed",
    ProfileEventAction.CHECKIN_REJECTED: "checkin_rejected",
    ProfileEventAction.EMPLOYMENT_CONFIRMED: "employment_confirmed",
    ProfileEventAction.EMPLOYMENT_REJECTED: "employment_rejected",
}
REJECTIONS: set[str] = {ProfileEventAction.CHECKIN_REJECTED, ProfileEventAction.EMPLOYMENT_REJECTED}


def _words(action: str, facts: dict[str, Any]) -> tuple[Text, Text]:
    """Title and body, as texts rendered in the reader's language (core.texts)."""
    if action == ProfileEventAction.CHECKIN_CONFIRMED:
        title = t(_("社区报到已确认"))
        body = t(_("%(community)s 已确认您的报到。"), community=facts["community"])
    elif action == ProfileEventAction.CHECKIN_REJECTED:
        title = t(_("社区报到被退回"))
        body = t(_("%(community)s 退回了您的报到，请重新选择社区提交。"), community=facts["community"])
    elif action == ProfileEventAction.EMPLOYMENT_CONFIRMED:
        title = t(_("在职身份已确认"))
        body = t(_("%(enterprise)s 已确认您的在职身份。"), enterprise=facts["enterprise"])
    else:
        title = t(_("在职身份未获确认"))
        body = t(_("%(enterprise)s 未确认您的在职身份，请核对后更新资料。"), enterprise=facts["enterprise"])
    if facts["note"]:
        body = joined(body, t(_("意见：%(note)s"), note=facts["note"]), sep="")
    return title, body


def profile_decision_notify(*, profile: WorkerProfile, event: ProfileEvent) -> None:
    """Tell the worker about `event`, a decision on their profile (accounts.hooks.profile_decided)."""
    kind = KIND_OF.get(event.action)
    if kind is None:
        return
    enterprise = profile.enterprise.name if profile.enterprise is not None else ""
    facts = {"community": profile.community.name, "enterprise": enterprise, "note": event.note}
    # Stored as keys and parameters: the inbox shows it in the worker's language when read, and
    # the text message is written in the worker's language (inbox.notify).
    title, body = _words(event.action, facts)
    notify(
        user=profile.user,
        kind=kind,
        title=title,
        body=body,
        link=reverse("accounts:profile"),
        data={
            "profile_id": profile.pk,
            "organisation_id": event.organisation_id,
            "community": facts["community"],
            "enterprise": enterprise,
            "note": event.note,
        },
        sms=event.action in REJECTIONS,
        sms_text=t(_("【小蜜蜂】%(title)s：%(body)s"), title=title, body=body),
    )
