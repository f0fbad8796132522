"""Browser journeys on a phone: a keeper opens 驿站管理 from the staff console, changes today's
opening hours and saves, and the public station page shows the new hours; a keeper uploads photos
and adds to the annual service list, and the station page shows them."""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import log_in
from littlebee.hives import hours, services
from littlebee.hives.models import AnnualServiceItem, HivePhoto, HiveVisit, OpeningInterval, VisitMethod

from .factories import HiveFactory as _HiveFactory
from .factories import OpeningIntervalFactory as _OpeningIntervalFactory
from .photo_files import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory
OpeningIntervalFactory: Any = _OpeningIntervalFactory


def test_a_keeper_changes_todays_hours_on_a_phone(new_phone_page: Any, screenshot: Any) -> None:
    # given a station open 08:00–20:00 every day, its keeper, and a visit this week
    catalogue = services.service_catalogue_ensure()
    hive = HiveFactory(
        name="西厂口社区蜂巢驿站",
        address="武汉市武昌区中山路 100 号",
        always_open=False,
        responsible_person="李站长",
        services=catalogue[:5],
    )
    for weekday in range(7):
        OpeningIntervalFactory(hive=hive, weekday=weekday, opens=dt.time(8), closes=dt.time(20))
    HiveVisit.objects.create(hive=hive, worker=worker(), method=VisitMethod.QR)
    keeper = staff(hive.managing_unit, role=Role.KEEPER, user__name="李站长")
    today = hours.DAYS[timezone.localdate().weekday()]
    page = new_phone_page()
    log_in(page, keeper.phone)

    # when the keeper opens 驿站管理 from the console and edits the station
    page.locator(".module", has_text="工作台").click()
    page.locator(".tile", has_text="驿站管理").click()
    page.wait_for_url("**/hives/manage/")
    assert page.locator(".station-manage__count").inner_text() == "1"
    screenshot(page, "hives-manage-list")
    page.get_by_role("link", name="编辑", exact=True).click()
    page.wait_for_url(f"**/hives/{hive.pk}/edit/")
    day = page.locator(f"#id_{today}")
    assert day.input_value() == "08:00-20:00"
    day.fill("09:30-12:00, 13:00-21:30")
    screenshot(page, "hives-manage-edit")
    page.get_by_role("button", name="保存").click()

    # then the page confirms, and the station's page shows today's new hours
    page.get_by_text("驿站信息已保存").wait_for()
    assert page.locator(f"#id_{today}").input_value() == "09:30-12:00, 13:00-21:30"
    screenshot(page, "hives-manage-saved")
    assert OpeningInterval.objects.filter(hive=hive).count() == 8
    page.get_by_role("link", name="查看驿站页面").click()
    page.wait_for_url(f"**/hives/{hive.pk}/")
    today_row = page.locator(".hours__today")
    assert today_row.locator(".hours__span").all_inner_texts() == ["09:30–12:00", "13:00–21:30"]
    screenshot(page, "hives-manage-station-page")


def test_a_mistake_in_the_hours_is_shown_beside_the_day_on_a_phone(new_phone_page: Any, screenshot: Any) -> None:
    # given
    services.service_catalogue_ensure()
    hive = HiveFactory(name="机安社区爱心驿站", always_open=False)
    OpeningIntervalFactory(hive=hive, weekday=0, opens=dt.time(8), closes=dt.time(20))
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    page = new_phone_page()
    log_in(page, keeper.phone)

    # when the keeper types overlapping hours on Tuesday and on Wednesday, and a new phone number
    page.goto(f"/hives/{hive.pk}/edit/")
    page.get_by_label("联系电话").fill("13800001111")
    page.locator("#id_tue").fill("08:00-12:00, 11:00-14:00")
    page.locator("#id_wed").fill("20:00-22:00, 21:00-23:00")
    page.get_by_role("button", name="保存").click()

    # then both are explained beside their day, the typing is kept, and nothing was saved
    page.locator("#id_tue_errors").wait_for()
    assert "营业时段不能重叠" in page.locator("#id_tue_errors").inner_text()
    assert "营业时段不能重叠" in page.locator("#id_wed_errors").inner_text()
    assert page.locator("#id_wed").input_value() == "20:00-22:00, 21:00-23:00"
    expect(page.get_by_text("提交没有成功")).to_be_visible()
    page.evaluate("document.querySelector('#hours').scrollIntoView()")
    screenshot(page, "hives-manage-edit-errors")
    assert list(OpeningInterval.objects.filter(hive=hive).values_list("weekday", flat=True)) == [0]
    hive.refresh_from_db()
    assert hive.contact_phone == "027-88886666"


