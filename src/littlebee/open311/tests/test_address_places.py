"""address_string without a geocoder: a station's name or address, a community or a street the
city knows places the report at that place (approximate) and routes it there; an address naming
none of them is the spec's 400 and stores nothing. Approximate positions are never published as
points (GET requests, the public map)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.hives.tests.factories import HiveFactory
from littlebee.open311.models import ApiKeyUsage, PostedRequest
from littlebee.open311.selectors import place_named_in
from littlebee.reports.models import Report

from .conftest import BASE, Keyed, post_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(w: World) -> World:
    other_street = w.other_community.parent
    assert other_street is not None and other_street.name == "中华路街道"
    other_street.lat, other_street.lng = 30.601, 114.351
    other_street.save(update_fields=["lat", "lng"])
    HiveFactory(
        name="司门口蜂巢驿站",
        address="武昌区解放路 200 号",
        lat=30.5512,
        lng=114.3013,
        community=w.community,
        managing_unit=w.community_org,
    )
    HiveFactory(
        name="已停用驿站",
        address="武昌区民主路 88 号",
        community=w.community,
        managing_unit=w.community_org,
        is_active=False,
    )
    return w


def _filed(response: Any) -> Report:
    assert response.status_code == 201, response.content
    return Report.objects.select_related("case").get(pk=response.json()[0]["service_request_id"])


@pytest.mark.parametrize(
    "address",
    ["司门口蜂巢驿站门口", "武昌区解放路200号", "解放路 200 号", "武汉市武昌区解放路２００号旁边"],
    ids=["station-name", "station-address", "address-with-blanks", "full-width-digits"],
)
def test_a_stations_name_or_address_places_it_at_the_station(
    places: World, web: Client, keyed: Keyed, address: str
) -> None:
    # when a partner sends only an address naming the station
    report = _filed(post_request(web, {"service_code": "garbage", "address_string": address}, key=keyed.raw))

    # then the report is at the station's point, approximate, in its community's queue
    assert (report.case.lat, report.case.lng) == (30.5512, 114.3013)
    assert report.location_source == "address" and report.location_approximate
    assert report.case.region == places.community
    assert report.case.organisation == places.community_org
    assert report.address == address


def test_a_street_places_it_at_the_streets_centre(places: World, web: Client, keyed: Keyed) -> None:
    report = _filed(
        post_request(web, {"service_code": "garbage", "address_string": "中华路街道某小区北门"}, key=keyed.raw)
    )
    assert (report.case.lat, report.case.lng) == (30.601, 114.351)
    assert report.location_source == "address"
    assert report.case.region == places.other_community


def test_a_community_is_more_precise_than_its_street(places: World, web: Client, keyed: Keyed) -> None:
    report = _filed(
        post_request(web, {"service_code": "garbage", "address_string": "中华路街道户部巷社区 3 栋"}, key=keyed.raw)
    )
    assert report.location_source == "community"
    assert report.case.region == places.other_community
    assert (report.case.lat, report.case.lng) == (30.60, 114.35)


@pytest.mark.parametrize(
    "address",
    ["火星基地 1 号", "武昌区", "解放路", "已停用驿站", "民主路88号"],
    ids=["unknown", "district-only", "road-alone", "inactive-station", "inactive-stations-address"],
)
def test_an_address_naming_no_known_place_is_refused_and_nothing_is_stored(
    places: World, web: Client, keyed: Keyed, address: str
) -> None:
    # when
    response = post_request(web, {"service_code": "garbage", "address_string": address}, key=keyed.raw)
    xml = post_request(web, {"service_code": "garbage", "address_string": address}, key=keyed.raw, fmt="xml")

    # then the spec's 400 saying what to send, and nothing stored or counted
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400
    assert error["description"].startswith("address_string: ") and "驿站、社区或街道" in error["description"]
    assert xml.status_code == 400 and b"<code>400</code>" in xml.content
    assert not Case.objects.exists() and not PostedRequest.objects.exists()
    assert not ApiKeyUsage.objects.filter(count__gt=0).exists()


def test_the_lookup_is_a_few_queries(places: World, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        assert place_named_in("中华路街道") is not None
    with django_assert_max_num_queries(3):
        assert place_named_in("火星") is None


def test_approximate_requests_are_published_without_a_point(places: World, web: Client, keyed: Keyed) -> None:
    # given a report at a point, one placed at a station, one at a community's centre
    exact = _filed(post_request(web, {"service_code": "garbage", "lat": "30.56", "long": "114.31"}, key=keyed.raw))
    station = _filed(post_request(web, {"service_code": "garbage", "address_string": "司门口蜂巢驿站"}, key=keyed.raw))
    community = _filed(post_request(web, {"service_code": "garbage", "address_string": "户部巷社区"}, key=keyed.raw))

    # when anyone reads them through Open311, in JSON and XML, and the public map's points
    listed = {r["service_request_id"]: r for r in web.get(f"{BASE}/requests.json").json()}
    one = web.get(f"{BASE}/requests/{station.pk}.json").json()[0]
    xml = web.get(f"{BASE}/requests/{community.pk}.xml").content.decode()
    pins = [i["id"] for i in web.get("/api/v1/reports/map").json()["items"]]

    # then only the exact one has lat/long; the others are located by their community's name
    assert (listed[str(exact.pk)]["lat"], listed[str(exact.pk)]["long"]) == (30.56, 114.31)
    for report, name in ((station, places.community.name), (community, places.other_community.name)):
        item = listed[str(report.pk)]
        assert "lat" not in item and "long" not in item
        assert item["address"] == name
    assert "lat" not in one and one["address"] == places.community.name
    assert "<lat>" not in xml and "<long>" not in xml and f"<address>{places.other_community.name}</address>" in xml
    assert pins == [exact.pk]


@pytest.mark.parametrize(
    "address", ["户部巷社区\x00", "户部巷\x07社区", "户部巷社区" * 50], ids=["nul", "control", "long"]
)
def test_an_unreadable_or_long_address_is_refused_before_any_lookup(
    places: World, web: Client, keyed: Keyed, address: str
) -> None:
    response = post_request(web, {"service_code": "garbage", "address_string": address}, key=keyed.raw)
    assert response.status_code == 400, response.content
    [error] = response.json()
    assert error["description"].startswith("address_string: ")
    assert not PostedRequest.objects.exists()


def test_a_description_with_a_nul_is_refused(places: World, web: Client, keyed: Keyed) -> None:
    data = {"service_code": "garbage", "lat": "30.55", "long": "114.30", "description": "井盖\x00没了"}
    response = post_request(web, data, key=keyed.raw)
    assert response.status_code == 400, response.content
    assert response.json()[0]["description"].startswith("description: ")
    assert not PostedRequest.objects.exists()


def test_line_breaks_in_an_address_are_blanks(places: World, web: Client, keyed: Keyed) -> None:
    data = {"service_code": "garbage", "address_string": "户部巷社区\r\n3 栋\t北门", "description": "第一行\n第二行"}
    report = _filed(post_request(web, data, key=keyed.raw))
    assert report.address == "户部巷社区 3 栋 北门"
    assert report.description == "第一行\n第二行"
