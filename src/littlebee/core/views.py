"""Views of the platform's plumbing."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.views.static import serve

# The only folders /media/ serves: pictures meant for everyone (station photos, gift pictures).
# Everything else uploaded (report photos and their originals, appeal attachments, a handler's
# photos) is served by an authorised view of its app, or never.
PUBLIC_MEDIA_PREFIXES = ("hives/", "gifts/")


def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """Uploaded public files from local disk, for the embedded mode (production keeps them in S3).
    Only files written by the upload services live there: images re-encoded without metadata."""
    if not path.startswith(PUBLIC_MEDIA_PREFIXES) or ".." in path.split("/"):
        raise Http404()
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_file_response(file: FieldFile) -> HttpResponseBase:
    """A stored file for a view that has already checked who is asking: streamed from local disk,
    or a redirect to the storage's own short-lived signed URL (S3 with querystring auth). Never
    cached by shared caches."""
    name = file.name
    if not file or not name:
        raise Http404()
    if isinstance(file.storage, FileSystemStorage):
        try:
            handle = file.storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Http404() from None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response: HttpResponseBase = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
    else:
        response = HttpResponseRedirect(file.url)
        # The signed URL expires: the redirect itself is asked for again each time.
        response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
