"""The full header set of a representative set of responses, through the site's middleware and
through the stock classes it stands in for (Django's SecurityMiddleware and
XFrameOptionsMiddleware, django-csp's CSPMiddleware), so a cheaper way of setting the security
headers cannot change any header any response carries: an API read by token, API errors, a page,
pages with exemptions, nonces and per-view policies, HTTPS with HSTS, and redirects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from csp.constants import NONCE as NONCE_PLACEHOLDER
from csp.decorators import csp_exempt, csp_replace, csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.urls import include, path
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin

from littlebee.accounts.services import token_issue
from littlebee.accounts.tests.factories import worker
from littlebee.core.tests.test_request_floor import STOCK_CLASSES, STOCK_STORAGE

pytestmark = pytest.mark.django_db


class StockPermissionsPolicyMiddleware:
    """The Permissions-Policy header as the site first sent it, worked out on every response."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header = ", ".join(f"{f}=({' '.join(o)})" for f, o in settings.PERMISSIONS_POLICY.items())
        if header:
            response.headers.setdefault("Permissions-Policy", header)
        return response


# The site's middleware with Django's and django-csp's own classes for the headers, wherever and
# however the site sets them, in the order the site first had them.
HEADER_STOCK = [
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    f"{__name__}.StockPermissionsPolicyMiddleware",
]
STOCK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    *(
        STOCK_CLASSES.get(m, m)
        for m in settings.MIDDLEWARE
        if not m.startswith("littlebee.core.headers.")
        and m not in ("django.middleware.security.SecurityMiddleware", *HEADER_STOCK)
    ),
]
_messages = STOCK_MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware")
STOCK_MIDDLEWARE[_messages + 1 : _messages + 1] = HEADER_STOCK


def _plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


@xframe_options_exempt
def _frame_exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("framed anywhere")


@xframe_options_sameorigin
def _frame_sameorigin(request: HttpRequest) -> HttpResponse:
    return HttpResponse("framed here")


@csp_exempt()
def _csp_exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no policy")


@csp_update({"img-src": ["https://extra.example.org"]})
def _csp_updated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("more images")


@csp_replace({"script-src": ["'self'", "https://cdn.example.org"]})
def _csp_replaced(request: HttpRequest) -> HttpResponse:
    return HttpResponse("other scripts")


@csp_update({"script-src": [NONCE_PLACEHOLDER]})
def _nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        engines["django"].from_string("<script nonce='{{ request.csp_nonce }}'></script>").render({}, request)
    )


def _nonce_unnamed(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        engines["django"].from_string("<script nonce='{{ request.csp_nonce }}'></script>").render({}, request)
    )


def _own_headers(request: HttpRequest) -> HttpResponse:
    # a view that sets the headers itself keeps its values
    response = HttpResponse("own")
    for name, value in (
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "unsafe-none"),
        ("X-Content-Type-Options", "other"),
        ("Content-Security-Policy", "default-src 'none'"),
        ("Permissions-Policy", "camera=*"),
    ):
        response[name] = value
    return response


def _server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse("broken", status=500)


urlpatterns = [
    path("test-headers/plain/", _plain),
    path("test-headers/frame-exempt/", _frame_exempt),
    path("test-headers/frame-sameorigin/", _frame_sameorigin),
    path("test-headers/csp-exempt/", _csp_exempt),
    path("test-headers/csp-updated/", _csp_updated),
    path("test-headers/csp-replaced/", _csp_replaced),
    path("test-headers/nonce/", _nonce),
    path("test-headers/nonce-unnamed/", _nonce_unnamed),
    path("test-headers/own/", _own_headers),
    path("test-headers/server-error/", _server_error),
    path("", include("littlebee.urls")),
]

# A nonce is new on every response.
NONCE = re.compile(r"nonce-[^']+'|nonce='[^']+'")
HEADER_NAMES = (
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "X-Frame-Options",
    "Permissions-Policy",
    "Strict-Transport-Security",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Content-Type-Options",
    "Location",
)


def _answer(response: Any) -> tuple[Any, ...]:
    headers = sorted((name, NONCE.sub("nonce-(n)'", value)) for name, value in response.items())
    # (the body is not the middleware's: a page's CSRF token is masked afresh each time)
    return (response.status_code, headers)


def _both_stacks(requests: Any) -> tuple[list[Any], list[Any]]:
    ours = [_answer(r) for r in requests(Client())]
    with override_settings(MIDDLEWARE=STOCK_MIDDLEWARE, MESSAGE_STORAGE=STOCK_STORAGE):
        stock = [_answer(r) for r in requests(Client())]
    return ours, stock


def _security(answer: tuple[Any, ...]) -> dict[str, str]:
    return {name: value for name, value in answer[1] if name in HEADER_NAMES}


def _token() -> str:
    _token, raw = token_issue(user=worker(), name="test")
    return raw


def test_api_answers_carry_the_headers_of_the_stock_middleware() -> None:
    # given a worker with a token
    raw = _token()

    def requests(client: Client) -> list[Any]:
        bearer = {"Authorization": f"Bearer {raw}"}
        return [
            client.get("/api/v1/me", headers=bearer),
            client.get("/api/v1/me"),
            client.get("/api/v1/nothing-here", headers=bearer),
            client.post("/api/v1/reports", {}, content_type="application/json", headers=bearer),
        ]

    # when the same requests go through both stacks
    ours, stock = _both_stacks(requests)

    # then every header is the same, and an API read carries the site's policies
    assert ours == stock
    assert [a[0] for a in ours][:3] == [200, 401, 404]
    headers = _security(ours[0])
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers
    assert all(_security(a).keys() == headers.keys() for a in ours)


