"""How notifications about an appeal read: they name its subject and, for staff, what it is
about and whom it concerns, instead of the engine's generic wording (cases.hooks.KindHooks.
message). Staff messages never carry the worker's name or phone, anonymous or not: staff open
the case page, which shows the worker only to those allowed (selectors.identity_visible_to).
They are texts (core.texts): keys and parameters, rendered in the reader's language when read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import CaseAction
from littlebee.core.texts import Text, joined, t

from .models import Appeal, AppealType

if TYPE_CHECKING:
    from littlebee.cases.models import Case, CaseEvent


def appeal_message(*, case: Case, event: CaseEvent, title: Text, body: Text, to_staff: bool) -> tuple[Text, Text]:
    appeal = Appeal.objects.filter(case=case).select_related("enterprise").first()
    if appeal is None:
        return title, body
    what = appeal.subject
    action = event.action
    if to_staff:
        about: Text = t(AppealType(appeal.type).label) if appeal.type in AppealType.values else appeal.type
        if appeal.enterprise is not None:
            about = t(_("%(type)s · %(enterprise)s"), type=about, enterprise=appeal.enterprise.name)
        title = t(_("%(title)s：%(what)s"), title=title, what=what)
        return title, joined(about, body)
    if action == CaseAction.ACCEPT:
        return t(_("您的诉求已受理")), joined(t(_("「%(what)s」已受理。"), what=what), body)
    if action == CaseAction.REJECT:
        return t(_("您的诉求未被受理")), joined(
            t(_("「%(what)s」未被受理。"), what=what), t(_("原因：%(why)s"), why=body)
        )
    if action == CaseAction.START:
        return t(_("您的诉求正在办理")), joined(t(_("「%(what)s」已开始办理。"), what=what), body)
    if action == CaseAction.RESOLVE:
        return (
            t(_("您的诉求已办结，请评价")),
            joined(t(_("「%(what)s」已办结。"), what=what), body, t(_("如问题仍未解决，可在诉求详情中反馈。"))),
        )
    if action == CaseAction.MERGE:
        return t(_("您的诉求已与同一问题合并办理")), joined(what, body)
    if action == CaseAction.CLOSE:
        return t(_("您的诉求已关闭")), joined(what, body)
    if action in (CaseAction.ESCALATE, CaseAction.TAKE_OVER):
        # Where it went, never who let it slip: the note may name the enterprise's office.
        holder = event.to_org.name if event.to_org is not None else ""
        return t(_("您的诉求已提级办理")), (
            t(_("「%(what)s」已转由%(holder)s办理。"), what=what, holder=holder) if holder else what
        )
    return title, body
