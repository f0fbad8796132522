"""Issue 4's done-when on the demo city itself: the demo courier redeems the park ticket on a
phone, the keeper of the chosen station hands it over by code, and balance, stock and history agree."""

from __future__ import annotations

import re
from typing import Any

import pytest

from littlebee.accounts.models import User
from littlebee.conftest import log_in
from littlebee.hives.selectors import hives_managed_by
from littlebee.points.models import LedgerReason
from littlebee.points.selectors import balance_of, ledger_of, points_mismatches
from littlebee.rewards.models import Gift, Voucher, VoucherStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bee-demo-2021"


def test_the_demo_courier_redeems_the_park_ticket_and_a_keeper_hands_it_over(
    wuhan_city: Any, new_phone_page: Any, screenshot: Any
) -> None:
    # given the demo city, its courier, the park ticket and a keeper (or the city admin) of a pickup station
    courier = User.objects.get(phone="13800000001")
    ticket = Gift.objects.get(name="黄鹤楼公园门票")
    stations = [s.hive for s in ticket.stations.select_related("hive").order_by("pk")]
    keeper_phone, station = next(
        (
            (phone, hive)
            for phone in ("13900000007", "13900000008")
            for hive in stations
            if hives_managed_by(User.objects.get(phone=phone)).filter(pk=hive.pk).exists()
        ),
        ("13900000000", stations[0]),
    )
    before, stock = balance_of(courier), ticket.stock_available

    # when he redeems the ticket for that station on his phone
    page = new_phone_page()
    log_in(page, courier.phone, "/rewards/", password=PASSWORD)
    page.get_by_role("link", name=re.compile("黄鹤楼公园门票")).click()
    page.get_by_text(station.name).first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("立即兑换")).click()
    page.locator(".toast", has_text="兑换成功").wait_for()
    voucher = Voucher.objects.get(worker=courier, gift=ticket)
    screenshot(page, "demo-voucher")

    # and the keeper types the code at the counter and confirms
    counter = new_phone_page()
    log_in(counter, keeper_phone, "/rewards/pickup/", password=PASSWORD)
    counter.get_by_role("textbox", name="兑换码").fill(voucher.code_display)
    counter.get_by_role("button", name="查询").click()
    counter.locator("[data-pickup-voucher]").wait_for()
    counter.get_by_role("button", name="确认发放").click()
    counter.get_by_text("已发放：黄鹤楼公园门票").wait_for()

    # then balance, stock and history agree
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.FULFILLED and voucher.fulfilled_hive == station
    assert balance_of(courier) == before - ticket.points_cost
    assert Gift.objects.get(pk=ticket.pk).stock_available == stock - 1
    latest = ledger_of(courier).first()
    assert latest is not None and (latest.reason, latest.amount) == (LedgerReason.REDEMPTION, -ticket.points_cost)
    assert points_mismatches() == []
    page.goto("/points/")
    assert "兑换礼品" in page.content()
    screenshot(page, "demo-points-after")
