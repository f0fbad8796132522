"""A report photo that needs nothing but its metadata dropped is stored as it was encoded
(core.images.jpeg_keep, issue 13): its pixels are the upload's, and nothing of its metadata is
left in what is stored."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import imagehash
import pytest
from PIL import Image, ImageCms

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.core.tests.test_images_keep import SECRETS, decoded, jpeg_with_everything
from littlebee.hives.tests.photo_files import upload
from littlebee.reports import services
from littlebee.reports.models import FlagKind, PhotoStatus, Report, ReportFlag, ReportPhoto

from .conftest import stored_files
from .test_exif_location import gps_jpeg

pytestmark = pytest.mark.django_db


def submit(capture: Any, content: bytes) -> Report:
    with capture(execute=True):  # the photo's job runs after the commit, as in production
        return services.report_submit(
            reporter=worker(),
            category_code="garbage",
            description="路口垃圾堆了三天",
            lat=30.55,
            lng=114.30,
            photos=[upload(content)],
        )


def read(field: Any) -> bytes:
    with field.open("rb") as file:
        return bytes(file.read())


def test_an_upright_jpeg_is_stored_with_its_own_pixels_and_none_of_its_metadata(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given an upright 640×480 JPEG with EXIF (GPS, camera), XMP, a comment, IPTC and JFIF thumbnails
    content = jpeg_with_everything()

    # when a worker reports with it and its job runs
    report = submit(django_capture_on_commit_callbacks, content)

    # then the photo is ready with the point its EXIF carried
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    assert photo.exif_lat == pytest.approx(30 + 35 / 60) and photo.exif_lng == pytest.approx(114 + 18 / 60)
    # and the stored image has the upload's very pixels (not a re-encoding of them)
    image = read(photo.image)
    assert decoded(image) == decoded(content)
    # and neither the image nor its thumbnail holds any of the metadata
    thumbnail = read(photo.thumbnail)
    for stored in (image, thumbnail):
        assert not any(secret in stored for secret in SECRETS)
        opened = Image.open(BytesIO(stored))
        assert not opened.getexif() and not {"exif", "xmp", "comment", "photoshop", "icc_profile"} & set(opened.info)
    # and, at 640 px, the photo is its own thumbnail (a copy of the stored bytes)
    assert thumbnail == image and photo.thumbnail.name != photo.image.name
    # and the original, with its GPS, is gone
    assert not photo.original
    assert len(stored_files(media_root)) == 2


def test_a_copy_through_the_full_path_is_still_found_similar(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a report whose photo (a block pattern, 640×480) was kept as encoded
    picture = gps_jpeg(size=(640, 480), pattern=0b01101001)
    first = submit(django_capture_on_commit_callbacks, picture)

    # when another arrives with the same picture carrying a colour profile, which the full path
    # decodes, converts and encodes again
    out = BytesIO()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.open(BytesIO(picture)).save(out, "JPEG", quality=80, icc_profile=srgb)
    second = submit(django_capture_on_commit_callbacks, out.getvalue())

    # then the two hashes, made from the two thumbnails, are close and the second is flagged similar
    flag = ReportFlag.objects.get(report=second)
    assert flag.kind == FlagKind.PHOTO_SIMILAR and flag.other_report_id == first.pk
    assert flag.data["distance"] <= 2


def test_a_photo_at_most_640_px_is_its_own_thumbnail_decoded_once_at_an_eighth(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    # given an upright 640×480 JPEG, and Pillow's decodes, resizes and encodings watched
    content = gps_jpeg(size=(640, 480), pattern=0b1011)
    decodes: list[tuple[int, int]] = []
    resizes: list[tuple[int, int]] = []
    saves: list[str] = []
    load, resize, save = Image.Image.load, Image.Image.resize, Image.Image.save

    def watched_load(self: Image.Image) -> Any:
        if getattr(self, "tile", None):  # a decode, not a load of pixels already there
            decodes.append(self.size)
        return load(self)

    def watched_resize(self: Image.Image, size: Any, *args: Any, **kwargs: Any) -> Image.Image:
        resizes.append(tuple(size))
        return resize(self, size, *args, **kwargs)

    def watched_save(self: Image.Image, fp: Any, format: Any = None, **params: Any) -> None:
        saves.append(str(format))
        return save(self, fp, format, **params)

    monkeypatch.setattr(Image.Image, "load", watched_load)
    monkeypatch.setattr(Image.Image, "resize", watched_resize)
    monkeypatch.setattr(Image.Image, "save", watched_save)

    # when a worker reports with it and its job runs
    report = submit(django_capture_on_commit_callbacks, content)
    decoded_sizes, resized, saved = list(decodes), list(resizes), list(saves)

    # then the photo is ready, its thumbnail the stored image's bytes, and its hash imagehash's
    # within two bits
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    assert read(photo.thumbnail) == read(photo.image)
    assert imagehash.hex_to_hash(photo.phash) - imagehash.phash(Image.open(BytesIO(content))) <= 2
    # and the job decoded it once, at the 1/8 DCT scale (the request's check decodes at 1/8 too),
    # resized nothing but the hash's 32×32 and encoded nothing (before: a full decode, a 480 px
    # resize and a JPEG thumbnail, ~4 ms of CPU)
    assert decoded_sizes == [(80, 60), (80, 60)]
    assert resized == [(32, 32)]
    assert saved == []


def test_a_larger_photo_still_gets_a_480_px_thumbnail(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given an upright 1280×960 JPEG
    content = gps_jpeg(size=(1280, 960), pattern=0b1101)

    # when a worker reports with it and its job runs
    report = submit(django_capture_on_commit_callbacks, content)

    # then its thumbnail is a 480 px picture of it
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    assert Image.open(BytesIO(read(photo.thumbnail))).size == (480, 360)
    assert Image.open(BytesIO(read(photo.image))).size == (1280, 960)


def test_a_small_png_is_its_own_thumbnail_encoded_once(
    w: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a 300×200 PNG (never kept as sent: decoded and encoded again as JPEG)
    out = BytesIO()
    Image.open(BytesIO(gps_jpeg(size=(300, 200), pattern=0b111))).save(out, "PNG")

    # when a worker reports with it and its job runs
    report = submit(django_capture_on_commit_callbacks, out.getvalue())

    # then the stored JPEG is its thumbnail too
    photo = ReportPhoto.objects.get(report=report)
    assert photo.status == PhotoStatus.READY
    image = read(photo.image)
    assert Image.open(BytesIO(image)).format == "JPEG" and read(photo.thumbnail) == image
