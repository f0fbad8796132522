"""Django's session, CSRF and messages middleware, minus their work on an API call that carries no
cookie (a phone's bearer request: the hot path).

A call with no Cookie header has no session, no CSRF secret and no stored message; Django's
middleware still builds a session store (importing its serializer), looks the CSRF cookie up
(a KeyError raised and caught), builds the message storage, and on the way out asks each of them
whether anything changed: work for nothing on every API read (the session's is_empty raises and
catches an AttributeError too). On such a call these classes set up the same objects lazily,
built on first use, and answer as Django's would:

- the session: a store built on first access (request.user's evaluation reads it, as the session
  fallback of the API's authentication does for a call without a valid bearer token); once built,
  Django's own process_response runs, so "Vary: Cookie" and any cookie set are Django's; a store
  never touched would have done nothing there (not accessed, not modified, no cookie to delete);
- CSRF: no cookie, so process_request would set nothing; process_view is Django's (every API view
  is csrf_exempt); a view that asked for a token (get_token) gets its cookie set as Django's would;
- messages: the storage built on first use, and updated on the way out only if it was built.

Any other request (every page, an API call with a cookie) goes through Django's middleware
unchanged. core.tests.test_request_floor checks the answers against Django's stock stack.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.functional import SimpleLazyObject, empty

# The REST API's prefix (littlebee.urls): only its calls take the cookie-less shortcut.
API_PREFIX = "/api/v1/"


def cookieless_api_call(request: HttpRequest) -> bool:
    """An API call without a Cookie header: no session, CSRF secret or message to read."""
    return not request.META.get("HTTP_COOKIE") and request.path_info.startswith(API_PREFIX)


def _async(middleware: Any) -> bool:
    # MiddlewareMixin's async_mode (django-stubs does not declare it): an ASGI stack goes Django's way.
    return bool(middleware.async_mode)


def _built(request: HttpRequest, name: str, lazy: SimpleLazyObject) -> bool:
    """Whether the request's `name` is no longer `lazy` untouched (built, or replaced by a view)."""
    return request.__dict__.get(name) is not lazy or lazy._wrapped is not empty  # type: ignore[attr-defined]


class BrowserSessionMiddleware(SessionMiddleware):
    def __call__(self, request: HttpRequest) -> Any:
        if _async(self) or not cookieless_api_call(request):
            return super().__call__(request)
        store = self.SessionStore
        # process_request's store for a request without the session cookie, built on first use.
        lazy = SimpleLazyObject(lambda: store(None))
        request.session = lazy  # type: ignore[assignment]
        response: Any = self.get_response(request)
        if not _built(request, "session", lazy):
            return response
        return self.process_response(request, response)


class BrowserCsrfViewMiddleware(CsrfViewMiddleware):
    def __call__(self, request: HttpRequest) -> Any:
        # With CSRF_USE_SESSIONS the secret is read from the session (which that read marks as
        # accessed: "Vary: Cookie"), so such a site goes Django's way.
        if _async(self) or settings.CSRF_USE_SESSIONS or not cookieless_api_call(request):
            return super().__call__(request)
        # process_request reads the CSRF cookie: there is none, so it would set nothing.
        response: Any = self.get_response(request)
        if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return response  # what process_response would do with nothing to update
        return self.process_response(request, response)


class BrowserMessageMiddleware(MessageMiddleware):
    def __call__(self, request: HttpRequest) -> Any:
        if _async(self) or not cookieless_api_call(request):
            return super().__call__(request)
        lazy = SimpleLazyObject(lambda: default_storage(request))
        request._messages = lazy  # type: ignore[attr-defined]
        response: Any = self.get_response(request)
        if not _built(request, "_messages", lazy):
            return response
        return self.process_response(request, response)
