"""On a phone: the site is installable (manifest, icons, a service worker for the whole site) and a
worker's pages seen once still open with no network; a page never seen shows the offline page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Resolves, once the registration for the scope has an activated worker, with that worker's URL.
WAIT_ACTIVE = """async (scope) => {
  for (let i = 0; i < 150; i++) {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    if (registration && registration.active && registration.active.state === 'activated'
        && (scope === '/' || registration.scope.endsWith(scope))) {
      return registration.active.scriptURL;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return null;
}"""


def _worker_ready(page: Any) -> None:
    """Wait until the site's worker is active and controls the page."""
    assert page.evaluate(WAIT_ACTIVE, "/") is not None
    page.reload()  # a page loaded before the worker activated is not yet controlled by it
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_the_manifest_is_served_and_linked(phone_page: Any) -> None:
    # when the phone opens the site and reads the manifest it links
    phone_page.goto("/")
    href = phone_page.locator("link[rel=manifest]").get_attribute("href")
    response = phone_page.request.get(href)

    # then it is a manifest, with the home page as start and the icons phones ask for
    assert response.status == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.text())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = sorted(i["sizes"] for i in manifest["icons"])
    assert sizes == ["192x192", "192x192", "512x512", "512x512"]
    for icon in manifest["icons"]:
        assert phone_page.request.get(icon["src"]).headers["content-type"] == "image/png"
    touch = phone_page.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert phone_page.request.get(touch).status == 200


def test_a_worker_page_seen_once_opens_offline(new_phone_page: Any, screenshot: Any) -> None:
    # given a worker signed in on the phone, who has opened the home page and the points page
    me = worker(user__name="朱涛")
    page = new_phone_page()
    log_in(page, me.phone)
    _worker_ready(page)
    page.goto("/points/")
    page.goto("/")
    page.get_by_text("朱涛").first.wait_for()

    # when the phone loses the network and the worker opens home again
    page.context.set_offline(True)
    page.goto("/")

    # then the home page is drawn from the phone, styled (the stylesheet is kept too)
    expect(page.get_by_text("朱涛").first).to_be_visible()
    assert page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 50)")
    screenshot(page, "pwa-home-offline")
    # and so is the points page
    page.goto("/points/")
    assert "/points/" in page.url
    expect(page.locator("main")).to_be_visible()

    # when the worker opens a page never seen
    page.goto("/inbox/")

    # then the offline page says so and leads home
    page.get_by_role("heading", name="现在没有网络").wait_for()
    screenshot(page, "pwa-offline-page")
    page.get_by_role("link", name="返回首页").click()
    page.get_by_text("朱涛").first.wait_for()
    page.context.set_offline(False)


def test_signing_out_forgets_the_kept_pages(new_phone_page: Any) -> None:
    # given a worker whose profile page the phone has kept
    me = worker(user__name="郭锋")
    page = new_phone_page()
    log_in(page, me.phone, "/me/")
    _worker_ready(page)
    page.get_by_text("郭锋").first.wait_for()

    # when the worker signs out (back to the landing page), and the phone then loses the network
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("您已安全退出").wait_for()
    page.context.set_offline(True)
    page.goto("/me/")

    # then the next person sees the offline page, not the worker's profile
    page.get_by_role("heading", name="现在没有网络").wait_for()
    assert page.get_by_text("郭锋").count() == 0
    page.context.set_offline(False)


def test_the_report_queue_keeps_its_own_worker(new_phone_page: Any) -> None:
    # given a worker who has opened home (the site's worker) and the report form (the queue's)
    me = worker()
    page = new_phone_page()
    log_in(page, me.phone)
    _worker_ready(page)
    page.goto("/reports/new/")
    script = page.evaluate(WAIT_ACTIVE, "/reports/")

    # then both are registered, each with its scope, and the report pages are the queue's
    scopes = page.evaluate(
        "navigator.serviceWorker.getRegistrations().then(rs => rs.map(r => new URL(r.scope).pathname).sort())"
    )
    assert scopes == ["/", "/reports/"]
    assert script is not None and script.endswith("/reports/sw.js")
    served = page.evaluate("navigator.serviceWorker.getRegistration('/reports/new/').then(r => r.active.scriptURL)")
    assert served == script
