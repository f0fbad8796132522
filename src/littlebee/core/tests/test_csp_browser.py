"""The Content-Security-Policy in a real browser: the main pages load and run their scripts
with no violation (no inline script, style block or handler left, every image source allowed),
and the Permissions-Policy lets the report form use the camera and the position."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import PASSWORD, staff, worker
from littlebee.cases.tests.factories import world
from littlebee.hives.tests.factories import HiveFactory
from littlebee.reports.services import report_categories_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 30.5501, "longitude": 114.3002}

# Init scripts run outside the page's policy: this one counts what the policy refused.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = (e.sourceFile || "") + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + where);
});
"""


class Watched:
    """A phone page that keeps every CSP complaint: console messages and violation events."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.console.append(message.text))

    def open(self, path: str) -> Any:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
        assert "camera=(self)" in response.headers.get("permissions-policy", "")
        self.page.wait_for_load_state("load")
        return response

    def assert_clean(self, where: str) -> None:
        # the page's own JavaScript ran (early.js marks <html>, littlebee.js is deferred after it)
        assert self.page.evaluate("document.documentElement.classList.contains('js')"), where
        events = self.page.evaluate("window.__cspViolations")
        words = ("Content Security Policy", "Permissions policy")
        complaints = [text for text in self.console if any(word in text for word in words)]
        assert events == [] and complaints == [], f"{where}: {events} {complaints}"


def log_in(watched: Watched, phone: str, next_url: str) -> None:
    page = watched.page
    watched.open(f"/login/?next={next_url}")
    page.locator("#panel-password").get_by_label("手机号").fill(phone)
    page.locator("#panel-password").get_by_label("密码").fill(PASSWORD)
    page.locator("#panel-password").get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_the_public_pages_pass_the_policy(new_phone_page: Any) -> None:
    # given a phone that records every violation
    watched = Watched(new_phone_page())

    # when the public pages load, then none is reported and their scripts ran
    for path in ("/", "/login/", "/register/"):
        watched.open(path)
        watched.assert_clean(path)


def test_a_workers_pages_pass_the_policy_with_the_map_and_a_photo(
    settings: Any, new_phone_page: Any, tmp_path: Path
) -> None:
    # given a city with the report categories, and a signed-in worker on a phone that shares its position
    settings.MEDIA_ROOT = tmp_path / "media"
    world()
    report_categories_ensure()
    courier = worker()
    HiveFactory(name="武昌区机安社区爱心驿站")
    watched = Watched(new_phone_page(permissions=["geolocation"], geolocation=HERE))
    log_in(watched, courier.phone, "/hives/")

    # when the station finder loads (Leaflet from our static files, tiles from the tile server)
    watched.page.wait_for_function("() => window.L !== undefined")
    watched.assert_clean("/hives/")

    # and the report form takes a photo (previewed from a blob: URL) and the position
    watched.open("/reports/new/")
    photo = tmp_path / "garbage.jpg"
    Image.new("RGB", (400, 300), (90, 140, 60)).save(photo, "JPEG")
    watched.page.locator("[data-photo-input]").set_input_files(str(photo))
    watched.page.locator("[data-previews] img").first.wait_for()
    watched.page.locator("[data-locate-text]", has_text="已定位").wait_for()
    watched.assert_clean("/reports/new/")

    # and the member code page (its styles now a stylesheet)
    watched.open("/hives/member-code/")
    watched.assert_clean("/hives/member-code/")


def test_the_staff_console_and_the_station_poster_pass_the_policy(new_phone_page: Any) -> None:
    # given a station keeper
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    watched = Watched(new_phone_page())
    log_in(watched, keeper.phone, "/staff/")

    # when the console and the poster load
    watched.assert_clean("/staff/")
    watched.open(f"/hives/{hive.pk}/poster/")
    watched.page.locator(".poster__qr svg").wait_for()

    # then none is reported, and the print button is wired by the script, not an inline handler
    watched.assert_clean("poster")
    watched.page.evaluate("window.print = () => { window.__printed = true; }")
    watched.page.locator("[data-print]").click()
    assert watched.page.evaluate("window.__printed === true")
