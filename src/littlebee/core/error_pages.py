"""The one place a page turns a refusal from a selector or service into Django's error page.

Selectors and services raise `NotFound` (no such object, or not yours: never telling which) and
`PermissionDenied` (a page that is not for the person's post). The API maps every DomainError
through its exception handlers (littlebee.api); for the server-rendered pages this middleware
does the same for those two, so no view writes `except NotFound: raise Http404` of its own. A view
that handles other domain errors itself (a message, a form error) lets these two pass with a bare
`except NotFound: raise` before its `except DomainError`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core import exceptions as django_exceptions
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotFound, PermissionDenied


class DomainErrorPagesMiddleware:
    """NotFound → the 404 page, PermissionDenied → the 403 page, with the error's sentence as the
    exception's message (what handler404/handler403 receive)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception.detail)))
        if isinstance(exception, PermissionDenied):
            return response_for_exception(request, django_exceptions.PermissionDenied(str(exception.detail)))
        return None
