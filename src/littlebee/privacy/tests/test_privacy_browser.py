"""A worker, on their phone, reads the privacy notice from /me/, downloads their data and closes
their account with the password."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from littlebee.accounts.models import User
from littlebee.accounts.tests.factories import PASSWORD

from .conftest import Life

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(new_phone_page: Any, live_server: Any, user: User) -> Any:
    client = Client()
    client.force_login(user)
    page = new_phone_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_a_worker_downloads_their_data_and_closes_the_account(
    me: Life, live_server: Any, new_phone_page: Any, screenshot: Any, tmp_path: Path
) -> None:
    # given the worker on /me/
    page = signed_in(new_phone_page, live_server, me.user)
    page.goto(f"{live_server.url}/me/")

    # when they download their data
    with page.expect_download() as info:
        page.get_by_test_id("my-data").get_by_role("link", name="下载我的数据").click()
    saved = tmp_path / "mine.json"
    info.value.save_as(saved)

    # then the file holds their data
    assert json.loads(saved.read_text("utf-8"))["profile"]["phone"] == "13800000001"

    # when they read the notice
    page.get_by_test_id("my-data").get_by_role("link", name="个人信息保护说明").click()
    page.wait_for_url("**/privacy/")
    expect(page.get_by_role("heading", name="保存多久")).to_be_visible()
    screenshot(page, "privacy-policy")

    # and close the account: a wrong password first
    page.get_by_role("link", name="注销账号").click()
    page.wait_for_url("**/privacy/close/")
    form = page.get_by_test_id("close-account-form")
    form.get_by_label("登录密码").fill("wrong-password")
    form.get_by_label("我已了解：注销后无法恢复，积分和兑换券作废。").check()
    form.get_by_role("button", name="确认注销").click()
    expect(page.get_by_text("密码不正确。")).to_be_visible()
    assert User.objects.get(pk=me.user.pk).is_active
    screenshot(page, "privacy-close-wrong-password")

    form = page.get_by_test_id("close-account-form")
    form.get_by_label("登录密码").fill(PASSWORD)
    form.get_by_label("我已了解：注销后无法恢复，积分和兑换券作废。").check()
    form.get_by_role("button", name="确认注销").click()

    # then they are signed out, told so, and the account is closed
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("账号已注销")).to_be_visible()
    assert not User.objects.get(pk=me.user.pk).is_active
    screenshot(page, "privacy-closed")
