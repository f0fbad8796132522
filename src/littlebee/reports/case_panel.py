"""A report's part of the staff's case page (cases.hooks.KindHooks.staff_panel and friends):
the report itself, its fraud flags, the map, the points its acceptance earns and the cases it
may duplicate. The case engine shows it without knowing reports exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Case as CaseWhen  # SQL CASE; Case is the case engine's model here
from django.db.models import CharField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, Left, Length, NullIf
from django.utils.translation import get_language

from littlebee.accounts.models import User, WorkerProfile
from littlebee.cases.hooks import StaffPanel
from littlebee.cases.models import Case, CaseAction
from littlebee.cases.selectors import cases_visible_to
from littlebee.core.texts import in_language

from .api import category_points
from .models import Report, ReportCategory
from .selectors import possible_duplicates


def report_category_labels() -> dict[str, str]:
    """Report category names by code, in one query (the case carries only the code)."""
    rows = ReportCategory.objects.order_by("order", "code").values_list("code", "name", "name_en")
    return {code: in_language(name, name_en) for code, name, name_en in rows}


# How many characters of the description a report's title carries.
TITLE_WORDS = 20


def report_title() -> Subquery:
    """cases.hooks.KindHooks.title: a report's category (in the reader's language) and the first
    words of its description, "垃圾堆放 · 路口垃圾堆了三天，有异…"; the category alone without one."""
    name: Any = "category__name"
    if (get_language() or "").startswith("en"):
        name = Coalesce(NullIf("category__name_en", Value("")), "category__name", output_field=CharField())
    words = CaseWhen(
        When(n__gt=TITLE_WORDS, then=Concat(Left("description", TITLE_WORDS), Value("…"), output_field=CharField())),
        default="description",
        output_field=CharField(),
    )
    title = CaseWhen(
        When(description="", then=name),
        default=Concat(name, Value(" · "), words, output_field=CharField()),
        output_field=CharField(),
    )
    # The case's one report (case is its primary key): no ordering, which would join the case again.
    rows = (
        Report.objects.filter(case_id=OuterRef("pk"))
        .annotate(n=Length("description"), t=title)
        .order_by()
        .values("t")[:1]
    )
    return Subquery(rows, output_field=CharField())


def _map_url(lat: float, lng: float, name: str) -> str:
    return str(settings.HIVES_NAVIGATION_URL).format(lat=f"{lat:.6f}", lng=f"{lng:.6f}", name=quote(name))


@dataclass
class ReportPanel:
    report: Any
    flags: list[Any]
    map_url: str
    points_range: dict[str, int] | None
    merge_candidates: list[Any]
    # Whether accepting earns the reporter points: not for an account that is no worker's (an
    # Open311 partner's own), which the accept form then asks no points for.
    earns_points: bool = True


def report_staff_panel(case: Case, user: User, org_ids: list[int]) -> StaffPanel | None:
    report = Report.objects.filter(case=case).select_related("category").prefetch_related("photos").first()
    if report is None:
        return None
    # The fraud flags come from another part of the reports app; a page must work without them.
    flags = list(report.flags.all()) if hasattr(report, "flags") else []
    point = (case.lat or 0.0, case.lng or 0.0)  # a report's case always has its point
    # From an approximate point (a community's centre) no distance says "nearby".
    nearby = (
        []
        if report.location_approximate
        else [r.case for r in possible_duplicates(report.category, *point, exclude_id=report.pk)]
    )
    merged_here = list(case.duplicates.all())
    seen: set[int] = set()
    candidates = []
    for other in [*merged_here, *nearby]:
        if other.pk not in seen:
            seen.add(other.pk)
            candidates.append(other)
    visible = set(cases_visible_to(user).filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
    earns_points = WorkerProfile.objects.filter(user_id=case.reporter_id).exists()
    panel = ReportPanel(
        report=report,
        flags=flags,
        map_url=_map_url(*point, report.address or report.category.local_name),
        points_range=category_points(report.category) if earns_points else None,
        merge_candidates=[c for c in candidates if c.pk in visible],
        earns_points=earns_points,
    )
    return StaffPanel(
        template="cases/includes/report_panel.html",
        # `panel` also feeds the accept and merge forms' hints (cases/includes/action_form.html).
        context={"panel": panel, "report": report, "flags": flags},
        title=report.category.local_name,
        form_kwargs={CaseAction.ACCEPT: {"points_range": panel.points_range}},
    )
