"""The ledger's services: award (rules, ranges, caps, idempotency), spend, reverse, expiry, reconciliation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import Conflict, InvalidInput
from littlebee.orgs.tests.factories import CommunityFactory as _CommunityFactory
from littlebee.points import services
from littlebee.points.models import EarningRule, LedgerEntry, LedgerReason, PointsAccount
from littlebee.points.rules import district_of
from littlebee.points.selectors import points_mismatches

pytestmark = pytest.mark.django_db

CommunityFactory: Any = _CommunityFactory

SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=SH)  # a Wednesday


def rule(
    source: str = "report", category: str = "", low: int = 10, high: int | None = None, **kwargs: Any
) -> EarningRule:
    return EarningRule.objects.create(
        source=source, category=category, points_min=low, points_max=low if high is None else high, **kwargs
    )


def award(who: Any, key: str, **kwargs: Any) -> services.AwardResult:
    kwargs.setdefault("source", "report")
    kwargs.setdefault("at", NOON)
    return services.points_award(worker=who, idempotency_key=key, **kwargs)


def balance(who: Any) -> int:
    return PointsAccount.objects.get(worker=who).balance


# --- Awarding -------------------------------------------------------------------------------
def test_an_award_writes_one_entry_and_moves_the_balance() -> None:
    # given a fixed rule of 50 points for safety hazards
    rule(category="safety_hazard", low=50)
    rider = worker()

    # when the rider is awarded for a report
    result = award(rider, "report:1", category="safety_hazard")

    # then one entry of 50 explains a balance of 50
    assert result.created and result.awarded == 50
    entry = LedgerEntry.objects.get(worker=rider)
    assert (entry.amount, entry.reason, entry.source, entry.category) == (50, "earn", "report", "safety_hazard")
    assert balance(rider) == 50
    assert PointsAccount.objects.get(worker=rider).lifetime_earned == 50


def test_awarding_the_same_source_event_twice_yields_one_entry() -> None:
    rule(low=20)
    rider = worker()

    first = award(rider, "report:7")
    again = award(rider, "report:7")

    assert first.created and not again.created
    assert again.entry == first.entry
    assert LedgerEntry.objects.filter(worker=rider).count() == 1
    assert balance(rider) == 20


def test_without_a_rule_nothing_is_awarded_and_the_refusal_is_explained() -> None:
    rider = worker()
    result = award(rider, "report:1", category="unknown")
    assert result.entry is None and result.refusal == "no_rule"
    assert "没有积分规则" in result.detail
    assert not LedgerEntry.objects.exists()


def test_an_inactive_or_expired_rule_does_not_apply() -> None:
    rule(low=5, is_active=False)
    rule(source="article_read", low=2, active_until=NOON.date() - timedelta(days=1))
    rider = worker()
    assert award(rider, "a").refusal == "no_rule"
    assert award(rider, "b", source="article_read").refusal == "no_rule"


def test_a_ranged_rule_takes_the_handlers_pick_within_its_range() -> None:
    # given everyday issues worth 5 to 30 points
    rule(low=5, high=30)
    rider = worker()

    # when the handler picks 25, or nothing, or 31
    picked = award(rider, "report:1", amount=25)
    with pytest.raises(InvalidInput):
        award(rider, "report:2")
    with pytest.raises(InvalidInput):
        award(rider, "report:3", amount=31)

    # then only the valid pick counts
    assert picked.awarded == 25
    assert balance(rider) == 25


def test_a_fixed_rule_refuses_another_amount() -> None:
    rule(category="public_security_clue", low=100)
    with pytest.raises(InvalidInput):
        award(worker(), "report:1", category="public_security_clue", amount=80)


def test_the_exact_category_rule_wins_over_the_catch_all() -> None:
    rule(low=5, high=30)
    rule(category="public_security_clue", low=100)
    assert award(worker(), "report:1", category="public_security_clue").awarded == 100


def test_daily_and_weekly_caps_refuse_what_goes_beyond() -> None:
    # given reading pays 2 points, at most 4 a day and 6 a week
    rule(source="article_read", low=2, daily_cap=4, weekly_cap=6)
    rider = worker()

    # when the rider reads three articles on Wednesday and two on Thursday
    wednesday = [award(rider, f"read:{n}", source="article_read") for n in range(3)]
    thursday = [award(rider, f"read:t{n}", source="article_read", at=NOON + timedelta(days=1)) for n in range(2)]

    # then the third of Wednesday hits the daily cap and the second of Thursday the weekly one
    assert [r.awarded for r in wednesday] == [2, 2, 0]
    assert wednesday[2].refusal == "daily_cap"
    assert [r.awarded for r in thursday] == [2, 0]
    assert thursday[1].refusal == "weekly_cap"
    assert balance(rider) == 6


def test_a_new_week_starts_on_monday_in_local_time() -> None:
    rule(source="article_read", low=2, weekly_cap=2)
    rider = worker()
    sunday_night = datetime(2026, 12, 6, 23, 30, tzinfo=SH)
    monday_morning = datetime(2026, 12, 7, 0, 30, tzinfo=SH)
    assert award(rider, "a", source="article_read", at=sunday_night).awarded == 2
    assert award(rider, "b", source="article_read", at=monday_morning).awarded == 2


def test_a_district_override_applies_inside_its_district_only_where_the_city_allows() -> None:
    # given a city rule of 5–30 that lets districts go up to 40, and one district paying 35–40
    community = CommunityFactory()
    district = district_of(community)
    assert district is not None
    rule(low=5, high=30, district_max_points=40)
    rule(low=35, high=40, district=district)
    rider = worker()

    # when reports in that district and elsewhere are awarded
    inside = award(rider, "r1", region=community, amount=38)
    with pytest.raises(InvalidInput):
        award(rider, "r2", region=CommunityFactory(), amount=38)

    # then the district's range applies inside it and the city's elsewhere
    assert inside.awarded == 38
    assert inside.entry is not None and inside.entry.rule is not None and inside.entry.rule.district == district


def test_a_district_override_is_ignored_when_the_city_withdraws_the_permission() -> None:
    community = CommunityFactory()
    city = rule(low=10, district_max_points=40)
    rule(low=30, district=district_of(community))
    city.district_max_points = None
    city.save()
    assert award(worker(), "r1", region=community).awarded == 10


def test_an_inactive_worker_earns_nothing() -> None:
    rule(low=10)
    rider = worker()
    rider.is_active = False
    rider.save()
    assert award(rider, "r").refusal == "inactive_worker"


# --- Spending and reversing -------------------------------------------------------------------
def test_spending_debits_and_refuses_beyond_the_balance() -> None:
    # given a rider with 50 points
    rule(low=50)
    rider = worker()
    award(rider, "r")

    # when the rider spends 30, then tries 30 more
    services.points_spend(worker=rider, amount=30, idempotency_key="redeem:1")
    with pytest.raises(Conflict) as refused:
        services.points_spend(worker=rider, amount=30, idempotency_key="redeem:2")

    # then the second is refused and nothing changed
    assert refused.value.code == "insufficient_points"
    assert balance(rider) == 20
    assert LedgerEntry.objects.filter(worker=rider, reason=LedgerReason.REDEMPTION).count() == 1


def test_a_spend_is_one_statement_on_postgresql_and_its_entry_reads_back_as_written() -> None:
    # given a rider with 50 points, inside a transaction (as a redemption spends)
    rule(low=50)
    rider = worker()
    award(rider, "r")
    at = NOON + timedelta(hours=1)

    # when the rider spends 30, and then 30 more
    with CaptureQueriesContext(connection) as spent:
        entry = services.points_spend(
            worker=rider, amount=30, idempotency_key="redeem:1", actor=rider, note={"zh-hans": "雨衣"}, at=at
        )
    with CaptureQueriesContext(connection) as refused, pytest.raises(Conflict) as too_much:
        services.points_spend(worker=rider, amount=30, idempotency_key="redeem:2")

    # then the debit and its entry were one statement on PostgreSQL (the debit, then the INSERT, on SQLite)
    assert len(spent.captured_queries) == {"postgresql": 1}.get(connection.vendor, 2)
    assert len(refused.captured_queries) == 1
    assert too_much.value.code == "insufficient_points"
    # and the entry is the row stored, the refusal wrote nothing
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.worker_id, stored.amount, stored.reason, stored.idempotency_key, stored.actor_id) == (
        rider.pk,
        -30,
        LedgerReason.REDEMPTION,
        "redeem:1",
        rider.pk,
    )
    assert (stored.note, stored.note_text, stored.created_at, stored.source_type, stored.source_id) == (
        entry.note,
        entry.note_text,
        at,
        "",
        "",
    )
    assert not entry._state.adding
    assert balance(rider) == 20
    assert LedgerEntry.objects.filter(worker=rider, reason=LedgerReason.REDEMPTION).count() == 1
    assert points_mismatches() == []


def test_spending_an_idempotency_key_again_is_refused_and_debits_nothing() -> None:
    # given a rider with 50 points who spent 10 under a key
    rule(low=50)
    rider = worker()
    award(rider, "r")
    services.points_spend(worker=rider, amount=10, idempotency_key="redeem:1")

    # when a second debit comes with the same key, in a transaction of its own
    with pytest.raises(Conflict) as duplicate, transaction.atomic():
        services.points_spend(worker=rider, amount=10, idempotency_key="redeem:1")

    # then it is refused and the balance is as the first left it
    assert duplicate.value.code == "duplicate"
    assert balance(rider) == 40
    assert points_mismatches() == []


def test_a_refund_is_a_reversal_linked_to_the_debit() -> None:
    rule(low=50)
    rider = worker()
    award(rider, "r")
    debit = services.points_spend(worker=rider, amount=40, idempotency_key="redeem:1")

    refund = services.points_reverse(entry_id=debit.pk, actor=None, note="兑换券过期")

    assert (refund.amount, refund.reason, refund.reverses) == (40, "reversal", debit)
    assert balance(rider) == 50
    assert PointsAccount.objects.get(worker=rider).lifetime_earned == 50
    with pytest.raises(Conflict):
        services.points_reverse(entry_id=debit.pk, actor=None)
    with pytest.raises(Conflict):
        services.points_reverse(entry_id=refund.pk, actor=None)


def test_reversing_an_earning_takes_the_points_back_unless_they_are_spent() -> None:
    # given two awards of 30, and 20 spent
    rule(low=30)
    rider = worker()
    first = award(rider, "r1").entry
    second = award(rider, "r2").entry
    services.points_spend(worker=rider, amount=20, idempotency_key="redeem")
    assert first is not None and second is not None

    # when the first award is reversed (10 left), then the second (30 to take, only 10 left)
    services.points_reverse(entry_id=first.pk, actor=None, note="误判")
    with pytest.raises(Conflict) as refused:
        services.points_reverse(entry_id=second.pk, actor=None)

    # then the balance never went below zero and lifetime points followed the correction
    assert refused.value.code == "insufficient_points"
    account = PointsAccount.objects.get(worker=rider)
    assert (account.balance, account.lifetime_earned) == (10, 30)
    assert points_mismatches() == []


# --- Expiry ---------------------------------------------------------------------------------
def test_expiry_is_off_by_default(settings: Any) -> None:
    rule(low=10)
    rider = worker()
    award(rider, "r", at=NOON - timedelta(days=800))
    assert services.points_expire_due(at=NOON) == 0
    assert balance(rider) == 10


def test_expired_points_go_oldest_first_after_what_was_spent(settings: Any) -> None:
    # given 12-month expiry, 100 earned 13 months ago, 50 earned last month, 70 spent since
    settings.POINTS_EXPIRY_MONTHS = 12
    rule(low=100, category="old")
    rule(low=50, category="new")
    rider = worker()
    award(rider, "old", category="old", at=NOON - timedelta(days=400))
    award(rider, "new", category="new", at=NOON - timedelta(days=30))
    services.points_spend(worker=rider, amount=70, idempotency_key="spend", at=NOON - timedelta(days=20))

    # when the nightly job runs (twice)
    assert services.points_expire_due(at=NOON) == 1
    assert services.points_expire_due(at=NOON) == 0

    # then the 30 left of the old 100 expire and the newer 50 stay
    assert balance(rider) == 50
    expiry = LedgerEntry.objects.get(worker=rider, reason=LedgerReason.EXPIRY)
    assert expiry.amount == -30
    assert points_mismatches() == []


def test_workers_are_warned_a_month_before_once(
    settings: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.POINTS_EXPIRY_MONTHS = 12
    rule(low=40)
    rider = worker()
    award(rider, "r", at=NOON - timedelta(days=350))

    with django_capture_on_commit_callbacks(execute=True):
        first = services.points_warn_expiring(at=NOON)
        second = services.points_warn_expiring(at=NOON + timedelta(days=1))

    assert (first, second) == (1, 0)
    assert len(sms_outbox) == 1 and "40 积分" in sms_outbox[0].message


# --- Reconciliation -------------------------------------------------------------------------
def test_the_reconciliation_command_finds_a_tampered_balance() -> None:
    # given a correct account, then a balance changed behind the ledger's back
    rule(low=10)
    rider = worker()
    award(rider, "r")
    call_command("points_reconcile")
    PointsAccount.objects.filter(worker=rider).update(balance=999)

    # when reconciliation runs, then it names the account and fails
    with pytest.raises(CommandError):
        call_command("points_reconcile")
    assert [m.worker_id for m in points_mismatches()] == [rider.pk]


def test_an_adjustment_needs_a_reason_counts_towards_titles_and_never_overdraws() -> None:
    # given a rider
    rider = worker()

    # when 300 migrated points are credited (twice, same key), then 500 taken back, then 100
    credit = services.points_adjust(worker=rider, amount=300, actor=None, note="原平台积分迁入", idempotency_key="m:1")
    again = services.points_adjust(worker=rider, amount=300, actor=None, note="原平台积分迁入", idempotency_key="m:1")
    with pytest.raises(Conflict):
        services.points_adjust(worker=rider, amount=-500, actor=None, note="更正", idempotency_key="m:2")
    services.points_adjust(worker=rider, amount=-100, actor=None, note="更正", idempotency_key="m:3")
    with pytest.raises(InvalidInput):
        services.points_adjust(worker=rider, amount=10, actor=None, note=" ", idempotency_key="m:4")

    # then one credit, one debit, lifetime 300, balance 200, and the ledger agrees
    assert again == credit
    account = PointsAccount.objects.get(worker=rider)
    assert (account.balance, account.lifetime_earned) == (200, 300)
    assert points_mismatches() == []
