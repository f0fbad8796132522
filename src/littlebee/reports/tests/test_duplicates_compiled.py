"""possible_duplicates, asked by every report submission (issue 13): one statement compiled once
per process, giving exactly what the ORM's select_related read gave."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import OPEN_STATUSES, CaseKind
from littlebee.cases.tests.factories import World
from littlebee.conftest import orm_compiles_watched
from littlebee.core import compiled_select
from littlebee.core.geo import bounding_box, haversine_m
from littlebee.reports import services
from littlebee.reports.models import APPROXIMATE_SOURCES, LocationSource, Report, Sensitivity
from littlebee.reports.selectors import duplicate_radius_m, possible_duplicates, report_point

pytestmark = pytest.mark.django_db


def submit(category: str = "road_damage", lat: float = 30.5505, lng: float = 114.3000, **kwargs: Any) -> Report:
    return services.report_submit(
        reporter=kwargs.pop("reporter", None) or worker(),
        category_code=category,
        description=kwargs.pop("description", "路面塌了一个坑"),
        lat=lat,
        lng=lng,
        address=kwargs.pop("address", "中山路 100 号"),
        **kwargs,
    )


def orm_duplicates(code: str, lat: float, lng: float, exclude_id: int | None = None) -> list[Report]:
    """The read as the ORM made it before (select_related, a GROUP BY count of followers)."""
    radius = duplicate_radius_m()
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    candidates = (
        Report.objects.filter(
            case__kind=CaseKind.REPORT,
            case__category=code,
            case__lat__range=(min_lat, max_lat),
            case__lng__range=(min_lng, max_lng),
            case__confidential=False,
            case__status__in=list(OPEN_STATUSES),
            category__sensitivity=Sensitivity.PUBLIC,
        )
        .exclude(pk=exclude_id)
        .exclude(location_source__in=APPROXIMATE_SOURCES)
        .select_related("case", "category")
        .annotate(followers_count=Count("case__followers"))
    )
    near = [(haversine_m(lat, lng, *report_point(r)), r) for r in candidates]
    return [r for d, r in sorted(near, key=lambda pair: (pair[0], pair[1].pk)) if d <= radius]


def loaded(report: Report) -> tuple[Any, ...]:
    """Everything a caller reads of a duplicate: its columns, its case's, its category's, its
    followers."""

    def columns(instance: Any) -> dict[str, Any]:
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    return (columns(report), columns(report.case), columns(report.category), report.followers_count)  # type: ignore[attr-defined]


def test_the_compiled_read_gives_what_the_orm_gave(w: World) -> None:
    # given, around a point: open reports near and far, followed and not, one closed, one
    # confidential-category, one of another category, one placed at a community's centre
    near = submit(lat=30.5502)
    followed = submit(lat=30.5510, address="", urgent=True)
    submit(lat=30.5700)  # ~2.2 km
    done = submit(lat=30.5501)
    case_services.case_accept(case_id=done.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=done.pk, actor=w.community_handler, note="已修")
    submit(category="garbage")
    submit(category="public_security_clue")
    approximate = submit(lat=30.5503)
    Report.objects.filter(pk=approximate.pk).update(location_source=LocationSource.COMMUNITY)
    for _ in range(2):
        case_services.case_follow(case_id=followed.pk, user=worker())

    # when asked around the point, with and without one of them left out, and for other categories
    for code, exclude_id in (("road_damage", None), ("road_damage", near.pk), ("garbage", None), ("flooding", None)):
        found = possible_duplicates(code, 30.55, 114.30, exclude_id=exclude_id)
        expected = orm_duplicates(code, 30.55, 114.30, exclude_id)

        # then the same reports, in the same order, loaded the same, with the same followers
        assert [loaded(r) for r in found] == [loaded(r) for r in expected]
    assert [r.pk for r in possible_duplicates("road_damage", 30.55, 114.30)] == [near.pk, followed.pk]
    assert [r.followers_count for r in possible_duplicates("road_damage", 30.55, 114.30)] == [0, 2]  # type: ignore[attr-defined]


def test_a_second_read_compiles_nothing_and_costs_one_statement(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a report near the point, and the read asked once (compiled for this process)
    submit(lat=30.5502)
    compiled_select._compiled.clear()
    possible_duplicates("road_damage", 30.55, 114.30, exclude_id=1)
    compiles = orm_compiles_watched(monkeypatch)

    # when asked again around another point
    with CaptureQueriesContext(connection) as ctx:
        found = possible_duplicates("road_damage", 30.5501, 114.3001, exclude_id=2)

    # then one statement, nothing compiled, the report found
    assert len(ctx.captured_queries) == 1
    assert compiles == []
    assert len(found) == 1


def test_a_report_in_the_box_but_beyond_the_radius_is_never_made_an_instance(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a report near the point and one in the corner of the read's box (inside the box of
    # latitudes and longitudes, farther than the radius)
    from littlebee.reports import selectors

    near = submit(lat=30.5502)
    radius = duplicate_radius_m()
    _min_lat, max_lat, _min_lng, max_lng = bounding_box(30.55, 114.30, radius)
    corner_lat, corner_lng = max_lat - 0.00001, max_lng - 0.00001
    assert haversine_m(30.55, 114.30, corner_lat, corner_lng) > radius
    submit(lat=corner_lat, lng=corner_lng)
    built: list[Any] = []
    build = selectors._duplicate_from

    def counted(row: dict[str, Any], using: str) -> Report:
        built.append(row[Report._meta.pk.attname])
        return build(row, using)

    monkeypatch.setattr(selectors, "_duplicate_from", counted)

    # when possible duplicates are asked around the point
    found = possible_duplicates("road_damage", 30.55, 114.30)

    # then only the near one is found, and only it was made a report (with its case and category)
    assert [r.pk for r in found] == [near.pk]
    assert built == [near.pk]
