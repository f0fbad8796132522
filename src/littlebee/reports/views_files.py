"""Report photos, served through the report's visibility rule rather than at a /media/ path.

A photo of a public-category report (not confidential) is for anyone; any other only for those
who may see the report (selectors.report_for: its reporter and followers, the offices it sits or
sat with, city admins for non-confidential ones). Anyone else gets 404. The original upload is
never served.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from littlebee.cases.views_files import file_viewer, ids_in_range
from littlebee.core.views import stored_file_response

from . import selectors
from .models import PhotoStatus, ReportPhoto

VARIANTS = ("image", "thumb")


@require_safe
def report_photo_file(request: HttpRequest, report_id: int, photo_id: int, variant: str) -> HttpResponseBase:
    if variant not in VARIANTS or not ids_in_range(report_id, photo_id):
        raise Http404()
    photo = (
        ReportPhoto.objects.filter(pk=photo_id, report_id=report_id, status=PhotoStatus.READY)
        .only("pk", "report_id", "image", "thumbnail")
        .first()
    )
    if photo is None:
        raise Http404()
    if not selectors.report_is_public(report_id):
        selectors.report_for(file_viewer(request), report_id)
    return stored_file_response(photo.image if variant == "image" else photo.thumbnail)
