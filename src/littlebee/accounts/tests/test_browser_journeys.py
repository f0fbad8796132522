"""The main account journeys, clicked through in Chromium on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.notifications.sms import LocmemSmsBackend
from littlebee.orgs.tests.factories import (
    CityFactory,
    CommunityFactory,
    DistrictFactory,
    EnterpriseFactory,
    PartyOrgFactory,
    StreetFactory,
)

from .factories import PASSWORD, WorkerProfileFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city() -> dict[str, object]:
    wuhan = CityFactory(name="武汉市", code="4201")
    wuchang = DistrictFactory(parent=wuhan, name="武昌区", code="420106")
    huanghelou = StreetFactory(parent=wuchang, name="黄鹤楼街道", code="420106001")
    xichangkou = CommunityFactory(parent=huanghelou, name="西厂口社区", code="420106001001")
    return {
        "district": wuchang,
        "street": huanghelou,
        "community": xichangkou,
        "party_org": PartyOrgFactory(region=xichangkou, name="西厂口社区党委"),
        "enterprise": EnterpriseFactory(name="顺丰速运有限公司", short_name="顺丰速运"),
    }


def log_in_with_password(page: Page, phone: str) -> None:
    page.goto("/login/")
    page.locator("#panel-password").get_by_label("手机号").fill(phone)
    page.locator("#panel-password").get_by_label("密码").fill(PASSWORD)
    page.locator("#panel-password").get_by_role("button", name="登录").click()


def test_a_new_worker_registers_and_sees_the_pending_check_in(phone_page: Page, city, screenshot, sms_outbox) -> None:
    # given the registration page
    page = phone_page
    page.goto("/")
    page.get_by_role("link", name=re.compile("注册报到")).first.click()
    expect(page).to_have_url(re.compile("/register/"))

    # when the worker fills it in, picking the community through the cascading lists
    page.get_by_label("手机号").fill("13812345678")
    # the code is sent in the background, and the button counts down to the next one
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile("秒后重发"))).to_be_disabled()
    texted = re.search(r"\b(\d{6})\b", sms_outbox[-1].message)
    assert texted is not None
    page.get_by_label("短信验证码").fill(texted.group(1))
    page.get_by_label("设置密码").fill("Honey-bee-2026")
    page.get_by_label("确认密码").fill("Honey-bee-2026")
    page.get_by_label("真实姓名").fill("朱涛")
    page.get_by_label("快递员").check()
    page.get_by_role("combobox", name="所属企业").select_option(str(city["enterprise"].pk))
    page.get_by_role("combobox", name="区", exact=True).select_option(str(city["district"].pk))
    expect(page.get_by_role("combobox", name="街道", exact=True)).to_contain_text("黄鹤楼街道")
    page.get_by_role("combobox", name="街道", exact=True).select_option(str(city["street"].pk))
    expect(page.get_by_role("combobox", name="社区", exact=True)).to_contain_text("西厂口社区")
    page.get_by_role("combobox", name="社区", exact=True).select_option(str(city["community"].pk))
    screenshot(page, "register-filled")
    page.get_by_role("button", name="提交注册").click()

    # then the worker is signed in on their profile, waiting for the community
    expect(page).to_have_url(re.compile("/me/"))
    expect(page.get_by_text("待社区确认").first).to_be_visible()
    expect(page.get_by_text("西厂口社区").first).to_be_visible()
    screenshot(page, "register-done-profile")
    profile = WorkerProfile.objects.get(user__phone="13812345678")
    assert profile.community == city["community"]
    assert profile.checkin_status == CheckinStatus.PENDING


def test_registration_with_a_taken_phone_shows_the_error_and_creates_nothing(phone_page: Page, city) -> None:
    # given a phone already registered
    WorkerProfileFactory(checkin_status=CheckinStatus.PENDING, user__phone="13812345678", community=city["community"])
    page = phone_page
    page.goto("/register/")

    # when someone registers it again with a weak password
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("设置密码").fill("12345678")
    page.get_by_label("确认密码").fill("12345678")
    page.get_by_label("真实姓名").fill("重复")
    page.get_by_role("button", name="提交注册").click()

    # then the page explains and nothing was created
    expect(page.locator(".form-alert, .field__error").first).to_be_visible()
    assert User.objects.filter(phone="13812345678").count() == 1


def test_a_worker_logs_in_with_a_password(phone_page: Page, city, screenshot) -> None:
    # given
    WorkerProfileFactory(
        checkin_status=CheckinStatus.PENDING, user__phone="13800000001", user__name="朱涛", community=city["community"]
    )

    # when
    log_in_with_password(phone_page, "13800000001")

    # then the home page greets them with their check-in state
    expect(phone_page.get_by_text("朱涛").first).to_be_visible()
    expect(phone_page.get_by_text("待社区确认").first).to_be_visible()
    screenshot(phone_page, "home-worker")


def test_a_wrong_password_is_refused_with_a_message(phone_page: Page, city) -> None:
    # given
    WorkerProfileFactory(checkin_status=CheckinStatus.PENDING, user__phone="13800000001", community=city["community"])
    page = phone_page

    # when
    page.goto("/login/")
    page.locator("#panel-password").get_by_label("手机号").fill("13800000001")
    page.locator("#panel-password").get_by_label("密码").fill("not-the-password-1")
    page.locator("#panel-password").get_by_role("button", name="登录").click()

    # then
    expect(page.get_by_text("手机号或密码不正确，还可以再试 4 次。")).to_be_visible()
    expect(page).to_have_url(re.compile("/login/"))


def test_a_worker_logs_in_with_an_sms_code(phone_page: Page, city, screenshot) -> None:
    # given a registered worker on the code tab
    WorkerProfileFactory(
        checkin_status=CheckinStatus.PENDING, user__phone="13800000002", user__name="郭锋", community=city["community"]
    )
    LocmemSmsBackend.outbox.clear()
    page = phone_page
    page.goto("/login/")
    page.get_by_role("tab", name="验证码登录").click()
    panel = page.locator("#panel-sms")
    panel.get_by_label("手机号").fill("13800000002")

    # when they ask for a code and type it in
    panel.get_by_role("button", name="获取验证码").click()
    expect(panel.locator("[data-sms-button]")).to_contain_text("秒")
    sent = LocmemSmsBackend.outbox[-1]
    assert sent.phone == "13800000002"
    match = re.search(r"\d{6}", sent.message)
    assert match is not None
    code = match.group(0)
    panel.get_by_role("textbox", name="短信验证码").fill(code)
    screenshot(page, "login-sms")
    panel.get_by_role("button", name="登录").click()

    # then they are signed in
    expect(page.get_by_text("郭锋").first).to_be_visible()
    expect(page).not_to_have_url(re.compile("/login/"))


def test_staff_confirms_a_check_in_and_the_worker_sees_verified(new_phone_page, city, screenshot) -> None:
    # given a pending worker and a handler of their community
    WorkerProfileFactory(
        checkin_status=CheckinStatus.PENDING,
        user__phone="13800000003",
        user__name="李师傅",
        community=city["community"],
    )
    staff(city["party_org"], user__phone="13900000001", user__name="王主任")
    staff_page = new_phone_page()

    # when the handler opens the check-in queue and confirms
    log_in_with_password(staff_page, "13900000001")
    staff_page.goto("/staff/")
    staff_page.get_by_role("link", name=re.compile("社区报到审核")).first.click()
    row = staff_page.locator("li, article, tr").filter(has_text="李师傅").last
    expect(row).to_be_visible()
    screenshot(staff_page, "staff-checkin-queue")
    row.get_by_role("button", name=re.compile("确认")).first.click()
    expect(staff_page.locator(".toast, .messages, [role=status]").first).to_be_visible()
    screenshot(staff_page, "staff-checkin-confirmed")

    # then the worker, logging in on their own phone, sees the check-in confirmed
    worker_page = new_phone_page()
    log_in_with_password(worker_page, "13800000003")
    worker_page.goto("/me/")
    expect(worker_page.get_by_text("已报到").first).to_be_visible()
    screenshot(worker_page, "worker-verified")
    assert WorkerProfile.objects.get(user__phone="13800000003").checkin_status == CheckinStatus.CONFIRMED


def test_a_visitor_switches_the_landing_page_to_english(phone_page: Page, city, screenshot) -> None:
    # given the Chinese landing page
    phone_page.goto("/")
    expect(phone_page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(phone_page, "landing-zh")

    # when the visitor taps the language switch
    phone_page.get_by_role("button", name=re.compile("EN")).first.click()

    # then the page is in English and stays so on the next page
    expect(phone_page.locator("html")).to_have_attribute("lang", "en")
    screenshot(phone_page, "landing-en")
    phone_page.goto("/login/")
    expect(phone_page.get_by_role("tab", name=re.compile("Password", re.I))).to_be_visible()
    screenshot(phone_page, "login-en")


def test_use_my_location_picks_the_community_in_the_registration_form(new_phone_page, city, screenshot) -> None:
    # given a phone that shares its position, standing at the community's centre
    community = city["community"]
    page = new_phone_page(
        permissions=["geolocation"], geolocation={"latitude": community.lat, "longitude": community.lng}
    )
    page.goto("/register/")

    # when the worker taps "use my location"
    page.get_by_role("button", name="使用我的位置").click()

    # then district, street and community are chosen for them
    expect(page.get_by_role("combobox", name="社区", exact=True)).to_have_value(str(community.pk))
    expect(page.get_by_role("combobox", name="街道", exact=True)).to_have_value(str(city["street"].pk))
    expect(page.get_by_role("combobox", name="区", exact=True)).to_have_value(str(city["district"].pk))
    expect(page.get_by_text("西厂口社区").first).to_be_visible()
    screenshot(page, "register-located")