def serve_media(page: Any, root: Path) -> None:
    """The live server serves static files but not uploads: serve /media/ from the test's MEDIA_ROOT,
    as the web server (or object storage) does in a deployment."""

    def fulfil(route: Any) -> None:
        name = route.request.url.split("/media/", 1)[1]
        path = root / name
        if not path.is_file():
            route.fulfill(status=404)
            return
        route.fulfill(status=200, content_type=mimetypes.guess_type(name)[0] or "", body=path.read_bytes())

    page.context.route(re.compile(r".*/media/.*"), fulfil)


def photo(colour: tuple[int, int, int], size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo-like JPEG: a colour wash with a band across it, and a GPS position in its EXIF."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    from .photo_files import jpeg_bytes

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, size[1] * 2 // 3, size[0], size[1]), fill=(150, 110, 80))
    draw.ellipse((size[0] // 3, size[1] // 5, size[0] * 2 // 3, size[1] * 3 // 5), fill=(245, 166, 35))
    out = BytesIO()
    exif = Image.open(BytesIO(jpeg_bytes(gps=True))).getexif()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def test_a_keeper_adds_photos_and_an_annual_item_on_a_phone(
    new_phone_page: Any, screenshot: Any, media_root: Path
) -> None:
    # given a station and its keeper, on a phone
    services.service_catalogue_ensure()
    hive = HiveFactory(name="西厂口社区蜂巢驿站", address="武汉市武昌区中山路 100 号")
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    page = new_phone_page()
    serve_media(page, media_root)
    log_in(page, keeper.phone)
    page.goto(f"/hives/{hive.pk}/edit/#photos")

    # when the keeper uploads two photos, one with a caption
    photos = page.locator("#photos")
    file_input = page.locator("#id_photo-photo")
    assert file_input.get_attribute("accept") == "image/jpeg,image/png,image/webp"
    file_input.set_input_files(
        files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": photo((96, 140, 90))}]
    )
    photos.get_by_label("说明").fill("休息区")
    photos.get_by_role("button", name="上传照片").click()
    page.get_by_text("照片已上传").wait_for()
    page.locator("#id_photo-photo").set_input_files(
        files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": photo((70, 110, 170), (1200, 1600))}]
    )
    page.locator("#photos").get_by_role("button", name="上传照片").click()
    page.locator(".photo-grid__item").nth(1).wait_for()

    # then both are shown as thumbnails with a remove button, stored without their EXIF
    grid = page.locator(".photo-grid__item")
    assert grid.count() == 2
    assert page.locator(".photo-count").inner_text() == "2 / 9"
    page.wait_for_function(
        "() => [...document.querySelectorAll('.photo-grid__img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert grid.first.locator(".photo-grid__caption").inner_text() == "休息区"
    assert b"Exif" not in (media_root / HivePhoto.objects.order_by("id").first().image.name).read_bytes()  # type: ignore[union-attr]
    page.locator("#photos").scroll_into_view_if_needed()
    screenshot(page, "hives-manage-photos")

    # when a PDF named like a photo is uploaded, it is refused with a message
    page.locator("#id_photo-photo").set_input_files(
        files=[{"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": PDF_BYTES}]
    )
    page.locator("#photos").get_by_role("button", name="上传照片").click()
    page.locator(".toast--error").wait_for()
    assert "无法识别这张照片" in page.locator(".toast--error").inner_text()
    screenshot(page, "hives-manage-photo-refused")
    assert HivePhoto.objects.count() == 2

    # when the keeper removes the second photo (confirming), and adds an item to this year's list
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除第 2 张照片").click()
    page.get_by_text("照片已删除").wait_for()
    annual = page.locator("#annual-items")
    annual.get_by_label("项目").fill("夏季防暑降温")
    annual.get_by_label("频次").fill("6—9 月每天")
    annual.get_by_label("说明").fill("免费绿豆汤、藿香正气水")
    annual.get_by_role("button", name="添加项目").click()
    page.get_by_text("已将“夏季防暑降温”加入").wait_for()
    page.locator("#annual-items").scroll_into_view_if_needed()
    screenshot(page, "hives-manage-annual-items")

    # then the station page shows the photo strip and the list
    assert HivePhoto.objects.count() == 1
    assert AnnualServiceItem.objects.filter(hive=hive, title="夏季防暑降温").exists()
    page.goto(f"/hives/{hive.pk}/")
    strip = page.locator(".photo-strip")
    strip.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.photo-strip img').naturalWidth > 0")
    assert strip.locator("figcaption").inner_text() == "休息区"
    expect(page.locator("#annual-title")).to_be_visible()
    assert "免费绿豆汤" in page.locator("main").inner_text()
    screenshot(page, "hives-station-photos")
