"""GeoReport v2 as the specification writes it, in JSON and XML: each call's fields, dates in
UTC with Z and no fractions, ids as strings, booleans, errors as a list of {code, description}."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.open311.models import Datatype, ServiceAttribute
from littlebee.reports.models import ReportCategory

from .conftest import BASE, Keyed, filed, post_request

pytestmark = pytest.mark.django_db

SPEC_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


@pytest.fixture
def size(w: World) -> ServiceAttribute:
    return ServiceAttribute.objects.create(
        category=ReportCategory.objects.get(code="road_damage"),
        code="size",
        datatype=Datatype.SINGLE,
        required=True,
        description="破损面积",
        values=[{"key": "small", "name": "小"}, {"key": "large", "name": "大"}],
    )


def test_discovery_lists_a_production_and_a_test_endpoint(w: World, web: Client) -> None:
    # when
    data = web.get(f"{BASE}/discovery.json").json()
    root = xml_of(web.get(f"{BASE}/discovery.xml"))

    # then
    assert {e["type"] for e in data["endpoints"]} == {"production", "test"}
    assert all(e["url"] == "http://testserver/open311/v2/" for e in data["endpoints"])
    assert SPEC_DATE.match(data["changeset"])
    assert root.tag == "discovery"
    assert [e.findtext("type") for e in root.iter("endpoint")] == ["production", "test"]
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]  # type: ignore[union-attr]


def test_services_are_the_public_categories_with_metadata_where_they_ask_more(
    w: World, web: Client, size: ServiceAttribute
) -> None:
    # when
    data = web.get(f"{BASE}/services.json").json()
    root = xml_of(web.get(f"{BASE}/services.xml"))

    # then
    by_code = {s["service_code"]: s for s in data}
    assert by_code["road_damage"]["metadata"] is True
    assert by_code["garbage"]["metadata"] is False
    assert set(by_code["garbage"]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert by_code["garbage"]["service_name"] == "垃圾堆放"
    assert root.tag == "services"
    xml_codes = [s.findtext("service_code") for s in root.findall("service")]
    assert xml_codes == [s["service_code"] for s in data]
    road = next(s for s in root.findall("service") if s.findtext("service_code") == "road_damage")
    assert road.findtext("metadata") == "true"


def test_a_service_definition_lists_its_attributes(w: World, web: Client, size: ServiceAttribute) -> None:
    # when
    data = web.get(f"{BASE}/services/road_damage.json").json()
    root = xml_of(web.get(f"{BASE}/services/road_damage.xml"))

    # then
    assert data == {
        "service_code": "road_damage",
        "attributes": [
            {
                "variable": True,
                "code": "size",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "单选",
                "order": 1,
                "description": "破损面积",
                "values": [{"key": "small", "name": "小"}, {"key": "large", "name": "大"}],
            }
        ],
    }
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["small", "large"]


def test_a_request_reads_the_same_in_json_and_xml(w: World, web: Client) -> None:
    # given a report accepted and resolved with an answer for the public
    report = filed(w)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清运。")

    # when
    listed = web.get(f"{BASE}/requests.json").json()
    one = web.get(f"{BASE}/requests/{report.pk}.json").json()
    root = xml_of(web.get(f"{BASE}/requests/{report.pk}.xml"))

    # then
    assert listed == one
    (request,) = one
    assert set(request) == REQUEST_FIELDS
    assert request["service_request_id"] == str(report.pk)
    assert request["status"] == "closed"
    assert request["status_notes"] == "已清运。"
    assert request["service_code"] == "garbage"
    assert request["agency_responsible"] == "西厂口社区党委"
    assert SPEC_DATE.match(request["requested_datetime"])
    assert SPEC_DATE.match(request["updated_datetime"])
    assert request["expected_datetime"] is None
    assert root.tag == "service_requests"
    xml_request = root.find("request")
    assert xml_request is not None
    assert {child.tag for child in xml_request} == REQUEST_FIELDS
    assert xml_request.findtext("service_request_id") == str(report.pk)
    assert xml_request.findtext("status") == "closed"
    assert xml_request.findtext("lat") == str(request["lat"])


def test_an_open_request_says_when_it_is_expected(w: World, web: Client) -> None:
    # given
    report = filed(w)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)

    # when
    (request,) = web.get(f"{BASE}/requests/{report.pk}.json").json()

    # then
    assert request["status"] == "open"
    assert SPEC_DATE.match(request["expected_datetime"])


def test_post_answers_the_request_id_and_a_token_that_finds_it(w: World, web: Client, keyed: Keyed) -> None:
    # when
    response = post_request(web, {"service_code": "garbage", "lat": "30.55", "long": "114.30"}, key=keyed.raw)
    xml_response = post_request(
        web, {"service_code": "garbage", "lat": "30.55", "long": "114.30"}, key=keyed.raw, fmt="xml"
    )

    # then
    assert response.status_code == 201, response.content
    (answer,) = response.json()
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    assert isinstance(answer["service_request_id"], str)
    root = xml_of(xml_response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == str(int(answer["service_request_id"]) + 1)
    found = web.get(f"{BASE}/tokens/{answer['token']}.json").json()
    assert found == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    token_xml = xml_of(web.get(f"{BASE}/tokens/{answer['token']}.xml"))
    assert token_xml.findtext("request/service_request_id") == answer["service_request_id"]


def test_errors_are_a_list_of_code_and_description_with_the_http_status(w: World, web: Client) -> None:
    # when
    missing = web.get(f"{BASE}/requests/999.json")
    missing_xml = web.get(f"{BASE}/requests/999.xml")
    no_call = web.get(f"{BASE}/nothing.xml")
    unknown_token = web.get(f"{BASE}/tokens/abc.json")
    wrong_method = web.delete(f"{BASE}/services.json")

    # then
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "找不到该请求，或它不公开。"}]
    root = xml_of(missing_xml)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")
    assert no_call.status_code == 404
    assert xml_of(no_call).tag == "errors"
    assert unknown_token.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.json()[0]["code"] == 405


def test_english_readers_get_english_names(w: World, web: Client) -> None:
    # when
    data = web.get(f"{BASE}/services.json", headers={"accept-language": "en"}).json()

    # then
    assert {s["service_code"]: s["service_name"] for s in data}["garbage"] == "Dumped rubbish"


def test_a_control_character_in_a_note_does_not_break_the_xml(w: World, web: Client) -> None:
    # given an answer whose note carries a character XML cannot hold
    report = filed(w)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清运\x0b。")

    # when
    root = xml_of(web.get(f"{BASE}/requests/{report.pk}.xml"))

    # then
    assert root.findtext("request/status_notes") == "已清运。"
