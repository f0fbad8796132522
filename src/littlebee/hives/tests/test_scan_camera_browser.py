"""On the keeper's phone: the visit counter reads a worker's member code with the camera
(Chromium's fake camera shows the code's QR), after the keeper picks the service; where the
browser has a BarcodeDetector, that is used and the bundled decoder is not even loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import log_in
from littlebee.core.tests.fake_camera import camera_showing
from littlebee.hives.models import HiveVisit
from littlebee.hives.visit_tokens import member_code_for

from .factories import HiveFactory as _HiveFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HiveFactory: Any = _HiveFactory
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "locale": "zh-CN"}

# A BarcodeDetector as Android's Chrome has one, reading the code the test puts in window.seen.
FAKE_DETECTOR = """
window.detections = 0;
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { this.formats = options.formats; }
  detect(source) {
    window.detections += 1;
    return Promise.resolve(window.seen && source.readyState >= 2 ? [{ rawValue: window.seen }] : []);
  }
};
"""


def _station() -> tuple[Any, Any]:
    from littlebee.hives import services

    catalogue = services.service_catalogue_ensure()
    hive = HiveFactory(name="武昌区机安社区爱心驿站", services=catalogue[:5])
    return hive, staff(hive.managing_unit, role=Role.KEEPER)


def test_the_keeper_scans_a_member_code_with_the_camera(
    browser: Any, live_server: Any, tmp_path: Path, screenshot: Any
) -> None:
    # given a station, its keeper and a worker showing the member code
    hive, keeper = _station()
    courier = worker(user__name="李小哥")

    # when the keeper, on a phone whose camera sees the code, picks 饮水就餐 and taps 扫码
    with camera_showing(browser, member_code_for(courier), tmp_path) as camera_browser:
        context = camera_browser.new_context(base_url=live_server.url, permissions=["camera"], **PHONE)
        context.set_default_timeout(15_000)
        counter = context.new_page()
        log_in(counter, keeper.phone, f"/hives/{hive.pk}/scan/")
        counter.get_by_label("本次服务").select_option(label="饮水就餐")
        counter.get_by_role("button", name="扫码").click()

        # then the visit is recorded with the service, without typing anything
        counter.get_by_text("已记录李小哥的本次到访").wait_for()
        screenshot(counter, "hives-scan-camera-recorded")
        context.close()
    visit = HiveVisit.objects.get(worker=courier)
    assert visit.hive == hive and visit.service is not None and visit.service.code == "water_meals"


def test_the_browsers_own_barcode_detector_is_used_where_there_is_one(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    # given a phone whose browser has a BarcodeDetector
    hive, keeper = _station()
    courier = worker(user__name="张小哥")
    with camera_showing(browser, None, tmp_path) as camera_browser:
        context = camera_browser.new_context(base_url=live_server.url, permissions=["camera"], **PHONE)
        context.add_init_script(FAKE_DETECTOR)
        counter = context.new_page()
        loaded: list[str] = []
        counter.on("request", lambda r: loaded.append(r.url))
        log_in(counter, keeper.phone, f"/hives/{hive.pk}/scan/")

        # when the keeper taps 扫码 and the detector sees a member code
        counter.get_by_role("button", name="扫码").click()
        counter.locator("[data-qr-scan][data-qr-state=scanning]").wait_for()
        counter.wait_for_function("window.detections > 2")
        counter.evaluate(f"window.seen = {member_code_for(courier)!r}")

        # then the visit is recorded, and the bundled decoder was never fetched
        counter.get_by_text("已记录张小哥的本次到访").wait_for()
        assert not [url for url in loaded if "jsQR" in url]
        context.close()
    assert HiveVisit.objects.filter(worker=courier, hive=hive).exists()
