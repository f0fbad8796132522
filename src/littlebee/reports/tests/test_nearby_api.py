"""GET /reports/nearby and POST /reports/{id}/follow: "me too" instead of reporting again."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import CaseAction, CaseEvent, CaseFollower
from littlebee.cases.tests.factories import World
from littlebee.reports import services
from littlebee.reports.models import Report

pytestmark = pytest.mark.django_db

HERE = {"category": "road_damage", "lat": "30.55", "lng": "114.30"}


def submit(category: str = "road_damage", lat: float = 30.5505, lng: float = 114.3000, **kwargs: Any) -> Report:
    return services.report_submit(
        reporter=kwargs.pop("reporter", None) or worker(),
        category_code=category,
        description="路面塌了一个坑",
        lat=lat,
        lng=lng,
        address=kwargs.pop("address", "中山路 100 号"),
    )


def test_nearby_lists_open_public_reports_of_the_category_nearest_first(
    w: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given, around the courier: two open road-damage reports, one far, one closed, one of
    # another category, one of his own, and a confidential clue and an internal hazard
    courier = worker()
    nearer = submit(lat=30.5502)
    near = submit(lat=30.5510, address="")
    submit(lat=30.5700)  # ~2.2 km
    done = submit(lat=30.5501)
    case_services.case_accept(case_id=done.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=done.pk, actor=w.community_handler, note="已修")
    submit(category="garbage")
    submit(reporter=courier)
    case_services.case_follow(case_id=near.pk, user=worker())

    # when he asks what is nearby (a bounded number of queries)
    client = api_as(courier)
    with django_assert_max_num_queries(8):
        response = client.get("/reports/nearby", HERE)

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["id"] for i in body["items"]] == [nearer.pk, near.pk] and body["count"] == 2
    first, second = body["items"]
    assert first["category"] == {"code": "road_damage", "name": "道路破损"}
    assert first["status"] == "submitted" and first["status_label"] == "待受理"
    assert first["address"] == "中山路 100 号" and 20 <= first["distance_m"] <= 25
    assert first["followers"] == 0 and second["followers"] == 1
    assert first["following"] is False
    assert first["created_at"].endswith("+08:00")


@pytest.mark.parametrize("category", ["public_security_clue", "safety_hazard"])
def test_confidential_and_internal_reports_are_never_listed(w: World, api_as: Any, category: str) -> None:
    # given a report of a non-public category right here
    submit(category=category, lat=30.5501)

    # when another worker asks for that category
    response = api_as(worker()).get("/reports/nearby", {**HERE, "category": category})

    # then nothing
    assert response.status_code == 200 and response.json() == {"count": 0, "items": []}


def test_the_radius_is_a_setting(w: World, api_as: Any, settings: Any) -> None:
    submit(lat=30.5510)  # ~110 m
    settings.REPORTS_DUPLICATE_RADIUS_M = 50
    assert api_as(worker()).get("/reports/nearby", HERE).json()["count"] == 0


def test_nearby_needs_a_login(w: World, api: Any) -> None:
    response = api.get("/reports/nearby", HERE)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "abc"}, "lat"),
        ({"lat": "nan"}, "lat"),
        ({"lat": "91"}, "lat"),
        ({"lng": "200"}, "lat"),
        ({"category": "no_such"}, "category"),
        ({"category": ""}, "category"),
    ],
    ids=["text", "nan", "lat-range", "lng-range", "unknown-category", "no-category"],
)
def test_bad_coordinates_or_category_are_400(w: World, api_as: Any, params: dict[str, str], field: str) -> None:
    response = api_as(worker()).get("/reports/nearby", {**HERE, **params})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"


# --- Me too --------------------------------------------------------------------------------------
def test_me_too_follows_the_report_once(w: World, api_as: Any) -> None:
    # given an open public report and another courier
    report = submit()
    courier = worker()
    client = api_as(courier)

    # when he says "me too", twice
    first = client.post(f"/reports/{report.pk}/follow")
    again = client.post(f"/reports/{report.pk}/follow")

    # then he follows it, once, on the timeline once, and sees it among his reports
    assert first.status_code == 200 and first.json() == {"following": True}
    assert again.status_code == 200
    assert CaseFollower.objects.filter(case_id=report.pk, user=courier).count() == 1
    assert CaseEvent.objects.filter(case_id=report.pk, action=CaseAction.FOLLOW).count() == 1
    assert client.get(f"/reports/{report.pk}").status_code == 200
    nearby = client.get("/reports/nearby", HERE).json()["items"]
    assert nearby[0]["following"] is True and nearby[0]["followers"] == 1


def test_me_too_is_404_for_reports_not_public_or_not_open(w: World, api_as: Any) -> None:
    # given a confidential clue, an internal hazard, a resolved and a merged report, and no report
    clue = submit(category="public_security_clue")
    hazard = submit(category="safety_hazard")
    resolved = submit()
    case_services.case_accept(case_id=resolved.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=resolved.pk, actor=w.community_handler, note="已修")
    merged, kept = submit(), submit()
    case_services.case_merge(case_id=merged.pk, actor=w.community_handler, duplicate_of=kept.pk)
    client = api_as(worker())

    # when / then
    for report_id in (clue.pk, hazard.pk, resolved.pk, merged.pk, 999_999, 2**40):
        response = client.post(f"/reports/{report_id}/follow")
        assert response.status_code == 404, (report_id, response.content)
    assert not CaseFollower.objects.exclude(case_id=kept.pk).exists()


def test_me_too_needs_a_login(w: World, api: Any) -> None:
    report = submit()
    assert api.post(f"/reports/{report.pk}/follow").status_code == 401
    assert not CaseFollower.objects.exists()
