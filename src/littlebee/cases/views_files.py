"""Files of cases served only to the people who may see the case (cases_visible_to).

Pages send the session cookie; a mobile client sends its bearer token (`Authorization: Bearer`).
Anyone else gets 404, the same as for no such file, so nothing is learnt about other cases.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from littlebee.core.views import stored_file_response

from .models import CaseAttachment
from .selectors import case_for_actor

MAX_ID = 2**31 - 1  # a larger id in a URL is no row of ours (and would overflow a query)


def ids_in_range(*ids: int) -> bool:
    return all(1 <= i <= MAX_ID for i in ids)


def file_viewer(request: HttpRequest) -> Any:
    """Who asks for a file: the signed-in session's user, else the bearer token's, else anonymous."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        from littlebee.accounts.services import token_lookup

        found = token_lookup(raw.strip())
        if found is not None:
            return found.user
    return AnonymousUser()


@require_safe
def case_attachment_file(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponseBase:
    """A file on a case's timeline (a handler's photo of the repair), for those who see the case."""
    if not ids_in_range(case_id, attachment_id):
        raise Http404()
    case = case_for_actor(file_viewer(request), case_id)
    attachment = CaseAttachment.objects.filter(pk=attachment_id, event__case_id=case.pk).first()
    if attachment is None:
        raise Http404()
    return stored_file_response(attachment.file)
