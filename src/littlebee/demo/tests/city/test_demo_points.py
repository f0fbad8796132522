"""The demo city's points and mall, as load_wuhan leaves them."""

from __future__ import annotations

import pytest

from littlebee.accounts.models import User
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.points.models import EarningRule, LedgerEntry, LedgerReason, PointsAccount
from littlebee.points.selectors import leaderboard, points_mismatches
from littlebee.rewards.models import Gift
from littlebee.rewards.services import gift_redeem

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_default_rules_and_the_mall_are_there() -> None:
    # the seed's defaults: a public-security clue 100, a safety hazard 50, everyday issues in a range
    clue = EarningRule.objects.get(source="report", category="public_security_clue", district=None)
    hazard = EarningRule.objects.get(source="report", category="safety_hazard", district=None)
    everyday = EarningRule.objects.get(source="report", category="", district=None)
    assert (clue.points_min, clue.points_max) == (100, 100)
    assert (hazard.points_min, hazard.points_max) == (50, 50)
    assert everyday.is_ranged
    gifts = dict(Gift.objects.values_list("name", "points_cost"))
    assert gifts["黄鹤楼公园门票"] and gifts["电炖锅"] == 2000 and gifts["晴雨伞"] == 1500 and gifts["洗手液"] == 500
    assert Gift.objects.get(name="黄鹤楼公园门票").total_stock == 50


def test_every_demo_balance_equals_its_ledger_and_every_point_is_traceable() -> None:
    assert points_mismatches() == []
    earned = LedgerEntry.objects.filter(reason=LedgerReason.EARN)
    assert earned.exists()
    assert not earned.filter(source_type="").exists()
    assert set(LedgerEntry.objects.values_list("reason", flat=True)) <= {"earn", "adjustment"}


def test_the_demo_courier_can_afford_the_park_ticket_and_redeem_it() -> None:
    # given the demo courier's history: check-in, past events, a migrated opening balance
    courier = User.objects.get(phone="13800000001")
    reasons = set(LedgerEntry.objects.filter(worker=courier).values_list("source", "reason"))
    assert ("checkin_confirmed", "earn") in reasons and ("event_attendance", "earn") in reasons
    ticket = Gift.objects.get(name="黄鹤楼公园门票")
    before = PointsAccount.objects.get(worker=courier).balance
    assert before >= ticket.points_cost

    # when he redeems it at the first listed station
    station = ticket.stations.order_by("pk").first()
    voucher = gift_redeem(worker=courier, gift_id=ticket.pk, hive_id=station.hive_id if station else None)

    # then his balance and the stock follow, and the ledger still agrees
    assert voucher.status == "reserved"
    assert PointsAccount.objects.get(worker=courier).balance == before - ticket.points_cost
    assert points_mismatches() == []


def test_a_community_leaderboard_has_workers_on_it() -> None:
    courier = User.objects.get(phone="13800000001")
    community = courier.worker_profile.community
    board = leaderboard(scope="community", scope_id=community.pk, period="all")
    assert board and board[0].points > 0


def test_loading_again_adds_no_points(second_load: SecondLoad) -> None:
    assert second_load.added(LedgerEntry) == {}
    assert second_load.points_mismatches == []


def test_the_demo_courier_carries_the_seeds_honour_in_both_languages(api_as) -> None:
    # given the demo courier, honoured by his community as the seed's 径心游侠
    courier = User.objects.get(phone="13800000001")

    # when he reads his titles in English, and in Chinese
    english = api_as(courier, language="en").get("/me/honorary-titles").json()["items"]
    chinese = api_as(courier).get("/me/honorary-titles").json()["items"]

    # then the title reads in each language
    assert [t["title"] for t in english] == ["Wayfinder Knight"]
    assert [t["title"] for t in chinese] == ["径心游侠"]
