"""A NUL or another control character in any parameter is the spec's error, never a 500: on
PostgreSQL a NUL cannot be stored or even compared, so it must be refused before any query."""

from __future__ import annotations

import pytest
from django.test import Client

from littlebee.cases.tests.factories import World
from littlebee.open311.models import Datatype, PostedRequest, ServiceAttribute
from littlebee.reports.models import ReportCategory

from .conftest import BASE, Keyed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}
FIELDS = [
    "attribute[where]",
    "email",
    "first_name",
    "last_name",
    "phone",
    "media_url",
    "service_code",
    "account_id",
    "device_id",
    "api_key",
    "address_string",
    "description",
]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b"], ids=["nul", "bell"])
def test_a_control_character_in_a_posted_field_is_refused(
    w: World, web: Client, keyed: Keyed, field: str, bad: str
) -> None:
    # given a service with a free-text attribute
    ServiceAttribute.objects.create(
        category=ReportCategory.objects.get(code="garbage"), code="where", datatype=Datatype.STRING, description="位置"
    )

    # when a partner posts the character in one field
    response = post_request(web, {**GOOD, field: bad}, key=keyed.raw)

    # then the spec's error list with a 4xx (a bell in the phone is no phone: filed under the
    # partner, as any other unknown phone), and nothing stored with the character in it
    if field == "phone" and bad == "a\x07b":
        assert response.status_code == 201
        return
    assert response.status_code in (400, 403, 404), response.content
    [error] = response.json()
    assert error["code"] == response.status_code and error["description"]
    assert not PostedRequest.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "requests.json?service_code=a%00b",
        "requests.json?status=open%00",
        "requests.json?start_date=2026%00",
        "requests.json?service_request_id=1%00",
        "requests/1%00.json",
        "tokens/a%00b.json",
        "services/a%00b.json",
    ],
)
def test_a_nul_in_a_read_is_the_specs_error(w: World, web: Client, path: str) -> None:
    response = web.get(f"{BASE}/{path}")
    assert response.status_code in (400, 404), response.content
    [error] = response.json()
    assert error["code"] == response.status_code
