"""The points pages: the worker's points and leaderboard; the staff's earning rules, the city's
figures and honorary titles. Anonymous visitors go to the login page; people whose post does
not cover a console page get 403; objects they may not touch answer 404."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.points import services
from littlebee.points.models import EarningRule, HonoraryTitle, PointsAccount

from .factories import BadgeFactory as _BadgeFactory
from .factories import EarningRuleFactory as _EarningRuleFactory
from .factories import Town, city_admin, community_handler, district_admin, earn, logged_in, plain_user, rider

pytestmark = pytest.mark.django_db

BadgeFactory: Any = _BadgeFactory
EarningRuleFactory: Any = _EarningRuleFactory


def text(response: Any) -> str:
    """The page's visible text, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- The worker's points page ------------------------------------------------------------------
def test_the_points_page_shows_balance_title_progress_badges_honours_and_history(town: Town) -> None:
    # given a rider with 150 points earned, 30 spent, a badge earned, one locked and an honour
    BadgeFactory(code="first-event", name="活动新人", source="event_attendance", threshold=1, order=1)
    BadgeFactory(
        code="points-1000", name="千分蜜蜂", source="", threshold=1000, order=2, description="累计获得 1000 积分"
    )
    me = rider(town)
    earn(me, 150, "event:1", note="小哥集体生日会")
    services.points_spend(worker=me, amount=30, idempotency_key="redemption:1")
    services.honorary_title_grant(
        actor=community_handler(town), worker_id=me.pk, title="径心游侠", citation="雨夜护送老人"
    )

    # when
    response = logged_in(me).get(reverse("points:mine"))

    # then
    assert response.status_code == 200
    page = text(response)
    assert "120 分" in page
    assert "勤劳工蜂" in page
    assert "再得 350 分升级为“采蜜能手”" in page
    assert "累计获得 150 分" in page
    html = response.content.decode()
    assert 'aria-valuenow="12"' in html  # (150 - 100) / (500 - 100)
    assert "活动新人" in page and "千分蜜蜂" in page
    assert html.count("badge-tile--locked") == 1
    assert "径心游侠" in page and "雨夜护送老人" in page and "西厂口社区党委" in page
    assert "参加活动" in page and "+150" in page and "小哥集体生日会" in page
    assert "兑换礼品" in page and "-30" in page
    assert 'class="amount amount--minus"' in html
    assert f'href="{reverse("rewards:mall")}"' in html


def test_the_points_page_of_a_newcomer_invites_to_earn(town: Town) -> None:
    page = text(logged_in(rider(town)).get(reverse("points:mine")))
    assert "0 分" in page
    assert "见习小蜂" in page
    assert "再得 100 分升级为“勤劳工蜂”" in page
    assert "还没有积分记录" in page


def test_the_top_title_says_so(town: Town) -> None:
    me = rider(town)
    earn(me, 6000, "big")
    page = text(logged_in(me).get(reverse("points:mine")))
    assert "江城蜂王" in page
    assert "已是最高称号" in page


def test_the_history_is_paginated_by_20_and_keeps_the_query(town: Town) -> None:
    me = rider(town)
    for i in range(25):
        earn(me, 1, f"e:{i}", at=timezone.now() - timedelta(minutes=25 - i))

    first = logged_in(me).get(reverse("points:mine"))
    second = logged_in(me).get(reverse("points:mine"), {"page": 2})

    assert first.content.decode().count("ledger__row") == 20
    assert second.content.decode().count("ledger__row") == 5
    assert "?page=2" in first.content.decode()
    assert "共 25 条" in text(first)


def test_the_points_pages_need_a_login() -> None:
    for name in ("points:mine", "points:leaderboard"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", ["points:mine", "points:leaderboard"])
def test_the_worker_pages_cost_the_same_for_3_or_30_entries(town: Town, url_name: str) -> None:
    me = rider(town)
    others = [rider(town) for _ in range(3)]
    client = logged_in(me)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name)).status_code == 200
        return len(ctx.captured_queries)

    for i, other in enumerate(others):
        earn(me, 5, f"me:{i}")
        earn(other, 5 + i, f"other:{i}")
    few = count()
    for i in range(27):
        earn(me, 5, f"me-more:{i}")
        earn(rider(town), 5 + i, f"more:{i}")
    assert count() == few


