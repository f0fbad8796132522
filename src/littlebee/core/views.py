"""Views of the platform's plumbing."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.views.static import serve


def media_serve(request: HttpRequest, path: str) -> FileResponse:
    """Uploaded files from local disk, for the embedded mode (production keeps them in S3).
    Only files written by the upload services live there: images re-encoded without metadata."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["X-Content-Type-Options"] = "nosniff"
    return response
