"""Django's LocaleMiddleware without looking for a language in the path when no URL of the site
has one.

Django's middleware reads a language code off the front of every path twice a request, whether
or not the site uses i18n_patterns (ours does not: the language comes from the switch's cookie or
Accept-Language). For "/api/v1/me" that asks whether "api" is a language, which raises and
catches a LookupError each time (Django does not cache a miss): 20 µs of every request, for a
value only i18n_patterns would read. Without i18n_patterns this middleware does what Django's
does with that value unused; with them it is Django's.

The language a request asks for depends only on its language cookie and its Accept-Language
header (and the settings): Django works it out again for every request, raising and catching a
LookupError for a request without the cookie (every phone's call). It is kept per (cookie,
header) in a bounded table per process (short values only, emptied when full), forgotten when a
language setting changes (the tests' override_settings).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

# (language cookie, Accept-Language) -> the language Django's get_language_from_request chooses.
_CHOSEN: dict[tuple[str | None, str], str] = {}
MAX_CHOSEN = 512
# A chosen language -> the code get_language() gives while it is active (at most LANGUAGES' few).
_ACTIVE_CODE: dict[str, str] = {}
MAX_HEADER = 200
_LANGUAGE_SETTINGS = frozenset(("LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS"))


@receiver(setting_changed)
def _language_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _LANGUAGE_SETTINGS or setting == "USE_I18N":
        _CHOSEN.clear()
        _ACTIVE_CODE.clear()


def requested_language_of(request: HttpRequest) -> str:
    """translation.get_language_from_request(request, check_path=False), kept per cookie and header."""
    key = (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), str(request.META.get("HTTP_ACCEPT_LANGUAGE", "")))
    if len(key[1]) > MAX_HEADER or len(key[0] or "") > MAX_HEADER:
        return translation.get_language_from_request(request, check_path=False)
    found = _CHOSEN.get(key)
    if found is None:
        found = translation.get_language_from_request(request, check_path=False)
        if len(_CHOSEN) >= MAX_CHOSEN:
            _CHOSEN.clear()
        _CHOSEN[key] = found
    return found


class RequestLanguageMiddleware(LocaleMiddleware):
    def _path_languages(self, request: HttpRequest) -> bool:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        return bool(is_language_prefix_patterns_used(urlconf)[0])

    def process_request(self, request: HttpRequest) -> None:
        if self._path_languages(request):
            return super().process_request(request)
        chosen = requested_language_of(request)
        translation.activate(chosen)
        # What get_language() answers once `chosen` is active, kept per language: each read of
        # the active translation goes through a thread-local (asgiref's Local, a few µs).
        code = _ACTIVE_CODE.get(chosen)
        if code is None:
            code = _ACTIVE_CODE[chosen] = translation.get_language()
        request.LANGUAGE_CODE = code
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if self._path_languages(request):
            return super().process_response(request, response)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            # What patch_vary_headers writes when there is no Vary yet, without parsing one.
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
