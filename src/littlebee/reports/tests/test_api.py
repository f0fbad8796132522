"""The Reports section of API.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.hives.tests.photo_files import PDF_BYTES, jpeg_bytes
from littlebee.reports.models import Report

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def post_report(api_as: Any, user: Any, data: dict[str, Any]) -> Any:
    client = api_as(user)
    return Client().post("/api/v1/reports", data, headers=client._headers())


def test_categories_list_points_and_sensitivity(w: World, api: Any) -> None:
    body = api.get("/report-categories").json()
    by_code = {c["code"]: c for c in body}
    assert by_code["public_security_clue"]["points"] == {"min": 100, "max": 100}
    assert by_code["public_security_clue"]["sensitivity"] == "confidential"
    assert by_code["garbage"]["points"] == {"min": 5, "max": 30}
    assert by_code["traffic_signal"]["sensitivity"] == "public"


def test_submit_answers_201_with_routing_deadline_and_duplicates(
    w: World, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given an open traffic-signal report close by from someone else
    other = post_report(api_as, worker(), {"category": "traffic_signal", "lat": "30.5501", "lng": "114.3001"})
    assert other.status_code == 201, other.content

    # when a courier sends one with a photo
    courier = worker()
    photo = ("light.jpg", jpeg_bytes(gps=True))
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(
            api_as,
            courier,
            {
                "category": "traffic_signal",
                "description": "红绿灯不亮",
                "lat": "30.55",
                "lng": "114.30",
                "urgent": "true",
                "photos": [SimpleUploadedFile(photo[0], photo[1], content_type="image/jpeg")],
            },
        )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["category"] == "traffic_signal"
    assert body["assigned_to"] == {"id": w.traffic_police.pk, "name": w.traffic_police.name}
    assert body["community"]["id"] == w.community.pk
    assert body["deadline"].endswith("+08:00")
    assert [d["id"] for d in body["possible_duplicates"]] == [other.json()["id"]]

    # and the courier reads it with its timeline and photos
    detail = api_as(courier).get(f"/reports/{body['id']}").json()
    assert detail["status"] == "submitted" and detail["points_awarded"] == 0
    assert [e["action"] for e in detail["timeline"]] == ["open"]
    assert detail["timeline"][0]["actor_role"] == "worker"
    assert detail["photos"][0]["status"] == "ready" and detail["photos"][0]["thumbnail"]


def test_bad_submissions_are_400_or_413_and_store_nothing(w: World, api_as: Any, media_root: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = worker()
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"lat": "30.55", "lng": "114.30"}, 400, "category"),
        ({"category": "nope", "lat": "30.55", "lng": "114.30"}, 400, "category"),
        ({"category": "garbage", "lat": "39.9", "lng": "116.4"}, 400, "lat"),
        ({"category": "garbage", "lat": "abc", "lng": "114.30"}, 400, "lat"),
        (
            {
                "category": "garbage",
                "lat": "30.55",
                "lng": "114.30",
                "photos": [SimpleUploadedFile("a.jpg", PDF_BYTES)],
            },
            400,
            "photos",
        ),
        (
            {
                "category": "garbage",
                "lat": "30.55",
                "lng": "114.30",
                "photos": [SimpleUploadedFile("a.jpg", b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024))],
            },
            413,
            None,
        ),
    ]
    for data, status, field in cases:
        response = post_report(api_as, user, data)
        assert response.status_code == status, (data.keys(), response.content)
        if field:
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert Report.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_report_sent_as_json_is_refused_as_the_wrong_media_type(w: World, api_as: Any) -> None:
    # given a client that sends JSON to the upload
    client = api_as(worker(), language="en")

    # when
    response = client.post("/reports", {"category": "garbage", "lat": 30.55, "lng": 114.30})

    # then it is told to send a form, in its language, instead of "this field is required" for all
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "multipart/form-data" in response.json()["detail"]
    assert "errors" not in response.json()
    assert Report.objects.count() == 0


def test_mine_and_others_reports(w: World, api_as: Any) -> None:
    courier, other = worker(), worker()
    mine = post_report(api_as, courier, {"category": "garbage", "lat": "30.55", "lng": "114.30"}).json()
    theirs = post_report(api_as, other, {"category": "garbage", "lat": "30.55", "lng": "114.30"}).json()

    listed = api_as(courier).get("/reports", {"mine": "true"}).json()
    assert [r["id"] for r in listed["items"]] == [mine["id"]]
    assert api_as(courier).get(f"/reports/{theirs['id']}").status_code == 404


def test_my_reports_come_a_page_at_a_time_in_a_fixed_number_of_queries(
    w: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given a courier with five reports, two of them accepted (more timeline rows)
    courier = worker()
    ids = [
        post_report(api_as, courier, {"category": "garbage", "lat": "30.55", "lng": "114.30"}).json()["id"]
        for _ in range(5)
    ]
    for case_id in ids[:2]:
        case_services.case_accept(case_id=case_id, actor=w.community_handler, points=10)
    client = api_as(courier)

    # when the phone asks for a page of three: the queries do not grow with the page
    with django_assert_max_num_queries(3) as captured:  # token, page with its count, timelines with photos
        first = client.get("/reports", {"mine": "true", "limit": 3}).json()
    second = client.get("/reports", {"mine": "true", "limit": 3, "offset": 3}).json()

    # and none reads a region's boundary or a person's whole row (only the token check's)
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in statements if "boundary" in q]
    assert len([q for q in statements if "password" in q]) <= 1

    # then count is all five, the pages split them newest first, each with its timeline
    assert first["count"] == second["count"] == 5
    assert [r["id"] for r in first["items"] + second["items"]] == list(reversed(ids))
    accepted = {r["id"]: r for r in first["items"] + second["items"]}
    assert [e["action"] for e in accepted[ids[0]]["timeline"]] == ["open", "accept"]
    assert [e["action"] for e in accepted[ids[4]]["timeline"]] == ["open"]


def test_a_worker_without_reports_costs_the_token_and_an_empty_page(
    w: World, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given a worker who has reported nothing yet, and another worker's report
    post_report(api_as, worker(), {"category": "garbage", "lat": "30.55", "lng": "114.30"})
    client = api_as(worker())
    client.get("/reports", {"mine": "true"})  # the token's first use of the day writes its last_used_at

    # when the phone asks for the list
    with django_assert_max_num_queries(2):  # the token, the (empty) page: nothing more to read
        body = client.get("/reports", {"mine": "true"}).json()

    # then it is empty
    assert body == {"count": 0, "items": []}


def test_my_reports_are_found_through_the_reporter_and_follower_indexes() -> None:
    # given the statement that finds a worker's cases
    from littlebee.cases.selectors import case_ids_of_reporter

    sql = str(case_ids_of_reporter(worker()).query)

    # then it is a UNION of the two indexed reads, not an OR with EXISTS over every case
    assert "UNION" in sql and "EXISTS" not in sql


def test_accept_then_feedback_shows_points_and_the_loop(w: World, api_as: Any) -> None:
    courier = worker()
    created = post_report(api_as, courier, {"category": "safety_hazard", "lat": "30.55", "lng": "114.30"}).json()
    case_services.case_accept(case_id=created["id"], actor=w.community_handler)
    case_services.case_resolve(case_id=created["id"], actor=w.community_handler, note="已处理")

    response = api_as(courier).post(
        f"/reports/{created['id']}/feedback", {"rating": 5, "comment": "谢谢", "resolved": True}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["points_awarded"] == 50 and body["rating"] == 5
    assert [e["action"] for e in body["timeline"]] == ["open", "accept", "resolve", "confirm"]
    bad = api_as(courier).post(f"/reports/{created['id']}/feedback", {"rating": 9, "resolved": True})
    assert bad.status_code in (400, 422)
