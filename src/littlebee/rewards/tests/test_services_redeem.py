"""gift_redeem: one transaction that reserves stock, debits points and issues a voucher, or refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from littlebee.points.models import LedgerEntry, LedgerReason
from littlebee.points.selectors import balance_of, points_mismatches
from littlebee.rewards import codes, services
from littlebee.rewards.models import Gift, GiftStation, Voucher, VoucherEvent, VoucherStatus

from .factories import GiftFactory, HiveFactory, UserFactory, give_points, listed_gift

pytestmark = pytest.mark.django_db


def rich_worker(points: int = 1000) -> Any:
    w = worker()
    give_points(w, points)
    return w


def stock_of(gift: Gift) -> int:
    gift.refresh_from_db()
    return gift.stock_available


def test_redeeming_reserves_stock_debits_points_and_issues_a_voucher() -> None:
    # given a worker with 2,000 points and a park ticket for 1,500
    rider = rich_worker(2000)
    ticket: Any = GiftFactory(name="黄鹤楼公园门票", points_cost=1500, total_stock=50, voucher_valid_days=14)
    now = timezone.now()

    # when he redeems it
    voucher = services.gift_redeem(worker=rider, gift_id=ticket.pk, at=now)

    # then one ticket is reserved for him, 1,500 points are gone, and the voucher is valid 14 days
    assert voucher.status == VoucherStatus.RESERVED
    assert voucher.expires_at == now + timedelta(days=14)
    assert voucher.points == 1500
    assert stock_of(ticket) == 49
    assert balance_of(rider) == 500
    # and the ledger entry explains the debit and points at the voucher
    entry = LedgerEntry.objects.get(worker=rider, reason=LedgerReason.REDEMPTION)
    assert entry.amount == -1500
    assert entry.idempotency_key == f"redemption:{voucher.code}"
    assert (entry.source_type, entry.source_id) == ("rewards.voucher", str(voucher.pk))
    assert voucher.points_entry == entry
    assert Voucher.objects.get(pk=voucher.pk).points_entry_id == entry.pk  # as stored, not as kept
    # and the timeline has its first row
    event = VoucherEvent.objects.get(voucher=voucher)
    assert (event.from_status, event.to_status, event.actor) == ("", VoucherStatus.RESERVED, rider)
    assert (event.at, event.hive, event.note) == (now, None, "")
    assert not points_mismatches()


def test_redeeming_at_a_station_writes_it_on_the_timeline() -> None:
    # given a gift picked up at two listed stations, one with its own stock
    rider = rich_worker(2000)
    here, there = HiveFactory(), HiveFactory()
    gift = listed_gift([here, there], station_stock=3, points_cost=100)
    now = timezone.now()

    # when
    voucher = services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=here.pk, at=now)

    # then the timeline row names the station, and both stocks went down by one
    event = VoucherEvent.objects.get(voucher=voucher)
    assert (event.at, event.hive, event.actor, event.to_status) == (now, here, rider, VoucherStatus.RESERVED)
    assert Voucher.objects.get(pk=voucher.pk).points_entry_id == voucher.points_entry_id is not None
    assert GiftStation.objects.get(gift=gift, hive=here).stock_available == 2
    assert stock_of(gift) == gift.total_stock - 1


def test_the_code_is_ten_unambiguous_characters_shown_in_two_groups() -> None:
    rider = rich_worker()
    gift: Any = GiftFactory()

    issued = {services.gift_redeem(worker=rider, gift_id=gift.pk).code for _ in range(5)}

    assert len(issued) == 5
    for code in issued:
        assert len(code) == 10
        assert set(code) <= set(codes.CODE_ALPHABET)
        assert not set(code) & set("01OIL")
    voucher = Voucher.objects.first()
    assert voucher is not None
    assert voucher.code_display == f"{voucher.code[:5]}-{voucher.code[5:]}"


def test_not_enough_points_is_refused_and_nothing_changes() -> None:
    # given a worker with 100 points and a gift for 500
    rider = rich_worker(100)
    gift: Any = GiftFactory(points_cost=500, total_stock=3)

    # when he tries to redeem it
    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    # then he is told why, and stock, points and vouchers are untouched
    assert refused.value.code == "insufficient_points"
    assert stock_of(gift) == 3
    assert balance_of(rider) == 100
    assert not Voucher.objects.exists()
    assert not LedgerEntry.objects.filter(reason=LedgerReason.REDEMPTION).exists()


def test_a_worker_without_any_points_is_refused() -> None:
    rider = worker()
    gift: Any = GiftFactory(points_cost=10)

    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert refused.value.code == "insufficient_points"


def test_out_of_stock_is_refused_and_no_points_are_taken() -> None:
    rider = rich_worker(1000)
    gift: Any = GiftFactory(points_cost=100, total_stock=1)
    services.gift_redeem(worker=rider, gift_id=gift.pk)

    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert refused.value.code == "out_of_stock"
    assert stock_of(gift) == 0
    assert balance_of(rider) == 900
    assert Voucher.objects.count() == 1


def test_the_per_worker_limit_counts_live_vouchers_only() -> None:
    # given a gift limited to one per worker, already redeemed once
    rider = rich_worker(1000)
    gift: Any = GiftFactory(points_cost=100, per_worker_limit=1)
    first = services.gift_redeem(worker=rider, gift_id=gift.pk)

    # when he tries again
    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    # then the limit says no
    assert refused.value.code == "limit_reached"
    assert "限兑 1 份" in str(refused.value.detail)

    # but once he cancels the first one, he may redeem again
    services.voucher_cancel(worker=rider, code=first.code)
    again = services.gift_redeem(worker=rider, gift_id=gift.pk)
    assert again.status == VoucherStatus.RESERVED


def test_the_limit_is_per_worker() -> None:
    gift: Any = GiftFactory(points_cost=100, per_worker_limit=1)
    services.gift_redeem(worker=rich_worker(), gift_id=gift.pk)

    other = services.gift_redeem(worker=rich_worker(), gift_id=gift.pk)

    assert other.status == VoucherStatus.RESERVED


def test_a_fulfilled_voucher_counts_against_the_limit() -> None:
    from .factories import keeper_of

    rider = rich_worker()
    gift: Any = GiftFactory(points_cost=100, per_worker_limit=1)
    voucher = services.gift_redeem(worker=rider, gift_id=gift.pk)
    services.voucher_fulfil(code=voucher.code, keeper=keeper_of(HiveFactory()))

    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert refused.value.code == "limit_reached"


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [(timedelta(days=1), None, "还没有开始"), (None, timedelta(days=-1), "已经结束")],
)
def test_outside_its_window_a_gift_cannot_be_redeemed(starts: Any, ends: Any, message: str) -> None:
    now = timezone.now()
    gift: Any = GiftFactory(
        active_from=now + starts if starts else None,
        active_until=now + ends if ends else None,
    )

    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rich_worker(), gift_id=gift.pk, at=now)

    assert refused.value.code == "gift_inactive"
    assert message in str(refused.value.detail)


def test_a_gift_taken_off_sale_or_unknown_is_not_found() -> None:
    gift: Any = GiftFactory(is_active=False)

    with pytest.raises(NotFound):
        services.gift_redeem(worker=rich_worker(), gift_id=gift.pk)
    with pytest.raises(NotFound):
        services.gift_redeem(worker=rich_worker(), gift_id=999_999)


def test_only_registered_workers_may_redeem() -> None:
    # given a staff member's account without a worker profile, but with points somehow
    office = UserFactory()
    gift: Any = GiftFactory()

    with pytest.raises(PermissionDenied):
        services.gift_redeem(worker=office, gift_id=gift.pk)
    assert not Voucher.objects.exists()


# --- Pickup stations --------------------------------------------------------------------------
def test_a_listed_gift_needs_one_of_its_stations() -> None:
    # given a gift picked up at two stations
    here, there, elsewhere = HiveFactory(), HiveFactory(), HiveFactory()
    gift = listed_gift([here, there])
    rider = rich_worker()

    # when no station is named, or one that is not listed
    with pytest.raises(InvalidInput) as none_named:
        services.gift_redeem(worker=rider, gift_id=gift.pk)
    with pytest.raises(InvalidInput) as not_listed:
        services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=elsewhere.pk)

    # then both are refused on the hive field
    assert none_named.value.errors[0].field == "hive"
    assert not_listed.value.errors[0].field == "hive"

    # and a listed one is kept on the voucher
    voucher = services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=there.pk)
    assert voucher.hive == there


def test_a_listed_gift_with_a_single_station_needs_no_choice() -> None:
    only = HiveFactory()
    gift = listed_gift([only])

    voucher = services.gift_redeem(worker=rich_worker(), gift_id=gift.pk)

    assert voucher.hive == only


def test_a_deactivated_station_is_not_a_pickup_station() -> None:
    closed = HiveFactory(is_active=False)
    gift = listed_gift([closed, HiveFactory()])

    with pytest.raises(InvalidInput):
        services.gift_redeem(worker=rich_worker(), gift_id=gift.pk, hive_id=closed.pk)


def test_per_station_stock_is_taken_from_the_chosen_station_and_the_gift() -> None:
    # given a gift with two of its own at each of two stations
    here, there = HiveFactory(), HiveFactory()
    gift = listed_gift([here, there], station_stock=2, total_stock=4)
    rider = rich_worker()

    # when one is redeemed at the first station
    voucher = services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=here.pk)

    # then that station has one left, the other still two, the gift three
    assert voucher.took_station_stock
    assert GiftStation.objects.get(gift=gift, hive=here).stock_available == 1
    assert GiftStation.objects.get(gift=gift, hive=there).stock_available == 2
    assert stock_of(gift) == 3


def test_a_station_that_ran_out_refuses_while_another_still_has_some() -> None:
    here, there = HiveFactory(), HiveFactory()
    gift = listed_gift([here, there], station_stock=1, total_stock=2)
    services.gift_redeem(worker=rich_worker(), gift_id=gift.pk, hive_id=here.pk)

    with pytest.raises(Conflict) as refused:
        services.gift_redeem(worker=rich_worker(), gift_id=gift.pk, hive_id=here.pk)
    other = services.gift_redeem(worker=rich_worker(), gift_id=gift.pk, hive_id=there.pk)

    assert refused.value.code == "out_of_stock"
    assert "其他驿站" in str(refused.value.detail)
    assert other.hive == there
    assert stock_of(gift) == 0


def test_an_any_station_gift_may_name_a_station_but_not_a_missing_one() -> None:
    gift: Any = GiftFactory()
    hive = HiveFactory()
    rider = rich_worker()

    named = services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=hive.pk)
    unnamed = services.gift_redeem(worker=rider, gift_id=gift.pk)
    with pytest.raises(InvalidInput):
        services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=987_654)

    assert named.hive == hive
    assert unnamed.hive is None


# --- The database as the last guard -----------------------------------------------------------
def test_the_database_refuses_negative_stock_whatever_the_code_does() -> None:
    from django.db import IntegrityError, transaction
    from django.db.models import F

    gift: Any = GiftFactory(total_stock=1, stock_available=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        Gift.objects.filter(pk=gift.pk).update(stock_available=F("stock_available") - 1)


def test_the_database_refuses_more_stock_than_the_total() -> None:
    from django.db import IntegrityError, transaction

    gift: Any = GiftFactory(total_stock=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        Gift.objects.filter(pk=gift.pk).update(stock_available=4)


def test_refusals_are_domain_errors_with_stable_codes() -> None:
    rider = rich_worker(10)
    gift: Any = GiftFactory(points_cost=100)

    with pytest.raises(DomainError) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert (refused.value.status, refused.value.code) == (409, "insufficient_points")


def test_a_code_that_clashes_with_an_issued_one_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a voucher already issued, and a code generator that first draws that same code
    rider = rich_worker(1000)
    gift: Any = GiftFactory(points_cost=100, total_stock=10)
    issued = services.gift_redeem(worker=rider, gift_id=gift.pk)
    draws = iter([issued.code, "FRESHCODE2"])
    monkeypatch.setattr(services, "voucher_code_new", lambda: next(draws))

    # when the worker redeems again
    voucher = services.gift_redeem(worker=rider, gift_id=gift.pk)

    # then the clash left nothing behind and the second draw was used, points and stock exact
    assert voucher.code == "FRESHCODE2"
    assert Voucher.objects.filter(worker=rider).count() == 2
    assert balance_of(rider) == 800
    assert stock_of(gift) == 8
    assert points_mismatches() == []


def test_codes_that_keep_clashing_end_in_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    rider = rich_worker(1000)
    gift: Any = GiftFactory(points_cost=100, total_stock=10)
    issued = services.gift_redeem(worker=rider, gift_id=gift.pk)
    monkeypatch.setattr(services, "voucher_code_new", lambda: issued.code)

    with pytest.raises(DomainError) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert (refused.value.status, refused.value.code) == (503, "code_exhausted")
    assert (balance_of(rider), stock_of(gift)) == (900, 9)
