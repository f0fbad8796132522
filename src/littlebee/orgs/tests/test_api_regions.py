"""GET /regions: the cascading pick-list city > district > street > community."""

from __future__ import annotations

import pytest

from .factories import CityFactory, CommunityFactory, DistrictFactory, StreetFactory

pytestmark = pytest.mark.django_db


def test_without_parent_lists_the_cities(api):
    # given
    wuhan = CityFactory(code="4201", name="武汉市")
    DistrictFactory(parent=wuhan, code="420106")

    # when
    response = api.get("/regions")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "id": wuhan.pk,
                "code": "4201",
                "name": "武汉市",
                "level": "city",
                "parent": None,
                "lat": wuhan.lat,
                "lng": wuhan.lng,
            }
        ],
    }


def test_with_parent_lists_its_children_ordered_by_code(api):
    # given
    city = CityFactory(code="4201")
    later = DistrictFactory(parent=city, code="420106", name="武昌区")
    earlier = DistrictFactory(parent=city, code="420102", name="江岸区")
    street = StreetFactory(parent=earlier, code="420102001")

    # when
    response = api.get("/regions", {"parent": city.pk})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [earlier.pk, later.pk]
    assert all(item["parent"] == city.pk and item["level"] == "district" for item in body["items"])
    assert street.pk not in [item["id"] for item in body["items"]]


def test_a_street_lists_its_communities(api):
    # given
    street = StreetFactory()
    communities = [CommunityFactory(parent=street, code=f"C{i:03d}") for i in range(3)]

    # when
    response = api.get("/regions", {"parent": street.pk})

    # then
    assert [item["id"] for item in response.json()["items"]] == [c.pk for c in communities]


def test_a_community_has_no_children(api):
    # given
    community = CommunityFactory()

    # when
    response = api.get("/regions", {"parent": community.pk})

    # then
    assert response.status_code == 200
    assert response.json() == {"count": 0, "items": []}


def test_an_unknown_parent_answers_404(api):
    # when
    response = api.get("/regions", {"parent": 999_999})

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_parent_that_is_not_a_number_answers_400(api):
    # when
    response = api.get("/regions", {"parent": "武昌"})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "parent", "detail": "请输入整数。"}]


def test_regions_are_paginated_with_limit_and_offset(api):
    # given
    street = StreetFactory()
    communities = [CommunityFactory(parent=street, code=f"C{i:03d}") for i in range(5)]

    # when
    page = api.get("/regions", {"parent": street.pk, "limit": 2, "offset": 2})

    # then
    assert page.json()["count"] == 5
    assert [item["id"] for item in page.json()["items"]] == [c.pk for c in communities[2:4]]


def test_regions_give_a_whole_level_by_default(api):
    # given more children than the API's usual page of 20
    street = StreetFactory()
    for i in range(30):
        CommunityFactory(parent=street, code=f"C{i:03d}")

    # when
    response = api.get("/regions", {"parent": street.pk})

    # then
    assert len(response.json()["items"]) == 30


def test_regions_cap_the_limit_at_100(api):
    # given
    street = StreetFactory()
    for i in range(105):
        CommunityFactory(parent=street, code=f"C{i:03d}")

    # when
    response = api.get("/regions", {"parent": street.pk, "limit": 1000})

    # then
    assert response.json()["count"] == 105
    assert len(response.json()["items"]) == 100


def test_an_offset_past_the_end_gives_an_empty_page(api):
    # given
    CityFactory()

    # when
    response = api.get("/regions", {"offset": 10**12})

    # then
    assert response.status_code == 200
    assert response.json() == {"count": 1, "items": []}


def test_regions_need_no_login(api):
    # given
    city = CityFactory()

    # when
    response = api.get("/regions")

    # then
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [city.pk]


@pytest.mark.parametrize("n", [5, 25])
def test_regions_cost_a_fixed_number_of_queries(api, django_assert_max_num_queries, n):
    # given
    street = StreetFactory()
    for i in range(n):
        CommunityFactory(parent=street, code=f"C{i:03d}")

    # when / then: parent, count, page
    with django_assert_max_num_queries(3):
        response = api.get("/regions", {"parent": street.pk})
    assert response.json()["count"] == n