def test_the_home_page_shows_the_real_balance_and_links_to_the_points(town: Town) -> None:
    me = rider(town)
    earn(me, 42, "event:1")
    response = logged_in(me).get(reverse("home"))
    assert "42" in text(response)
    assert f'href="{reverse("points:mine")}"' in response.content.decode()


# --- The leaderboard page ------------------------------------------------------------------------
def test_the_leaderboard_highlights_me_and_switches_scope_and_period(town: Town) -> None:
    # given
    me = rider(town, name="张三")
    other = rider(town, name="李四")
    colleague_elsewhere = rider(town, name="王五", community=town.other_district_community)
    earn(me, 30, "a")
    earn(other, 50, "b")
    earn(colleague_elsewhere, 70, "c", at=timezone.now() - timedelta(days=30))
    client = logged_in(me)

    # when / then: my community this week
    week = client.get(reverse("points:leaderboard"))
    html = week.content.decode()
    assert "西厂口社区" in text(week)
    assert re.search(r'board__row--me"[^>]*aria-current="true"', html)
    assert text(week).index("李*") < text(week).index("张*")
    assert "我的排名：第 2 名" in text(week)
    assert "王*" not in text(week)

    # the enterprise, all time
    enterprise = client.get(reverse("points:leaderboard"), {"scope": "enterprise", "period": "all"})
    page = text(enterprise)
    assert "顺丰" in page
    assert page.index("王*") < page.index("李*") < page.index("张*")
    assert "我的排名：第 3 名" in page
    assert 'aria-current="page">本企业' in enterprise.content.decode().replace("\n", "")


def test_bad_board_values_fall_back_to_the_defaults(town: Town) -> None:
    response = logged_in(rider(town)).get(reverse("points:leaderboard"), {"scope": "nope", "period": "year"})
    assert response.status_code == 200
    assert "西厂口社区" in text(response)


def test_a_worker_hides_from_the_boards_with_the_toggle(town: Town) -> None:
    # given
    me = rider(town, name="张三")
    other = rider(town, name="李四")
    earn(me, 30, "a")
    earn(other, 20, "b")
    client = logged_in(me)

    # when the rider ticks "不在排行榜显示我" on the district board
    response = client.post(reverse("points:privacy"), {"hide_from_boards": "on", "scope": "district", "period": "all"})

    # then back to the same board, hidden from everyone
    assert response.status_code == 302
    assert response["Location"] == reverse("points:leaderboard") + "?scope=district&period=all"
    assert PointsAccount.objects.get(worker=me).hide_from_boards is True
    mine = text(client.get(response["Location"]))
    assert "你已设置不在排行榜显示" in mine
    assert "李*" in mine
    seen_by_other = text(logged_in(other).get(reverse("points:leaderboard")))
    assert "张*" not in seen_by_other

    # and unticking shows them again
    client.post(reverse("points:privacy"), {"scope": "community", "period": "week"})
    assert PointsAccount.objects.get(worker=me).hide_from_boards is False
    assert "张*" in text(logged_in(other).get(reverse("points:leaderboard")))


def test_the_privacy_toggle_needs_a_post(town: Town) -> None:
    assert logged_in(rider(town)).get(reverse("points:privacy")).status_code == 405


def test_a_staff_member_without_a_profile_sees_an_explanation(town: Town) -> None:
    response = logged_in(district_admin(town)).get(reverse("points:leaderboard"))
    assert response.status_code == 200
    assert "暂无可看的排行榜" in text(response)


# --- Earning rules ------------------------------------------------------------------------------
def test_a_city_admin_lists_and_edits_city_rules(town: Town) -> None:
    # given
    rule = EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    admin = city_admin(town)
    client = logged_in(admin)

    # when
    listing = client.get(reverse("points:rules"))
    response = client.post(
        reverse("points:rule_edit", args=[rule.pk]),
        {"points_min": 5, "points_max": 40, "daily_cap": 100, "district_max_points": 60, "is_active": "on"},
    )

    # then
    assert listing.status_code == 200
    assert "5–30 分" in text(listing) and "各区最高可设 50 分" in text(listing)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points_max, rule.daily_cap, rule.district_max_points, rule.updated_by) == (40, 100, 60, admin)


