"""Browser journeys on a phone: a worker redeems the park ticket for pickup at a station and shows
the voucher; the keeper of that station scans its QR and hands it over, the code reaching the
server in a form body only; balance, stock and history agree. And the mall's filters: near me
(the phone's position) and what I can afford."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import log_in
from littlebee.orgs.models import OrgKind
from littlebee.points.models import LedgerReason
from littlebee.points.selectors import balance_of, ledger_of, points_mismatches
from littlebee.rewards.models import Gift, Voucher, VoucherStatus

from .factories import DonorFactory, GiftFactory, HiveFactory, give_points, keeper_of, listed_gift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 30.5440, "longitude": 114.3000}


def test_a_worker_redeems_the_park_ticket_and_the_keeper_hands_it_over(new_phone_page: Any, screenshot: Any) -> None:
    # given the park's 50 tickets, to pick up at two stations, and a rider with 2,000 points
    park = DonorFactory(name="黄鹤楼公园", kind=OrgKind.ALLIANCE_UNIT)
    jiangtan = HiveFactory(name="江滩爱心驿站", address="沿江大道100号")
    chuhe = HiveFactory(name="楚河汉街驿站", address="楚河汉街1号")
    ticket = listed_gift(
        [jiangtan, chuhe],
        name="黄鹤楼公园门票",
        description="黄鹤楼公园捐赠的门票，凭券到驿站领取。",
        donor=park,
        points_cost=1500,
        total_stock=50,
    )
    GiftFactory(name="电炖锅", points_cost=2000, total_stock=5)
    GiftFactory(name="雨伞", points_cost=1500, total_stock=0, stock_available=0)
    rider = worker(user__name="王小哥")
    give_points(rider, 2000)
    keeper = keeper_of(chuhe)

    # when he opens the mall on his phone
    page = new_phone_page()
    log_in(page, rider.phone, "/rewards/")
    assert page.locator("[data-balance]").inner_text().startswith("2000")
    screenshot(page, "rewards-mall")

    # and opens the ticket, chooses 楚河汉街驿站 and redeems (confirming)
    page.get_by_role("link", name=re.compile("黄鹤楼公园门票")).click()
    page.wait_for_url(f"**/rewards/{ticket.pk}/")
    page.get_by_text("楚河汉街驿站").first.click()
    screenshot(page, "rewards-gift")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("立即兑换")).click()

    # then he sees his voucher with its QR code and the code to show
    page.locator(".toast", has_text="兑换成功").wait_for()
    voucher = Voucher.objects.get(worker=rider)
    assert page.locator("[data-voucher-code]").inner_text() == voucher.code_display
    expect(page.locator(".voucher-qr svg")).to_be_visible()
    assert voucher.hive == chuhe
    screenshot(page, "rewards-voucher")

    # when the keeper of that station, signed in, scans its QR with his phone's camera
    # (the page test checks the QR carries exactly this address)
    counter = new_phone_page()
    log_in(counter, keeper.phone, reverse("staff"))
    requested: list[str] = []
    counter.on("request", lambda request: requested.append(f"{request.url} {request.headers.get('referer', '')}"))
    counter.goto(f"/rewards/pickup/#{urlencode({'code': voucher.code})}")

    # then he sees the ticket, the rider (phone masked) and the station, and confirms
    card = counter.locator("[data-pickup-voucher]")
    card.wait_for()
    assert "#" not in counter.url  # the code is off the address bar and out of history
    assert "黄鹤楼公园门票" in card.inner_text()
    assert "王小哥" in card.inner_text() and rider.phone not in card.inner_text()
    assert "楚河汉街驿站" in card.inner_text()
    screenshot(counter, "rewards-pickup-found")
    counter.get_by_role("button", name="确认发放").click()
    counter.get_by_text("已发放：黄鹤楼公园门票").wait_for()
    screenshot(counter, "rewards-pickup-done")
    # and the code went to the server in form bodies only: in no URL, query or Referer
    assert requested
    assert not [line for line in requested if voucher.code in line or voucher.code_display in line]

    # then the rider's voucher says it was picked up
    page.reload()
    assert page.locator("[data-voucher]").get_attribute("data-status") == "fulfilled"
    expect(page.get_by_text("在楚河汉街驿站领取").first).to_be_visible()
    screenshot(page, "rewards-voucher-fulfilled")

    # and balance, stock and history agree
    assert balance_of(rider) == 500
    assert Gift.objects.get(pk=ticket.pk).stock_available == 49
    entries = list(ledger_of(rider))
    assert [(e.reason, e.amount) for e in entries] == [(LedgerReason.REDEMPTION, -1500), (LedgerReason.EARN, 2000)]
    assert sum(e.amount for e in entries) == balance_of(rider)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.FULFILLED and voucher.fulfilled_hive == chuhe
    assert points_mismatches() == []

    # and his list of vouchers shows it picked up
    page.goto("/rewards/vouchers/?tab=all")
    assert "已领取" in page.locator(".voucher-row").first.inner_text()
    screenshot(page, "rewards-vouchers")

    # and a second scan of the same code, with the counter still open, is refused
    counter.goto(f"/rewards/pickup/#{urlencode({'code': voucher.code})}")
    counter.get_by_text("已领取过，不能重复发放").wait_for()
    screenshot(counter, "rewards-pickup-again")
    assert not [line for line in requested if voucher.code in line]

    # and so is typing it in
    counter.get_by_role("textbox", name="兑换码").fill(voucher.code_display.lower())
    with counter.expect_response(lambda response: response.request.method == "POST"):
        counter.get_by_role("button", name="查询").click()
    counter.get_by_text("已领取过，不能重复发放").wait_for()


def test_the_mall_filters_near_me_and_what_i_can_afford(new_phone_page: Any, screenshot: Any) -> None:
    # given a gift at a station by the rider, one far away, one anywhere, and 600 points
    lat, lng = HERE["latitude"], HERE["longitude"]
    listed_gift([HiveFactory(lat=lat + 0.004, lng=lng)], name="洗手液", points_cost=500)
    listed_gift([HiveFactory(lat=lat + 0.3, lng=lng)], name="远处的充电宝", points_cost=300)
    GiftFactory(name="电炖锅", points_cost=2000)
    rider = worker()
    give_points(rider, 600)
    page = new_phone_page(geolocation=HERE, permissions=["geolocation"])
    log_in(page, rider.phone, "/rewards/")

    # when he asks for gifts near him
    page.get_by_role("button", name="离我近").click()
    page.wait_for_url(re.compile(r".*lat=30\.544.*"))

    # then the far one is gone and distances show
    names = page.locator(".gift-card__name").all_inner_texts()
    assert sorted(names) == ["洗手液", "电炖锅"]
    assert "米" in page.locator(".gift-card__meta").first.inner_text()
    screenshot(page, "rewards-mall-near")

    # when he also asks for what he can afford
    page.get_by_role("link", name="我能兑换").click()
    page.wait_for_url(re.compile(r".*affordable=1.*"))

    # then only the hand soap is left, and the position is kept
    assert page.locator(".gift-card__name").all_inner_texts() == ["洗手液"]
    assert "lat=" in page.url
    screenshot(page, "rewards-mall-affordable")
