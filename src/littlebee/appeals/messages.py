"""How notifications about an appeal read: they name its subject and, for staff, what it is
about and whom it concerns, instead of the engine's generic wording (cases.hooks.KindHooks.
message). Staff messages never carry the worker's name or phone, anonymous or not: staff open
the case page, which shows the worker only to those allowed (selectors.identity_visible_to)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from littlebee.cases.models import CaseAction

from .models import Appeal

if TYPE_CHECKING:
    from littlebee.cases.models import Case, CaseEvent


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def appeal_message(*, case: Case, event: CaseEvent, title: str, body: str, to_staff: bool) -> tuple[str, str]:
    appeal = Appeal.objects.filter(case=case).select_related("enterprise").first()
    if appeal is None:
        return title, body
    what = appeal.subject
    action = event.action
    if to_staff:
        about = appeal.get_type_display()
        if appeal.enterprise is not None:
            about = _("%(type)s · %(enterprise)s") % {"type": about, "enterprise": appeal.enterprise.name}
        title = _("%(title)s：%(what)s") % {"title": title, "what": what}
        return title, _join(about, body)
    if action == CaseAction.ACCEPT:
        return _("您的诉求已受理"), _join(_("「%(what)s」已受理。") % {"what": what}, body)
    if action == CaseAction.REJECT:
        return _("您的诉求未被受理"), _join(
            _("「%(what)s」未被受理。") % {"what": what}, _("原因：%(why)s") % {"why": body}
        )
    if action == CaseAction.START:
        return _("您的诉求正在办理"), _join(_("「%(what)s」已开始办理。") % {"what": what}, body)
    if action == CaseAction.RESOLVE:
        return (
            _("您的诉求已办结，请评价"),
            _join(_("「%(what)s」已办结。") % {"what": what}, body, _("如问题仍未解决，可在诉求详情中反馈。")),
        )
    if action == CaseAction.MERGE:
        return _("您的诉求已与同一问题合并办理"), _join(what, body)
    if action == CaseAction.CLOSE:
        return _("您的诉求已关闭"), _join(what, body)
    if action in (CaseAction.ESCALATE, CaseAction.TAKE_OVER):
        # Where it went, never who let it slip: the note may name the enterprise's office.
        holder = event.to_org.name if event.to_org is not None else ""
        return _("您的诉求已提级办理"), _join(
            _("「%(what)s」已转由%(holder)s办理。") % {"what": what, "holder": holder} if holder else what
        )
    return title, body
