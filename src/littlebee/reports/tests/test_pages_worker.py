"""The worker's 随手拍 pages: the form (plain and JSON), my reports, a report with its timeline,
rating the handling, "me too", and the service worker's script."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import CaseFollower, CaseStatus
from littlebee.cases.tests.factories import World
from littlebee.reports import services
from littlebee.reports.models import Report, ReportPhoto

pytestmark = pytest.mark.django_db


def jpeg(name: str = "p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def submit(reporter: Any, category: str = "garbage", lat: float = 30.55, lng: float = 114.30, **kw: Any) -> Report:
    return services.report_submit(
        reporter=reporter, category_code=category, description=kw.pop("description", ""), lat=lat, lng=lng, **kw
    )


FORM = {"category": "garbage", "lat": "30.550000", "lng": "114.300000", "description": "垃圾堆了三天"}


# --- The form -------------------------------------------------------------------------------
def test_the_form_shows_categories_with_their_points(w: World) -> None:
    # given a worker
    client = client_of(worker())

    # when they open the form
    response = client.get("/reports/new/")

    # then the camera comes first and each category shows what it earns
    html = response.content.decode()
    assert response.status_code == 200
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert html.index('name="photos"') < html.index('name="category"') < html.index('name="lat"')
    assert "治安线索" in html and "+100 分" in html and "+5–30 分" in html


def test_sending_the_form_files_the_report_and_says_where_it_went(w: World, media_root: Any) -> None:
    # given a worker with a photo
    courier = worker()
    client = client_of(courier)

    # when they send the form
    response = client.post("/reports/new/", {**FORM, "photos": [jpeg()]}, follow=True)

    # then the report is stored with its photo and they land on its page, told the number,
    # the office and the deadline
    report = Report.objects.get()
    assert report.case.reporter == courier
    assert report.description == "垃圾堆了三天"
    assert ReportPhoto.objects.filter(report=report).count() == 1
    assert response.redirect_chain[-1][0] == f"/reports/{report.pk}/"
    text = response.content.decode()
    assert f"随手拍 #{report.pk} 已提交" in text
    assert report.case.organisation.name in text
    assert "前受理" in text


def test_a_form_without_category_is_refused_and_nothing_is_stored(w: World) -> None:
    client = client_of(worker())

    response = client.post("/reports/new/", {**FORM, "category": ""})

    assert response.status_code == 400
    assert "请选择类别。" in response.content.decode()
    assert not Report.objects.exists()


def test_a_form_without_position_or_photo_is_refused_with_a_field_error(w: World) -> None:
    client = client_of(worker())

    response = client.post("/reports/new/", {**FORM, "lat": "", "lng": ""})

    assert response.status_code == 400
    assert 'data-errors-for="lat"' in response.content.decode()
    assert "请在地图上选点，或选择所在街道和社区。" in response.content.decode()
    assert not Report.objects.exists()


def test_nonsense_coordinates_are_a_field_error_not_a_crash(w: World) -> None:
    client = client_of(worker())

    response = client.post("/reports/new/", {**FORM, "lat": "nan", "lng": "abc"})

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_bad_photo_is_refused_and_nothing_is_stored(w: World, media_root: Any) -> None:
    client = client_of(worker())
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")

    response = client.post("/reports/new/", {**FORM, "photos": [fake]})

    assert response.status_code == 400
    assert not Report.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_the_script_gets_json_answers(w: World) -> None:
    # given a worker's phone sending with fetch
    client = client_of(worker())

    # when the form is sent with Accept: application/json
    bad = client.post("/reports/new/", {**FORM, "category": ""}, headers={"Accept": "application/json"})
    good = client.post("/reports/new/", FORM, headers={"Accept": "application/json"})

    # then errors come per field, success with the report's address
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "category"
    report = Report.objects.get()
    assert good.status_code == 201
    assert good.json()["url"] == f"/reports/{report.pk}/"


def test_a_queued_report_sent_twice_is_filed_once(w: World) -> None:
    # given a report sent from the offline queue whose answer was lost
    client = client_of(worker())
    data = {**FORM, "client_key": "6f1c7a1e-key"}
    first = client.post("/reports/new/", data, headers={"Accept": "application/json"})

    # when the queue sends it again
    again = client.post("/reports/new/", data, headers={"Accept": "application/json"})

    # then one report exists and both answers point at it
    assert Report.objects.count() == 1
    assert first.json()["id"] == again.json()["id"]


def test_after_a_refused_send_the_form_offers_me_too_for_the_same_problem_nearby(w: World) -> None:
    # given an open garbage report by someone else 50 m away
    other = submit(worker(), "garbage", 30.5504, 114.3)
    client = client_of(worker())

    # when a worker's send fails (a description too long) at the same spot
    response = client.post("/reports/new/", {**FORM, "description": "x" * 2001})

    # then the page offers "me too" on that report
    assert response.status_code == 400
    assert f"/reports/{other.pk}/follow/" in response.content.decode()


def test_the_pages_need_a_signed_in_user(w: World) -> None:
    client = Client()
    for path in ("/reports/", "/reports/new/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post("/reports/new/", FORM).status_code == 302
    assert not Report.objects.exists()


# --- My reports -----------------------------------------------------------------------------
def test_my_reports_lists_mine_and_those_i_follow_newest_first(w: World, django_assert_max_num_queries: Any) -> None:
    # given a courier's two reports, one they said "me too" to, and someone else's
    courier = worker()
    first = submit(courier, "garbage", description="first")
    second = submit(courier, "road_damage", description="second", urgent=True)
    followed = submit(worker(), "street_light")
    case_services.case_follow(case_id=followed.pk, user=courier)
    stranger = submit(worker(), "flooding")
    client = client_of(courier)

    # when they open my reports
    with django_assert_max_num_queries(12):
        response = client.get("/reports/")

    # then they see theirs and the followed one (marked), newest first, and not the stranger's
    rows = response.context["rows"]
    assert [r["report"].pk for r in rows] == [followed.pk, second.pk, first.pk]
    assert [r["following"] for r in rows] == [True, False, False]
    html = response.content.decode()
    assert f"/reports/{stranger.pk}/" not in html
    assert "突发" in html and "待受理" in html


def test_my_reports_query_count_does_not_grow_with_the_list(
    w: World, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.REPORTS_RATE_LIMIT_COUNT = 50  # fifteen reports at once, beyond a worker's burst
    courier = worker()
    for _ in range(15):
        submit(courier, photos=[jpeg()])
    client = client_of(courier)

    with django_assert_max_num_queries(12):
        response = client.get("/reports/")

    assert len(response.context["rows"]) == 15


def test_my_reports_is_empty_with_a_button_to_report(w: World) -> None:
    response = client_of(worker()).get("/reports/")

    assert "还没有随手拍" in response.content.decode()
    assert 'href="/reports/new/"' in response.content.decode()


# --- A report -------------------------------------------------------------------------------
def test_the_reporter_sees_the_report_with_its_timeline_and_processing_photos(w: World) -> None:
    # given a fresh report with a photo not processed yet
    courier = worker()
    report = submit(courier, photos=[jpeg()])

    # when the reporter opens it
    response = client_of(courier).get(f"/reports/{report.pk}/")

    # then status, office, the processing placeholder and the timeline show
    html = response.content.decode()
    assert response.status_code == 200
    assert "待受理" in html and report.case.organisation.name in html
    assert "data-photo-processing" in html
    assert 'class="timeline' in html and "提交" in html
    assert "data-feedback-form" not in html


def test_someone_else_gets_404_for_a_report(w: World) -> None:
    report = submit(worker())

    assert client_of(worker()).get(f"/reports/{report.pk}/").status_code == 404
    assert client_of(worker()).get("/reports/999999/").status_code == 404


def test_an_accepted_report_shows_the_points_and_a_rejected_one_the_reason(w: World) -> None:
    # given one report accepted with 20 points and one rejected
    courier = worker()
    accepted = submit(courier)
    case_services.case_accept(case_id=accepted.pk, actor=w.community_handler, points=20)
    rejected = submit(courier, "road_damage")
    case_services.case_reject(case_id=rejected.pk, actor=w.community_handler, note="不在本辖区，已告知所属街道")
    client = client_of(courier)

    # then the worker sees the points, and the reason
    assert "+20" in client.get(f"/reports/{accepted.pk}/").content.decode()
    html = client.get(f"/reports/{rejected.pk}/").content.decode()
    assert "不予受理的原因" in html and "不在本辖区，已告知所属街道" in html


def resolved_report(w: World, courier: Any) -> Report:
    report = submit(courier)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    photo = SimpleUploadedFile("after.jpg", jpeg().read(), content_type="image/jpeg")
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清运完毕", attachments=[photo])
    return report


def test_a_resolved_report_shows_what_was_done_and_asks_the_reporter_to_rate(w: World) -> None:
    courier = worker()
    report = resolved_report(w, courier)

    html = client_of(courier).get(f"/reports/{report.pk}/").content.decode()

    assert "处理结果" in html and "已清运完毕" in html
    assert f"/files/cases/{report.pk}/attachments/" in html  # the handler's photo
    assert "data-feedback-form" in html and 'name="rating"' in html


def test_the_reporter_confirms_it_is_fixed(w: World) -> None:
    courier = worker()
    report = resolved_report(w, courier)

    response = client_of(courier).post(
        f"/reports/{report.pk}/feedback/", {"rating": "5", "comment": "很快", "resolved": "1"}
    )

    assert response.status_code == 302
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.CLOSED and report.case.rating == 5


def test_not_fixed_reopens_it_as_a_dispute(w: World) -> None:
    courier = worker()
    report = resolved_report(w, courier)

    client_of(courier).post(f"/reports/{report.pk}/feedback/", {"rating": "1", "resolved": "0"})

    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.DISPUTED and report.case.dispute_count == 1


def test_a_rating_out_of_range_is_refused_and_nothing_changes(w: World) -> None:
    courier = worker()
    report = resolved_report(w, courier)

    response = client_of(courier).post(f"/reports/{report.pk}/feedback/", {"rating": "9", "resolved": "1"})

    assert response.status_code == 400
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.RESOLVED and report.case.rating is None


def test_rating_before_resolution_is_refused(w: World) -> None:
    courier = worker()
    report = submit(courier)

    response = client_of(courier).post(f"/reports/{report.pk}/feedback/", {"rating": "5", "resolved": "1"})

    assert response.status_code == 302
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.SUBMITTED and report.case.rating is None


def test_a_follower_reads_but_may_not_rate_and_a_stranger_gets_404(w: World) -> None:
    # given a resolved report another worker follows
    courier, follower = worker(), worker()
    report = submit(courier)
    case_services.case_follow(case_id=report.pk, user=follower)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清运")

    # then the follower sees the page without the rating form, and is refused when posting one
    page = client_of(follower).get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    assert "data-feedback-form" not in page.content.decode()
    refused = client_of(follower).post(f"/reports/{report.pk}/feedback/", {"rating": "5", "resolved": "1"})
    assert refused.status_code == 403
    stranger = client_of(worker()).post(f"/reports/{report.pk}/feedback/", {"rating": "5", "resolved": "1"})
    assert stranger.status_code == 404
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.RESOLVED


# --- Me too ---------------------------------------------------------------------------------
def test_me_too_follows_a_public_open_report(w: World) -> None:
    report = submit(worker(), "garbage")
    rider = worker()

    response = client_of(rider).post(f"/reports/{report.pk}/follow/")

    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert CaseFollower.objects.filter(case_id=report.pk, user=rider).exists()


@pytest.mark.parametrize("category", ["safety_hazard", "public_security_clue"])
def test_me_too_is_refused_for_reports_that_are_not_public(w: World, category: str) -> None:
    from littlebee.orgs.models import DepartmentType, OrgKind
    from littlebee.orgs.tests.factories import OrganisationFactory

    OrganisationFactory(kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district)
    report = submit(worker(), category)
    rider = worker()

    response = client_of(rider).post(f"/reports/{report.pk}/follow/")

    assert response.status_code == 404
    assert not CaseFollower.objects.filter(user=rider).exists()


def test_me_too_needs_a_post(w: World) -> None:
    report = submit(worker())
    assert client_of(worker()).get(f"/reports/{report.pk}/follow/").status_code == 405


# --- The service worker ---------------------------------------------------------------------
def test_the_service_worker_is_served_from_reports_with_its_scope(w: World) -> None:
    response = Client().get("/reports/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/reports/"
    assert "/static/js/report-form.js" in response.content.decode()


def test_home_has_the_big_report_button(w: World) -> None:
    html = client_of(worker()).get("/").content.decode()
    assert 'class="report-cta" href="/reports/new/"' in html
    assert 'href="/reports/"' in html
