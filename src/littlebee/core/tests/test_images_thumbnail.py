"""The photo pipeline's thumbnail (core.images.image_thumbnail, issue 13): made with a cheaper
filter (BOX) than the stored image, and still looking like the LANCZOS thumbnail it replaced."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageChops, ImageFilter, ImageStat

from littlebee.core.images import image_fit, image_open, image_thumbnail


def photo_like(size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo-like JPEG, as the A/B bench sends: a gradient with noise, smoothed."""
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB", (gradient, gradient.rotate(90).resize(size), gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(image, noise, 0.25).filter(ImageFilter.SMOOTH)
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_the_thumbnail_is_resized_box_not_lanczos_nor_bilinear() -> None:
    # given a 640×480 photo made ready to store
    fitted = image_fit(image_open(photo_like()))

    # when its 480 px thumbnail is made
    thumbnail = image_thumbnail(fitted, max_side=480)

    # then it is the BOX resize (LANCZOS cost three times its CPU on this, the bench's photo;
    # bilinear 1.4 times), close to what bilinear made
    assert thumbnail.size == (480, 360)
    box = fitted.resize((480, 360), Image.Resampling.BOX, reducing_gap=2.0)
    assert thumbnail.tobytes() == box.tobytes()
    bilinear = fitted.resize((480, 360), Image.Resampling.BILINEAR, reducing_gap=2.0)
    assert max(ImageStat.Stat(ImageChops.difference(thumbnail, bilinear)).mean) < 2


def test_the_box_thumbnail_still_looks_like_the_lanczos_one() -> None:
    # given a photo with fine detail: a sharp checkerboard under the gradient and noise
    base = Image.open(BytesIO(photo_like((1200, 900)))).convert("RGB")
    board = Image.new("L", (1200, 900))
    board.putdata([255 if (x // 10 + y // 10) % 2 else 0 for y in range(900) for x in range(1200)])
    photo = Image.blend(base, Image.merge("RGB", (board, board, board)), 0.3)
    out = BytesIO()
    photo.save(out, "JPEG", quality=90)
    fitted = image_fit(image_open(out.getvalue()))

    # when the thumbnail is made
    thumbnail = image_thumbnail(fitted, max_side=480)

    # then it differs from the LANCZOS thumbnail by a few levels of 255 on average, in every channel
    lanczos = fitted.resize(thumbnail.size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    mean_difference = ImageStat.Stat(ImageChops.difference(thumbnail, lanczos)).mean
    assert max(mean_difference) < 6, mean_difference
    # and an image already small enough is kept as it is
    small = image_fit(image_open(photo_like((400, 300))))
    assert image_thumbnail(small, max_side=480) is small
