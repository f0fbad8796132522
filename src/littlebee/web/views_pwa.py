"""What makes Little Bee installable on a phone's home screen: the web app manifest, the
site-wide service worker (static/js/site-sw.js, served from / so that its scope is the whole
site) and the page it shows when there is no network and no kept copy of the page asked for."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

THEME_COLOUR = "#f5a623"  # the stylesheet's --honey-500, as base.html's theme-color
BACKGROUND_COLOUR = "#faf7f2"  # --ink-50, the page background: the splash screen matches it

# The files every page loads, kept by the service worker so that a kept page draws offline.
SHELL_FILES = (
    "css/littlebee.css",
    "js/early.js",
    "js/littlebee.js",
    "js/pwa.js",
    "img/logo.svg",
    "img/icons/icon-192.png",
    "img/icons/apple-touch-icon.png",
)


def _icons() -> list[dict[str, str]]:
    return [
        {"src": static("img/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("img/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("img/icons/maskable-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
        {"src": static("img/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the reader's language."""
    body: dict[str, Any] = {
        "id": reverse("home"),
        "name": str(settings.PLATFORM_NAME or settings.PLATFORM_NAME_DEFAULT),
        "short_name": _("小蜜蜂"),
        "description": _("新就业群体的随手拍、诉求、积分和蜂巢驿站。"),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": _icons(),
    }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """site-sw.js with the current addresses of the shell's files filled in. Its version follows
    those addresses and the script itself, so a new release installs a new worker."""
    path = finders.find("js/site-sw.js")
    if not path or isinstance(path, list):
        raise Http404
    with open(path, encoding="utf-8") as file:
        script = file.read()
    shell = [static(name) for name in SHELL_FILES]
    version = hashlib.sha256(json.dumps([script, shell]).encode()).hexdigest()[:12]
    config = json.dumps({"version": version, "shell": shell, "offline": reverse("offline")})
    body = script.replace("__SITE_SW_CONFIG__", config)
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # A new version must reach phones soon; browsers re-check at most daily anyway.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page it has no copy of, when there is no network."""
    return render(request, "web/offline.html")
