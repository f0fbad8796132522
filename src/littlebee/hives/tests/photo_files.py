"""Files for the station photo tests: real images made with Pillow, and things that only look like one."""

from __future__ import annotations

import struct
import zlib
from functools import cache
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

GPS: dict[int, Any] = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (30.0, 35.0, 0.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (114.0, 18.0, 0.0),
}
RED = (255, 0, 0)


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, orientation: int | None = None, gps: bool = False) -> bytes:
    """A white JPEG with a red square in its stored top-left corner, with EXIF if asked."""
    image = Image.new("RGB", size, "white")
    corner = max(4, min(size) // 8)
    image.paste(RED, (0, 0, corner, corner))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), *, mode: str = "RGBA", transparent: bool = True) -> bytes:
    image = Image.new(mode, size, (0, 128, 0, 0 if transparent else 255) if mode == "RGBA" else 0)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (0, 0, 200)).save(out, "WEBP")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


@cache
def huge_png_bytes(size: tuple[int, int] = (20000, 20000)) -> bytes:
    """A 1-bit PNG of 400 megapixels: about 50 KB on disk, gigabytes if decoded.

    Written chunk by chunk rather than by Pillow, which fills and encodes all 400 million pixels
    (1.2 s of CPU): test modules call this at collection, in every test process."""
    width, height = size
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # filter byte "none", then the row's black pixels
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored(photo: object) -> Image.Image:
    """The stored file of a HivePhoto, opened."""
    field = photo.image  # type: ignore[attr-defined]
    with field.open("rb") as file:
        image = Image.open(BytesIO(file.read()))
        image.load()
    return image
