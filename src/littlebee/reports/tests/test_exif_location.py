"""The report's point from the photo's EXIF GPS when the phone sent none, and where it came from."""

from __future__ import annotations

import random
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from littlebee.accounts.tests.factories import worker
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.core.errors import InvalidInput
from littlebee.hives.tests.photo_files import jpeg_bytes, png_bytes, upload
from littlebee.reports import services
from littlebee.reports.models import LocationSource, Report, ReportPhoto

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return (float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4))


def gps_jpeg(
    lat: float | None = None,
    lng: float | None = None,
    *,
    taken: datetime | None = None,
    colour: tuple[int, int, int] = (255, 255, 255),
    size: tuple[int, int] = (96, 72),
    pattern: int = 0,
    quality: int = 90,
) -> bytes:
    """A JPEG with, if asked, EXIF GPS at (lat, lng) and a capture time (local, as cameras write
    it). A non-zero `pattern` seeds a block pattern, so that two pictures with different patterns
    differ in their perceptual hash and the same pattern saved twice does not."""
    image = Image.new("RGB", size, colour)
    if pattern:
        shades = random.Random(pattern)
        blocks = Image.new("L", (8, 6))
        blocks.putdata([shades.randrange(256) for _ in range(48)])
        image.paste(blocks.resize(size, Image.Resampling.NEAREST).convert("RGB"))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if lat is not None and lng is not None:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
                ExifTags.GPS.GPSLatitude: _dms(abs(lat)),
                ExifTags.GPS.GPSLongitudeRef: "E" if lng >= 0 else "W",
                ExifTags.GPS.GPSLongitude: _dms(abs(lng)),
            }
        )
    if taken is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def submit(**kwargs: Any) -> Report:
    values: dict[str, Any] = {
        "reporter": worker(),
        "category_code": "garbage",
        "description": "路口垃圾堆了三天",
        "lat": None,
        "lng": None,
    }
    values.update(kwargs)
    return services.report_submit(**values)


def test_without_a_point_the_first_photo_with_gps_places_the_report(w: World) -> None:
    # given a photo without GPS, then one taken at 30.552, 114.303
    photos = [upload(jpeg_bytes()), upload(gps_jpeg(30.552, 114.303))]

    # when the worker sends no lat/lng
    report = submit(photos=photos)

    # then the report (and its case) sit at the photo's point, which is recorded as the source
    assert report.case.lat == pytest.approx(30.552, abs=1e-5)
    assert report.case.lng == pytest.approx(114.303, abs=1e-5)
    assert report.location_source == LocationSource.PHOTO
    assert report.case.region == w.community
    assert ReportPhoto.objects.filter(report=report).count() == 2


def test_a_point_sent_by_the_phone_wins_over_the_photo(w: World) -> None:
    # when a point is given along with a photo carrying another one
    report = submit(lat=30.55, lng=114.30, photos=[upload(gps_jpeg(30.56, 114.31))])

    # then the given point is kept, from the device
    assert (report.case.lat, report.case.lng) == (30.55, 114.30)
    assert report.location_source == LocationSource.DEVICE


def test_a_point_picked_on_the_map_is_recorded_as_such(w: World) -> None:
    report = submit(lat=30.55, lng=114.30, location_source="map")
    assert report.location_source == LocationSource.MAP


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "lat"),
        ({"photos": [upload(jpeg_bytes())]}, "lat"),
        ({"photos": [upload(png_bytes(), "p.png", "image/png")]}, "lat"),
        ({"photos": [upload(gps_jpeg(39.90, 116.40))]}, "lat"),  # Beijing
        ({"photos": [upload(b"not an image")]}, "photos"),
        ({"lat": 30.55, "lng": 114.30, "location_source": "satellite"}, "location_source"),
        ({"lat": 30.55}, "lng"),
    ],
    ids=["nothing", "photo-without-gps", "png", "photo-outside-city", "bad-photo", "bad-source", "half-a-point"],
)
def test_no_usable_point_is_refused_and_nothing_is_stored(
    w: World, media_root: Path, kwargs: dict[str, Any], field: str
) -> None:
    # when
    with pytest.raises(InvalidInput) as refused:
        submit(**kwargs)

    # then
    assert field in [e.field for e in refused.value.errors]
    assert Report.objects.count() == 0 and Case.objects.count() == 0 and ReportPhoto.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_field_error_for_a_photo_without_gps_says_what_to_do(w: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        submit(photos=[upload(jpeg_bytes())])
    assert "照片中没有位置信息" in str(refused.value.errors[0].detail)


def _post(api_as: Any, user: Any, data: dict[str, Any]) -> Any:
    return Client().post("/api/v1/reports", data, headers=api_as(user)._headers())


def test_api_places_a_report_without_lat_lng_at_the_photos_gps(w: World, api_as: Any) -> None:
    # given
    courier = worker()
    photo = SimpleUploadedFile("a.jpg", gps_jpeg(30.552, 114.303), content_type="image/jpeg")

    # when
    response = _post(api_as, courier, {"category": "garbage", "photos": [photo]})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_source"] == "photo"
    detail = api_as(courier).get(f"/reports/{body['id']}").json()
    assert detail["lat"] == pytest.approx(30.552, abs=1e-5) and detail["location_source"] == "photo"


def test_api_records_a_map_pick(w: World, api_as: Any) -> None:
    response = _post(
        api_as, worker(), {"category": "garbage", "lat": "30.55", "lng": "114.30", "location_source": "map"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["location_source"] == "map"


def test_api_refuses_no_point_and_no_gps_with_a_field_error(w: World, api_as: Any, media_root: Path) -> None:
    # given a photo without GPS and no lat/lng
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")

    # when
    response = _post(api_as, worker(), {"category": "garbage", "photos": [photo]})

    # then 400 on "lat", nothing stored
    assert response.status_code == 400
    assert "lat" in [e["field"] for e in response.json()["errors"]]
    assert Report.objects.count() == 0 and stored_files(media_root) == []
    # and a bad source is a 400 too
    bad = _post(api_as, worker(), {"category": "garbage", "lat": "30.55", "lng": "114.30", "location_source": "x"})
    assert bad.status_code == 400
    assert "location_source" in [e["field"] for e in bad.json()["errors"]]
