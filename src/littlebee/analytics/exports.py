"""What each export holds: its header and rows, within the requester's scope. The figures exports
(overview, offices, scorecards) call the same measures as the pages and the API; the row exports
(cases, appeals, volunteer records, station visits) list the rows those figures count.

An appeal filed anonymously towards its enterprise (anonymous_to_enterprise) names its worker only
in a city admin's export: never in an enterprise's or committee's file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from littlebee.appeals.models import Appeal
from littlebee.cases.models import Case
from littlebee.hives.models import Hive, Service
from littlebee.orgs.models import Organisation, Region
from littlebee.volunteering.models import ServiceRecord

from . import measures
from .measures import Period, Scope
from .models import ExportKind, StationDay
from .rollups import city_zone, day_start


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list[Any]]
    total: int


def _when(value: datetime | None) -> str:
    return timezone.localtime(value, city_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def _region_paths(scope: Scope) -> list[str]:
    ids = (*scope.district_ids, *scope.street_ids, *scope.community_ids)
    return list(Region.objects.filter(pk__in=ids).values_list("path", flat=True)) if ids else []


def _place_q(scope: Scope, field: str) -> Q:
    q = Q(pk__in=[])
    for path in _region_paths(scope):
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def _in_period(period: Period, field: str) -> Q:
    q = Q(**{f"{field}__lt": day_start(period.end) + timedelta(days=1)})
    if period.start is not None:
        q &= Q(**{f"{field}__gte": day_start(period.start)})
    return q


def cases_in_scope(scope: Scope, period: Period) -> QuerySet[Case]:
    """Cases submitted in the period that sit with an office in scope or lie in its places; a
    confidential case only for the office holding it."""
    cases = Case.objects.filter(_in_period(period, "created_at"))
    if scope.everything:
        return cases.filter(confidential=False)
    offices = Organisation.objects.filter(measures.organisation_scope(scope)).values("pk")
    within = Q(organisation_id__in=offices) | _place_q(scope, "region")
    return cases.filter(within).filter(Q(confidential=False) | Q(organisation_id__in=scope.office_ids))


def _cases(scope: Scope, period: Period) -> Table:
    cases = cases_in_scope(scope, period).select_related("organisation", "region").order_by("created_at", "pk")
    header = [
        _("编号"),
        _("类型"),
        _("类别"),
        _("状态"),
        _("所在区域"),
        _("承办单位"),
        _("提交时间"),
        _("受理期限"),
        _("受理时间"),
        _("办结期限"),
        _("办结时间"),
        _("关闭时间"),
        _("当前超期"),
        _("按时受理"),
        _("按时办结"),
        _("异议次数"),
        _("评价"),
    ]

    def rows() -> Iterator[list[Any]]:
        for c in cases.iterator(chunk_size=2000):
            on_time_sign = bool(c.accepted_at and c.accept_due_at and c.accepted_at <= c.accept_due_at)
            deadline = c.dispute_due_at if c.dispute_count else c.resolve_due_at
            on_time_resolve = bool(c.resolved_at and deadline and c.resolved_at <= deadline)
            yield [
                c.pk,
                c.get_kind_display(),
                c.category,
                c.get_status_display(),
                c.region.name if c.region else "",
                c.organisation.name,
                _when(c.created_at),
                _when(c.accept_due_at),
                _when(c.accepted_at),
                _when(c.resolve_due_at),
                _when(c.resolved_at),
                _when(c.closed_at),
                _("是") if c.overdue and c.is_open else _("否"),
                _("是") if on_time_sign else _("否"),
                _("是") if on_time_resolve else _("否"),
                c.dispute_count,
                c.rating or "",
            ]

    return Table(header, rows(), cases.count())


def _appeals(scope: Scope, period: Period) -> Table:
    appeals = Appeal.objects.filter(_in_period(period, "case__created_at"))
    if not scope.everything:
        offices = Organisation.objects.filter(measures.organisation_scope(scope)).values("pk")
        appeals = appeals.filter(
            Q(enterprise_id__in=scope.enterprise_ids)
            | Q(industry__in=scope.industries)
            | Q(case__organisation_id__in=offices)
            | _place_q(scope, "case__region")
        ).filter(Q(case__confidential=False) | Q(case__organisation_id__in=scope.office_ids))
    appeals = appeals.select_related("case", "case__organisation", "case__reporter", "enterprise").order_by(
        "case__created_at", "pk"
    )
    header = [
        _("编号"),
        _("诉求类型"),
        _("涉及"),
        _("企业"),
        _("主题"),
        _("状态"),
        _("承办单位"),
        _("提交时间"),
        _("受理时间"),
        _("办结时间"),
        _("评价"),
        _("提交人"),
    ]

    def rows() -> Iterator[list[Any]]:
        for a in appeals.iterator(chunk_size=2000):
            c = a.case
            # Anonymous towards the enterprise: the worker is named to the city admins only.
            named = scope.everything or not a.anonymous_to_enterprise
            yield [
                c.pk,
                a.get_type_display(),
                a.get_involves_display(),
                a.enterprise.name if a.enterprise else "",
                a.subject,
                c.get_status_display(),
                c.organisation.name,
                _when(c.created_at),
                _when(c.accepted_at),
                _when(c.resolved_at),
                c.rating or "",
                c.reporter.name if named else _("（匿名）"),
            ]

    return Table(header, rows(), appeals.count())


def _volunteering(scope: Scope, period: Period) -> Table:
    records = ServiceRecord.objects.filter(_in_period(period, "started_at"))
    if not scope.everything:
        records = records.filter(
            Q(worker__worker_profile__enterprise_id__in=scope.enterprise_ids)
            | Q(worker__worker_profile__enterprise__industry__in=scope.industries)
            | Q(organiser_id__in=scope.office_ids)
            | _place_q(scope, "worker__worker_profile__community")
        )
    records = records.select_related("worker", "organiser").order_by("started_at", "pk")
    header = [
        _("小哥"),
        _("任务"),
        _("类别"),
        _("组织单位"),
        _("开始时间"),
        _("结束时间"),
        _("认证时长（分钟）"),
        _("积分"),
    ]

    def rows() -> Iterator[list[Any]]:
        for r in records.iterator(chunk_size=2000):
            yield [
                r.worker.name,
                r.task_title,
                r.get_category_display(),
                r.organiser.name,
                _when(r.started_at),
                _when(r.ended_at),
                r.minutes,
                r.points,
            ]

    return Table(header, rows(), records.count())


def _visits(scope: Scope, period: Period) -> Table:
    days = StationDay.objects.filter(scope.station_q(), period.q()).order_by("day", "hive_id", "service_id")
    hives = dict(Hive.objects.filter(pk__in=days.values("hive_id")).values_list("pk", "name"))
    services = dict(Service.objects.values_list("pk", "name"))
    header = [_("日期"), _("驿站"), _("服务"), _("到访次数")]

    def rows() -> Iterator[list[Any]]:
        for d in days.iterator(chunk_size=5000):
            yield [
                d.day.isoformat(),
                hives.get(d.hive_id, ""),
                services.get(d.service_id, "") if d.service_id else "",
                d.visits,
            ]

    return Table(header, rows(), days.count())


def _rate_cell(rate: measures.Rate) -> Any:
    return rate.value if rate.value is not None else _("样本不足")


def _offices(scope: Scope, period: Period, kind: str | None) -> Table:
    found = measures.offices_sorted(measures.office_rows(scope, period, kind), "received")
    header = [
        _("承办单位"),
        _("收到"),
        _("及时签收"),
        _("及时签收率"),
        _("应办结"),
        _("按时办结"),
        _("按时办结率"),
        _("已评价"),
        _("满意"),
        _("满意率"),
        _("回退"),
        _("回退率"),
        _("办结"),
        _("重办"),
        _("重办率"),
        _("当前超期"),
    ]

    def rows() -> Iterator[list[Any]]:
        for row in found:
            s, r = row.sums, row.rates
            yield [
                row.name,
                row.received,
                s.get("signed_on_time", 0),
                _rate_cell(r["signed_on_time_rate"]),
                s.get("due", 0),
                s.get("resolved_on_time", 0),
                _rate_cell(r["resolved_on_time_rate"]),
                s.get("rated", 0),
                s.get("satisfied", 0),
                _rate_cell(r["satisfaction_rate"]),
                s.get("returned", 0),
                _rate_cell(r["returned_rate"]),
                s.get("resolved", 0),
                s.get("reopened", 0),
                _rate_cell(r["reopened_rate"]),
                row.overdue,
            ]

    return Table(header, rows(), len(found))


def _scorecards(scope: Scope, period: Period, industry: str | None) -> Table:
    cards = measures.scorecards(scope, period, industry)
    header = [
        _("行业"),
        _("名次"),
        _("企业"),
        _("得分"),
        _("注册人数"),
        _("报到人数"),
        _("企业确认人数"),
        _("受理随手拍"),
        _("志愿服务时长（小时）"),
        _("学习计分次数"),
        _("涉及本企业的诉求"),
        _("上交行业党委"),
        *[f"{p.label}（×{p.default_weight}）" for p in measures.SCORE_PARTS],
    ]

    def rows() -> Iterator[list[Any]]:
        for c in cards:
            yield [
                c.industry,
                c.rank or "",
                c.name,
                c.score if c.score is not None else _("样本不足"),
                c.workers_registered,
                c.workers_checked_in,
                c.workers_confirmed,
                c.reports_accepted,
                c.volunteer_hours,
                c.learning_credits,
                c.appeals_about,
                c.escalated,
                *[p.value if p.value is not None else _("样本不足") for p in c.parts],
            ]

    return Table(header, rows(), len(cards))


def _overview(scope: Scope, period: Period) -> Table:
    values = measures.overview(scope, period).flat()
    labels = {m.code: m.label for m in measures.MEASURES}
    rows = [[code, str(labels[code]), value] for code, value in values.items()]
    return Table([_("指标编码"), _("指标"), _("数值")], iter(rows), len(rows))


def export_table(kind: str, scope: Scope, params: dict[str, Any]) -> Table:
    """The header and rows of an export of `kind` for `scope` with the stored `params`."""
    period = Period(
        start=date.fromisoformat(params["from"]) if params.get("from") else None,
        end=date.fromisoformat(params["to"]),
    )
    if kind == ExportKind.CASES:
        return _cases(scope, period)
    if kind == ExportKind.APPEALS:
        return _appeals(scope, period)
    if kind == ExportKind.VOLUNTEERING:
        return _volunteering(scope, period)
    if kind == ExportKind.VISITS:
        return _visits(scope, period)
    if kind == ExportKind.OFFICES:
        return _offices(scope, period, params.get("kind") or None)
    if kind == ExportKind.SCORECARDS:
        return _scorecards(scope, period, params.get("industry") or None)
    return _overview(scope, period)
