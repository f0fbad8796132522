"""Checking and re-encoding an uploaded photo with Pillow (station photos, report photos).

An upload is trusted for nothing: its name, extension and declared content type are ignored,
and what it is comes from its bytes. It must be a JPEG, PNG or WebP of at most 10 MB and
40 megapixels; the pixel count is read from the header and refused before anything is decoded.
What is kept is a fresh encoding of the pixels only: turned upright by its EXIF orientation,
at most 2048 px on the longer side, in sRGB, as JPEG (PNG when it has transparency), with no
EXIF, GPS, ICC profile or text chunks.

Decoding is the cost: a JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still
gives nearly MAX_SIDE px (DRAFT_SLACK: a 4000 px photo is decoded at 2000 px, not at full size),
then turned upright and resized once (image_fit); a thumbnail or a hash is made from that result
rather than from the original again. A check that only needs to know the bytes decode
(`target_side=0`) decodes at 1/8.

One request may carry several images (a report's nine photos): a PixelBudget shared by them caps
the pixels one request may have decoded (setting UPLOAD_MAX_PIXELS_PER_REQUEST), charged from
each header before its pixels are decoded.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageCms, ImageOps

from littlebee.core.errors import InvalidInput, PayloadTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
# A JPEG may be decoded at a DCT scale giving this share of the wanted side and kept at that size:
# a 4000×3000 photo then costs a 2000×1500 decode (a quarter of the work) instead of a full one.
DRAFT_SLACK = 15 / 16
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


def _draft_size(size: tuple[int, int], target_side: int) -> tuple[int, int]:
    """The size to ask Image.draft for so that it picks the largest DCT reduction (1/8 … 1/1)
    whose result still has a longer side of at least `target_side` × DRAFT_SLACK (0: any, 1/8).

    Pillow's draft takes the largest scale s in (8, 4, 2, 1) with s ≤ min(width // asked_width,
    height // asked_height); asking for (width // s, height // s) therefore gets exactly s."""
    width, height = size
    longer = max(width, height)
    need = math.ceil(target_side * DRAFT_SLACK)
    scale = next((s for s in (8, 4, 2) if -(-longer // s) >= need), 1)
    return max(1, width // scale), max(1, height // scale)


def image_header(data: bytes, field: str = FIELD, budget: PixelBudget | None = None) -> Image.Image:
    """The bytes opened and their header checked (format, pixel count, charged to the request's
    `budget` when given), nothing decoded yet: its EXIF can be read, image_decode decodes it."""
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
    return image


def image_decode(image: Image.Image, field: str = FIELD, *, target_side: int = MAX_SIDE) -> Image.Image:
    """An image_header result decoded, a JPEG at the DCT scale that still gives about
    `target_side` px (0: the smallest, for a check that the bytes decode at all)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.draft(None, _draft_size(image.size, target_side))  # JPEG only; others ignore it
            image.load()  # a truncated or corrupt file fails here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(field) from None
        except Exception:
            raise _not_an_image(field) from None
    return image


def image_open(
    data: bytes, field: str = FIELD, budget: PixelBudget | None = None, *, target_side: int = MAX_SIDE
) -> Image.Image:
    """Open, check the header (format and pixel count, charged to the request's `budget` when
    given), then decode: the size checks come before any pixel is decoded. A JPEG is decoded at
    the DCT scale that still gives about `target_side` px (0: the smallest, for a check that the
    bytes decode at all). Pillow's own decompression-bomb error and warning count as too big."""
    return image_decode(image_header(data, field, budget), field, target_side=target_side)


def image_fit(image: Image.Image, *, max_side: int = MAX_SIDE, field: str = FIELD) -> Image.Image:
    """A decoded image's pixels made ready to store: resized once to at most `max_side` px on
    the longer side (never enlarged), then turned upright by its EXIF orientation (turning the
    small image, not the big one), in sRGB, RGB (RGBA when some pixel is really transparent),
    with no metadata left in `info`. A thumbnail or hash can be made from the result."""
    try:
        fitted = _shrunk(image, max_side) if max(image.size) > max_side else image
        # resize() keeps `info`, so the orientation tag is still there to read; exif_transpose
        # answers a new image either way (a copy when already upright): `image` is left as it is.
        upright = ImageOps.exif_transpose(fitted) or fitted.copy()
        flat, _kind = _flatten(_to_srgb(upright))
        flat.info = {}  # no EXIF, GPS, ICC profile, text chunks, DPI or comments in the output
    except Exception:  # malformed EXIF or an odd mode in an otherwise decodable file
        raise _not_an_image(field) from None
    return flat


# A thumbnail's filter: BOX, each thumbnail pixel the average of the photo's pixels it covers
# (an antialiased reduction, as a thumbnail's shrinking by 0.75-0.25 is), rather than LANCZOS or
# bilinear. On the A/B bench's 640×480 photo the 480 px thumbnail cost 5-6 ms of CPU with
# LANCZOS, 2.4 ms bilinear and 1.7 ms BOX (more than decoding the photo, 0.9 ms); BOX is the
# sharper of the two cheap ones, within about 1-3 of 255 per channel of bilinear's result.
THUMBNAIL_FILTER = Image.Resampling.BOX


def _shrunk(image: Image.Image, max_side: int, resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    width, height = image.size
    ratio = max_side / max(width, height)
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    # reducing_gap: a cheap box reduction first when the image is more than twice the size.
    return image.resize(size, resample, reducing_gap=2.0)


def image_thumbnail(fitted: Image.Image, *, max_side: int) -> Image.Image:
    """A smaller copy of an image_fit result (upright, sRGB, no metadata already), resized with
    THUMBNAIL_FILTER."""
    if max(fitted.size) <= max_side:
        return fitted
    return _shrunk(fitted, max_side, THUMBNAIL_FILTER)


# The perceptual hash's resampling: imagehash.phash's own (the picture in grey, LANCZOS to 32×32,
# the DCT's 8×8 lowest frequencies against their median), with Pillow's reducing_gap=2.0 first
# (an integer box reduction down to twice 32 px, as Image.thumbnail does), instead of LANCZOS
# over the whole 480 px thumbnail (its 45-pixel taps per output pixel were most of the hash's
# ~1 ms of CPU; ~0.3 ms this way). On the A/B bench's photos 84 in 100 hashes are identical to
# imagehash.phash's and the rest 2 bits apart (different photos: 20 or more), so hashes stored
# before and after compare as near duplicates (REPORTS_PHASH_MAX_DISTANCE 6).
PHASH_REDUCING_GAP = 2.0
# The side a decode made only for image_phash needs: twice its 32 px, as the reduction above
# leaves (a JPEG's 1/8 DCT scale of a 640×480 photo gives 80×60, about what BOX gives).
PHASH_SIDE = 64


def image_phash(image: Image.Image) -> str:
    """The 64-bit perceptual hash (16 hex digits, as str(imagehash.phash(...)) writes it) of an
    image_fit result or its thumbnail."""
    import imagehash
    import numpy
    import scipy.fftpack

    grey = image.convert("L").resize((32, 32), Image.Resampling.LANCZOS, reducing_gap=PHASH_REDUCING_GAP)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(numpy.asarray(grey), axis=0), axis=1)
    low = dct[:8, :8]
    return str(imagehash.ImageHash(low > numpy.median(low)))


def image_save(fitted: Image.Image, *, field: str = FIELD) -> PreparedImage:
    """An image_fit result encoded: JPEG at JPEG_QUALITY (no optimize or progressive pass: they
    cost a second pass over the image for a few per cent of bytes), PNG when it has alpha."""
    out = BytesIO()
    kind = "PNG" if fitted.mode == "RGBA" else "JPEG"
    try:
        if kind == "PNG":
            fitted.save(out, "PNG", compress_level=6)
        else:
            fitted.save(out, "JPEG", quality=JPEG_QUALITY)
    except Exception:
        raise _not_an_image(field) from None
    return PreparedImage(
        content=out.getvalue(),
        extension="png" if kind == "PNG" else "jpg",
        width=fitted.width,
        height=fitted.height,
    )


def image_encode(image: Image.Image, *, max_side: int = MAX_SIDE, field: str = FIELD) -> PreparedImage:
    """A fresh encoding of a decoded image's pixels only: upright by its EXIF orientation, at most
    `max_side` px on the longer side, sRGB, JPEG (PNG when really transparent), no metadata."""
    return image_save(image_fit(image, max_side=max_side, field=field), field=field)


def image_prepare(upload: IO[bytes] | Any, field: str = FIELD, budget: PixelBudget | None = None) -> PreparedImage:
    """The upload checked and re-encoded for storage; InvalidInput (on `field`) or
    PayloadTooLarge when it is refused. Nothing of the original file but its pixels is kept.
    Several uploads of one request share one `budget`."""
    return image_encode(image_open(image_read(upload, field), field, budget), field=field)


# --- A JPEG kept as it was encoded --------------------------------------------------------------
# A JPEG that needs no change but its metadata (upright, small enough, sRGB, 8-bit colour) is
# stored as its own bytes with every metadata segment dropped, rather than decoded and encoded
# again: its pixels are the ones sent, and the work left is the thumbnail's. Only the segments a
# decoder needs are copied, named here; any other marker, or anything this does not understand,
# sends the photo through image_fit and image_save instead.
_SOF_KEPT = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended and progressive Huffman frames
_TABLES_KEPT = frozenset({0xC4, 0xDB, 0xDD})  # Huffman tables, quantisation tables, restart interval
_SOS, _EOI, _APP0, _APP14, _COM = 0xDA, 0xD9, 0xE0, 0xEE, 0xFE
# JFIF 1.01, no units, 1:1 density, no thumbnail: what libjpeg writes by default. It replaces the
# sender's (whose density and embedded thumbnail are theirs): its presence alone tells a decoder
# the colours are YCbCr, so it is written when, and only when, the sender's file had one.
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
# Inside entropy-coded data a 0xFF is followed by 0x00 (a stuffed byte), a restart marker
# (0xD0-0xD7) or more 0xFF fill: anything else ends the scan.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_segments_kept(data: bytes) -> tuple[bytes, int, int] | None:
    """(SOI, a fresh JFIF segment if the file had one, Adobe's colour-transform segment if it had
    one, then its frame, tables and scans in their order, EOI; the frame's width and height), or
    None when the file is not a single-frame 8-bit three-component Huffman JPEG whose every
    segment is one this knows. Application segments (EXIF, GPS, XMP, ICC, IPTC, MPF, a JFIF
    thumbnail) and comments are left out, and so is whatever follows the end of the image (an
    MPO's second picture)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    end = len(data)
    pos = 2
    jfif = False
    adobe = b""
    kept: list[bytes] = []
    size: tuple[int, int] | None = None
    scans = 0
    while True:
        if pos >= end or data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            return None
        code = data[pos]
        pos += 1
        if code == _EOI:
            break
        if pos + 2 > end:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            return None
        payload = data[pos + 2 : pos + length]
        segment = bytes((0xFF, code)) + data[pos : pos + length]
        pos += length
        if code == _APP0:
            jfif = jfif or payload.startswith(b"JFIF\x00")
        elif code == _APP14 and payload.startswith(b"Adobe"):
            if len(payload) != 12 or adobe:  # "Adobe", version, two flag words, the transform
                return None
            adobe = segment
        elif 0xE1 <= code <= 0xEF or code == _COM:
            continue
        elif code in _SOF_KEPT:
            # precision 8, height, width, three components of three bytes each
            if size is not None or len(payload) != 15 or payload[0] != 8 or payload[5] != 3:
                return None
            height, width = int.from_bytes(payload[1:3], "big"), int.from_bytes(payload[3:5], "big")
            if not width or not height:
                return None
            size = (width, height)
            kept.append(segment)
        elif code in _TABLES_KEPT:
            kept.append(segment)
        elif code == _SOS:
            if size is None:
                return None
            scan_end = _SCAN_END.search(data, pos)
            if scan_end is None:  # no end of image: truncated
                return None
            kept += (segment, data[pos : scan_end.start()])
            pos = scan_end.start()
            scans += 1
        else:  # arithmetic coding, lossless or hierarchical frames, DNL, a second SOI…
            return None
    if size is None or not scans:
        return None
    head = [b"\xff\xd8", _JFIF if jfif else b"", adobe]
    return b"".join([*head, *kept, b"\xff\xd9"]), size[0], size[1]


@dataclass(frozen=True)
class KeptJpeg:
    """A JPEG stored as it was encoded, without its metadata, and its pixels decoded from those
    very bytes at the DCT scale nearest a thumbnail's side (`pixels`, for the thumbnail and hash)."""

    stored: PreparedImage
    pixels: Image.Image


def jpeg_keep(original: Image.Image, data: bytes, *, target_side: int, field: str = FIELD) -> KeptJpeg | None:
    """The upload `data` (opened and checked by image_header as `original`) kept as encoded when
    nothing but its metadata would change: a JPEG, upright (EXIF orientation 1 or none), at most
    MAX_SIDE px, in RGB with no colour profile (a profile's colours are converted by image_fit),
    8-bit Huffman-coded with three components, of at most 8 bits per pixel. None otherwise:
    image_fit and image_save make it. What is stored is decoded here (at the scale nearest
    `target_side`), so a file whose data does not decode is refused (InvalidInput) rather than
    stored; one whose structure this does not read is None."""
    if original.format not in ("JPEG", "MPO") or original.mode != "RGB" or original.info.get("icc_profile"):
        return None
    if max(original.size) > MAX_SIDE:
        return None
    try:
        orientation = original.getexif().get(ExifTags.Base.Orientation)
    except Exception:  # malformed EXIF: image_fit decides what it means
        return None
    if orientation not in (None, 1):
        return None
    found = _jpeg_segments_kept(data)
    if found is None:
        return None
    content, width, height = found
    if (width, height) != original.size or len(content) > width * height:
        return None
    pixels = image_decode(image_header(content, field), field, target_side=target_side)
    if pixels.mode != "RGB":
        return None
    pixels.info = {}
    return KeptJpeg(PreparedImage(content=content, extension="jpg", width=width, height=height), pixels)
