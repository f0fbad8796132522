"""GET /regions/locate and selectors.community_at_point: which community is this point in?"""

from __future__ import annotations

import pytest

from littlebee.orgs import selectors
from littlebee.orgs.services import region_set_boundary

from .factories import CityFactory, CommunityFactory, DistrictFactory, StreetFactory

pytestmark = pytest.mark.django_db


def square(lat: float, lng: float, half: float = 0.01) -> dict:
    """A GeoJSON square around (lat, lng); GeoJSON writes lng first."""
    ring = [
        [lng - half, lat - half],
        [lng + half, lat - half],
        [lng + half, lat + half],
        [lng - half, lat + half],
        [lng - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def street(db):
    city = CityFactory(name="武汉市")
    district = DistrictFactory(parent=city, name="武昌区")
    return StreetFactory(parent=district, name="黄鹤楼街道")


@pytest.fixture
def communities(street):
    """Two neighbouring communities with boundaries, one without, all on one street."""
    west = CommunityFactory(parent=street, name="西社区", lat=30.55, lng=114.28)
    region_set_boundary(region=west, boundary=square(30.55, 114.28))
    east = CommunityFactory(parent=street, name="东社区", lat=30.55, lng=114.30)
    region_set_boundary(region=east, boundary=square(30.55, 114.30))
    far = CommunityFactory(parent=street, name="远郊社区", lat=30.70, lng=114.50)
    return {"west": west, "east": east, "far": far}


def test_a_point_inside_a_boundary_is_located_exactly(api, communities):
    # when
    response = api.get("/regions/locate", {"lat": 30.552, "lng": 114.303})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["community"]["id"] == communities["east"].pk
    assert body["approximate"] is False
    assert body["distance_m"] == 0
    assert body["full_name"] == "武昌区 黄鹤楼街道 东社区"


def test_a_point_inside_a_boundary_wins_over_a_nearer_centroid(api, communities):
    # given the west community's centroid lies off in its far corner, so that a point inside its
    # square is nearer the east community's centroid
    communities["west"].lng = 114.26
    communities["west"].save(update_fields=["lng"])
    lat, lng = 30.55, 114.2899

    # when
    response = api.get("/regions/locate", {"lat": lat, "lng": lng})

    # then
    assert response.json()["community"]["id"] == communities["west"].pk
    assert response.json()["approximate"] is False


def test_a_point_on_the_boundary_line_counts_as_inside(api, communities):
    # when
    response = api.get("/regions/locate", {"lat": 30.54, "lng": 114.30})

    # then
    assert response.json()["approximate"] is False


def test_a_point_outside_every_boundary_takes_the_nearest_centroid(api, communities):
    # when: north of both squares, nearest to the far community's centroid
    response = api.get("/regions/locate", {"lat": 30.69, "lng": 114.49})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["community"]["id"] == communities["far"].pk
    assert body["approximate"] is True
    assert 0 < body["distance_m"] < 2_000


def test_a_distant_point_still_finds_the_nearest_community(api, communities):
    # given a point hundreds of kilometres away (beyond every search radius)
    lat, lng = 39.90, 116.40

    # when
    response = api.get("/regions/locate", {"lat": lat, "lng": lng})

    # then
    assert response.status_code == 200
    assert response.json()["community"]["id"] == communities["far"].pk
    assert response.json()["approximate"] is True
    assert response.json()["distance_m"] > 900_000


def test_without_any_community_answers_404(api, street):
    # when
    response = api.get("/regions/locate", {"lat": 30.55, "lng": 114.30})

    # then
    assert response.status_code == 404
    assert response.json()["detail"] == "附近没有社区。"


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lat": 91, "lng": 114.3}, ["lat"]),
        ({"lat": -90.5, "lng": 114.3}, ["lat"]),
        ({"lat": 30.5, "lng": 181}, ["lng"]),
        ({"lat": 30.5, "lng": -180.1}, ["lng"]),
        ({"lat": 100, "lng": 200}, ["lat", "lng"]),
        ({"lat": "nan", "lng": 114.3}, ["lat"]),
    ],
)
def test_out_of_range_coordinates_answer_400(api, communities, params, fields):
    # when
    response = api.get("/regions/locate", params)

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert [e["field"] for e in response.json()["errors"]] == fields


def test_missing_coordinates_answer_400(api, communities):
    # when
    response = api.get("/regions/locate", {"lat": 30.5})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "lng", "detail": "此项为必填项。"}]


def test_community_at_point_ignores_streets_with_boundaries(street, communities):
    # given the street's own boundary covers the point too
    region_set_boundary(region=street, boundary=square(30.55, 114.30, half=0.5))

    # when
    match = selectors.community_at_point(30.552, 114.303)

    # then
    assert match is not None
    assert match.community == communities["east"]


def test_community_at_point_in_a_multipolygon(street):
    # given a community made of two separate squares
    split = CommunityFactory(parent=street, lat=30.0, lng=114.0)
    boundary = {
        "type": "MultiPolygon",
        "coordinates": [square(30.0, 114.0)["coordinates"], square(30.1, 114.1)["coordinates"]],
    }
    region_set_boundary(region=split, boundary=boundary)

    # when
    match = selectors.community_at_point(30.1, 114.1)

    # then
    assert match is not None
    assert (match.community, match.approximate) == (split, False)
