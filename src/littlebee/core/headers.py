"""Security headers Django does not send itself."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any, cast

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase, ResponseHeaders
from django.middleware.security import SecurityMiddleware

# What a view or decorator may set on a response to change its policy (django-csp's own names;
# its decorators set them on the response object itself).
_CSP_OVERRIDES = frozenset(
    ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
)
# (header, exempting attribute, excluded path prefixes, policy, the header as stored): built from
# the settings on first use.
_CSP_POLICIES: list[tuple[str, str, tuple[str, ...], str, tuple[str, tuple[str, str]]]] = []
# django-csp leaves these alone under DEBUG (its debug pages), as plain ints: no enum look-up each response.
_DEBUG_EXEMPT = (int(http.HTTPStatus.INTERNAL_SERVER_ERROR), int(http.HTTPStatus.NOT_FOUND))


def _excluded_prefixes(setting: str) -> tuple[str, ...]:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())


def _csp_policies() -> list[tuple[str, str, tuple[str, ...], str, tuple[str, tuple[str, str]]]]:
    if not _CSP_POLICIES:
        policy, report_only = build_policy(), build_policy(report_only=True)
        _CSP_POLICIES.extend(
            [
                (
                    HEADER,
                    "_csp_exempt",
                    _excluded_prefixes("CONTENT_SECURITY_POLICY"),
                    policy,
                    _stored(HEADER, policy),
                ),
                (
                    HEADER_REPORT_ONLY,
                    "_csp_exempt_ro",
                    _excluded_prefixes("CONTENT_SECURITY_POLICY_REPORT_ONLY"),
                    report_only,
                    _stored(HEADER_REPORT_ONLY, report_only),
                ),
            ]
        )
    return _CSP_POLICIES


@receiver(setting_changed)
def _csp_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _CSP_POLICIES.clear()


class CachedPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy built once instead of on every response: django-csp
    rebuilds it from the settings twice a response (deep copies and string joins, more than a
    whole cached API read costs). Only a response whose policy is the settings' own takes the
    cached header, with exactly the exemptions and exclusions django-csp applies; a page that
    used a nonce or a view that changed its policy (django-csp's decorators) is built by
    django-csp as before."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or not _CSP_OVERRIDES.isdisjoint(vars(response)):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        # The header store itself: `header in response` finds a missing header by catching a
        # KeyError (Django's header mapping has no __contains__), the dearest step here.
        store = response.headers._store
        for _header, exempt, prefixes, policy, (key, pair) in _csp_policies():
            if not policy or key in store or getattr(response, exempt, False) is not False:
                continue
            if not prefixes or not request.path_info.startswith(prefixes):
                store[key] = pair
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


def _stored(name: str, value: str) -> tuple[str, tuple[str, str]]:
    """A header as ResponseHeaders stores it (its lower-cased name, then the name and value checked
    and converted as ResponseHeaders.__setitem__ does), so it is checked once, not per response."""
    headers = ResponseHeaders({name: value})
    return name.lower(), headers._store[name.lower()]


def _set_missing(response: HttpResponseBase, stored: tuple[tuple[str, tuple[str, str]], ...]) -> None:
    # Each as response.headers.setdefault(name, value) would: only where the response has none.
    store = response.headers._store
    for key, pair in stored:
        if key not in store:
            store[key] = pair


class SecurityHeadersMiddleware(SecurityMiddleware):
    """Django's SecurityMiddleware (the HTTPS redirect and Strict-Transport-Security over HTTPS as
    it does them) with its constant headers (nosniff, Referrer-Policy, Cross-Origin-Opener-Policy)
    worked out from the settings once, when the middleware is built as Django's reads them, and
    set in one step: Django joins and checks them again on every response."""

    # Its __call__ is synchronous, as the rest of the site's stack is.
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        constant: list[tuple[str, tuple[str, str]]] = []
        if self.content_type_nosniff:
            constant.append(_stored("X-Content-Type-Options", "nosniff"))
        # (read as SecurityMiddleware.__init__ reads them; django-stubs does not know its attributes)
        policy = settings.SECURE_REFERRER_POLICY
        if policy:
            values = [v.strip() for v in policy.split(",")] if isinstance(policy, str) else policy
            constant.append(_stored("Referrer-Policy", ",".join(values)))
        opener = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        if opener:
            constant.append(_stored("Cross-Origin-Opener-Policy", opener))
        self.constant = tuple(constant)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # As MiddlewareMixin: the HTTPS redirect gets the headers too.
        redirect = self.process_request(request) if self.redirect else None
        response = cast(HttpResponseBase, self.get_response(request)) if redirect is None else redirect
        if self.sts_seconds and request.is_secure() and "strict-transport-security" not in response.headers._store:
            sts_header = f"max-age={self.sts_seconds}"
            if self.sts_include_subdomains:
                sts_header += "; includeSubDomains"
            if self.sts_preload:
                sts_header += "; preload"
            response.headers["Strict-Transport-Security"] = sts_header
        _set_missing(response, self.constant)
        return response


# (Permissions-Policy, X-Frame-Options) as stored headers: built from the settings on first use.
# settings.PERMISSIONS_POLICY ({feature: [origins]}) names the browser features our pages may use
# (the report form's camera and position) and the ones no page of ours, nor anything framed or
# injected into it, may ask for.
_PAGE_HEADERS: list[tuple[tuple[str, tuple[str, str]], ...]] = []


def _page_headers() -> list[tuple[tuple[str, tuple[str, str]], ...]]:
    if not _PAGE_HEADERS:
        features = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )
        frame = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        _PAGE_HEADERS.extend(
            [(_stored("Permissions-Policy", features),) if features else (), (_stored("X-Frame-Options", frame),)]
        )
    return _PAGE_HEADERS


@receiver(setting_changed)
def _page_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("PERMISSIONS_POLICY", "X_FRAME_OPTIONS"):
        _PAGE_HEADERS.clear()


class PageHeadersMiddleware:
    """Django's XFrameOptionsMiddleware, CachedPolicyCSPMiddleware and the Permissions-Policy header
    in one layer instead of three, in their order (Permissions-Policy, then the policy, then
    X-Frame-Options), with the exemptions each applies: a response that has a header of its own
    keeps it, xframe_options_exempt and django-csp's decorators, nonces and excluded paths as
    before. The constant headers are checked once and set without Django's per-response checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.csp = CachedPolicyCSPMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        self.csp.process_request(request)
        response = self.get_response(request)
        features, frame = _page_headers()
        _set_missing(response, features)
        response = self.csp.process_response(request, response)
        # As XFrameOptionsMiddleware: a response's own value, or its exemption, wins.
        # (its response.get() of a missing header catches a KeyError; a stored value is never None)
        if "x-frame-options" not in response.headers._store and not getattr(response, "xframe_options_exempt", False):
            _set_missing(response, frame)
        return response
