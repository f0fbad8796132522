"""Issue 5's done-when on the demo city, as people would click through it on their phones: the
demo courier reports a broken traffic light with a photo whose EXIF carries the place; it lands
with 武昌's traffic police; 赵刚 accepts it (the courier's balance rises by the points he picks)
and resolves it with a note and a photo; the courier follows each step in the timeline and the
inbox and rates it. An overdue case escalates to the street, a confidential clue is seen by its
office alone, and the stored photo has no EXIF."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from littlebee.accounts.models import User
from littlebee.cases.models import Case, CaseStatus
from littlebee.cases.selectors import staff_org_ids
from littlebee.cases.services import cases_escalate_overdue
from littlebee.conftest import log_in
from littlebee.orgs.models import DepartmentType, Organisation
from littlebee.points.selectors import balance_of, points_mismatches
from littlebee.reports import services
from littlebee.reports.models import LocationSource, PhotoStatus, Report
from littlebee.reports.tests.test_exif_location import gps_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bee-demo-2021"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COURIER, TRAFFIC_POLICE, CITY_ADMIN, XICHANGKOU, STREET = (
    "13800000001",
    "13900000006",
    "13900000000",
    "13900000001",
    "13900000002",
)
# The crossing by 西厂口社区 (黄鹤楼街道, 武昌区) where the light is out.
CROSSING = (30.5478, 114.3004)


@pytest.fixture
def demo_city(wuhan_city: Any, settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_the_demo_courier_reports_a_dead_light_and_follows_it_to_the_end_and_an_overdue_case_and_a_clue(
    demo_city: Path, new_phone_page: Any, screenshot: Any
) -> None:
    # given the demo courier, his phone refusing to tell where it is, and a photo of the light
    # taken a minute ago at the crossing
    courier = User.objects.get(phone=COURIER)
    before = balance_of(courier)
    photo = demo_city / "light.jpg"
    taken = timezone.localtime() - timedelta(minutes=1)
    photo.write_bytes(gps_jpeg(*CROSSING, taken=taken.replace(tzinfo=None), size=(1200, 900), pattern=7))
    page = new_phone_page()
    log_in(page, COURIER, "/", password=PASSWORD)

    # when he taps 随手拍, attaches the photo, picks 信号灯故障 and sends
    page.locator("a.report-cta").click()
    page.wait_for_url("**/reports/new/")
    page.locator("[data-photo-input]").set_input_files(str(photo))
    page.locator("[data-previews] img").first.wait_for()
    page.locator("label.category-chip", has_text="信号灯故障").click()
    page.get_by_label("问题描述（选填）").fill("西厂口路口红绿灯全灭，车辆抢行")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    screenshot(page, "done-when-1-submitted")

    # then the report took its place from the photo and lies with 武昌's traffic police
    report = Report.objects.select_related("case__organisation").get(description="西厂口路口红绿灯全灭，车辆抢行")
    assert report.location_source == LocationSource.PHOTO
    assert report.case.lat == pytest.approx(CROSSING[0], abs=1e-4)
    assert report.case.lng == pytest.approx(CROSSING[1], abs=1e-4)
    police = User.objects.get(phone=TRAFFIC_POLICE)
    assert report.case.organisation.department_type == DepartmentType.TRAFFIC_POLICE
    assert report.case.organisation_id in staff_org_ids(police)
    # and the stored photo carries no EXIF at all
    stored = report.photos.get()
    assert stored.status == PhotoStatus.READY and stored.exif_lat is not None
    with stored.image.open("rb") as file:
        kept = Image.open(BytesIO(file.read()))
        assert not kept.getexif() and "exif" not in kept.info

    # when 赵刚 opens his queue, the report, and accepts it with 30 points
    desk = new_phone_page()
    log_in(desk, TRAFFIC_POLICE, "/staff/cases/", password=PASSWORD)
    desk.locator(f"[data-case-row='{report.pk}'] a").first.click()
    desk.wait_for_url(f"**/staff/cases/{report.pk}/")
    accept = desk.locator("[data-case-action=accept]")
    accept.locator("summary").click()
    accept.get_by_label("受理说明（小哥会看到）").fill("已通知信号维护单位，民警先到场指挥。")
    accept.get_by_label("奖励积分").fill("30")
    accept.get_by_role("button", name="受理", exact=True).click()
    desk.locator(".toast", has_text="已受理").wait_for()

    # then the courier's balance has risen by 30
    assert balance_of(courier) == before + 30

    # when he resolves it with a note and a photo of the working light
    fixed = demo_city / "fixed.jpg"
    Image.new("RGB", (640, 480), (30, 160, 60)).save(fixed, "JPEG")
    resolve = desk.locator("[data-case-action=resolve]")
    resolve.locator("summary").click()
    resolve.get_by_label("办理结果（小哥会看到）").fill("信号灯控制器已更换，恢复正常。")
    resolve.get_by_label("现场照片").set_input_files(str(fixed))
    resolve.get_by_role("button", name="办结", exact=True).click()
    desk.locator(".toast", has_text="已办结").wait_for()
    screenshot(desk, "done-when-2-resolved-by-police")

    # then the courier's inbox tells him, and the report's timeline shows every step
    page.goto("/inbox/")
    page.get_by_text("您的随手拍已受理").first.wait_for()
    message = page.get_by_text("您的随手拍已办结，请评价").first
    screenshot(page, "done-when-3-inbox")
    message.click()
    page.wait_for_url(f"**/reports/{report.pk}/")
    timeline = page.locator("[data-timeline]").inner_text()
    for step in ("提交", "受理", "办结", "已通知信号维护单位", "信号灯控制器已更换"):
        assert step in timeline
    assert page.locator("[data-timeline] img").count() == 1

    # when he gives five stars and says it is fixed
    page.locator("label.star-rating__star[for$='_0']").click()
    page.get_by_role("button", name="问题已解决").click()
    page.wait_for_load_state()
    screenshot(page, "done-when-4-rated")

    # then the case is closed with his rating, and the points ledger agrees with the balances
    case = Case.objects.get(pk=report.pk)
    assert case.status == CaseStatus.CLOSED and case.rating == 5
    assert not points_mismatches()

    # --- and on the same demo city (loaded once: it takes a while) ---
    # given a pile of garbage the courier reported at 西厂口 two weeks ago that nobody took up,
    # and a public-security clue he sent today
    long_ago = timezone.now() - timedelta(days=14)
    garbage = services.report_submit(
        reporter=courier,
        category_code="garbage",
        description="楼下垃圾无人清运",
        lat=30.5476,
        lng=114.3001,
        at=long_ago,
    )
    clue = services.report_submit(
        reporter=courier,
        category_code="public_security_clue",
        description="有人在路口兜售假证",
        lat=30.5476,
        lng=114.3001,
    )

    # when the overdue job runs
    cases_escalate_overdue(now=timezone.now())

    # then the garbage case has gone up to 黄鹤楼街道, marked overdue in the street's queue
    garbage.case.refresh_from_db()
    street = User.objects.get(phone=STREET)
    assert garbage.case.overdue and garbage.case.organisation_id in staff_org_ids(street)
    page = new_phone_page()
    log_in(page, STREET, "/staff/cases/?queue=overdue", password=PASSWORD)
    row = page.locator(f"[data-case-row='{garbage.pk}']")
    assert "超期" in row.inner_text()
    screenshot(page, "done-when-5-escalated-to-street")

    # and the clue is seen only by the public security office it went to
    office = Organisation.objects.get(pk=clue.case.organisation_id)
    assert office.department_type == DepartmentType.PUBLIC_SECURITY
    for phone in (CITY_ADMIN, TRAFFIC_POLICE, XICHANGKOU, STREET):
        page = new_phone_page()
        log_in(page, phone, "/staff/cases/", password=PASSWORD)
        assert page.goto(f"/staff/cases/{clue.pk}/").status == 404, phone
        page.goto("/staff/cases/?queue=all")
        assert not page.locator(f"[data-case-row='{clue.pk}']").count()
    officer = User.objects.filter(memberships__organisation=office, is_active=True).first()
    assert officer is not None
    page = new_phone_page()
    log_in(page, officer.phone, f"/staff/cases/{clue.pk}/", password=PASSWORD)
    assert "有人在路口兜售假证" in page.locator("main").inner_text()
    assert courier.phone in page.content()  # the office sees who sent it

    # and never on the public map
    public = new_phone_page()
    answer = public.request.get("/api/v1/reports/map?min_lat=30&max_lat=31&min_lng=114&max_lng=115")
    assert clue.pk not in {item["id"] for item in answer.json()["items"]}
