"""Django's LocaleMiddleware without looking for a language in the path when no URL of the site
has one.

Django's middleware reads a language code off the front of every path twice a request, whether
or not the site uses i18n_patterns (ours does not: the language comes from the switch's cookie or
Accept-Language). For "/api/v1/me" that asks whether "api" is a language, which raises and
catches a LookupError each time (Django does not cache a miss): 20 µs of every request, for a
value only i18n_patterns would read. Without i18n_patterns this middleware does what Django's
does with that value unused; with them it is Django's.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class RequestLanguageMiddleware(LocaleMiddleware):
    def _path_languages(self, request: HttpRequest) -> bool:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        return bool(is_language_prefix_patterns_used(urlconf)[0])

    def process_request(self, request: HttpRequest) -> None:
        if self._path_languages(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if self._path_languages(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
