"""POST /hives/{id}/photos (multipart) and DELETE /hives/{id}/photos/{photo_id}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.hives.models import HivePhoto

from .factories import HiveFactory as _HiveFactory
from .photo_files import PDF_BYTES, huge_png_bytes, jpeg_bytes, stored, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HiveFactory: Any = _HiveFactory


@pytest.fixture
def hive() -> Any:
    return HiveFactory(name="西厂口社区蜂巢驿站")


@pytest.fixture
def keeper(hive: Any) -> Any:
    return staff(hive.managing_unit, role=Role.KEEPER)


def post_photo(client: Any, hive_id: int, content: bytes | None, name: str = "photo.jpg", **fields: Any) -> Any:
    data = dict(fields)
    if content is not None:
        data["photo"] = upload(content, name=name)
    return client.client.post(f"/api/v1/hives/{hive_id}/photos", data, headers=client._headers())


def test_a_keeper_uploads_a_photo_and_the_station_shows_it(api_as: Any, api: Any, hive: Any, keeper: Any) -> None:
    # when
    response = post_photo(api_as(keeper), hive.pk, jpeg_bytes((3000, 2000), orientation=6, gps=True), caption="休息区")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    photo = HivePhoto.objects.get()
    assert body == {"id": photo.pk, "url": photo.image.url, "caption": "休息区"}
    assert body["url"].startswith("/media/hives/") and body["url"].endswith(".jpg")
    assert stored(photo).size == (1365, 2048)
    assert api.get(f"/hives/{hive.pk}").json()["photos"] == [body]


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (PDF_BYTES, "scan.jpg", 400, "invalid_input"),
        (jpeg_bytes((400, 300))[:-600], "cut.jpg", 400, "invalid_input"),
        (huge_png_bytes(), "big.png", 400, "invalid_input"),
        (jpeg_bytes() + b"\x00" * (11 * 1024 * 1024), "huge.jpg", 413, "too_large"),
    ],
    ids=["pdf-renamed-jpg", "truncated-jpeg", "20000x20000-png", "11-mb"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    api_as: Any, hive: Any, keeper: Any, media_root: Path, content: bytes, name: str, status: int, code: str
) -> None:
    response = post_photo(api_as(keeper), hive.pk, content, name=name)

    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    if status == 400:
        assert [e["field"] for e in body["errors"]] == ["photo"]
    assert not HivePhoto.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_errors_answer_in_english_when_asked(api_as: Any, hive: Any, keeper: Any) -> None:
    response = post_photo(api_as(keeper, language="en"), hive.pk, PDF_BYTES, name="scan.jpg")
    assert response.status_code == 400
    assert "JPG, PNG or WebP" in response.json()["detail"]


def test_a_missing_photo_is_a_400_and_a_json_body_a_415(api_as: Any, hive: Any, keeper: Any) -> None:
    client = api_as(keeper)

    missing = post_photo(client, hive.pk, None, caption="没有照片")
    as_json = client.post(f"/hives/{hive.pk}/photos", {"photo": "aGVsbG8=", "caption": "x"})

    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["photo"]
    assert as_json.status_code == 415
    assert as_json.json()["code"] == "unsupported_media_type"
    assert not HivePhoto.objects.exists()


def test_a_malformed_multipart_body_is_a_400_not_a_500(api_as: Any, hive: Any, keeper: Any) -> None:
    client = api_as(keeper)
    response = client.client.post(
        f"/api/v1/hives/{hive.pk}/photos",
        b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=xyz",
        headers=client._headers(),
    )
    assert response.status_code == 400
    assert not HivePhoto.objects.exists()


def test_a_nul_in_the_caption_is_a_400(api_as: Any, hive: Any, keeper: Any) -> None:
    response = post_photo(api_as(keeper), hive.pk, jpeg_bytes(), caption="a\x00b")
    assert response.status_code == 400
    assert not HivePhoto.objects.exists()


def test_the_tenth_photo_is_refused_with_409(api_as: Any, hive: Any, keeper: Any) -> None:
    client = api_as(keeper)
    for _n in range(9):
        assert post_photo(client, hive.pk, jpeg_bytes()).status_code == 201

    response = post_photo(client, hive.pk, jpeg_bytes())

    assert response.status_code == 409
    assert response.json()["code"] == "limit_reached"
    assert HivePhoto.objects.count() == 9


@pytest.mark.parametrize("who", ["other_stations_keeper", "worker"])
def test_others_get_404_on_upload_and_delete(api_as: Any, hive: Any, keeper: Any, who: str) -> None:
    # given a photo of the station
    photo_id = post_photo(api_as(keeper), hive.pk, jpeg_bytes()).json()["id"]
    person = staff(HiveFactory().managing_unit, role=Role.KEEPER) if who == "other_stations_keeper" else worker()
    client = api_as(person)

    # when
    upload_answer = post_photo(client, hive.pk, jpeg_bytes())
    delete_answer = client.delete(f"/hives/{hive.pk}/photos/{photo_id}")

    # then
    assert (upload_answer.status_code, delete_answer.status_code) == (404, 404)
    assert list(HivePhoto.objects.values_list("pk", flat=True)) == [photo_id]


def test_anonymous_uploads_are_401(api: Any, hive: Any) -> None:
    response = api.client.post(f"/api/v1/hives/{hive.pk}/photos", {"photo": upload(jpeg_bytes())})
    assert response.status_code == 401


def test_a_keeper_deletes_a_photo(
    api_as: Any, hive: Any, keeper: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_as(keeper)
    photo_id = post_photo(client, hive.pk, jpeg_bytes()).json()["id"]
    path = media_root / HivePhoto.objects.get().image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/hives/{hive.pk}/photos/{photo_id}")

    assert response.status_code == 204
    assert response.content == b""
    assert not HivePhoto.objects.exists()
    assert not path.exists()
    assert client.delete(f"/hives/{hive.pk}/photos/{photo_id}").status_code == 404
