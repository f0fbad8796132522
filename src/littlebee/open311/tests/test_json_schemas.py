"""Every JSON answer of the server against JSON Schemas of GeoReport v2.

No package on PyPI or npm ships JSON Schemas for GeoReport v2 and the specification publishes
none: the schemas in schemas/ were written for this project from the specification's text (see
schemas/README.md). They are not official."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.open311.models import Datatype, ServiceAttribute
from littlebee.reports.models import ReportCategory

from .conftest import BASE, Keyed, filed, post_request

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
BASE_ID = "https://littlebee.example/open311/schemas/"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(name: str, instance: Any) -> None:
    schema = REGISTRY.contents(BASE_ID + name + ".json")
    Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker()).validate(instance)


def test_the_schemas_are_themselves_valid() -> None:
    for path in SCHEMAS.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_the_schemas_refuse_what_the_spec_does_not_allow() -> None:
    # A schema that accepts anything checks nothing: a few answers the spec rules out.
    bad = [
        ("services", [{"service_code": "x", "service_name": "X", "metadata": "true", "type": "realtime"}]),
        ("services", [{"service_code": "x", "service_name": "X", "metadata": True, "type": "later"}]),
        (
            "service_requests",
            [
                {
                    "service_request_id": 7,
                    "status": "open",
                    "service_code": "x",
                    "requested_datetime": "2026-01-01T00:00:00Z",
                    "lat": 1.0,
                    "long": 2.0,
                }
            ],
        ),
        (
            "service_requests",
            [
                {
                    "service_request_id": "7",
                    "status": "accepted",
                    "service_code": "x",
                    "requested_datetime": "2026-01-01T00:00:00Z",
                    "lat": 1.0,
                    "long": 2.0,
                }
            ],
        ),
        (
            "service_requests",
            [
                {
                    "service_request_id": "7",
                    "status": "open",
                    "service_code": "x",
                    "requested_datetime": "2026-01-01 00:00:00",
                    "lat": 1.0,
                    "long": 2.0,
                }
            ],
        ),
        (
            "service_requests",
            [
                {
                    "service_request_id": "7",
                    "status": "open",
                    "service_code": "x",
                    "requested_datetime": "2026-01-01T00:00:00Z",
                }
            ],
        ),
        (
            "service_definition",
            {
                "service_code": "x",
                "attributes": [
                    {
                        "variable": True,
                        "code": "a",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "order": 1,
                        "description": "A",
                        "values": [],
                    }
                ],
            },
        ),
        ("errors", [{"code": "400", "description": "bad"}]),
        ("errors", []),
        ("post_request", [{"service_notice": ""}]),
    ]
    for name, instance in bad:
        with pytest.raises(ValidationError):
            validate(name, instance)


@pytest.fixture
def size(w: World) -> ServiceAttribute:
    category = ReportCategory.objects.get(code="road_damage")
    ServiceAttribute.objects.create(
        category=category, code="when", datatype=Datatype.DATETIME, required=False, description="发现时间", order=2
    )
    return ServiceAttribute.objects.create(
        category=category,
        code="size",
        datatype=Datatype.MULTI,
        required=True,
        description="破损面积",
        order=1,
        values=[{"key": "small", "name": "小"}, {"key": "large", "name": "大"}],
    )


def test_discovery_services_and_definitions(w: World, web: Client, size: ServiceAttribute) -> None:
    validate("discovery", web.get(f"{BASE}/discovery.json").json())
    services = web.get(f"{BASE}/services.json").json()
    validate("services", services)
    assert services
    for service in services:
        validate("service_definition", web.get(f"{BASE}/services/{service['service_code']}.json").json())


def test_requests_posted_read_and_found_by_token(w: World, web: Client, keyed: Keyed, size: ServiceAttribute) -> None:
    # given a worker's report that was resolved, and a partner's posted with attributes and media
    resolved = filed(w)
    case_services.case_accept(case_id=resolved.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=resolved.pk, actor=w.community_handler, note="已清理")
    posted = post_request(
        web,
        {
            "service_code": "road_damage",
            "lat": "30.55",
            "long": "114.30",
            "attribute[size][]": ["small", "large"],
            "attribute[when]": "2026-12-01T08:00:00+08:00",
            "media_url": "https://img.example.com/a.jpg",
            "account_id": "rider-7",
        },
        key=keyed.raw,
    )
    by_address = post_request(web, {"service_code": "garbage", "address_string": "武昌区户部巷社区"}, key=keyed.raw)

    # then every answer is what the schemas allow
    assert posted.status_code == 201, posted.content
    validate("post_request", posted.json())
    validate("post_request", by_address.json())
    listed = web.get(f"{BASE}/requests.json").json()
    validate("service_requests", listed)
    assert {r["status"] for r in listed} == {"open", "closed"}
    for status in ("open", "closed"):
        validate("service_requests", web.get(f"{BASE}/requests.json?status={status}&page_size=1").json())
    for item in listed:
        validate("service_requests", web.get(f"{BASE}/requests/{item['service_request_id']}.json").json())
    validate("token", web.get(f"{BASE}/tokens/{posted.json()[0]['token']}.json").json())
    validate("service_requests", web.get(f"{BASE}/requests.json?start_date=2001-01-01&end_date=2001-01-02").json())


@pytest.mark.parametrize(
    ("call", "status"),
    [
        ("GET services/no_such_code.json", 404),
        ("GET requests/999999.json", 404),
        ("GET requests/abc.json", 404),
        ("GET tokens/nope.json", 404),
        ("GET requests.json?status=pending", 400),
        ("GET requests.json?start_date=yesterday", 400),
        ("GET nothing_here.json", 404),
        ("DELETE requests.json", 405),
        ("POST requests.json", 403),
        ("POST requests.json?api_key=o311_wrong", 403),
        ("POST requests.json?api_key={key}", 400),
        ("POST requests.json?api_key={key}&service_code=garbage", 400),
        ("POST requests.json?api_key={key}&service_code=garbage&lat=1&long=1", 400),
        ("POST requests.json?api_key={key}&service_code=garbage&address_string=火星基地", 400),
        ("POST requests.json?api_key={key}&service_code=internal_only", 404),
    ],
)
def test_every_error_is_the_specs_error_list(w: World, web: Client, keyed: Keyed, call: str, status: int) -> None:
    method, path = call.split(" ", 1)
    response = web.generic(method, f"{BASE}/{path.format(key=keyed.raw)}")
    assert response.status_code == status, response.content
    errors = response.json()
    validate("errors", errors)
    assert all(e["code"] == status for e in errors)
