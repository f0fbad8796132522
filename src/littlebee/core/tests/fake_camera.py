"""A phone camera for browser tests: Chromium plays a video file as its camera
(--use-fake-device-for-media-stream --use-file-for-fake-video-capture), here a still picture of
a QR code, so a page's scanner reads it as a keeper's phone would read a worker's screen."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import segno
from PIL import Image

from littlebee.conftest import CHROMIUM, CHROMIUM_ARGS

WIDTH, HEIGHT = 640, 480


def qr_picture(text: str, *, side: int = 360) -> Image.Image:
    """The QR code of `text`, black on white, centred in a camera frame."""
    qr = segno.make(text, error="m")
    modules = qr.symbol_size(scale=1, border=4)[0]
    png = io.BytesIO()
    qr.save(png, kind="png", scale=max(1, side // modules), border=4)
    png.seek(0)
    code = Image.open(png).convert("RGB")
    frame = Image.new("RGB", (WIDTH, HEIGHT), (230, 226, 218))
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    return frame


def write_y4m(picture: Image.Image, path: Path, *, frames: int = 2) -> Path:
    """`picture` as a short YUV4MPEG2 (4:2:0) video, the format Chromium's fake camera plays."""
    y, cb, cr = picture.convert("YCbCr").split()
    half = (picture.width // 2, picture.height // 2)
    chroma = [plane.resize(half, Image.Resampling.BOX).tobytes() for plane in (cb, cr)]
    planes = y.tobytes() + b"".join(chroma)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{picture.width} H{picture.height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@contextmanager
def camera_showing(browser: Any, text: str | None, folder: Path) -> Iterator[Any]:
    """A second Chromium (from the session's Playwright) whose camera sees the QR code of `text`
    (None: a blank wall)."""
    picture = qr_picture(text) if text is not None else Image.new("RGB", (WIDTH, HEIGHT), (230, 226, 218))
    video = write_y4m(picture, folder / "camera.y4m")
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        yield instance
    finally:
        instance.close()
