"""Station photos: the checks and re-encoding of littlebee.core.images, errors on the field "photo".

An upload is trusted for nothing: what it is comes from its bytes. It must be a JPEG, PNG or
WebP of at most 10 MB and 40 megapixels (refused before decoding); what is kept is a fresh
encoding of the pixels only, upright, at most 2048 px, sRGB, with no metadata.
"""

from __future__ import annotations

from typing import IO, Any

from littlebee.core.images import ACCEPT, MAX_BYTES, MAX_PIXELS, MAX_SIDE, PreparedImage, image_prepare

FIELD = "photo"

__all__ = ["ACCEPT", "FIELD", "MAX_BYTES", "MAX_PIXELS", "MAX_SIDE", "PreparedImage", "photo_prepare"]


def photo_prepare(upload: IO[bytes] | Any) -> PreparedImage:
    """The upload checked and re-encoded for storage; InvalidInput (field "photo") or
    PayloadTooLarge when it is refused."""
    return image_prepare(upload, FIELD)
