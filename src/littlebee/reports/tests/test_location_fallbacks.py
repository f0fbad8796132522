"""Where a report is when the phone gives no position and the photo carries none: the community
the worker chose (its centre, approximate, routed to it), through the service, the form and the
API; and where the report's page says where it is, in words rather than coordinates."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.core.errors import InvalidInput
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import LocationSource, Report

pytestmark = pytest.mark.django_db


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


# --- The service --------------------------------------------------------------------------------
def test_a_chosen_community_places_the_report_at_its_centre_and_routes_it_there(w: World) -> None:
    # given a worker whose phone gave no position, choosing the other community
    courier = worker()

    # when they file the report with that community and a photo without GPS
    report = services.report_submit(
        reporter=courier,
        category_code="garbage",
        description="",
        lat=None,
        lng=None,
        address="户部巷东口",
        photos=[upload(jpeg_bytes((120, 90)))],
        community_id=w.other_community.pk,
    )

    # then the point is that community's centre, marked approximate, and the community handles it
    case = report.case
    assert report.location_source == LocationSource.COMMUNITY and report.location_approximate
    assert (case.lat, case.lng) == (w.other_community.lat, w.other_community.lng)
    assert case.region == w.other_community
    assert case.organisation == w.other_community_org
    assert report.address == "户部巷东口"


def test_a_point_given_wins_over_a_chosen_community(w: World) -> None:
    # when the worker picked a point on the map and had chosen a community before
    report = services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=30.55,
        lng=114.30,
        location_source=LocationSource.MAP,
        community_id=w.other_community.pk,
    )

    # then the point places and routes it
    assert report.location_source == LocationSource.MAP and not report.location_approximate
    assert report.case.region == w.community


def test_a_photo_with_gps_wins_over_a_chosen_community(w: World) -> None:
    report = services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=None,
        lng=None,
        photos=[upload(jpeg_bytes((120, 90), gps=True))],
        community_id=w.other_community.pk,
    )

    assert report.location_source == LocationSource.PHOTO


@pytest.mark.parametrize("which", ["street", "unknown"])
def test_a_community_that_is_not_one_is_refused_and_nothing_is_stored(w: World, which: str) -> None:
    region_id = w.street.pk if which == "street" else 987654

    with pytest.raises(InvalidInput) as caught:
        services.report_submit(
            reporter=worker(), category_code="garbage", description="", lat=None, lng=None, community_id=region_id
        )

    assert [e.field for e in caught.value.errors] == ["community"]
    assert not Report.objects.exists()


def test_no_point_no_photo_no_community_names_the_ways_to_say_where(w: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.report_submit(reporter=worker(), category_code="garbage", description="", lat=None, lng=None)

    assert [(e.field, str(e.detail)) for e in caught.value.errors] == [
        ("lat", "请在地图上选点，或选择所在街道和社区。")
    ]


# --- The form and the pages ---------------------------------------------------------------------
def test_the_form_offers_the_street_and_community_and_files_with_the_community(w: World) -> None:
    # given a worker on the form
    courier = worker()
    client = client_of(courier)
    form = client.get("/reports/new/").content.decode()
    assert 'name="district"' in form and 'name="street"' in form and 'name="community"' in form

    # when they send it with only the community chosen
    response = client.post(
        "/reports/new/",
        {"category": "garbage", "district": w.district.pk, "street": w.street.pk, "community": w.community.pk},
        follow=True,
    )

    # then it is filed there, and its page says where in words, and that the place is approximate
    report = Report.objects.get()
    assert report.location_source == LocationSource.COMMUNITY
    assert report.case.organisation == w.community_org
    html = response.content.decode()
    assert "西厂口社区（黄鹤楼街道）" in html
    assert "data-location-approximate" in html
    assert f"{report.case.lat:.5f}" not in html


def test_without_javascript_the_lists_refresh_without_filing(w: World) -> None:
    # when a page without script asks for the district's streets
    response = client_of(worker()).post(
        "/reports/new/", {"category": "garbage", "district": w.district.pk, "refresh": "1"}
    )

    # then the form comes back with the streets listed and nothing filed
    assert response.status_code == 200
    assert "黄鹤楼街道" in response.content.decode()
    assert not Report.objects.exists()


def test_a_located_report_shows_community_and_street_not_coordinates(w: World) -> None:
    # given a report placed by the phone, with no address typed
    courier = worker()
    report = services.report_submit(
        reporter=courier, category_code="garbage", description="", lat=30.5512, lng=114.3011
    )

    # when the reporter opens it
    html = client_of(courier).get(f"/reports/{report.pk}/").content.decode()

    # then the place is the community and street, not the raw point, and not marked approximate
    assert "西厂口社区（黄鹤楼街道）" in html
    assert "30.5512" not in html and "114.3011" not in html
    assert "data-location-approximate" not in html


def test_the_staff_case_page_says_the_position_is_approximate(w: World) -> None:
    report = services.report_submit(
        reporter=worker(), category_code="garbage", description="", lat=None, lng=None, community_id=w.community.pk
    )

    html = client_of(w.community_handler).get(f"/staff/cases/{report.pk}/").content.decode()

    assert "data-location-approximate" in html
    assert "选择了西厂口社区" in html


# --- The API ------------------------------------------------------------------------------------
def post_report(api_as: Any, user: Any, data: dict[str, Any]) -> Any:
    return Client().post("/api/v1/reports", data, headers=api_as(user)._headers())


def test_the_api_files_a_report_by_community(w: World, api_as: Any) -> None:
    response = post_report(api_as, worker(), {"category": "garbage", "community": str(w.other_community.pk)})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_source"] == "community"
    assert body["community"]["id"] == w.other_community.pk


def test_the_api_refuses_a_community_that_is_not_a_number(w: World, api_as: Any) -> None:
    response = post_report(api_as, worker(), {"category": "garbage", "community": "西厂口"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "community"
    assert not Report.objects.exists()
