"""A report photo that needs nothing but its metadata dropped is stored as it was encoded
(core.images.jpeg_keep, issue 13): its pixels are the upload's, and nothing of its metadata is
left in what is stored."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

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
    assert Image.open(BytesIO(thumbnail)).size == (480, 360)
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
