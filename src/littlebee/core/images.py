"""Checking and re-encoding an uploaded photo with Pillow (station photos, report photos).

An upload is trusted for nothing: its name, extension and declared content type are ignored,
and what it is comes from its bytes. It must be a JPEG, PNG or WebP of at most 10 MB and
40 megapixels; the pixel count is read from the header and refused before anything is decoded.
What is kept is a fresh encoding of the pixels only: turned upright by its EXIF orientation,
at most 2048 px on the longer side, in sRGB, as JPEG (PNG when it has transparency), with no
EXIF, GPS, ICC profile or text chunks.

One request may carry several images (a report's nine photos): a PixelBudget shared by them caps
the pixels one request may have decoded (setting UPLOAD_MAX_PIXELS_PER_REQUEST), charged from
each header before its pixels are decoded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from littlebee.core.errors import InvalidInput, PayloadTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
# What Pillow may try to read the bytes as (it decides by content). An MPO is the JPEG a phone
# writes with a second, depth or preview, picture inside: its first picture is an ordinary JPEG.
OPENERS = ("JPEG", "PNG", "WEBP")
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
ACCEPT = "image/jpeg,image/png,image/webp"
FIELD = "photo"  # the form field errors name unless the caller says otherwise

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int


def _not_an_image(field: str = FIELD) -> InvalidInput:
    return InvalidInput.one(field, _("无法识别这张照片：请上传完整的 JPG、PNG 或 WebP 图片。"))


def _too_many_pixels(field: str = FIELD) -> InvalidInput:
    return InvalidInput.one(field, _("照片尺寸过大：最多 4000 万像素，请缩小后再上传。"))


def _request_too_many_pixels(field: str = FIELD) -> InvalidInput:
    return InvalidInput.one(field, _("这些照片的总尺寸过大：请少传几张，或缩小后再上传。"))


class PixelBudget:
    """The pixels one request may still have decoded, shared by all its images. A header is
    charged before its image is decoded, so an over-budget request costs header reads only."""

    def __init__(self, limit: int | None = None) -> None:
        self.left = int(settings.UPLOAD_MAX_PIXELS_PER_REQUEST if limit is None else limit)

    def charge(self, pixels: int, field: str = FIELD) -> None:
        if pixels > self.left:
            raise _request_too_many_pixels(field)
        self.left -= pixels


def _size_of(upload: IO[bytes] | Any) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    upload.seek(0, 2)
    end = int(upload.tell())
    upload.seek(0)
    return end


def image_read(upload: IO[bytes] | Any, field: str = FIELD) -> bytes:
    """The upload's bytes, refusing more than MAX_BYTES (the declared size first, then what is read)."""
    if _size_of(upload) > MAX_BYTES:
        raise PayloadTooLarge(_("照片不能超过 10 MB。"))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if not isinstance(data, bytes):
        raise _not_an_image(field)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(_("照片不能超过 10 MB。"))
    if not data:
        raise _not_an_image(field)
    return data


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels tagged with a colour profile (a phone's Display P3, a print's CMYK) converted to sRGB,
    so that dropping the profile keeps the colours; an unusable profile is ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(BytesIO(icc)), _SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _flatten(image: Image.Image) -> tuple[Image.Image, str]:
    """RGB for a JPEG, or RGBA for a PNG when some pixel is really transparent."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit or float greyscale: scale to 8 bits rather than clip.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        low, _high = rgba.getchannel("A").getextrema()
        if isinstance(low, int | float) and low < 255:
            return rgba, "PNG"
        return rgba.convert("RGB"), "JPEG"
    return image.convert("RGB") if image.mode != "RGB" else image, "JPEG"


def image_open(data: bytes, field: str = FIELD, budget: PixelBudget | None = None) -> Image.Image:
    """Open, check the header (format and pixel count, charged to the request's `budget` when
    given), then decode: the size checks come before any pixel is decoded. Pillow's own
    decompression-bomb error and warning count as too big."""
    with warnings.catch_warnings():
        # Pillow warns above its own limit (89 Mpx), which is above MAX_PIXELS: such an image
        # is refused either way; as an error the warning cannot reach the logs. (The filter is
        # process-wide; another thread leaving its own block can only restore a stricter one.)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data), formats=OPENERS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(field) from None
        except Exception:  # Pillow raises many kinds for bytes that are not an image it reads.
            raise _not_an_image(field) from None
        if image.format not in ALLOWED_FORMATS:
            raise _not_an_image(field)
        width, height = image.size
        if width < 1 or height < 1:
            raise _not_an_image(field)
        if width * height > MAX_PIXELS:
            raise _too_many_pixels(field)
        if budget is not None:
            budget.charge(width * height, field)
        try:
            # A big JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE.
            image.draft(None, (MAX_SIDE, MAX_SIDE))
            image.load()  # a truncated or corrupt file fails here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(field) from None
        except Exception:
            raise _not_an_image(field) from None
    return image


def image_encode(image: Image.Image, *, max_side: int = MAX_SIDE, field: str = FIELD) -> PreparedImage:
    """A fresh encoding of a decoded image's pixels only: upright by its EXIF orientation, at most
    `max_side` px on the longer side, sRGB, JPEG (PNG when really transparent), no metadata."""
    try:
        upright = ImageOps.exif_transpose(image) or image
        if upright is image:
            upright = image.copy()
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        flat, kind = _flatten(_to_srgb(upright))
        flat.info = {}  # no EXIF, GPS, ICC profile, text chunks, DPI or comments in the output
        out = BytesIO()
        if kind == "PNG":
            flat.save(out, "PNG", optimize=True)
        else:
            flat.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except Exception:  # malformed EXIF or an odd mode in an otherwise decodable file
        raise _not_an_image(field) from None
    return PreparedImage(
        content=out.getvalue(),
        extension="png" if kind == "PNG" else "jpg",
        width=flat.width,
        height=flat.height,
    )


def image_prepare(upload: IO[bytes] | Any, field: str = FIELD, budget: PixelBudget | None = None) -> PreparedImage:
    """The upload checked and re-encoded for storage; InvalidInput (on `field`) or
    PayloadTooLarge when it is refused. Nothing of the original file but its pixels is kept.
    Several uploads of one request share one `budget`."""
    return image_encode(image_open(image_read(upload, field), field, budget), field=field)