def test_a_city_admin_creates_a_city_rule(town: Town) -> None:
    client = logged_in(city_admin(town))
    response = client.post(
        reverse("points:rule_new"),
        {
            "source": "report",
            "category": "safety_hazard",
            "district": "",
            "points_min": 50,
            "points_max": 50,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = EarningRule.objects.get(category="safety_hazard")
    assert (rule.district, rule.points_max, rule.is_active) == (None, 50, True)


def test_a_second_rule_for_the_same_scope_is_explained(town: Town) -> None:
    EarningRuleFactory(source="report", category="safety_hazard", points_min=50, points_max=50)
    response = logged_in(city_admin(town)).post(
        reverse("points:rule_new"),
        {"source": "report", "category": "safety_hazard", "points_min": 60, "points_max": 60, "is_active": "on"},
    )
    assert response.status_code == 400
    assert "该范围内已有这项积分规则" in text(response)
    assert EarningRule.objects.get(category="safety_hazard").points_max == 50


def test_a_rule_with_its_range_upside_down_is_explained(town: Town) -> None:
    rule = EarningRuleFactory(source="report", points_min=5, points_max=30)
    response = logged_in(city_admin(town)).post(
        reverse("points:rule_edit", args=[rule.pk]), {"points_min": 40, "points_max": 30, "is_active": "on"}
    )
    assert response.status_code == 400
    assert "最低积分不能高于最高积分" in text(response)


def test_a_district_admin_sets_their_districts_points_within_the_citys_maximum(town: Town) -> None:
    # given a city rule that lets districts go up to 50
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    admin = district_admin(town)
    client = logged_in(admin)

    # when the district admin opens the override form from the list and saves 10–50
    listing = client.get(reverse("points:rules"))
    form = client.get(reverse("points:rule_new"), {"source": "report", "category": ""})
    saved = client.post(
        reverse("points:rule_new"),
        {
            "source": "report",
            "category": "",
            "district": town.district.pk,
            "points_min": 10,
            "points_max": 50,
            "is_active": "on",
        },
    )

    # then
    assert "设置本区积分" in text(listing)
    assert "本区最高可设 50 分" in text(form)
    assert "district_max_points" not in form.content.decode()
    assert saved.status_code == 302, text(saved)
    override = EarningRule.objects.get(district=town.district)
    assert (override.points_min, override.points_max, override.updated_by) == (10, 50, admin)
    assert "武昌区" in text(client.get(reverse("points:rules")))


def test_beyond_the_citys_maximum_the_district_admin_is_told_why(town: Town) -> None:
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    response = logged_in(district_admin(town)).post(
        reverse("points:rule_new"),
        {
            "source": "report",
            "category": "",
            "district": town.district.pk,
            "points_min": 10,
            "points_max": 80,
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "本区最多可设 50 分" in text(response)
    assert not EarningRule.objects.filter(district=town.district).exists()


def test_a_rule_the_city_does_not_let_districts_adjust_is_refused(town: Town) -> None:
    EarningRuleFactory(source="report", category="public_security_clue", points_min=100, points_max=100)
    response = logged_in(district_admin(town)).post(
        reverse("points:rule_new"),
        {
            "source": "report",
            "category": "public_security_clue",
            "district": town.district.pk,
            "points_min": 120,
            "points_max": 120,
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "全市规则不允许各区调整这项积分" in text(response)


def test_a_district_admin_cannot_pick_another_district(town: Town) -> None:
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    response = logged_in(district_admin(town)).post(
        reverse("points:rule_new"),
        {"source": "report", "district": town.other_district.pk, "points_min": 10, "points_max": 20, "is_active": "on"},
    )
    assert response.status_code == 400
    assert "您不能为这个区设置积分规则" in text(response)
    assert not EarningRule.objects.filter(district__isnull=False).exists()


def test_a_district_admin_cannot_open_city_rules_or_other_districts_rules(town: Town) -> None:
    city_rule = EarningRuleFactory(source="report", points_min=5, points_max=30, district_max_points=50)
    theirs = EarningRuleFactory(source="report", district=town.other_district, points_min=5, points_max=40)
    client = logged_in(district_admin(town))
    assert client.get(reverse("points:rule_edit", args=[city_rule.pk])).status_code == 404
    assert (
        client.post(reverse("points:rule_edit", args=[theirs.pk]), {"points_min": 1, "points_max": 50}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.points_max == 40


@pytest.mark.parametrize("who", ["community_handler", "keeper"])
def test_other_staff_get_403_on_the_rules(town: Town, who: str) -> None:
    person = community_handler(town) if who == "community_handler" else staff(town.community_org, role=Role.KEEPER)
    client = logged_in(person)
    for name in ("points:rules", "points:rule_new"):
        assert client.get(reverse(name)).status_code == 403


def test_a_worker_gets_403_on_the_console_pages(town: Town) -> None:
    client = logged_in(rider(town))
    for name in ("points:rules", "points:rule_new", "points:city", "points:titles"):
        assert client.get(reverse(name)).status_code == 403


def test_anonymous_visitors_go_to_the_login_from_the_console_pages() -> None:
    for name in ("points:rules", "points:city", "points:titles"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_console_shows_points_links_by_post(town: Town) -> None:
    admin_page = logged_in(city_admin(town)).get(reverse("staff")).content.decode()
    district_page = logged_in(district_admin(town)).get(reverse("staff")).content.decode()
    handler_page = logged_in(community_handler(town)).get(reverse("staff")).content.decode()
    assert reverse("points:rules") in admin_page and "/staff/stats/" in admin_page
    assert reverse("points:rules") in district_page and reverse("points:city") not in district_page
    assert reverse("points:titles") in handler_page and reverse("points:rules") not in handler_page


# --- The city's figures ----------------------------------------------------------------------------
# The city's points figures are the statistics' dashboard now (analytics): issued, spent, expired,
# corrected and held, each by its one definition.
def test_the_city_figures_lead_to_the_statistics(town: Town) -> None:
    # when
    response = logged_in(city_admin(town)).get(reverse("points:city"))

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/stats/?period=365#points"


def test_district_admins_do_not_see_the_city_figures(town: Town) -> None:
    assert logged_in(district_admin(town)).get(reverse("points:city")).status_code == 403


# --- Honorary titles -------------------------------------------------------------------------------
def test_a_community_handler_grants_and_revokes_a_title_from_the_page(town: Town) -> None:
    # given
    me = rider(town, name="张三")
    rider(town, name="未报到", confirmed=False)
    rider(town, name="邻社区", community=town.neighbour)
    client = logged_in(community_handler(town))

    # when
    form = client.get(reverse("points:titles"))
    granted = client.post(
        reverse("points:titles"),
        {"worker": me.worker_profile.pk, "title": "径心游侠", "citation": "雨夜护送老人"},
    )

    # then only workers checked in at the community are offered, and the grant lands
    page = text(form)
    assert "张三" in page and "未报到" not in page and "邻社区" not in page
    assert 'value="径心游侠"' in form.content.decode()
    assert granted.status_code == 302
    honour = HonoraryTitle.objects.get(worker=me)
    assert "张三 · 径心游侠" in text(client.get(reverse("points:titles")))

    # and revoking it
    revoked = client.post(reverse("points:title_revoke", args=[honour.pk]))
    assert revoked.status_code == 302
    honour.refresh_from_db()
    assert honour.revoked_at is not None


def test_granting_twice_is_explained_on_the_form(town: Town) -> None:
    me = rider(town)
    client = logged_in(community_handler(town))
    body = {"worker": me.worker_profile.pk, "title": "径心游侠"}
    client.post(reverse("points:titles"), body)

    again = client.post(reverse("points:titles"), body)

    assert again.status_code == 400
    assert "本社区已授予这位小哥该称号" in text(again)


def test_a_worker_of_another_community_cannot_be_picked(town: Town) -> None:
    elsewhere = rider(town, community=town.neighbour)
    response = logged_in(community_handler(town)).post(
        reverse("points:titles"), {"worker": elsewhere.worker_profile.pk, "title": "径心游侠"}
    )
    assert response.status_code == 400
    assert not HonoraryTitle.objects.exists()


def test_a_title_of_another_community_cannot_be_revoked_from_the_page(town: Town) -> None:
    honour = services.honorary_title_grant(actor=community_handler(town), worker_id=rider(town).pk, title="径心游侠")
    neighbour_org: Any = type(town.community_org).objects.create(
        code="neighbour-org", kind="party_org", name="得胜桥社区党委", region=town.neighbour
    )
    response = logged_in(staff(neighbour_org, role=Role.HANDLER)).post(reverse("points:title_revoke", args=[honour.pk]))
    assert response.status_code == 404


def test_district_staff_do_not_grant_titles(town: Town) -> None:
    assert logged_in(district_admin(town)).get(reverse("points:titles")).status_code == 403
    assert logged_in(plain_user()).get(reverse("points:titles")).status_code == 403
