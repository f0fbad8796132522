"""A submission's possible duplicates (issue 13): the answer lists every open report nearby (dozens
on a busy corner, as in the A/B bench's load), read as the few columns it says of each, and
answered without ninja's per-field check, with exactly what possible_duplicates' reports gave."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.conftest import model_inits_watched
from littlebee.core.api_answers import assert_answer_fits
from littlebee.core.geo import haversine_m
from littlebee.reports import services
from littlebee.reports.api import ReportSubmittedOut
from littlebee.reports.models import LocationSource, Report
from littlebee.reports.selectors import duplicate_points, possible_duplicates, report_point

pytestmark = pytest.mark.django_db

POINT = {"category": "road_damage", "description": "路面塌了一个坑", "lat": "30.5500", "lng": "114.3000"}


def submit(lat: float, lng: float = 114.3001, category: str = "road_damage", reporter: Any = None) -> Report:
    return services.report_submit(
        reporter=reporter or worker(), category_code=category, description="坑", lat=lat, lng=lng
    )


def post(api_as: Any, user: Any) -> Any:
    response = Client().post("/api/v1/reports", POINT, headers=api_as(user)._headers())
    assert response.status_code == 201, response.content
    return response


def as_answered(report: Report, lat: float, lng: float) -> dict[str, Any]:
    """A duplicate as the answer said it when built from possible_duplicates' reports."""
    return {
        "id": report.pk,
        "status": report.case.status,
        "lat": round(report_point(report)[0], 4),
        "lng": round(report_point(report)[1], 4),
        "distance_m": round(haversine_m(lat, lng, *report_point(report))),
        "created_at": json.loads(json.dumps(timezone.localtime(report.case.created_at), cls=NinjaJSONEncoder)),
    }


def test_the_answer_lists_what_possible_duplicates_gave_and_fits_its_schema(w: World, api_as: Any) -> None:
    # given near the point: open reports of others (one followed, one accepted), one of the
    # sender's own, one of another category, one far, one at a community's centre, one closed
    courier = worker()
    near = [submit(30.5502), submit(30.5504, 114.2999), submit(30.5507)]
    services.report_follow(report_id=near[1].pk, user=worker())
    Case.objects.filter(pk=near[2].case_id).update(status="accepted")
    own = submit(30.5501, reporter=courier)
    submit(30.5501, category="garbage")
    submit(30.5700)
    approximate = submit(30.5503)
    Report.objects.filter(pk=approximate.pk).update(location_source=LocationSource.COMMUNITY)
    closed = submit(30.5502)
    Case.objects.filter(pk=closed.case_id).update(status="closed")

    # when the courier sends a report at the point
    body = post(api_as, courier).json()

    # then its duplicates are possible_duplicates' reports but the courier's own, nearest first,
    # each said as before, and the whole answer is what ninja's check would have let through
    expected = [
        as_answered(r, 30.55, 114.30)
        for r in possible_duplicates("road_damage", 30.55, 114.30, exclude_id=body["id"])
        if r.case.reporter_id != courier.pk
    ]
    assert body["possible_duplicates"] == expected
    assert [d["id"] for d in body["possible_duplicates"]] == [near[0].pk, near[1].pk, near[2].pk]
    assert own.pk not in [d["id"] for d in body["possible_duplicates"]]
    assert_answer_fits(ReportSubmittedOut, body)
    assert list(body) == list(ReportSubmittedOut.model_fields)


def test_duplicate_points_are_possible_duplicates_in_their_order(w: World) -> None:
    # given reports around a point, two of them at the same distance
    reports = [submit(30.5502), submit(30.5498), submit(30.5509), submit(30.5700)]

    # when both reads are asked around the point, with and without one left out
    for exclude_id in (None, reports[0].pk):
        points = duplicate_points("road_damage", 30.55, 114.3001, exclude_id=exclude_id)
        found = possible_duplicates("road_damage", 30.55, 114.3001, exclude_id=exclude_id)

        # then the same reports in the same order, with their status, point, time and reporter
        assert [(p.id, p.status, p.lat, p.lng, p.created_at, p.reporter_id) for p in points] == [
            (r.pk, r.case.status, *report_point(r), r.case.created_at, r.case.reporter_id) for r in found
        ]


def test_no_instance_is_made_for_a_listed_duplicate(w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given one open report near the point, and a first submission there (everything warmed)
    submit(30.5502)
    post(api_as, worker())
    made = model_inits_watched(monkeypatch)
    with_two = len(post(api_as, worker()).json()["possible_duplicates"])
    one_answer = len(made)

    # when ten more open reports are near it and another worker sends one
    for i in range(10):
        submit(30.5501 + i * 0.0001)
    made.clear()
    listed = len(post(api_as, worker()).json()["possible_duplicates"])

    # then they are listed, and no more instances were made than with two listed
    assert (with_two, listed) == (2, 13)
    assert len(made) <= one_answer, made
