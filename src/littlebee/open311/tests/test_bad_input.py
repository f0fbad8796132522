"""Bad input to POST requests: each refusal is the spec's error with 400/403/404 (413 for a
photo too big) and nothing stored; no input at all gives a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from littlebee.cases.tests.factories import World
from littlebee.hives.tests.photo_files import PDF_BYTES, jpeg_bytes
from littlebee.open311.models import ApiKeyUsage, Datatype, PostedRequest, ServiceAttribute
from littlebee.reports.models import Report, ReportCategory, ReportPhoto

from .conftest import Keyed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}


@pytest.fixture
def asks(w: World) -> None:
    road = ReportCategory.objects.get(code="road_damage")
    ServiceAttribute.objects.create(
        category=road,
        code="size",
        datatype=Datatype.SINGLE,
        required=True,
        description="破损面积",
        values=[{"key": "small", "name": "小"}, {"key": "large", "name": "大"}],
    )
    ServiceAttribute.objects.create(category=road, code="depth", datatype=Datatype.NUMBER, description="深度")
    ServiceAttribute.objects.create(
        category=road,
        code="kinds",
        datatype=Datatype.MULTI,
        description="类型",
        values=[{"key": "crack", "name": "裂缝"}, {"key": "hole", "name": "坑洞"}],
    )


ROAD = {"service_code": "road_damage", "lat": "30.55", "long": "114.30"}
REFUSED: list[tuple[dict[str, Any], int, str]] = [
    ({"lat": "30.55", "long": "114.30"}, 400, "service_code"),
    ({**GOOD, "service_code": "nope"}, 404, ""),
    ({**GOOD, "service_code": "safety_hazard"}, 404, ""),
    (ROAD, 400, "attribute[size]"),
    ({**ROAD, "attribute[size]": "huge"}, 400, "attribute[size]"),
    ({**ROAD, "attribute[size]": "small", "attribute[depth]": "deep"}, 400, "attribute[depth]"),
    ({**ROAD, "attribute[size]": "small", "attribute[kinds][]": ["crack", "tree"]}, 400, "attribute[kinds]"),
    ({**ROAD, "attribute[size]": "small", "attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({**ROAD, "attribute[size]": ["small", "large"]}, 400, "attribute[size]"),
    ({**GOOD, "lat": "39.90", "long": "116.40"}, 400, "lat"),
    ({**GOOD, "lat": "abc"}, 400, "lat"),
    ({**GOOD, "lat": "nan"}, 400, "lat"),
    ({**GOOD, "lat": "91", "long": "114.30"}, 400, "lat"),
    ({"service_code": "garbage", "lat": "30.55"}, 400, "lat"),
    ({"service_code": "garbage"}, 400, "lat"),
    ({"service_code": "garbage", "address_string": "北京市朝阳区"}, 400, "address_string"),
    ({**GOOD, "media_url": "ftp://example.com/a.jpg"}, 400, "media_url"),
    ({**GOOD, "media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://127.0.0.1:8000/admin"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://10.1.2.3/a.jpg"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://169.254.169.254/latest/meta-data"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://[::1]/a.jpg"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://localhost/a.jpg"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://db.internal/a.jpg"}, 400, "media_url"),
    ({**GOOD, "media_url": "http://example.com:99999/a.jpg"}, 400, "media_url"),
    ({**GOOD, "description": "长" * 2001}, 400, "description"),
    ({**GOOD, "email": "a" * 300}, 400, "email"),
    ({**GOOD, "device_id": "bad\x00id"}, 400, "device_id"),
    ({**GOOD, "media": SimpleUploadedFile("a.jpg", PDF_BYTES)}, 400, "media"),
    ({**GOOD, "media": SimpleUploadedFile("a.jpg", b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024))}, 413, ""),
]


@pytest.mark.parametrize(("data", "status", "field"), REFUSED, ids=[f"{s}-{f or 'call'}" for _, s, f in REFUSED])
def test_each_refusal_is_the_specs_error_and_stores_nothing(
    w: World, web: Client, keyed: Keyed, asks: None, data: dict[str, Any], status: int, field: str
) -> None:
    # when
    response = post_request(web, data, key=keyed.raw)

    # then
    assert response.status_code == status, response.content
    errors = response.json()
    assert all(e["code"] == status for e in errors)
    if field:
        assert any(e["description"].startswith(f"{field}:") for e in errors), errors
    assert Report.objects.count() == 0
    assert PostedRequest.objects.count() == 0
    assert not ApiKeyUsage.objects.filter(count__gt=0).exists()


def test_good_attributes_are_kept_and_written_under_the_description(
    w: World, web: Client, keyed: Keyed, asks: None
) -> None:
    # when
    response = post_request(
        web,
        {**ROAD, "description": "路面塌陷", "attribute[size]": "large", "attribute[kinds][]": ["crack", "hole"]},
        key=keyed.raw,
    )

    # then
    assert response.status_code == 201, response.content
    posted = PostedRequest.objects.select_related("report").get()
    assert posted.attributes == {"size": "large", "kinds": ["crack", "hole"]}
    assert posted.report.description == "路面塌陷\n类型：裂缝、坑洞\n破损面积：大"  # in the definition's order


def test_an_uploaded_photo_goes_through_the_reports_photo_checks(
    w: World, web: Client, keyed: Keyed, media_root: Path
) -> None:
    # when
    response = post_request(web, {**GOOD, "media": SimpleUploadedFile("p.jpg", jpeg_bytes())}, key=keyed.raw)

    # then
    assert response.status_code == 201, response.content
    photo = ReportPhoto.objects.get()
    assert photo.report_id == int(response.json()[0]["service_request_id"])


FORM_FIELDS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "description",
    "media_url",
    "email",
    "phone",
    "first_name",
    "device_id",
    "account_id",
    "attribute[size]",
    "attribute[kinds][]",
    "page",
    "jurisdiction_id",
]
text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["garbage", "road_damage", "30.55", "114.30", "-0", "1e309", "NaN", "http://[", "small", "%"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(st.sampled_from(FORM_FIELDS), text, max_size=8), fmt=st.sampled_from(["json", "xml"]))
def test_no_form_makes_a_500(w: World, keyed: Keyed, asks: None, form: dict[str, str], fmt: str) -> None:
    # when any form is posted, and the same read as a query
    web = Client(raise_request_exception=False)
    clean = {k: v.replace("\x00", "") for k, v in form.items()}
    posted = post_request(web, clean, key=keyed.raw, fmt=fmt)
    read = web.get(f"/open311/v2/requests.{fmt}", clean)

    # then
    assert posted.status_code in {201, 400, 404, 429}, posted.content
    assert read.status_code in {200, 400}, read.content
