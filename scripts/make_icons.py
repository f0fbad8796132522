"""Draw the home-screen icons (web app manifest, apple-touch-icon) from the bee logo.

    .venv/bin/python scripts/make_icons.py

Reads src/littlebee/static/img/logo.svg and writes PNGs into src/littlebee/static/img/icons/:

  icon-192.png, icon-512.png      the logo on a transparent ground ("any" purpose)
  maskable-192.png, maskable-512.png
                                  full-bleed honey ground, the logo inside the central 70 %
                                  (the maskable safe zone is a circle of 80 % of the width)
  apple-touch-icon.png            180 x 180, opaque (iOS paints a transparent ground black)

Chromium draws the SVG (the browser tests' Chromium, CHROMIUM_PATH or /usr/bin/chromium), so
the PNGs look like the logo on the pages. The PNGs are committed; run this again when the logo
changes.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
LOGO = ROOT / "src" / "littlebee" / "static" / "img" / "logo.svg"
OUT = ROOT / "src" / "littlebee" / "static" / "img" / "icons"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
HONEY_50 = "#fff9ec"  # the stylesheet's --honey-50: the logo's own honey reads well on it

# name, size, ground colour (None: transparent), share of the width the logo takes
ICONS: tuple[tuple[str, int, str | None, float], ...] = (
    ("icon-192.png", 192, None, 1.0),
    ("icon-512.png", 512, None, 1.0),
    ("maskable-192.png", 192, HONEY_50, 0.7),
    ("maskable-512.png", 512, HONEY_50, 0.7),
    ("apple-touch-icon.png", 180, HONEY_50, 0.8),
)


def page_html(svg: str, size: int, ground: str | None, share: float) -> str:
    logo = round(size * share)
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    background = ground or "transparent"
    return (
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<div style='width:{size}px;height:{size}px;display:flex;align-items:center;"
        f"justify-content:center;background:{background}'>"
        f"<img src='{source}' width='{logo}' height='{logo}'></div></body></html>"
    )


def main() -> None:
    svg = LOGO.read_text(encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, size, ground, share in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
            page.set_content(page_html(svg, size, ground, share))
            page.wait_for_function("document.images[0].complete")
            page.screenshot(path=str(OUT / name), omit_background=ground is None)
            page.close()
            print(f"wrote {(OUT / name).relative_to(ROOT)}")
        browser.close()


if __name__ == "__main__":
    main()
