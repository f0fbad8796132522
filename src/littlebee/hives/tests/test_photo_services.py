"""Station photos: hive_add_photo checks and re-encodes the upload; hive_remove_photo."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from PIL import ExifTags, Image, ImageFile

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from littlebee.hives import photo_images, services
from littlebee.hives.models import HivePhoto

from .factories import HiveFactory as _HiveFactory
from .photo_files import (
    PDF_BYTES,
    RED,
    gif_bytes,
    huge_png_bytes,
    jpeg_bytes,
    png_bytes,
    stored,
    upload,
    webp_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HiveFactory: Any = _HiveFactory


@pytest.fixture
def hive() -> Any:
    return HiveFactory(name="西厂口社区蜂巢驿站")


@pytest.fixture
def keeper(hive: Any) -> Any:
    return staff(hive.managing_unit, role=Role.KEEPER)


def add(hive: Any, actor: Any, content: bytes, **kwargs: Any) -> HivePhoto:
    return services.hive_add_photo(hive_id=hive.pk, actor=actor, upload=upload(content, **kwargs))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- Adding ---------------------------------------------------------------------------------
def test_a_phone_photo_is_stored_upright_resized_and_without_exif_or_location(
    hive: Any, keeper: Any, media_root: Path
) -> None:
    # given a 3000×2000 JPEG stored sideways (EXIF orientation 6: turn 90° clockwise to view),
    # with the camera's make and a GPS position in its EXIF, red in its stored top-left corner
    content = jpeg_bytes((3000, 2000), orientation=6, gps=True)
    assert b"Exif" in content

    # when
    photo = services.hive_add_photo(
        hive_id=hive.pk, actor=keeper, upload=upload(content, name="IMG_0001.JPG"), caption="  休息区  "
    )

    # then it is stored as a JPEG under a random name in hives/<year>/<month>/
    assert (photo.hive, photo.caption, photo.order) == (hive, "休息区", 0)
    name = Path(photo.image.name)
    assert name.parts[0] == "hives" and name.suffix == ".jpg" and "IMG_0001" not in name.name
    assert len(name.stem) == 32
    assert files_under(media_root) == [media_root / photo.image.name]
    # upright and resized: the long side is now the height, 2048 px
    image = stored(photo)
    assert (image.format, image.size) == ("JPEG", (1365, 2048))
    # the stored top-left corner is now the top-right one
    red, green, blue = image.getpixel((image.width - 10, 10))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60
    assert image.getpixel((10, 10)) != image.getpixel((image.width - 10, 10))
    # and nothing of the EXIF is left, the position least of all
    raw = Path(media_root / photo.image.name).read_bytes()
    assert b"Exif" not in raw and b"TestCam" not in raw
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_a_small_photo_is_not_enlarged(hive: Any, keeper: Any) -> None:
    photo = add(hive, keeper, jpeg_bytes((640, 480)))
    assert stored(photo).size == (640, 480)


@pytest.mark.parametrize(
    ("content", "name", "format_", "suffix"),
    [
        (png_bytes(transparent=True), "logo.png", "PNG", ".png"),
        (png_bytes(transparent=False), "opaque.png", "JPEG", ".jpg"),
        (png_bytes(mode="L"), "grey.png", "JPEG", ".jpg"),
        (webp_bytes(), "room.webp", "JPEG", ".jpg"),
        # the name does not decide: a PNG called .jpg is read as the PNG it is
        (png_bytes(transparent=True), "renamed.jpg", "PNG", ".png"),
    ],
)
def test_png_and_webp_are_accepted_and_kept_as_png_only_when_transparent(
    hive: Any, keeper: Any, content: bytes, name: str, format_: str, suffix: str
) -> None:
    photo = add(hive, keeper, content, name=name)

    assert stored(photo).format == format_
    assert Path(photo.image.name).suffix == suffix


def test_a_png_keeps_no_text_chunks_or_colour_profile(hive: Any, keeper: Any) -> None:
    # given a transparent PNG with a text chunk and a DPI
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "拍摄于西厂口社区")
    out = BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(out, "PNG", pnginfo=info, dpi=(300, 300))

    # when
    photo = add(hive, keeper, out.getvalue(), name="a.png")

    # then
    image = stored(photo)
    assert image.format == "PNG"
    assert set(image.info) <= {"transparency"}
    assert "西厂口".encode() not in photo.image.open("rb").read()


def test_photos_are_added_in_order(hive: Any, keeper: Any) -> None:
    first = add(hive, keeper, jpeg_bytes())
    second = add(hive, keeper, jpeg_bytes())
    assert (first.order, second.order) == (0, 1)
    assert list(hive.photos.all()) == [first, second]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (PDF_BYTES, "scan.jpg"),
        (jpeg_bytes((400, 300))[:-600], "truncated.jpg"),
        (jpeg_bytes()[:200], "header-only.jpg"),
        (gif_bytes(), "anim.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "icon.png"),
        (b"", "empty.jpg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png"),
    ],
    ids=["pdf", "truncated-jpeg", "header-only", "gif", "svg", "empty", "broken-png"],
)
def test_what_is_not_a_complete_jpeg_png_or_webp_is_refused_and_nothing_is_stored(
    hive: Any, keeper: Any, media_root: Path, content: bytes, name: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add(hive, keeper, content, name=name)

    assert [e.field for e in refused.value.errors] == ["photo"]
    assert "无法识别这张照片" in str(refused.value.detail)
    assert not HivePhoto.objects.exists()
    assert files_under(media_root) == []


@pytest.mark.parametrize("size", [(20000, 20000), (7000, 6000)], ids=["400-megapixels", "42-megapixels"])
def test_too_many_pixels_are_refused_before_decoding(
    hive: Any, keeper: Any, media_root: Path, size: tuple[int, int]
) -> None:
    # given a PNG that is small on disk but has more than 40 megapixels
    content = huge_png_bytes(size)
    assert len(content) < 100_000

    # when
    with (
        mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")) as load,
        pytest.raises(InvalidInput) as refused,
    ):
        add(hive, keeper, content, name="big.png")

    # then it was refused from its header, no pixel decoded
    assert load.call_count == 0
    assert [e.field for e in refused.value.errors] == ["photo"]
    assert "4000 万像素" in str(refused.value.detail)
    assert not HivePhoto.objects.exists()
    assert files_under(media_root) == []


def test_pillows_decompression_bomb_warning_counts_as_too_big(hive: Any, keeper: Any, monkeypatch: Any) -> None:
    # given Pillow's own limit lowered below the file's size (so opening it warns)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(InvalidInput) as refused:
        add(hive, keeper, jpeg_bytes((50, 40)))

    assert "4000 万像素" in str(refused.value.detail)


def test_more_than_10_mb_is_refused_as_too_large(hive: Any, keeper: Any, media_root: Path) -> None:
    # given an 11 MB file that starts like a JPEG
    content = jpeg_bytes() + b"\x00" * (11 * 1024 * 1024)

    # when / then
    with pytest.raises(PayloadTooLarge) as refused:
        add(hive, keeper, content)
    assert refused.value.status == 413
    assert "10 MB" in str(refused.value.detail)
    assert files_under(media_root) == []


def test_exactly_10_mb_is_accepted() -> None:
    # given a valid JPEG padded with trailing bytes to exactly the limit
    content = jpeg_bytes()
    padded = content + b"\x00" * (photo_images.MAX_BYTES - len(content))

    # when
    prepared = photo_images.photo_prepare(upload(padded))

    # then
    assert (prepared.extension, prepared.width, prepared.height) == ("jpg", 64, 48)


def test_a_tenth_photo_is_refused(hive: Any, keeper: Any, media_root: Path) -> None:
    # given nine photos
    for _n in range(9):
        add(hive, keeper, jpeg_bytes())

    # when / then
    with pytest.raises(Conflict) as refused:
        add(hive, keeper, jpeg_bytes())
    assert refused.value.code == "limit_reached"
    assert "最多 9 张照片" in str(refused.value.detail)
    assert HivePhoto.objects.filter(hive=hive).count() == 9
    assert len(files_under(media_root)) == 9


def test_a_long_caption_is_refused(hive: Any, keeper: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.hive_add_photo(hive_id=hive.pk, actor=keeper, upload=upload(jpeg_bytes()), caption="长" * 121)
    assert [e.field for e in refused.value.errors] == ["caption"]
    assert not HivePhoto.objects.exists()


@pytest.mark.parametrize("who", ["other_stations_keeper", "worker", "unit_handler"])
def test_others_cannot_add_a_photo(hive: Any, media_root: Path, who: str) -> None:
    people: dict[str, Callable[[], User]] = {
        "other_stations_keeper": lambda: staff(HiveFactory().managing_unit, role=Role.KEEPER),
        "worker": worker,
        "unit_handler": lambda: staff(hive.managing_unit, role=Role.HANDLER),
    }
    person = people[who]()

    with pytest.raises(NotFound):
        add(hive, person, jpeg_bytes())

    assert not HivePhoto.objects.exists()
    assert files_under(media_root) == []


def test_a_district_admin_adds_a_photo() -> None:
    # given a station of a community under a district whose party organisation has an admin
    from littlebee.orgs.tests.factories import PartyOrgFactory

    hive: Any = HiveFactory()
    district = hive.community.parent.parent
    admin = staff(PartyOrgFactory(region=district), role=Role.ADMIN)

    photo = add(hive, admin, jpeg_bytes())

    assert photo.hive == hive


# --- Removing -------------------------------------------------------------------------------
def test_removing_a_photo_deletes_its_file_after_commit(
    hive: Any, keeper: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    photo = add(hive, keeper, jpeg_bytes())
    path = media_root / photo.image.name
    assert path.exists()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        removed = services.hive_remove_photo(hive_id=hive.pk, photo_id=photo.pk, actor=keeper)

    # then
    assert removed.caption == photo.caption
    assert not HivePhoto.objects.exists()
    assert not path.exists()


def test_a_rolled_back_removal_keeps_the_file(hive: Any, keeper: Any, media_root: Path) -> None:
    photo = add(hive, keeper, jpeg_bytes())
    path = media_root / photo.image.name

    with transaction.atomic():
        services.hive_remove_photo(hive_id=hive.pk, photo_id=photo.pk, actor=keeper)
        transaction.set_rollback(True)

    assert HivePhoto.objects.filter(pk=photo.pk).exists()
    assert path.exists()


def test_another_keeper_cannot_remove_a_photo_nor_through_their_own_station(hive: Any, keeper: Any) -> None:
    # given a photo of this station, and another station with its own keeper
    photo = add(hive, keeper, jpeg_bytes())
    other_hive: Any = HiveFactory()
    other_keeper = staff(other_hive.managing_unit, role=Role.KEEPER)

    # when / then: not at this station, and not by naming their own station either
    with pytest.raises(NotFound):
        services.hive_remove_photo(hive_id=hive.pk, photo_id=photo.pk, actor=other_keeper)
    with pytest.raises(NotFound):
        services.hive_remove_photo(hive_id=other_hive.pk, photo_id=photo.pk, actor=other_keeper)
    assert HivePhoto.objects.filter(pk=photo.pk).exists()


def test_a_phones_mpo_a_cmyk_jpeg_and_a_16_bit_png_are_stored_as_plain_images() -> None:
    # given an MPO (a JPEG with a second picture inside), a CMYK JPEG and a 16-bit greyscale PNG
    mpo, cmyk, grey16 = BytesIO(), BytesIO(), BytesIO()
    Image.new("RGB", (50, 40), RED).save(mpo, "MPO", save_all=True, append_images=[Image.new("RGB", (50, 40))])
    Image.new("CMYK", (30, 30), (0, 255, 255, 0)).save(cmyk, "JPEG")
    Image.new("I;16", (30, 30), 40000).save(grey16, "PNG")

    # when
    prepared = [photo_images.photo_prepare(upload(f.getvalue())) for f in (mpo, cmyk, grey16)]

    # then each is an ordinary RGB JPEG of the first picture
    images = [Image.open(BytesIO(p.content)) for p in prepared]
    assert [(i.format, i.mode) for i in images] == [("JPEG", "RGB")] * 3
    red, green, blue = images[0].getpixel((25, 20))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60
    grey = images[2].getpixel((15, 15))
    assert grey[0] == grey[1] == grey[2] and 140 < grey[0] < 170  # type: ignore[index]


def test_a_colour_profile_is_applied_and_dropped() -> None:
    # given a JPEG tagged with an (sRGB) ICC profile
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    Image.new("RGB", (40, 40), (0, 0, 255)).save(out, "JPEG", icc_profile=icc)

    # when
    prepared = photo_images.photo_prepare(upload(out.getvalue()))

    # then the colours are kept and the profile is gone
    image = Image.open(BytesIO(prepared.content))
    assert "icc_profile" not in image.info
    red, green, blue = image.getpixel((20, 20))  # type: ignore[misc]
    assert blue > 200 and red < 40 and green < 40
