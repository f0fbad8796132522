"""The Content-Security-Policy and Permissions-Policy headers, and the templates they rely on:
no inline script, event-handler attribute, style block or javascript: URL anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