@override_settings(ROOT_URLCONF=__name__)
def test_pages_with_exemptions_nonces_and_their_own_policies_carry_the_headers_of_the_stock_middleware() -> None:
    def requests(client: Client) -> list[Any]:
        return [
            client.get("/login/"),
            client.get("/no-such-page/"),
            client.get("/test-headers/plain/"),
            client.get("/test-headers/frame-exempt/"),
            client.get("/test-headers/frame-sameorigin/"),
            client.get("/test-headers/csp-exempt/"),
            client.get("/test-headers/csp-updated/"),
            client.get("/test-headers/csp-replaced/"),
            client.get("/test-headers/nonce/"),
            # a page that asks for a nonce its policy does not name
            client.get("/test-headers/nonce-unnamed/"),
            client.get("/test-headers/own/"),
            client.get("/test-headers/server-error/"),
            # CommonMiddleware's slash redirect
            client.get("/test-headers/plain"),
        ]

    # when the same requests go through both stacks
    ours, stock = _both_stacks(requests)

    # then every header is the same
    assert ours == stock
    assert [a[0] for a in ours] == [200, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200, 500, 301]
    plain, frame_exempt, sameorigin, no_csp, updated, replaced, nonce = (_security(a) for a in ours[2:9])
    own = _security(ours[10])
    assert plain["X-Frame-Options"] == "DENY" and "X-Frame-Options" not in frame_exempt
    assert sameorigin["X-Frame-Options"] == "SAMEORIGIN"
    assert "Content-Security-Policy" not in no_csp and no_csp["Permissions-Policy"] == plain["Permissions-Policy"]
    assert "https://extra.example.org" in updated["Content-Security-Policy"]
    assert "https://cdn.example.org" in replaced["Content-Security-Policy"]
    assert "'nonce-(n)'" in nonce["Content-Security-Policy"]
    assert own == {
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "unsafe-none",
        "X-Content-Type-Options": "other",
        "Content-Security-Policy": "default-src 'none'",
        "Permissions-Policy": "camera=*",
    }
    assert _security(ours[12])["Location"] == "/test-headers/plain/"


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_debug_error_pages_carry_the_headers_of_the_stock_middleware() -> None:
    def requests(client: Client) -> list[Any]:
        return [client.get("/test-headers/server-error/"), client.get("/test-headers/plain/")]

    # when the same requests go through both stacks with DEBUG on (django-csp leaves 500 and 404 alone)
    ours, stock = _both_stacks(requests)

    # then every header is the same
    assert ours == stock
    assert "Content-Security-Policy" not in _security(ours[0])


@pytest.mark.parametrize(
    "secure_settings",
    [
        {"SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True},
        {"SECURE_HSTS_SECONDS": 600, "SECURE_HSTS_PRELOAD": True},
        {"SECURE_HSTS_SECONDS": 0},
        {
            "SECURE_HSTS_SECONDS": 31536000,
            "SECURE_SSL_REDIRECT": True,
            "SECURE_REDIRECT_EXEMPT": [r"^api/v1/report-categories"],
        },
        {"SECURE_HSTS_SECONDS": 31536000, "SECURE_SSL_REDIRECT": True, "SECURE_SSL_HOST": "secure.example.org"},
        {
            "SECURE_HSTS_SECONDS": 31536000,
            "SECURE_REFERRER_POLICY": ["same-origin", "strict-origin"],
            "SECURE_CROSS_ORIGIN_OPENER_POLICY": None,
            "SECURE_CONTENT_TYPE_NOSNIFF": False,
            "X_FRAME_OPTIONS": "SAMEORIGIN",
        },
    ],
)
@override_settings(ROOT_URLCONF=__name__)
def test_https_hsts_and_redirects_carry_the_headers_of_the_stock_middleware(secure_settings: dict[str, Any]) -> None:
    # given a worker with a token
    raw = _token()

    def requests(client: Client) -> list[Any]:
        bearer = {"Authorization": f"Bearer {raw}"}
        return [
            client.get("/api/v1/me", headers=bearer, secure=True),
            client.get("/api/v1/me", headers=bearer),
            client.get("/api/v1/report-categories"),
            client.get("/login/", secure=True),
            client.get("/login/"),
            client.get("/test-headers/frame-exempt/", secure=True),
            client.get("/test-headers/own/", secure=True),
        ]

    # when the same requests go through both stacks, under the HTTPS settings
    with override_settings(**secure_settings):
        ours, stock = _both_stacks(requests)

    # then every header is the same: HSTS only over HTTPS, the redirect as Django's
    assert ours == stock
    hsts = _security(ours[0]).get("Strict-Transport-Security")
    assert (hsts is not None) == bool(secure_settings["SECURE_HSTS_SECONDS"])
    assert "Strict-Transport-Security" not in _security(ours[1])
    if secure_settings.get("SECURE_SSL_REDIRECT"):
        assert ours[1][0] == 301 and _security(ours[1])["Location"].startswith("https://")
