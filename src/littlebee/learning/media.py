"""Uploaded audio and video: reading what a file really is and how long it plays (FFmpeg's
demuxers and decoders through PyAV, never the name, the declared type or a number the client
sends), and serving it with HTTP range requests: phones' players ask for a range first (Safari
insists on it) and seek or resume by ranges; Django's FileResponse answers whole files only."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase


@dataclass(frozen=True)
class MediaFacts:
    kind: str  # "audio" or "video"
    container: str  # FFmpeg's name of the format, e.g. "mp3", "mov,mp4,m4a,3gp,3g2,mj2"
    duration_seconds: int


# The containers accepted, as FFmpeg's demuxers name them.
CONTAINERS = ("mp3", "wav", "ogg", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")
# Longer than any lesson: a file claiming more is not believed.
MAX_SECONDS = 36_000


def media_facts(upload: IO[bytes]) -> MediaFacts | None:
    """What the file is, read by FFmpeg: audio (an audio stream and no picture that moves) or
    video (a video stream), of an accepted container, how long it plays (rounded up), and that
    its first frame decodes. None for anything else: a renamed page, a truncated or forged header,
    a file whose length cannot be read."""
    import av  # FFmpeg's libraries load on first use, not with every request

    upload.seek(0)
    try:
        with av.open(upload, mode="r") as container:
            if container.format.name not in CONTAINERS:
                return None
            video = [s for s in container.streams.video if not _still_picture(s)]
            audio = list(container.streams.audio)
            main = video[0] if video else audio[0] if audio else None
            if main is None:
                return None
            seconds = _duration(container, main)
            if seconds is None or not 0 < seconds <= MAX_SECONDS:
                return None
            # Headers can be forged; a frame that decodes cannot.
            next(iter(container.decode(main)))
    except (av.FFmpegError, StopIteration, UnicodeDecodeError, ValueError, IndexError, OSError):
        return None
    finally:
        upload.seek(0)
    return MediaFacts(
        kind="video" if video else "audio", container=container.format.name, duration_seconds=math.ceil(seconds)
    )


def _still_picture(stream: Any) -> bool:
    """An MP3's or M4A's cover art is a one-frame video stream: not a video."""
    import av

    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration:
        return float(container.duration) / 1_000_000  # AV_TIME_BASE
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(handle: object, start: int, length: int) -> Iterator[bytes]:
    handle.seek(start)  # type: ignore[attr-defined]
    left = length
    try:
        while left > 0:
            data = handle.read(min(CHUNK, left))  # type: ignore[attr-defined]
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()  # type: ignore[attr-defined]


def ranged_response(request: HttpRequest, file: FieldFile, content_type: str) -> HttpResponseBase:
    """The whole file (200), one byte range of it (206), or 416 for a range outside it. Files on
    S3 are a redirect to the storage's signed URL, which answers ranges itself."""
    if not file or not file.name:
        raise Http404()
    if not isinstance(file.storage, FileSystemStorage):
        redirect = HttpResponseRedirect(file.url)
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    try:
        size = file.storage.size(file.name)
        handle = file.storage.open(file.name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404() from None
    content_type = content_type or "application/octet-stream"
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip()) if header else None
    response: HttpResponseBase
    if match is None or (not match.group(1) and not match.group(2)):
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start = max(0, size - int(last))
            end = size - 1
        if start >= size or end < start:
            handle.close()
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        length = end - start + 1
        response = StreamingHttpResponse(_chunks(handle, start, length), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
