"""Appeal attachments, served only to those who may see the appeal (selectors.appeal_for), never
at a /media/ path: an appeal is never public. Anyone else gets 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from littlebee.cases.views_files import file_viewer, ids_in_range
from littlebee.core.views import stored_file_response

from . import selectors
from .models import AppealAttachment

VARIANTS = ("file", "thumb")


@require_safe
def appeal_attachment_file(request: HttpRequest, appeal_id: int, attachment_id: int, variant: str) -> HttpResponseBase:
    if variant not in VARIANTS or not ids_in_range(appeal_id, attachment_id):
        raise Http404()
    appeal = selectors.appeal_for(file_viewer(request), appeal_id)
    attachment = AppealAttachment.objects.filter(pk=attachment_id, appeal_id=appeal.pk).first()
    if attachment is None:
        raise Http404()
    return stored_file_response(attachment.file if variant == "file" else attachment.thumbnail)
