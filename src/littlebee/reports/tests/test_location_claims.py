"""A client says only how it got the point it sends: an approximate source ("community",
"address") is the server's to derive, and so is the source of a point the server finds itself
(a photo's EXIF, the chosen community). Any other claim is a translated 400 on
"location_source", and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.reports import services
from littlebee.reports.models import LocationSource, Report
from littlebee.reports.tests.test_exif_location import gps_jpeg

pytestmark = pytest.mark.django_db


def _post(api_as: Any, data: dict[str, Any], language: str = "zh-hans") -> Any:
    return Client().post("/api/v1/reports", data, headers={**api_as(worker())._headers(), "Accept-Language": language})


def _refusal(response: Any) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert "location_source" in fields, body
    return str(fields["location_source"])


@pytest.mark.parametrize("claimed", ["community", "address"])
def test_the_api_refuses_an_approximate_source_sent_with_a_point(w: World, api_as: Any, claimed: str) -> None:
    # when a client sends a point and calls it approximate
    response = _post(api_as, {"category": "garbage", "lat": "30.55", "lng": "114.30", "location_source": claimed})

    # then 400 saying which sources go with a point, nothing stored
    assert "device" in _refusal(response) and "随坐标提交时" in _refusal(response)
    assert not Report.objects.exists()


@pytest.mark.parametrize("claimed", ["device", "map", "address"])
def test_the_api_refuses_any_other_source_for_a_point_it_derives_from_the_community(
    w: World, api_as: Any, claimed: str
) -> None:
    # when a client sends no point, a community, and claims the point came from elsewhere
    response = _post(api_as, {"category": "garbage", "community": str(w.community.pk), "location_source": claimed})

    # then 400, nothing stored
    assert "没有提交坐标时" in _refusal(response)
    assert not Report.objects.exists()


def test_the_api_refuses_an_exact_source_for_a_photos_point_in_english(w: World, api_as: Any) -> None:
    # when a client sends only a photo carrying GPS and says the point was picked on the map
    photo = SimpleUploadedFile("a.jpg", gps_jpeg(30.552, 114.303), content_type="image/jpeg")
    response = _post(api_as, {"category": "garbage", "photos": [photo], "location_source": "map"}, language="en")

    # then 400 in the reader's language
    assert "Without coordinates" in _refusal(response)
    assert not Report.objects.exists()


def test_the_api_accepts_a_claim_equal_to_what_the_server_derives_and_no_claim(w: World, api_as: Any) -> None:
    # when the claim names the source the server finds anyway, or there is none
    same = _post(api_as, {"category": "garbage", "community": str(w.community.pk), "location_source": "community"})
    none = _post(api_as, {"category": "garbage", "community": str(w.community.pk)})
    sent = _post(api_as, {"category": "garbage", "lat": "30.55", "lng": "114.30"})

    # then they are filed with the server's source
    assert (same.status_code, none.status_code, sent.status_code) == (201, 201, 201)
    assert same.json()["location_source"] == none.json()["location_source"] == "community"
    assert sent.json()["location_source"] == "device"


def test_a_server_side_intake_may_still_place_a_point_by_address(w: World) -> None:
    # given the Open311 intake, which derived the point from an address itself
    report = services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=w.community.lat,
        lng=w.community.lng,
        location_source=LocationSource.ADDRESS,
    )

    # then the service takes its word (only client claims are checked)
    assert report.location_source == LocationSource.ADDRESS and report.location_approximate


def test_the_report_page_refuses_a_forged_approximate_source(w: World) -> None:
    # given a worker on the report page
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(worker())

    # when the hidden field is forged to claim the map for a community's centre
    response = client.post(
        "/reports/new/",
        {"category": "garbage", "community": str(w.community.pk), "location_source": "map", "photos": []},
    )

    # then the page says so and nothing is stored
    assert response.status_code == 400
    assert "没有提交坐标时" in response.content.decode()
    assert not Report.objects.exists()
