"""Installable: the web app manifest, its icons, the site-wide service worker and its offline page."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_its_icons_colour_and_start_page() -> None:
    # when
    response = Client().get("/manifest.webmanifest")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "江城小蜜蜂"
    assert manifest["short_name"] == "小蜜蜂"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] == "#f5a623"
    icons = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}


@pytest.mark.parametrize(
    ("name", "size", "opaque"),
    [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-192.png", 192, True),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ],
)
def test_each_icon_is_a_png_of_its_size(name: str, size: int, opaque: bool) -> None:
    # given
    path = finders.find(f"img/icons/{name}")
    assert isinstance(path, str)

    # when
    with Image.open(path) as image:
        # then
        assert (image.format, image.size) == ("PNG", (size, size))
        corner = image.convert("RGBA").getpixel((0, 0))
        assert isinstance(corner, tuple)
        # a maskable icon and the apple-touch-icon fill their square (the phone cuts the shape)
        assert (corner[3] == 255) is opaque


def test_the_manifest_speaks_the_readers_language() -> None:
    # when
    response = Client().get("/manifest.webmanifest", headers={"accept-language": "en"})

    # then
    assert json.loads(response.content)["lang"] == "en"


def test_every_page_links_the_manifest_the_touch_icon_and_the_worker() -> None:
    # when
    html = Client().get("/login/").content.decode()

    # then
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon" href="/static/img/icons/apple-touch-icon.png"' in html
    assert '<meta name="theme-color" content="#f5a623">' in html
    assert 'src="/static/js/pwa.js" data-service-worker="/sw.js"' in html


def test_the_service_worker_is_served_from_the_root_with_the_shell_filled_in() -> None:
    # when
    response = Client().get("/sw.js")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert "__SITE_SW_CONFIG__" not in body
    config_line = next(line for line in body.splitlines() if line.startswith("var CONFIG = "))
    config = json.loads(config_line.removeprefix("var CONFIG = ").removesuffix(";"))
    assert config["offline"] == "/offline/"
    assert "/static/css/littlebee.css" in config["shell"]
    assert "/static/js/littlebee.js" in config["shell"]
    assert len(config["version"]) == 12


def test_writing_to_the_manifest_or_the_worker_is_refused() -> None:
    # when
    manifest = Client().post("/manifest.webmanifest")
    script = Client().post("/sw.js")

    # then
    assert (manifest.status_code, script.status_code) == (405, 405)


def test_the_offline_page_leaves_a_pending_message_for_the_next_page() -> None:
    # given a message waiting to be shown (signing out leaves one for the next page)
    client = client_for(worker())
    client.post("/logout/")

    # when the service worker fetches the offline page (as it does when it installs)
    offline = client.get("/offline/")

    # then it says there is no network and shows no message
    assert offline.status_code == 200
    html = offline.content.decode()
    assert "现在没有网络" in html
    assert "您已安全退出" not in html
    # and the next page still shows it
    assert "您已安全退出" in client.get("/login/").content.decode()
