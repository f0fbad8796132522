"""Uploads can't buy CPU cheaply (issue 11 item 7): a worker's burst of reports is refused with
429 and Retry-After, counted in the database; the photos of one request share a pixel budget,
checked from their headers before any is decoded; a refused request stores nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.core.errors import InvalidInput, TooManyRequests
from littlebee.core.images import PixelBudget, image_open
from littlebee.hives.tests.photo_files import jpeg_bytes, png_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import Report, ReportPhoto

from .conftest import stored_files

pytestmark = pytest.mark.django_db

FORM = {"category": "garbage", "lat": "30.55", "lng": "114.30"}


def post(client_headers: dict[str, str], data: dict[str, Any]) -> Any:
    return Client().post("/api/v1/reports", data, headers=client_headers)


def submit(reporter: Any, **kw: Any) -> Report:
    return services.report_submit(
        reporter=reporter, category_code="garbage", description="", lat=30.55, lng=114.30, **kw
    )


# --- Rate limit -------------------------------------------------------------------------------
def test_a_burst_of_reports_is_refused_with_429_retry_after_and_stores_nothing(
    w: World, api_as: Any, settings: Any, media_root: Path
) -> None:
    # given a limit of 3 reports in 10 minutes, and 3 just sent by a courier
    settings.REPORTS_RATE_LIMIT_COUNT = 3
    settings.REPORTS_RATE_LIMIT_MINUTES = 10
    courier = worker()
    headers = api_as(courier)._headers()
    for _ in range(3):
        assert post(headers, FORM).status_code == 201
    files_before = stored_files(media_root)

    # when a fourth arrives, with a photo
    response = post(headers, {**FORM, "photos": [upload(jpeg_bytes())]})

    # then it is refused with when to come back, and nothing of it is stored
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests" and response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 600
    assert Report.objects.filter(case__reporter=courier).count() == 3
    assert not ReportPhoto.objects.exists() and stored_files(media_root) == files_before
    # and another worker is not held back
    assert post(api_as(worker())._headers(), FORM).status_code == 201


def test_the_wait_is_until_the_oldest_report_in_the_window_leaves_it(w: World, settings: Any) -> None:
    # given 2 reports 4 and 1 minutes ago with a limit of 2 in 10 minutes
    settings.REPORTS_RATE_LIMIT_COUNT = 2
    now = timezone.now()
    courier = worker()
    submit(courier, at=now - timedelta(minutes=4))
    submit(courier, at=now - timedelta(minutes=1))

    # when a third is sent now, then it waits the 6 minutes until the first leaves the window
    with pytest.raises(TooManyRequests) as refused:
        submit(courier, at=now)
    assert refused.value.retry_after == 6 * 60

    # and 6 minutes later it goes through
    assert submit(courier, at=now + timedelta(minutes=6, seconds=1)).pk
    assert Case.objects.filter(reporter=courier).count() == 3


def test_the_form_answers_429_so_the_phone_keeps_the_report(w: World, settings: Any) -> None:
    # given a limit of 1 report in 10 minutes, used up
    settings.REPORTS_RATE_LIMIT_COUNT = 1
    courier = worker()
    submit(courier)
    client = Client()
    client.force_login(courier)

    # when the page's script sends another
    response = client.post("/reports/new/", {**FORM, "description": "又一处"}, headers={"Accept": "application/json"})

    # then it answers 429 with Retry-After (the outbox retries later) and files nothing
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Report.objects.filter(case__reporter=courier).count() == 1


# --- Pixels -----------------------------------------------------------------------------------
def test_the_photos_of_one_report_share_a_pixel_budget(w: World, api_as: Any, settings: Any, media_root: Path) -> None:
    # given a budget of 100,000 pixels per request
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 100_000
    headers = api_as(worker())._headers()

    # when a report comes with three photos of 40,000 pixels (each fine alone)
    photos = [upload(jpeg_bytes((200, 200))) for _ in range(3)]
    response = post(headers, {**FORM, "photos": photos})

    # then it is refused on "photos", and nothing is stored
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "photos"
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()
    assert stored_files(media_root) == []
    # and two of them fit
    response = post(headers, {**FORM, "photos": [upload(jpeg_bytes((200, 200))) for _ in range(2)]})
    assert response.status_code == 201


def test_the_budget_is_charged_from_the_header_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a budget that one 300x300 picture exhausts, and a count of decodes
    first, second = png_bytes((300, 300), transparent=False), png_bytes((300, 300), transparent=False)
    decoded: list[tuple[int, int]] = []
    load = Image.Image.load

    def counting_load(self: Any) -> Any:
        decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(Image.Image, "load", counting_load)
    budget = PixelBudget(100_000)
    image_open(first, "photos", budget)
    decodes_of_one = len(decoded)
    assert decodes_of_one >= 1

    # when a second picture is opened against the spent budget
    with pytest.raises(InvalidInput):
        image_open(second, "photos", budget)

    # then it was refused without decoding a pixel of it
    assert len(decoded) == decodes_of_one
