"""The Content-Security-Policy and Permissions-Policy headers, and the templates they rely on:
no inline script, event-handler attribute, style block or javascript: URL anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client

from littlebee.core.tests.test_config import load_settings

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(PACKAGE.rglob("templates/**/*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_the_templates_have_nothing_inline_the_policy_would_block() -> None:
    # given every template of the site
    assert len(TEMPLATES) > 50
    found = []
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("on…= handler", HANDLER),
            ("<style> block", STYLE_BLOCK),
            ("javascript: URL", JS_URL),
        ):
            found += [f"{template.relative_to(PACKAGE)}: {name}" for _ in pattern.finditer(text)]

    # then there is none: script-src and style-src are 'self' only
    assert found == []


@pytest.mark.django_db
def test_every_page_carries_the_policies() -> None:
    # when a page is served
    response = Client().get("/login/")

    # then the browser is told where scripts, styles and images may come from, and which
    # features the pages may use
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "https://tile.openstreetmap.org" in directives["img-src"]
    features = response["Permissions-Policy"]
    assert "camera=(self)" in features and "geolocation=(self)" in features
    assert "microphone=()" in features and "payment=()" in features


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HIVES_MAP_TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png"}, "https://*.tile.example.org"),
        (
            {"HIVES_MAP_TILE_URL": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"},
            "https://*.is.autonavi.com",
        ),
        ({"MEDIA_URL": "https://cdn.example.org/media/"}, "https://cdn.example.org"),
        (
            {"AWS_STORAGE_BUCKET_NAME": "photos", "AWS_S3_ENDPOINT_URL": "https://oss.example.com"},
            "https://*.oss.example.com",
        ),
        ({"CSP_EXTRA_IMG_SRC": "https://img.example.org"}, "https://img.example.org"),
    ],
)
def test_images_may_come_from_the_tile_server_and_the_media_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environ: dict[str, str], expected: str
) -> None:
    loaded = load_settings(monkeypatch, tmp_path, environ)
    assert expected in loaded["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_a_malformed_extra_image_origin_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    with pytest.raises(SystemExit):
        load_settings(monkeypatch, tmp_path, {"CSP_EXTRA_IMG_SRC": "img.example.org"})
    assert "CSP_EXTRA_IMG_SRC must be a comma-separated list of origins" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_policy_built_once_is_django_csps_own_and_follows_the_settings(api: Any) -> None:
    from csp.utils import build_policy
    from django.test import override_settings

    # when a page and an API answer are served
    page = Client().get("/login/")
    answer = Client().get("/api/v1/report-categories")

    # then both carry exactly the policy django-csp builds from the settings
    assert page["Content-Security-Policy"] == answer["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in page

    # and a changed setting changes the header at once (the built policy is not kept over it)
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        changed = Client().get("/login/")
    assert changed["Content-Security-Policy"] == "default-src 'none'"
    assert changed["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    assert Client().get("/login/")["Content-Security-Policy"] == page["Content-Security-Policy"]


def test_a_nonce_or_a_views_own_policy_is_built_by_django_csp() -> None:
    from csp.constants import NONCE
    from csp.decorators import csp_update
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings

    from littlebee.core.headers import CachedPolicyCSPMiddleware

    # given a view that asks for a nonce and one that widens its policy
    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    @csp_update({"img-src": ["https://maps.example.org"]})
    def widened(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    # when each is served through the middleware (a policy that takes nonces for scripts)
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        nonce_response = cast(HttpResponse, CachedPolicyCSPMiddleware(with_nonce)(RequestFactory().get("/")))
    widened_response = cast(HttpResponse, CachedPolicyCSPMiddleware(widened)(RequestFactory().get("/")))

    # then the nonce is in the policy, and the widened view's policy has its origin
    assert f"'nonce-{nonce_response.content.decode()}'" in nonce_response["Content-Security-Policy"]
    assert "https://maps.example.org" in widened_response["Content-Security-Policy"]
