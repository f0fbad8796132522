"""Reads of reports, each through the case engine's one visibility rule (cases_visible_to)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from littlebee.cases.models import OPEN_STATUSES
from littlebee.cases.selectors import cases_of_reporter, cases_visible_to
from littlebee.core.errors import NotFound
from littlebee.core.geo import bounding_box, haversine_m

from .models import Report, ReportCategory, Sensitivity

if TYPE_CHECKING:
    from littlebee.accounts.models import User

REPORT_RELATED = ("case", "case__organisation", "case__handler", "category", "community")


def report_categories_active() -> QuerySet[ReportCategory]:
    return ReportCategory.objects.filter(is_active=True).order_by("order", "code")


def reports_of(worker: User) -> QuerySet[Report]:
    """The worker's own reports (and those they follow), newest first."""
    return (
        Report.objects.filter(case__in=cases_of_reporter(worker).values("pk"))
        .select_related(*REPORT_RELATED)
        .prefetch_related("photos")
        .order_by("-created_at", "-pk")
    )


def report_for(user: User, report_id: int) -> Report:
    """The report if the user may see its case (its reporter, or staff of an organisation it sits
    or sat with, city admins for non-confidential ones); NotFound (404) otherwise."""
    report = (
        Report.objects.filter(pk=report_id, case__in=cases_visible_to(user).values("pk"))
        .select_related(*REPORT_RELATED)
        .prefetch_related("photos")
        .first()
    )
    if report is None:
        raise NotFound()
    return report


def duplicate_radius_m() -> float:
    return float(getattr(settings, "REPORTS_DUPLICATE_RADIUS_M", 250))


def possible_duplicates(
    category: ReportCategory | str,
    lat: float,
    lng: float,
    radius_m: float | None = None,
    *,
    exclude_id: int | None = None,
) -> list[Report]:
    """Open public reports of the same category within radius_m (setting
    REPORTS_DUPLICATE_RADIUS_M, default 250 m), nearest first."""
    radius = duplicate_radius_m() if radius_m is None else radius_m
    code = category if isinstance(category, str) else category.code
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    candidates = (
        Report.objects.filter(
            category__code=code,
            category__sensitivity=Sensitivity.PUBLIC,
            case__confidential=False,
            case__status__in=list(OPEN_STATUSES),
            lat__range=(min_lat, max_lat),
            lng__range=(min_lng, max_lng),
        )
        .exclude(pk=exclude_id)
        .select_related("case", "category")
    )
    near = [(haversine_m(lat, lng, r.lat, r.lng), r) for r in candidates]
    return [r for d, r in sorted(near, key=lambda pair: (pair[0], pair[1].pk)) if d <= radius]
