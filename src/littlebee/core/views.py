"""Views of the platform's plumbing."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.static import serve


def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files from local disk, for the embedded mode (production keeps them in S3).
    Only files written by the upload services live there: images re-encoded without metadata."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response
