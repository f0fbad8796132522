"""Browser journey on a phone: a worker with points opens the points page (balance, title,
progress, badges, history), goes to the leaderboard, sees their own rank, and hides from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from littlebee.conftest import log_in
from littlebee.points import services
from littlebee.points.models import EarningRule, HonoraryTitle, PointsAccount
from littlebee.points.selectors import week_start

from .factories import BadgeFactory as _BadgeFactory
from .factories import city_admin, community_handler, district_admin, earn, make_town, rider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BadgeFactory: Any = _BadgeFactory


def test_a_worker_reads_their_points_and_hides_from_the_leaderboard(new_phone_page: Any, screenshot: Any) -> None:
    # given a rider with a history: check-in, two events, a gift; a badge; an honour; two rivals
    town = make_town()
    BadgeFactory(code="first-event", name="活动新人", icon="users", source="event_attendance", threshold=1, order=1)
    BadgeFactory(code="first-report", name="初次上报", icon="camera", source="report", threshold=1, order=2)
    BadgeFactory(code="points-1000", name="千分蜜蜂", icon="award", source="", threshold=1000, order=3)
    me = rider(town, name="张小蜂")
    # (spread over the part of this week that has passed: early on a Monday, Shanghai time, "three
    # days ago" is last week and the weekly board would not count it)
    now = timezone.now()
    since = max(now - timedelta(days=3), week_start(now))
    step = (now - since) / 4
    earn(me, 20, "checkin", source="checkin_confirmed", at=since + step, note="社区报到")
    earn(me, 100, "event:1", at=since + 2 * step, note="小哥集体生日会")
    earn(me, 50, "event:2", at=since + 3 * step, note="安全骑行培训")
    services.points_spend(worker=me, amount=30, idempotency_key="redemption:1", note="雨衣一件")
    services.honorary_title_grant(
        actor=community_handler(town), worker_id=me.pk, title="径心游侠", citation="雨夜护送迷路老人回家"
    )
    for name, points in (("李大勇", 200), ("王师傅", 60)):
        earn(rider(town, name=name), points, f"rival:{name}")
    page = new_phone_page()

    # when the rider opens the points page
    log_in(page, me.phone, "/points/")

    # then the balance, the title with the way to the next, and the history are there
    assert page.get_by_test_id("balance").inner_text().startswith("140")
    assert page.get_by_test_id("title").inner_text() == "勤劳工蜂"
    expect(page.get_by_text("再得 330 分升级为“采蜜能手”")).to_be_visible()
    history = page.get_by_test_id("history")
    expect(history.get_by_text("+50", exact=True)).to_be_visible()
    expect(history.get_by_text("-30", exact=True)).to_be_visible()
    expect(history.get_by_text("雨衣一件")).to_be_visible()
    expect(page.get_by_text("径心游侠")).to_be_visible()
    screenshot(page, "points-mine")

    # when the rider opens the leaderboard
    page.get_by_role("link", name="排行榜").click()
    page.wait_for_url("**/points/leaderboard/")

    # then their row is highlighted at rank 2 of the community this week
    board = page.get_by_test_id("board")
    assert board.locator("li").count() == 3
    mine = board.locator("li[aria-current='true']")
    # under a masked name: boards name a worker in full only after they opt in
    assert "张*" in mine.inner_text() and "张小蜂" not in mine.inner_text()
    expect(page.get_by_test_id("my-rank").get_by_text("我的排名：第 2 名")).to_be_visible()
    screenshot(page, "points-leaderboard")

    # when they tick "不在排行榜显示我" and save
    page.get_by_label("不在排行榜显示我").check()
    page.get_by_role("button", name="保存设置").click()
    page.wait_for_url("**/points/leaderboard/?scope=community&period=week")

    # then they are off the board, told so, and the setting is stored
    expect(page.get_by_text("已设置：排行榜上不再显示你。")).to_be_visible()
    assert page.get_by_test_id("board").locator("li").count() == 2
    assert "张*" not in page.get_by_test_id("board").inner_text()
    expect(page.get_by_text("你已设置不在排行榜显示")).to_be_visible()
    assert page.get_by_label("不在排行榜显示我").is_checked()
    assert PointsAccount.objects.get(worker=me).hide_from_boards is True
    screenshot(page, "points-leaderboard-hidden")

    # and the all-time board of the enterprise is one tap away
    page.get_by_role("link", name="本企业").click()
    page.wait_for_url("**/points/leaderboard/?scope=enterprise&period=week")
    page.get_by_role("link", name="总榜").click()
    page.wait_for_url("**/points/leaderboard/?scope=enterprise&period=all")
    assert "顺丰" in page.locator("#board-title").inner_text()


def test_a_district_admin_raises_their_districts_points_and_the_city_admin_reads_the_figures(
    new_phone_page: Any, screenshot: Any, settings: Any
) -> None:
    # (the city's figures are read from the statistics' rollups, kept up as the history is written)
    settings.ANALYTICS_TRACK = True
    settings.ANALYTICS_REFRESH_INLINE = True
    # given the default rules, a district admin, a city admin and a little history
    town = make_town()
    services.points_defaults_ensure()
    admin = district_admin(town)
    chief = city_admin(town)
    me = rider(town)
    earn(me, 90, "event:1", at=timezone.now() - timedelta(days=40))
    earn(me, 80, "event:2")
    services.points_spend(worker=me, amount=50, idempotency_key="redemption:1")
    page = new_phone_page(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)

    # when the district admin opens the rules and sets 武昌区's everyday reports to 10–60 (above 50)
    log_in(page, admin.phone, "/points/rules/")
    screenshot(page, "points-rules-district")
    # (the everyday reports' rule: other sources' rules, learning's among them, have links too)
    page.locator("a[href$='source=report&category=']", has_text="设置本区积分").click()
    page.wait_for_url("**/points/rules/new/**")
    page.get_by_label("最低积分").fill("10")
    page.get_by_label("最高积分").fill("60")
    page.get_by_role("button", name="保存").click()

    # then the form explains the city's maximum, and 50 is accepted
    page.get_by_text("本区最多可设 50 分").first.wait_for()
    screenshot(page, "points-rule-form-refused")
    page.get_by_label("最高积分").fill("50")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/points/rules/")
    expect(page.get_by_text("积分规则已保存")).to_be_visible()
    assert EarningRule.objects.get(district=town.district).points_max == 50

    # when the city admin opens the city's figures
    page.context.clear_cookies()
    log_in(page, chief.phone, "/staff/")
    page.goto("/points/city/")

    # then the statistics' dashboard shows the year's points: held = issued − spent − expired ± corrections
    page.wait_for_url("**/staff/stats/**")
    totals = page.locator("[data-stats-points] dd")
    assert totals.all_inner_texts() == ["170", "50", "0", "0", "120"]
    screenshot(page, "points-city")
    page.goto("/points/rules/")
    screenshot(page, "points-rules-city")

    # when the community's handler honours the rider
    handler = community_handler(town)
    page.context.clear_cookies()
    log_in(page, handler.phone, "/points/titles/grant/")
    page.get_by_label("小哥").select_option(value=str(me.worker_profile.pk))
    page.get_by_label("事迹", exact=True).fill("雨夜护送迷路老人回家")
    page.get_by_label("英文称号（选填）").fill("Wayfinder Knight")
    page.get_by_role("button", name="授予").click()

    # then the title is listed with its English, ready to be revoked
    page.get_by_text("已授予").first.wait_for()
    honour = HonoraryTitle.objects.get(worker=me)
    assert (honour.title, honour.title_en) == ("径心游侠", "Wayfinder Knight")
    expect(page.get_by_text("Wayfinder Knight", exact=True)).to_be_visible()
    screenshot(page, "points-titles")
