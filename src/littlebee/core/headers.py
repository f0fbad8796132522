"""Security headers Django does not send itself."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY ({feature: [origins]}) as the Permissions-Policy header:
    the browser features our pages may use (the report form's camera and position), and the
    ones no page of ours, nor anything framed or injected into it, may ask for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


# What a view or decorator may set on a response to change its policy (django-csp's own names;
# its decorators set them on the response object itself).
_CSP_OVERRIDES = frozenset(
    ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
)
# (header, exempting attribute, excluded path prefixes, policy): built from the settings on first use.
_CSP_POLICIES: list[tuple[str, str, tuple[str, ...], str]] = []


def _excluded_prefixes(setting: str) -> tuple[str, ...]:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())


def _csp_policies() -> list[tuple[str, str, tuple[str, ...], str]]:
    if not _CSP_POLICIES:
        _CSP_POLICIES.extend(
            [
                (HEADER, "_csp_exempt", _excluded_prefixes("CONTENT_SECURITY_POLICY"), build_policy()),
                (
                    HEADER_REPORT_ONLY,
                    "_csp_exempt_ro",
                    _excluded_prefixes("CONTENT_SECURITY_POLICY_REPORT_ONLY"),
                    build_policy(report_only=True),
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
        debug_exempt = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)
        if response.status_code in debug_exempt and settings.DEBUG:
            return response
        for header, exempt, prefixes, policy in _csp_policies():
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            if not prefixes or not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
