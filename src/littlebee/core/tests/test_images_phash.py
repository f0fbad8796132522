"""The photo pipeline's perceptual hash (core.images.image_phash, issue 13): imagehash.phash's
algorithm with a box reduction before its LANCZOS resampling, still comparable with the hashes
stored before it."""

from __future__ import annotations

from io import BytesIO

import imagehash
from PIL import Image, ImageFilter

from littlebee.core.images import image_fit, image_open, image_phash, image_thumbnail


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like picture (coarse noise, smoothed) as the pipeline holds it before hashing."""
    coarse = Image.effect_noise((size[0] // 20, size[1] // 20), 60 + seed).convert("RGB")
    picture = coarse.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.SMOOTH)
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return image_thumbnail(image_fit(image_open(out.getvalue())), max_side=480)


def test_the_hash_stays_within_two_bits_of_imagehash_and_far_from_other_photos() -> None:
    # given twenty photo-like thumbnails
    thumbnails = [photo(seed) for seed in range(20)]

    # when each is hashed both ways
    ours = [imagehash.hex_to_hash(image_phash(t)) for t in thumbnails]
    theirs = [imagehash.phash(t) for t in thumbnails]

    # then a photo's two hashes are at most 2 bits apart (the near-duplicate threshold is 6), and
    # two different photos' far more
    assert max(a - b for a, b in zip(ours, theirs, strict=True)) <= 2
    assert min(ours[i] - theirs[i + 1] for i in range(19)) > 6
    assert all(len(image_phash(t)) == 16 for t in thumbnails)
