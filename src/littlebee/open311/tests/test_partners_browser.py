"""The city admin's partners page on a phone: issue a key (shown once), set a webhook, revoke
the key. Screenshots under var/screenshots/open311-*."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.cases.tests.factories import World
from littlebee.conftest import log_in

from .conftest import Keyed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_city_admin_issues_a_key_sets_a_webhook_and_revokes(
    w: World, keyed: Keyed, phone_page: Any, screenshot: Any
) -> None:
    # given
    page = phone_page
    bad_responses: list[str] = []
    page.on("response", lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    log_in(page, w.city_admin.phone, "/staff/partners/")

    # when a key is issued
    key_form = page.locator("[data-key-form]")
    key_form.get_by_label("合作方").select_option(label="顺丰速运")
    key_form.get_by_label("每日限额").fill("200")
    key_form.get_by_role("button", name="签发").click()

    # then it is shown once
    issued = page.locator("[data-issued-key] [data-key]").input_value()
    assert issued.startswith("o311_")
    screenshot(page, "open311-partners-key-issued-phone")

    # when a webhook is set
    hook_form = page.locator("[data-webhook-form]")
    hook_form.get_by_label("合作方").select_option(label="顺丰速运")
    hook_form.get_by_label("回调地址（留空则停用）").fill("https://hooks.sf-express.example/open311")
    hook_form.get_by_role("button", name="保存").click()

    # then its secret is shown, and the partner's row names the URL
    assert len(page.locator("[data-webhook-secret] [data-secret]").input_value()) == 64
    assert "hooks.sf-express.example" in page.locator("[data-partners]").inner_text()

    # when the new key is revoked
    page.goto("/staff/partners/")
    assert issued not in page.content()
    row = page.locator("[data-key-row]").filter(has_text="每日 200 条")
    row.get_by_role("button", name="吊销").click()

    # then
    assert "吊销" in page.locator("[data-key-row]").filter(has_text="每日 200 条").inner_text()
    screenshot(page, "open311-partners-revoked-phone")
    assert bad_responses == []
