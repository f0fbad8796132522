"""GET /reports?mine=true, the worker's hot list: read in a fixed number of statements compiled once
(selectors.reports_page_of), answered without ninja's per-field check (core.api_answers), and still
saying of every report exactly what GET /reports/{id} says of it, in either language."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import CaseAction, CaseEvent
from littlebee.cases.tests.factories import World
from littlebee.core.api_answers import assert_answer_fits
from littlebee.core.texts import t
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.reports import services
from littlebee.reports.api import ReportList
from littlebee.reports.models import PhotoStatus, Report, ReportPhoto

pytestmark = pytest.mark.django_db


def a_report(reporter: Any, *, photos: int = 0) -> Report:
    return services.report_submit(
        reporter=reporter,
        category_code="garbage",
        description="路口垃圾没人清",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((300, 200))) for _ in range(photos)],
    )


@pytest.fixture
def courier_reports(w: World, django_capture_on_commit_callbacks: Any) -> tuple[Any, list[Report]]:
    """A courier's three reports (one with a processed photo and one still processing, accepted
    for points with a system note stored as a key) and another worker's report they follow."""
    courier, other = worker(), worker()
    with django_capture_on_commit_callbacks(execute=True):  # the first photo is processed
        with_photos = a_report(courier, photos=1)
    at = with_photos.case.created_at
    ReportPhoto.objects.create(report=with_photos, status=PhotoStatus.PROCESSING, created_at=at)
    case_services.case_accept(case_id=with_photos.pk, actor=w.community_handler, points=15, note="已受理")
    # A note the system wrote: read in the reader's language.
    opened = CaseEvent.objects.get(case_id=with_photos.pk, action=CaseAction.OPEN)
    opened.data = {**opened.data, "note_text": t(_("请选择类别。"))}
    opened.save(update_fields=["data"])
    plain = a_report(courier)
    followed = a_report(other)
    case_services.case_follow(case_id=followed.pk, user=courier)
    case_services.case_accept(case_id=followed.pk, actor=w.community_handler, points=20, note="请提交人补充照片")
    case_services.case_resolve(case_id=followed.pk, actor=w.community_handler, note="已清运完毕")
    return courier, [followed, plain, with_photos]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_listed_report_is_what_its_own_page_says_and_fits_the_schema(
    courier_reports: tuple[Any, list[Report]], api_as: Any, language: str
) -> None:
    # given a courier's reports: photos ready and processing, points, a stored note, a followed one
    courier, reports = courier_reports
    client = api_as(courier, language)

    # when the phone lists them
    body = client.get("/reports", {"mine": "true"}).json()

    # then the answer is what ninja would have answered after checking it field by field
    assert_answer_fits(ReportList, body)
    # and each item says what GET /reports/{id} says of it (the follower's view of the followed one)
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == [r.pk for r in reports]
    for item in body["items"]:
        assert item == client.get(f"/reports/{item['id']}").json()
    with_photos = body["items"][2]
    assert [p["status"] for p in with_photos["photos"]] == ["ready", "processing"]
    assert with_photos["photos"][0]["thumbnail"].endswith("/thumb")
    assert with_photos["photos"][1]["url"] is None
    assert with_photos["points_awarded"] == 15
    assert with_photos["timeline"][0]["note"] == ("Please choose a category." if language == "en" else "请选择类别。")
    assert body["items"][0]["description"] == "" and body["items"][0]["points_awarded"] == 0


def test_a_page_costs_the_token_the_page_and_its_details(
    courier_reports: tuple[Any, list[Report]], api_as: Any, django_assert_max_num_queries: Any
) -> None:
    # given a courier with three reports and more timeline rows and photos on some
    courier, reports = courier_reports
    client = api_as(courier)
    client.get("/reports", {"mine": "true"})  # the token's first use of the day writes its last_used_at

    # when the phone asks for a page: the count comes with the page, timelines and photos together
    with django_assert_max_num_queries(3):
        first = client.get("/reports", {"mine": "true", "limit": 2}).json()
    with django_assert_max_num_queries(3):
        second = client.get("/reports", {"mine": "true", "limit": 2, "offset": 2}).json()

    # then the pages split the reports, each counting all of them
    assert first["count"] == second["count"] == 3
    assert [i["id"] for i in first["items"] + second["items"]] == [r.pk for r in reports]


def test_a_page_past_the_end_still_counts(courier_reports: tuple[Any, list[Report]], api_as: Any) -> None:
    # given a courier with three reports
    courier, _reports = courier_reports

    # when the phone asks past the end
    body = api_as(courier).get("/reports", {"mine": "true", "offset": 5}).json()

    # then the page is empty and the count is still all of them
    assert body == {"count": 3, "items": []}
