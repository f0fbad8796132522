"""The public map: GET /reports/map and the page /reports/map/. Only public, non-confidential
reports, rounded points, nothing about the reporter; confidential or internal never appear."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.reports import selectors, services
from littlebee.reports.models import Report

pytestmark = pytest.mark.django_db

SECRET = "张三在仓库里藏了东西"


def submit(category: str = "road_damage", lat: float = 30.551234, lng: float = 114.306789, **kw: Any) -> Report:
    return services.report_submit(
        reporter=worker(),
        category_code=category,
        description=kw.pop("description", SECRET),
        lat=lat,
        lng=lng,
        address="中山路 100 号 3 单元",
    )


@pytest.fixture
def city(w: World) -> dict[str, Report]:
    """One report of each kind the map must show or hide."""
    open_ = submit()
    resolved = submit(category="garbage", lat=30.56, lng=114.31)
    case_services.case_accept(case_id=resolved.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=resolved.pk, actor=w.community_handler, note="已清理")
    rejected = submit()
    case_services.case_reject(case_id=rejected.pk, actor=w.community_handler, note="不属实")
    merged = submit()
    case_services.case_merge(case_id=merged.pk, actor=w.community_handler, duplicate_of=open_.pk)
    return {
        "open": open_,
        "resolved": resolved,
        "rejected": rejected,
        "merged": merged,
        "clue": submit(category="public_security_clue"),
        "hazard": submit(category="safety_hazard"),
    }


def test_the_map_shows_only_public_open_or_resolved_reports_rounded(
    city: dict[str, Report], api: Any, django_assert_max_num_queries: Any
) -> None:
    # when anyone, not logged in, asks for the map (a bounded number of queries)
    with django_assert_max_num_queries(3):
        response = api.get("/reports/map")

    # then only the open and the resolved public reports, newest first
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["id"] for i in body["items"]] == [city["resolved"].pk, city["open"].pk]
    assert body["count"] == 2 and body["truncated"] is False
    # with the point rounded to 3 decimals, the day only, public wording, and nothing else
    item = body["items"][1]
    assert item == {
        "id": city["open"].pk,
        "category": {"code": "road_damage", "name": "道路破损", "icon": "road"},
        "status": "open",
        "status_label": "处理中",
        "lat": 30.551,
        "lng": 114.307,
        "created_at": item["created_at"],
    }
    assert len(item["created_at"]) == 10
    assert body["items"][0]["status"] == "resolved" and body["items"][0]["status_label"] == "已办结"
    assert SECRET not in response.content.decode() and "中山路" not in response.content.decode()


def test_filters_by_status_category_and_box(city: dict[str, Report], api: Any) -> None:
    def ids(**params: Any) -> list[int]:
        response = api.get("/reports/map", params)
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    assert ids(status="open") == [city["open"].pk]
    assert ids(status="resolved") == [city["resolved"].pk]
    assert ids(category="garbage") == [city["resolved"].pk]
    assert ids(min_lat=30.55, max_lat=30.555, min_lng=114.30, max_lng=114.31) == [city["open"].pk]
    # a non-public category is not offered: asking for it is a 400, not its reports
    assert api.get("/reports/map", {"category": "public_security_clue"}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"min_lat": 31, "max_lat": 30, "min_lng": 114, "max_lng": 115},
        {"min_lat": 30},
        {"min_lat": "nan", "max_lat": 31, "min_lng": 114, "max_lng": 115},
        {"min_lat": -100, "max_lat": 31, "min_lng": 114, "max_lng": 115},
        {"status": "merged"},
        {"category": "no_such"},
    ],
    ids=["inverted", "partial", "nan", "out-of-range", "status", "category"],
)
def test_bad_map_queries_are_400(w: World, api: Any, params: dict[str, Any]) -> None:
    response = api.get("/reports/map", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_input"


def test_the_number_of_points_is_capped(w: World, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three reports and a cap of two
    for _ in range(3):
        submit()
    monkeypatch.setattr(selectors, "MAP_LIMIT", 2)

    # when / then
    body = api.get("/reports/map").json()
    assert body["count"] == 2 and body["truncated"] is True


# --- The page ------------------------------------------------------------------------------------
def test_the_page_lists_public_reports_without_login(
    city: dict[str, Report], django_assert_max_num_queries: Any
) -> None:
    # when anyone opens the page
    with django_assert_max_num_queries(6):
        response = Client().get("/reports/map/")

    # then the list shows the public reports, and nothing of the others or of the reporters
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="row reports-map__row"') == 2
    assert "道路破损" in html and "垃圾堆放" in html and "处理中" in html and "已办结" in html
    for hidden in ("治安线索", "安全隐患", SECRET, "中山路"):
        assert hidden not in html
    assert 'data-api="/api/v1/reports/map"' in html


def test_the_page_filters_with_links(city: dict[str, Report]) -> None:
    html = Client().get("/reports/map/", {"status": "resolved"}).content.decode()
    assert html.count('class="row reports-map__row"') == 1 and "垃圾堆放" in html
    assert 'data-status="resolved"' in html
    # unknown or non-public filters are dropped rather than an error page
    for params in ({"status": "merged"}, {"category": "public_security_clue"}):
        response = Client().get("/reports/map/", params)
        assert response.status_code == 200
        assert response.content.decode().count('class="row reports-map__row"') == 2


def test_the_page_says_so_when_nothing_matches_and_works_in_english(w: World) -> None:
    response = Client().get("/reports/map/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'class="empty' in response.content.decode()


# --- Approximate positions ---------------------------------------------------------------------
def test_a_report_placed_at_its_communitys_centre_is_no_pin_but_is_listed_by_community(w: World, api: Any) -> None:
    # given a report with a real point, and one placed at the chosen community's centre
    exact = submit()
    approximate = services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=None, lng=None, community_id=w.community.pk
    )
    assert approximate.location_approximate

    # when anyone reads the map's points and opens the page
    body = api.get("/reports/map").json()
    html = Client().get("/reports/map/").content.decode()

    # then the map pins only the exact one; the list names the community of the other and says
    # its position is approximate and not on the map
    assert [i["id"] for i in body["items"]] == [exact.pk]
    assert body["count"] == 1
    assert html.count('class="row reports-map__row"') == 2
    assert html.count("data-approximate") == 1
    assert "大致位置，未标在地图上" in html and w.community.name in html
