"""On a 390 px phone in English (issue 18): a rider redeems a gift in the mall, and the points
page's history names the gift in English, with the refund's reason English too; the honour their
community gave them reads in English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import PASSWORD
from littlebee.points import services
from littlebee.rewards.tests.factories import GiftFactory, give_points

from .factories import community_handler, make_town, rider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HAN = re.compile(r"[\u4e00-\u9fff]")


def _log_in_in_english(page: Any, phone: str, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    form = page.locator("#panel-password")
    form.get_by_label("Phone number").fill(phone)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def test_in_english_the_history_names_the_redeemed_gift_in_english(new_phone_page: Any, screenshot: Any) -> None:
    # given a rider with points and an honour in both languages, and a translated gift in the mall
    town = make_town()
    me = rider(town, name="张小蜂")
    give_points(me, 600)
    services.honorary_title_grant(
        actor=community_handler(town),
        worker_id=me.pk,
        title="径心游侠",
        citation="雨夜护送迷路老人回家",
        title_en="Wayfinder Knight",
        citation_en="Walked a lost elderly man home on a rainy night",
    )
    raincoat: Any = GiftFactory(
        name="分体雨衣", name_en="Two-piece raincoat", description_en="With reflective strips.", points_cost=120
    )
    page = new_phone_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    _log_in_in_english(page, me.phone, "/rewards/")

    # when the rider opens the raincoat in the mall and redeems it
    page.get_by_role("link", name=re.compile("Two-piece raincoat")).first.click()
    page.wait_for_url(f"**/rewards/{raincoat.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Redeem now")).click()
    page.locator("[data-voucher-code]").wait_for()

    # and opens the points page
    page.goto("/points/")

    # then the history's redemption line names the gift in English, and nothing there is Chinese
    history = page.get_by_test_id("history")
    expect(history.get_by_text("-120", exact=True)).to_be_visible()
    expect(history.get_by_text("Two-piece raincoat")).to_be_visible()
    assert not HAN.search(history.inner_text()), history.inner_text()
    # and the honour reads in English
    expect(page.get_by_text("Wayfinder Knight")).to_be_visible()
    expect(page.get_by_text("Walked a lost elderly man home on a rainy night")).to_be_visible()
    assert "径心游侠" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "points-history-english")
