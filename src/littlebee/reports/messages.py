"""How notifications about a report read: they name the category and place, and on acceptance
the points earned, instead of the case engine's generic wording (cases.hooks.KindHooks.message).
They are texts (core.texts): keys and parameters, the category in both languages, rendered in the
reader's language when read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from littlebee.cases.models import Case, CaseAction
from littlebee.core.texts import Text, joined, names, t

from .models import Report

# Case.report, the reverse of Report.case: tells whether a case has its report in memory.
_REPORT_OF_CASE: Any = Case.report

if TYPE_CHECKING:
    from littlebee.cases.models import CaseEvent


def _report_of(case: Case) -> Report | None:
    """The case's report with its category: the one in memory when the step that filed it left
    it there (a new report's notices, sent after the answer), else read."""
    if _REPORT_OF_CASE.is_cached(case):
        report: Report | None = case.report
        if report is not None and Report.category.is_cached(report):
            return report
    return Report.objects.filter(case=case).select_related("category").first()


def report_message(*, case: Case, event: CaseEvent, title: Text, body: Text, to_staff: bool) -> tuple[Text, Text]:
    report = _report_of(case)
    if report is None:
        return title, body
    what = names(report.category.name, report.category.name_en)
    place = report.address
    action = event.action
    if to_staff:
        if case.urgent and action in (CaseAction.OPEN, CaseAction.FORWARD, CaseAction.ESCALATE):
            title = t(_("【紧急】%(title)s：%(what)s"), title=title, what=what)
        else:
            title = t(_("%(title)s：%(what)s"), title=title, what=what)
        return title, joined(place, body)
    if action == CaseAction.ACCEPT:
        points = (event.data or {}).get("points_awarded") or 0
        accepted = t(_("「%(what)s」已受理。"), what=what)
        if points:
            accepted = joined(accepted, t(_("获得 %(points)d 积分。"), points=points), sep="")
        return t(_("您的随手拍已受理")), joined(accepted, body)
    if action == CaseAction.REJECT:
        return t(_("您的随手拍未被受理")), joined(
            t(_("「%(what)s」未被受理。"), what=what), t(_("原因：%(why)s"), why=body)
        )
    if action == CaseAction.START:
        return t(_("您的随手拍正在处置")), joined(t(_("「%(what)s」已开始处置。"), what=what), body)
    if action == CaseAction.RESOLVE:
        return (
            t(_("您的随手拍已办结，请评价")),
            joined(t(_("「%(what)s」已办结。"), what=what), body, t(_("如问题仍未解决，可在反映详情中反馈。"))),
        )
    if action == CaseAction.MERGE:
        return t(_("您的随手拍已与同一问题合并办理")), joined(what, body)
    if action == CaseAction.CLOSE:
        return t(_("您的随手拍已关闭")), joined(what, body)
    if action == CaseAction.ESCALATE:
        holder = event.to_org.name if event.to_org is not None else ""
        return t(_("您的随手拍已升级办理")), (
            t(_("「%(what)s」超过办理期限，已升级由%(holder)s督促办理。"), what=what, holder=holder) if holder else what
        )
    return title, body
