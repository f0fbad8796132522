"""Serving uploaded audio and video with HTTP range requests: phones' players ask for a range
first (Safari insists on it) and seek or resume by ranges; Django's FileResponse answers whole
files only."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase

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
