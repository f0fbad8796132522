"""Browser journeys on a phone: a rider files an appeal against their own employer with their
identity hidden (seeing how similar appeals were answered on the way); the employer's party
organisation sees the content without the rider; the food-delivery committee's supervision view
lists it. In Chinese and in English."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from littlebee.appeals.models import Appeal
from littlebee.appeals.tests.factories import AppealCity, appeal_city, file_appeal
from littlebee.cases import services as case_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}


def signed_in(new_phone_page: Any, live_server: Any, user: Any, **options: Any) -> Any:
    """A phone page whose browser carries a session of `user` (the sign-in page has its own tests)."""
    client = Client()
    client.force_login(user)
    page = new_phone_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "penalty.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (220, 90, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def answered_publicly(c: AppealCity) -> None:
    """A past appeal about the same thing, answered, whose worker let the outcome be shown."""
    past = file_appeal(
        c, worker=c.other_rider, subject="雨天超时罚款申诉", outcome_public=True, anonymous_to_enterprise=False
    )
    case_services.case_accept(case_id=past.pk, actor=c.eleme_handler)
    case_services.case_resolve(
        case_id=past.pk, actor=c.eleme_handler, note="经核实为恶劣天气，已撤销罚款并返还 50 元。"
    )


def test_a_rider_files_an_anonymous_appeal_and_the_committee_lists_it(
    new_phone_page: Any, live_server: Any, screenshot: Any, media_root: Path, tmp_path: Path
) -> None:
    # given the food-delivery industry, a rider of 饿了么, and a past appeal answered in public
    c = appeal_city()
    answered_publicly(c)

    # when the rider opens the form on their phone
    page = signed_in(new_phone_page, live_server, c.rider)
    page.goto("/appeals/")
    expect(page.get_by_text("还没有诉求")).to_be_visible()
    screenshot(page, "appeals-mine-empty")
    page.get_by_role("link", name="提诉求").first.click()
    page.wait_for_url("**/appeals/new/")

    # and chooses rights / an enterprise (their own employer is already picked, identity hidden)
    page.locator("label", has_text="权益保障").click()
    page.locator("label", has_text="涉及企业").first.click()
    assert page.locator("select[name=enterprise]").input_value() == str(c.eleme.pk)
    assert page.locator("input[name=anonymous_to_enterprise]").is_checked()

    # and types the subject: how the earlier one was answered shows up
    page.get_by_role("textbox", name="主题").fill("超时罚款")
    page.locator("[data-similar]").get_by_text("雨天超时罚款申诉").wait_for()
    page.get_by_role("textbox", name="具体情况").fill("暴雨天送餐超时被罚 50 元，申诉后没有回音。")
    page.locator("input[name=attachments]").set_input_files(str(image_file(tmp_path)))
    page.locator("[data-previews] img").first.wait_for()
    screenshot(page, "appeals-new")
    page.get_by_role("button", name="提交诉求").click()

    # then they land on the appeal, told its number, who handles it and by when
    page.wait_for_url("**/appeals/*/")
    appeal = Appeal.objects.get(case__reporter=c.rider)
    assert appeal.anonymous_to_enterprise and appeal.enterprise == c.eleme
    assert appeal.attachments.count() == 1
    page.get_by_text(f"诉求 #{appeal.pk} 已提交").first.wait_for()
    assert page.locator("[data-holder]").inner_text() == c.eleme_party.name
    screenshot(page, "appeals-detail")

    # when 饿了么's party organisation opens the case
    enterprise = signed_in(new_phone_page, live_server, c.eleme_handler)
    enterprise.goto(f"/staff/cases/{appeal.pk}/")

    # then it reads the appeal but not who sent it
    expect(enterprise.locator("[data-appeal-panel]").get_by_text("暴雨天送餐超时")).to_be_visible()
    expect(enterprise.locator("[data-reporter-hidden]")).to_be_visible()
    content = enterprise.content()
    assert c.rider.name not in content and c.rider.phone not in content
    screenshot(enterprise, "appeals-case-enterprise")

    # when the committee opens its supervision view
    committee = signed_in(new_phone_page, live_server, c.committee_handler)
    committee.goto("/staff/cases/")
    committee.get_by_role("link", name="诉求督办").click()
    committee.wait_for_url("**/appeals/supervision/")

    # then the appeal is listed with its enterprise and where it sits
    row = committee.locator(f'[data-case-row="{appeal.pk}"]')
    expect(row.get_by_text("超时罚款")).to_be_visible()
    expect(row.get_by_text("饿了么武汉")).to_be_visible()
    screenshot(committee, "appeals-supervision")

    # and on the case it sees the rider and the supervision actions
    row.get_by_role("link").first.click()
    committee.wait_for_url(f"**/staff/cases/{appeal.pk}/")
    expect(committee.get_by_text(c.rider.name).first).to_be_visible()
    expect(committee.locator('[data-case-action="take_over"]')).to_be_visible()
    screenshot(committee, "appeals-case-committee")


def test_the_appeal_pages_in_english(new_phone_page: Any, live_server: Any, screenshot: Any, media_root: Path) -> None:
    # given an answered appeal of the rider, and an empty form
    c = appeal_city()
    appeal = file_appeal(c)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="The fine was withdrawn.")

    # when the rider browses in English
    page = signed_in(new_phone_page, live_server, c.rider, **ENGLISH)
    page.goto("/appeals/new/")

    # then the form, the list and the appeal with its rating form show in English
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "appeals-new-en")
    page.goto("/appeals/")
    screenshot(page, "appeals-mine-en")
    page.goto(f"/appeals/{appeal.pk}/")
    expect(page.locator(".star-rating")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "appeals-detail-en")

    # and the committee's view in English
    committee = signed_in(new_phone_page, live_server, c.committee_handler, **ENGLISH)
    committee.goto("/appeals/supervision/")
    expect(committee.locator(f'[data-case-row="{appeal.pk}"]')).to_be_visible()
    screenshot(committee, "appeals-supervision-en")
    enterprise = signed_in(new_phone_page, live_server, c.eleme_handler, **ENGLISH)
    enterprise.goto(f"/staff/cases/{appeal.pk}/")
    assert c.rider.name not in enterprise.content()
    screenshot(enterprise, "appeals-case-enterprise-en")
