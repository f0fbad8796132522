"""The photos section of the station edit page (/hives/<id>/edit/#photos) and the station page's strip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.hives.models import HivePhoto

from .factories import HiveFactory as _HiveFactory
from .photo_files import PDF_BYTES, huge_png_bytes, jpeg_bytes, stored, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HiveFactory: Any = _HiveFactory


@pytest.fixture
def hive() -> Any:
    return HiveFactory(name="西厂口社区蜂巢驿站")


@pytest.fixture
def client(hive: Any) -> Client:
    client = Client()
    client.force_login(staff(hive.managing_unit, role=Role.KEEPER))
    return client


def edit_url(hive: Any) -> str:
    return reverse("hives:edit", args=[hive.pk])


def post_photo(client: Client, hive: Any, content: bytes | None, caption: str = "", name: str = "p.jpg") -> Any:
    data: dict[str, Any] = {"photo-caption": caption}
    if content is not None:
        data["photo-photo"] = upload(content, name=name)
    return client.post(reverse("hives:photo_add", args=[hive.pk]), data)


def messages_of(client: Client, response: Any) -> str:
    return client.get(response["Location"]).content.decode()


def test_the_edit_page_offers_an_upload_form_for_images(client: Client, hive: Any) -> None:
    html = client.get(edit_url(hive)).content.decode()

    assert 'id="photos"' in html
    assert f'action="{reverse("hives:photo_add", args=[hive.pk])}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert "还没有照片" in html
    assert "0 / 9" in html


def test_a_keeper_uploads_a_photo_and_sees_it_on_both_pages(client: Client, hive: Any) -> None:
    # when
    response = post_photo(client, hive, jpeg_bytes((3000, 2000), gps=True), caption="休息区")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(hive)}#photos"
    photo = HivePhoto.objects.get()
    assert (photo.hive, photo.caption) == (hive, "休息区")
    assert stored(photo).size == (2048, 1365)
    page = messages_of(client, response)
    assert "照片已上传" in page
    assert f'src="{photo.image.url}"' in page
    assert reverse("hives:photo_remove", args=[hive.pk, photo.pk]) in page
    assert "1 / 9" in page
    station = Client().get(reverse("hives:station", args=[hive.pk])).content.decode()
    assert 'class="photo-strip"' in station
    assert f'src="{photo.image.url}"' in station
    assert "<figcaption>休息区</figcaption>" in station


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PDF_BYTES, "scan.jpg", "无法识别这张照片"),
        (jpeg_bytes((400, 300))[:-600], "cut.jpg", "无法识别这张照片"),
        (huge_png_bytes(), "big.png", "4000 万像素"),
        (jpeg_bytes() + b"\x00" * (11 * 1024 * 1024), "big.jpg", "照片不能超过 10 MB"),
        (None, "", "请选择一张照片"),
    ],
    ids=["pdf", "truncated", "too-many-pixels", "11-mb", "no-file"],
)
def test_a_refused_upload_is_explained_in_a_message_and_nothing_is_stored(
    client: Client, hive: Any, media_root: Path, content: bytes | None, name: str, message: str
) -> None:
    response = post_photo(client, hive, content, name=name)

    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(hive)}#photos"
    page = messages_of(client, response)
    assert "toast--error" in page and message in page
    assert not HivePhoto.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_with_nine_photos_the_form_gives_way_to_a_note_and_a_tenth_is_refused(client: Client, hive: Any) -> None:
    # given
    for _n in range(9):
        post_photo(client, hive, jpeg_bytes())

    # when
    page = client.get(edit_url(hive)).content.decode()
    response = post_photo(client, hive, jpeg_bytes())

    # then
    assert "9 / 9" in page
    assert f'action="{reverse("hives:photo_add", args=[hive.pk])}"' not in page
    assert "删除一张后才能再上传" in page
    assert "最多 9 张照片" in messages_of(client, response)
    assert HivePhoto.objects.count() == 9


def test_a_keeper_removes_a_photo(
    client: Client, hive: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    post_photo(client, hive, jpeg_bytes())
    photo = HivePhoto.objects.get()
    path = media_root / photo.image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hives:photo_remove", args=[hive.pk, photo.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(hive)}#photos"
    assert "照片已删除" in messages_of(client, response)
    assert not HivePhoto.objects.exists()
    assert not path.exists()


def test_removing_another_stations_photo_through_ones_own_station_is_404(client: Client, hive: Any) -> None:
    other = HivePhoto.objects.create(hive=HiveFactory(), image="hives/2026/01/other.jpg")

    response = client.post(reverse("hives:photo_remove", args=[hive.pk, other.pk]))

    assert response.status_code == 404
    assert HivePhoto.objects.filter(pk=other.pk).exists()
