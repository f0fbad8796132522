"""Similar reports nearby leave out reports placed at an approximate point (a community's centre,
a place an address named): a distance to a stand-in point means nothing, and listing it would
give that point out as a position. A report filed at one gets no "nearby" either."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.reports import services
from littlebee.reports.models import LocationSource, Report

pytestmark = pytest.mark.django_db


def _by_community(w: World) -> Report:
    return services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=None, lng=None, community_id=w.community.pk
    )


def _by_address(w: World) -> Report:
    # as the Open311 intake places a report whose address named the community
    return services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=w.community.lat,
        lng=w.community.lng,
        address="西厂口社区",
        location_source=LocationSource.ADDRESS,
    )


def _exact(w: World) -> Report:
    return services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=float(w.community.lat) + 0.0002,
        lng=float(w.community.lng),
        address="中山路 100 号",
    )


def test_the_nearby_api_lists_only_reports_placed_exactly(w: World, api_as: Any) -> None:
    # given two reports at the community's centre by approximation and one placed exactly near it
    approximate = {_by_community(w).pk, _by_address(w).pk}
    exact = _exact(w)

    # when a courier standing at the centre asks what is nearby
    response = api_as(worker()).get(
        "/reports/nearby", {"category": "garbage", "lat": str(w.community.lat), "lng": str(w.community.lng)}
    )

    # then only the exact one, with its true distance
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["id"] for i in body["items"]] == [exact.pk] and body["count"] == 1
    assert 20 <= body["items"][0]["distance_m"] <= 25
    assert not approximate & {i["id"] for i in body["items"]}


def test_a_report_filed_by_community_gets_no_possible_duplicates(w: World, api_as: Any) -> None:
    # given an exact report 22 m from the community's centre
    _exact(w)

    # when another worker files one by choosing the community (no point)
    client = api_as(worker())
    response = Client().post(
        "/api/v1/reports", {"category": "garbage", "community": str(w.community.pk)}, headers=client._headers()
    )

    # then no distance is claimed from the stand-in point
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_source"] == "community"
    assert body["possible_duplicates"] == []


def test_a_report_filed_exactly_is_not_offered_approximate_ones(w: World, api_as: Any) -> None:
    # given a report at the community's centre by approximation
    _by_community(w)

    # when a worker files one exactly, right there
    client = api_as(worker())
    response = Client().post(
        "/api/v1/reports",
        {"category": "garbage", "lat": str(w.community.lat), "lng": str(w.community.lng), "location_source": "map"},
        headers=client._headers(),
    )

    # then the approximate one is not a possible duplicate
    assert response.status_code == 201, response.content
    assert response.json()["possible_duplicates"] == []


def test_the_report_form_after_a_failed_send_lists_only_exact_reports(w: World) -> None:
    # given an approximate and an exact report around the community's centre
    _by_community(w)
    exact = _exact(w)
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(worker())

    # when a send from the centre fails (a description too long)
    response = client.post(
        "/reports/new/",
        {"category": "garbage", "lat": str(w.community.lat), "lng": str(w.community.lng), "description": "长" * 2001},
    )

    # then the page offers "me too" on the exact report only
    html = response.content.decode()
    assert response.status_code == 400
    assert "附近已有 1 条相同问题" in html
    assert f"/reports/{exact.pk}/follow" in html
    assert html.count('formaction="/reports/') == 1
