"""How notifications about a report read: they name the category and place, and on acceptance
the points earned, instead of the case engine's generic wording (cases.hooks.KindHooks.message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from littlebee.cases.models import CaseAction

from .models import Report

if TYPE_CHECKING:
    from littlebee.cases.models import Case, CaseEvent


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def report_message(*, case: Case, event: CaseEvent, title: str, body: str, to_staff: bool) -> tuple[str, str]:
    report = Report.objects.filter(case=case).select_related("category").first()
    if report is None:
        return title, body
    what = report.category.name
    place = report.address
    action = event.action
    if to_staff:
        if case.urgent and action in (CaseAction.OPEN, CaseAction.FORWARD, CaseAction.ESCALATE):
            title = _("【紧急】%(title)s：%(what)s") % {"title": title, "what": what}
        else:
            title = _("%(title)s：%(what)s") % {"title": title, "what": what}
        return title, _join(place, body)
    if action == CaseAction.ACCEPT:
        points = (event.data or {}).get("points_awarded") or 0
        earned = _("获得 %(points)d 积分。") % {"points": points} if points else ""
        return (
            _("您的随手拍已受理"),
            _join(_("「%(what)s」已受理。") % {"what": what} + earned, body),
        )
    if action == CaseAction.REJECT:
        return _("您的随手拍未被受理"), _join(
            _("「%(what)s」未被受理。") % {"what": what}, _("原因：%(why)s") % {"why": body}
        )
    if action == CaseAction.START:
        return _("您的随手拍正在处置"), _join(_("「%(what)s」已开始处置。") % {"what": what}, body)
    if action == CaseAction.RESOLVE:
        return (
            _("您的随手拍已办结，请评价"),
            _join(_("「%(what)s」已办结。") % {"what": what}, body, _("如问题仍未解决，可在反映详情中反馈。")),
        )
    if action == CaseAction.MERGE:
        return _("您的随手拍已与同一问题合并办理"), _join(what, body)
    if action == CaseAction.CLOSE:
        return _("您的随手拍已关闭"), _join(what, body)
    if action == CaseAction.ESCALATE:
        holder = event.to_org.name if event.to_org is not None else ""
        return _("您的随手拍已升级办理"), _join(
            _("「%(what)s」超过办理期限，已升级由%(holder)s督促办理。") % {"what": what, "holder": holder}
            if holder
            else what
        )
    return title, body
