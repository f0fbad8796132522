"""On the keeper's phone: the pickup counter reads a voucher's QR with the camera (Chromium's fake
camera shows the QR of the voucher's pickup address) and the keeper hands the gift over; with the
camera refused the page says so and typing the code still works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import log_in
from littlebee.core.tests.fake_camera import camera_showing
from littlebee.rewards.models import VoucherStatus
from littlebee.rewards.services import gift_redeem
from littlebee.rewards.views import pickup_url

from .factories import HiveFactory, give_points, keeper_of, listed_gift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "locale": "zh-CN"}


def _voucher(hive: Any) -> Any:
    ticket = listed_gift([hive], name="黄鹤楼公园门票", points_cost=1500, total_stock=50)
    rider = worker(user__name="王小哥")
    give_points(rider, 2000)
    return gift_redeem(worker=rider, gift_id=ticket.pk, hive_id=hive.pk)


def test_the_keeper_scans_a_voucher_with_the_camera_and_hands_the_gift_over(
    browser: Any, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    # given a rider's voucher for a ticket at 楚河汉街驿站, and what its QR carries
    chuhe = HiveFactory(name="楚河汉街驿站")
    voucher = _voucher(chuhe)
    request = RequestFactory().get("/", HTTP_HOST=live_server.url.removeprefix("http://"))
    address = pickup_url(request, voucher)
    keeper = keeper_of(chuhe)

    # when the keeper, on a phone whose camera sees that QR, opens the counter and taps 扫码
    with camera_showing(browser, address, tmp_path) as camera_browser:
        context = camera_browser.new_context(base_url=live_server.url, permissions=["camera"], **PHONE)
        context.set_default_timeout(15_000)
        counter = context.new_page()
        requested: list[str] = []
        counter.on("request", lambda r: requested.append(f"{r.url} {r.headers.get('referer', '')}"))
        log_in(counter, keeper.phone, reverse("rewards:pickup"))
        counter.get_by_role("button", name="扫码").click()

        # then the code is read and looked up: the voucher shows, and the keeper confirms
        card = counter.locator("[data-pickup-voucher]")
        card.wait_for()
        assert "黄鹤楼公园门票" in card.inner_text() and "王小哥" in card.inner_text()
        screenshot(counter, "rewards-pickup-camera-found")
        counter.get_by_role("button", name="确认发放").click()
        counter.get_by_text("已发放：黄鹤楼公园门票").wait_for()
        # and the camera is off again, and the code reached the server in form bodies only
        assert counter.evaluate("document.querySelector('[data-qr-video]').srcObject") is None
        assert not [line for line in requested if voucher.code in line]
        # (Chromium on Linux has no BarcodeDetector: the bundled decoder read it)
        assert [line for line in requested if "/static/vendor/jsqr/jsQR.js" in line]
        context.close()

    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.FULFILLED and voucher.fulfilled_hive == chuhe


def test_the_camera_view_frames_the_code_and_closes(
    browser: Any, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    # given a keeper whose camera sees no QR code (a blank wall)
    chuhe = HiveFactory(name="楚河汉街驿站")
    keeper = keeper_of(chuhe)
    with camera_showing(browser, None, tmp_path) as camera_browser:
        context = camera_browser.new_context(base_url=live_server.url, permissions=["camera"], **PHONE)
        counter = context.new_page()
        log_in(counter, keeper.phone, reverse("rewards:pickup"))

        # when the keeper taps 扫码
        counter.get_by_role("button", name="扫码").click()

        # then the picture shows in a frame, scanning, until the keeper closes it
        counter.locator("[data-qr-scan][data-qr-state=scanning]").wait_for()
        expect(counter.locator("[data-qr-video]")).to_be_visible()
        screenshot(counter, "rewards-pickup-camera-scanning")
        counter.get_by_role("button", name="关闭摄像头").click()
        expect(counter.locator("[data-qr-video]")).to_be_hidden()
        expect(counter.get_by_role("button", name="扫码")).to_be_visible()
        context.close()


def test_with_the_camera_refused_the_keeper_is_told_and_types_the_code(
    browser: Any, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    # given a voucher and its keeper, on a phone with a camera the keeper does not allow
    chuhe = HiveFactory(name="楚河汉街驿站")
    voucher = _voucher(chuhe)
    with camera_showing(browser, None, tmp_path) as camera_browser:
        context = camera_browser.new_context(base_url=live_server.url, **PHONE)
        counter = context.new_page()
        log_in(counter, keeper_of(chuhe).phone, reverse("rewards:pickup"))

        # when the keeper taps 扫码
        counter.get_by_role("button", name="扫码").click()

        # then the page says why, and the code can still be typed
        alert = counter.locator("[data-qr-error]")
        alert.wait_for()
        assert alert.inner_text() == "没有获得使用摄像头的许可。请在浏览器设置里允许本站使用摄像头，或直接输入。"
        screenshot(counter, "rewards-pickup-camera-refused")
        counter.get_by_role("textbox", name="兑换码").fill(voucher.code_display)
        counter.get_by_role("button", name="查询").click()
        counter.locator("[data-pickup-voucher]").wait_for()
        context.close()


def test_without_a_camera_the_keeper_is_told_so(new_phone_page: Any) -> None:
    # given a keeper on a phone with no camera at all
    chuhe = HiveFactory(name="楚河汉街驿站")
    counter = new_phone_page()
    log_in(counter, keeper_of(chuhe).phone, reverse("rewards:pickup"))

    # when the keeper taps 扫码
    counter.get_by_role("button", name="扫码").click()

    # then the page says so, and the input is ready for typing
    counter.get_by_text("没有找到可用的摄像头，请直接输入。").wait_for()
    assert counter.evaluate("document.activeElement.name") == "code"
