"""A JPEG kept as it was encoded (core.images.jpeg_keep, issue 13): its metadata dropped segment
by segment, its pixels untouched, and anything it cannot vouch for left to the full re-encoding."""

from __future__ import annotations

import struct
from io import BytesIO

import pytest
from PIL import ExifTags, Image, ImageCms

from littlebee.core.errors import InvalidInput
from littlebee.core.images import MAX_SIDE, image_header, jpeg_keep
from littlebee.hives.tests.photo_files import GPS

from .test_images_thumbnail import photo_like

SECRETS = (b"TestCam", b"secret comment", b"secret-xmp", b"secret-iptc", b"secret-jfif-thumb")


def _segment(code: int, payload: bytes) -> bytes:
    return bytes((0xFF, code)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_everything(size: tuple[int, int] = (640, 480), *, progressive: bool = False) -> bytes:
    """A photo-like JPEG carrying every kind of metadata a phone or an editor writes: EXIF with
    GPS and the camera's name, XMP, a comment, an IPTC block (APP13), a JFIF thumbnail (APP0
    with its own pixels, and a JFXX one), and a second picture after the end (as an MPO's)."""
    image = Image.open(BytesIO(photo_like(size)))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = BytesIO()
    image.save(
        out,
        "JPEG",
        quality=90,
        exif=exif,
        comment=b"secret comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        progressive=progressive,
    )
    data = out.getvalue()
    assert data[2:4] == b"\xff\xe0"  # Pillow's JFIF segment first: replaced by one with a thumbnail
    jfif_length = struct.unpack(">H", data[4:6])[0]
    thumb_pixels = b"secret-jfif-thumb".ljust(2 * 2 * 3, b"!")[: 2 * 2 * 3]
    jfif = _segment(0xE0, b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x02" + thumb_pixels)
    jfxx = _segment(0xE0, b"JFXX\x00\x13" + b"secret-jfif-thumb")
    iptc = _segment(0xED, b"Photoshop 3.0\x00secret-iptc")
    rest = data[4 + jfif_length :]
    return b"\xff\xd8" + jfif + jfxx + iptc + rest + b"\xff\xd8\xff\xe1\x00\x0dsecret-iptc\xff\xd9"


def decoded(data: bytes) -> bytes:
    image = Image.open(BytesIO(data))
    image.load()
    return image.tobytes()


@pytest.mark.parametrize("progressive", [False, True])
def test_a_plain_upright_jpeg_keeps_its_pixels_and_loses_all_its_metadata(progressive: bool) -> None:
    # given an upright JPEG full of metadata
    data = jpeg_with_everything(progressive=progressive)
    assert all(secret in data for secret in SECRETS)

    # when it is kept
    kept = jpeg_keep(image_header(data), data, target_side=480)

    # then its stored bytes hold none of the metadata, in any form
    assert kept is not None
    content = kept.stored.content
    assert not any(secret in content for secret in SECRETS)
    stored = Image.open(BytesIO(content))
    assert not stored.getexif() and not stored.info.get("exif") and not stored.info.get("xmp")
    assert "comment" not in stored.info and "photoshop" not in stored.info and "icc_profile" not in stored.info
    assert stored.info.get("jfif_density") == (1, 1)
    assert [marker for marker, _payload in getattr(stored, "applist", [])] == ["APP0"]  # JFIF alone
    # and it is one picture, ending at its end
    assert content.endswith(b"\xff\xd9") and content.count(b"\xff\xd8") == 1
    # and its pixels are exactly the upload's (no re-encoding)
    assert (kept.stored.width, kept.stored.height) == (640, 480) and kept.stored.extension == "jpg"
    assert decoded(content) == decoded(data)
    # and the pixels handed back for the thumbnail are those bytes decoded, at full size for 640 px
    assert kept.pixels.size == (640, 480) and kept.pixels.mode == "RGB" and kept.pixels.info == {}


def test_the_pixels_for_the_thumbnail_are_decoded_at_a_smaller_dct_scale_when_they_can_be() -> None:
    # given a 1600×1200 upright JPEG
    data = photo_like((1600, 1200))

    # when it is kept for a 480 px thumbnail
    kept = jpeg_keep(image_header(data), data, target_side=480)

    # then the photo is stored at its size, and its pixels were decoded at a quarter
    assert kept is not None
    assert (kept.stored.width, kept.stored.height) == (1600, 1200)
    assert kept.pixels.size == (800, 600)


def _saved(image: Image.Image, **options: object) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def _rotated() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    return _saved(Image.open(BytesIO(photo_like())), exif=exif)


def _with_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    return _saved(Image.open(BytesIO(photo_like())), icc_profile=profile)


def _too_big() -> bytes:
    return _saved(Image.new("RGB", (MAX_SIDE + 1, 16), "white"))


def _grey() -> bytes:
    return _saved(Image.open(BytesIO(photo_like())).convert("L"))


def _cmyk() -> bytes:
    return _saved(Image.open(BytesIO(photo_like())).convert("CMYK"))


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "PNG")
    return out.getvalue()


def _unknown_marker() -> bytes:
    data = photo_like()
    return data[:2] + _segment(0xC8, b"JPG extension") + data[2:]  # a marker it does not know


def _arithmetic() -> bytes:
    data = bytearray(photo_like())
    sof = data.index(b"\xff\xc0")
    data[sof + 1] = 0xC9  # an arithmetic-coded frame: many viewers cannot show it
    return bytes(data)


@pytest.mark.parametrize(
    "make",
    [_rotated, _with_profile, _too_big, _grey, _cmyk, _png, _unknown_marker, _arithmetic],
    ids=["rotated", "icc-profile", "too-big", "grey", "cmyk", "png", "unknown-marker", "arithmetic"],
)
def test_anything_but_a_plain_upright_jpeg_goes_the_full_way(make: object) -> None:
    # given an image the full path would change (rotate, convert, shrink) or that this cannot vouch for
    data = make()  # type: ignore[operator]
    try:
        header = image_header(data)
    except InvalidInput:
        return  # not even an image Pillow opens: refused before either path

    # when it is offered for keeping
    kept = jpeg_keep(header, data, target_side=480)

    # then it is not kept
    assert kept is None


def test_a_truncated_jpeg_is_never_kept() -> None:
    # given JPEGs cut inside their scan, inside a segment, and right after their header
    data = photo_like()
    scan = data.index(b"\xff\xda")
    for cut in (len(data) // 2, scan + 5, scan - 3, 3):
        # when each is offered for keeping
        try:
            kept = jpeg_keep(image_header(data[:cut]), data[:cut], target_side=480)
        except InvalidInput:
            continue  # refused as not an image
        # then none is kept (the full path decodes it and refuses it: the photo fails)
        assert kept is None


def test_a_jpeg_whose_kept_bytes_do_not_decode_is_refused_not_stored() -> None:
    # given a JPEG whose structure is whole but whose frame promises more than its tables give:
    # the quantisation table its components name is missing
    data = photo_like()
    dqt = data.index(b"\xff\xdb")
    length = struct.unpack(">H", data[dqt + 2 : dqt + 4])[0]
    broken = data[:dqt] + data[dqt + 2 + length :]

    # when it is offered for keeping, then it is refused as not an image (or left to the full path)
    try:
        kept = jpeg_keep(image_header(broken), broken, target_side=480)
    except InvalidInput:
        return
    assert kept is None
