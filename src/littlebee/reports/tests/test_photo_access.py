"""Who may fetch a report's photos, a handler's photo and an appeal's attachment (issue 11 item 6):
files of a case that is not public reach only the people who may see the case; /media/ serves
public folders only, never an original."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import services as case_services
from littlebee.cases.models import CaseAttachment
from littlebee.cases.tests.factories import World
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.orgs.models import DepartmentType, OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory
from littlebee.reports import services
from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

pytestmark = pytest.mark.django_db


def client_of(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def submit_with_photo(reporter: Any, category: str, capture: Any) -> tuple[Report, ReportPhoto]:
    with capture(execute=True):  # the photo is processed, as after a real commit
        report = services.report_submit(
            reporter=reporter,
            category_code=category,
            description="",
            lat=30.55,
            lng=114.30,
            photos=[upload(jpeg_bytes((300, 200)))],
        )
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    return report, photo


@pytest.fixture
def police(w: World) -> Any:
    office = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district
    )
    return staff(office)


def test_a_confidential_reports_photo_reaches_only_its_reporter_and_the_holding_office(
    w: World, police: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a public-security clue with a photo, held by the police office
    courier = worker()
    report, photo = submit_with_photo(courier, "public_security_clue", django_capture_on_commit_callbacks)

    # then its photo URLs are the authorised ones, not /media/ paths
    assert photo.image_url == f"/files/reports/{report.pk}/photos/{photo.pk}/image"
    assert photo.thumbnail_url == f"/files/reports/{report.pk}/photos/{photo.pk}/thumb"

    # when anyone else asks for it: anonymous, another worker, another office, a city admin
    for onlooker in (None, worker(), w.community_handler, w.city_admin):
        for url in (photo.image_url, photo.thumbnail_url):
            # then 404, as for no such photo
            assert client_of(onlooker).get(url).status_code == 404, (onlooker, url)

    # and its reporter and the office holding it get the picture
    for viewer in (courier, police):
        response = client_of(viewer).get(photo.image_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")  # type: ignore[attr-defined]

    # and a mobile client gets it with its bearer token, another worker's token does not
    assert Client().get(photo.image_url, headers=api_as(courier)._headers()).status_code == 200
    assert Client().get(photo.image_url, headers=api_as(worker())._headers()).status_code == 404


def test_an_internal_category_photo_is_not_public_and_a_public_one_is(
    w: World, django_capture_on_commit_callbacks: Any
) -> None:
    # given a safety hazard (internal) and a garbage heap (public), with photos
    _internal, hidden = submit_with_photo(worker(), "safety_hazard", django_capture_on_commit_callbacks)
    _public, shown = submit_with_photo(worker(), "garbage", django_capture_on_commit_callbacks)

    # then a passer-by sees the public one only
    assert Client().get(hidden.image_url).status_code == 404
    assert Client().get(shown.thumbnail_url).status_code == 200


def test_the_api_answers_with_the_authorised_urls(
    w: World, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a confidential report with a photo
    courier = worker()
    report, photo = submit_with_photo(courier, "public_security_clue", django_capture_on_commit_callbacks)

    # when its reporter reads it through the API
    body = api_as(courier).get(f"/reports/{report.pk}").json()

    # then the photo's URLs are the authorised ones
    assert body["photos"] == [
        {"id": photo.pk, "url": photo.image_url, "thumbnail": photo.thumbnail_url, "status": "ready"}
    ]


def test_originals_and_case_files_are_never_served_over_media(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a report whose original is still stored (its processing not yet run)
    courier = worker()
    report = services.report_submit(
        reporter=courier,
        category_code="garbage",
        description="",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((300, 200), gps=True))],
    )
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.PROCESSING and (media_root / photo.original.name).is_file()
    # and a processed photo of a public report
    _public, ready = submit_with_photo(worker(), "garbage", django_capture_on_commit_callbacks)

    # when their storage paths are asked for under /media/, even by the reporter
    for name in (photo.original.name, ready.image.name, ready.thumbnail.name):
        # then nothing is there
        assert client_of(courier).get(f"/media/{name}").status_code == 404, name
    # and no URL to the original exists at all
    assert photo.image_url == "" and photo.thumbnail_url == ""


def test_a_handlers_photo_reaches_only_those_who_see_the_case(w: World) -> None:
    # given a report resolved with the handler's photo
    courier = worker()
    report = services.report_submit(reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(
        case_id=report.pk, actor=w.community_handler, note="已清运", attachments=[upload(jpeg_bytes())]
    )
    attachment = CaseAttachment.objects.get(event__case_id=report.pk)
    assert attachment.url == f"/files/cases/{report.pk}/attachments/{attachment.pk}"

    # then the reporter and the office see it, another worker and a passer-by do not
    assert client_of(courier).get(attachment.url).status_code == 200
    assert client_of(w.community_handler).get(attachment.url).status_code == 200
    assert client_of(worker()).get(attachment.url).status_code == 404
    assert Client().get(attachment.url).status_code == 404
    # and its page shows the authorised URL
    assert attachment.url in client_of(courier).get(f"/reports/{report.pk}/").content.decode()


def test_file_urls_with_odd_ids_or_variants_are_404(w: World, django_capture_on_commit_callbacks: Any) -> None:
    report, photo = submit_with_photo(worker(), "garbage", django_capture_on_commit_callbacks)
    for url in (
        f"/files/reports/{report.pk}/photos/{photo.pk}/original",
        f"/files/reports/{report.pk + 1}/photos/{photo.pk}/image",
        f"/files/reports/{report.pk}/photos/{2**70}/image",
        f"/files/cases/{2**70}/attachments/1",
        f"/files/appeals/{2**70}/attachments/1/file",
    ):
        assert Client().get(url).status_code == 404, url
