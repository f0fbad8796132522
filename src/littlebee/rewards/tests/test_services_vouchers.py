"""Vouchers after redemption: handing over (who may, where), cancelling, expiring, codes as typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.errors import Conflict, InvalidInput, NotFound
from littlebee.points.models import LedgerEntry, LedgerReason
from littlebee.points.selectors import balance_of, points_mismatches
from littlebee.rewards import codes, services
from littlebee.rewards.models import Gift, GiftStation, Voucher, VoucherEvent, VoucherStatus

from .factories import GiftFactory, HiveFactory, MembershipFactory, give_points, keeper_of, listed_gift

pytestmark = pytest.mark.django_db


def redeemed(gift: Gift, *, hive_id: int | None = None, points: int = 1000, at: Any = None) -> Voucher:
    rider = worker()
    give_points(rider, points)
    return services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=hive_id, at=at)


def stock_of(gift: Gift) -> int:
    gift.refresh_from_db()
    return gift.stock_available


# --- Codes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "abcde-fghjk",
        "ABCDE FGHJK",
        " abcdefghjk ",
        "ＡＢＣＤＥ－ＦＧＨＪＫ",  # full-width, from a Chinese keyboard
        "ABCDE_FGHJK",
        "https://bee.example.cn/rewards/pickup/#code=ABCDEFGHJK",  # the QR, read by a scanner gun
        "https://bee.example.cn/rewards/pickup/?code=ABCDEFGHJK",  # an older QR
    ],
)
def test_codes_are_read_however_they_are_typed_or_scanned(typed: str) -> None:
    assert codes.voucher_code_normalise(typed) == "ABCDEFGHJK"


@pytest.mark.parametrize("typed", ["", "ABCDE", "ABCDE-FGHJK-2", "ABCDE-FGHJ0", "ABCDEFGHJI", "x" * 1000, None])
def test_anything_else_is_not_a_code(typed: Any) -> None:
    assert codes.voucher_code_normalise(typed) == ""


# --- Handing over -------------------------------------------------------------------------------
def test_the_keeper_of_the_chosen_station_hands_a_listed_gift_over() -> None:
    # given a ticket to pick up at one of two stations, redeemed for the first
    here, there = HiveFactory(), HiveFactory()
    ticket = listed_gift([here, there], name="黄鹤楼公园门票")
    voucher = redeemed(ticket, hive_id=here.pk)
    keeper = keeper_of(here)
    now = timezone.now()

    # when its keeper enters the code as printed
    done = services.voucher_fulfil(code=voucher.code_display, keeper=keeper, at=now)

    # then the voucher is fulfilled there, by him, and the timeline says so
    assert done.status == VoucherStatus.FULFILLED
    assert (done.fulfilled_at, done.fulfilled_by, done.fulfilled_hive) == (now, keeper, here)
    event = VoucherEvent.objects.filter(voucher=voucher).last()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor, event.hive) == ("reserved", "fulfilled", keeper, here)


def test_another_stations_keeper_cannot_hand_over_a_station_bound_gift() -> None:
    # given a ticket bound to two listed stations, reserved at the first
    here, there = HiveFactory(), HiveFactory()
    voucher = redeemed(listed_gift([here, there]), hive_id=here.pk)

    # when the keeper of the other listed station (or of an unrelated one) tries
    for hive in (there, HiveFactory()):
        with pytest.raises(NotFound):
            services.voucher_fulfil(code=voucher.code, keeper=keeper_of(hive))

    # then it is as if the code did not exist, and nothing changed
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.RESERVED


def test_any_station_gifts_are_handed_over_at_any_station_and_the_station_is_recorded() -> None:
    voucher = redeemed(GiftFactory())
    far_away = HiveFactory()

    done = services.voucher_fulfil(code=voucher.code, keeper=keeper_of(far_away))

    assert done.fulfilled_hive == far_away


def test_a_keeper_of_several_stations_names_the_one_handing_over() -> None:
    # given a keeper whose unit runs two stations
    first = HiveFactory()
    second = HiveFactory(managing_unit=first.managing_unit, community=first.community)
    keeper = keeper_of(first)
    voucher = redeemed(GiftFactory())

    # when he does not say which one
    with pytest.raises(InvalidInput) as unnamed:
        services.voucher_fulfil(code=voucher.code, keeper=keeper)
    # or names one he does not run
    with pytest.raises(InvalidInput):
        services.voucher_fulfil(code=voucher.code, keeper=keeper, hive_id=HiveFactory().pk)

    # then he is asked to choose; and naming his second station works
    assert unnamed.value.errors[0].field == "hive"
    done = services.voucher_fulfil(code=voucher.code, keeper=keeper, hive_id=second.pk)
    assert done.fulfilled_hive == second


def test_the_vouchers_own_station_is_the_default_for_a_keeper_of_several() -> None:
    first = HiveFactory()
    second = HiveFactory(managing_unit=first.managing_unit, community=first.community)
    voucher = redeemed(GiftFactory(), hive_id=second.pk)

    done = services.voucher_fulfil(code=voucher.code, keeper=keeper_of(first))

    assert done.fulfilled_hive == second


def test_a_station_bound_voucher_cannot_be_handed_over_at_the_keepers_other_station() -> None:
    first = HiveFactory()
    second = HiveFactory(managing_unit=first.managing_unit, community=first.community)
    voucher = redeemed(listed_gift([first]), hive_id=first.pk)

    with pytest.raises(InvalidInput) as refused:
        services.voucher_fulfil(code=voucher.code, keeper=keeper_of(first), hive_id=second.pk)

    assert first.name in str(refused.value.detail)


def test_a_worker_cannot_hand_over_a_voucher_not_even_his_own() -> None:
    voucher = redeemed(GiftFactory())

    with pytest.raises(NotFound):
        services.voucher_fulfil(code=voucher.code, keeper=voucher.worker)
    with pytest.raises(NotFound):
        services.voucher_fulfil(code=voucher.code, keeper=worker())


def test_a_handler_of_a_community_is_not_a_keeper() -> None:
    hive = HiveFactory()
    voucher = redeemed(GiftFactory())

    with pytest.raises(NotFound):
        services.voucher_fulfil(code=voucher.code, keeper=staff(hive.managing_unit, role=Role.HANDLER))


def test_a_city_admin_may_hand_over_anywhere_naming_the_station() -> None:
    hive = HiveFactory()
    voucher = redeemed(listed_gift([hive]), hive_id=hive.pk)
    admin = MembershipFactory(role=Role.CITY_ADMIN).user

    done = services.voucher_fulfil(code=voucher.code, keeper=admin)

    assert done.fulfilled_hive == hive


@pytest.mark.parametrize("code", ["", "nonsense", "ABCDE-FGHJK"])
def test_a_code_that_is_malformed_is_bad_input_and_an_unknown_one_not_found(code: str) -> None:
    keeper = keeper_of(HiveFactory())
    expected = NotFound if codes.voucher_code_normalise(code) else InvalidInput

    with pytest.raises(expected):
        services.voucher_fulfil(code=code, keeper=keeper)


def test_a_fulfilled_voucher_cannot_be_fulfilled_again() -> None:
    hive = HiveFactory()
    voucher = redeemed(GiftFactory())
    keeper = keeper_of(hive)
    services.voucher_fulfil(code=voucher.code, keeper=keeper)

    with pytest.raises(Conflict) as refused:
        services.voucher_fulfil(code=voucher.code, keeper=keeper)

    assert refused.value.code == "already_fulfilled"
    assert "不能重复领取" in str(refused.value.detail)
    assert VoucherEvent.objects.filter(voucher=voucher, to_status="fulfilled").count() == 1


def test_a_cancelled_voucher_cannot_be_fulfilled() -> None:
    voucher = redeemed(GiftFactory())
    services.voucher_cancel(worker=voucher.worker, code=voucher.code)

    with pytest.raises(Conflict) as refused:
        services.voucher_fulfil(code=voucher.code, keeper=keeper_of(HiveFactory()))

    assert refused.value.code == "voucher_cancelled"


def test_an_expired_voucher_cannot_be_fulfilled() -> None:
    past = timezone.now() - timedelta(days=30)
    gift: Any = GiftFactory(voucher_valid_days=14)
    voucher = redeemed(gift, at=past)
    services.vouchers_expire_due()

    with pytest.raises(Conflict) as refused:
        services.voucher_fulfil(code=voucher.code, keeper=keeper_of(HiveFactory()))

    assert refused.value.code == "voucher_expired"


def test_a_voucher_past_its_date_but_not_yet_swept_is_expired_by_the_scan() -> None:
    # given a voucher whose 14 days ran out a minute ago, before the sweep came by
    gift: Any = GiftFactory(points_cost=300, total_stock=5, voucher_valid_days=14)
    voucher = redeemed(gift, points=300, at=timezone.now() - timedelta(days=14, minutes=1))
    assert stock_of(gift) == 4

    # when the keeper scans it
    with pytest.raises(Conflict) as refused:
        services.voucher_fulfil(code=voucher.code, keeper=keeper_of(HiveFactory()))

    # then it is refused as expired, and the expiry (refund, stock) is committed all the same
    assert refused.value.code == "voucher_expired"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    assert balance_of(voucher.worker) == 300
    assert stock_of(gift) == 5


# --- Cancelling ------------------------------------------------------------------------------
def test_cancelling_refunds_points_and_returns_stock() -> None:
    # given a redeemed gift with its own stock at the station
    hive = HiveFactory()
    gift = listed_gift([hive], station_stock=2, points_cost=400, total_stock=2)
    voucher = redeemed(gift, hive_id=hive.pk, points=1000)
    rider = voucher.worker
    assert balance_of(rider) == 600

    # when the worker cancels it
    done = services.voucher_cancel(worker=rider, code=voucher.code)

    # then points, gift stock and station stock are back, through a reversal of the debit
    assert done.status == VoucherStatus.CANCELLED and done.cancelled_at is not None
    assert balance_of(rider) == 1000
    assert stock_of(gift) == 2
    assert GiftStation.objects.get(gift=gift, hive=hive).stock_available == 2
    refund = LedgerEntry.objects.get(worker=rider, reason=LedgerReason.REVERSAL)
    assert refund.amount == 400 and refund.reverses == voucher.points_entry
    assert done.refund_entry == refund
    event = VoucherEvent.objects.filter(voucher=voucher).last()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor) == ("reserved", "cancelled", rider)
    assert not points_mismatches()


def test_cancelling_twice_is_refused_the_second_time_and_refunds_once() -> None:
    voucher = redeemed(GiftFactory(points_cost=100), points=100)
    services.voucher_cancel(worker=voucher.worker, voucher_id=voucher.pk)

    with pytest.raises(Conflict) as refused:
        services.voucher_cancel(worker=voucher.worker, voucher_id=voucher.pk)

    assert refused.value.code == "voucher_cancelled"
    assert balance_of(voucher.worker) == 100


def test_a_fulfilled_voucher_cannot_be_cancelled() -> None:
    voucher = redeemed(GiftFactory())
    services.voucher_fulfil(code=voucher.code, keeper=keeper_of(HiveFactory()))

    with pytest.raises(Conflict) as refused:
        services.voucher_cancel(worker=voucher.worker, code=voucher.code)

    assert refused.value.code == "already_fulfilled"


def test_nobody_else_can_cancel_a_workers_voucher() -> None:
    voucher = redeemed(GiftFactory())

    with pytest.raises(NotFound):
        services.voucher_cancel(worker=worker(), code=voucher.code)
    with pytest.raises(NotFound):
        services.voucher_cancel(worker=keeper_of(HiveFactory()), code=voucher.code)


# --- Expiry ----------------------------------------------------------------------------------
def test_the_sweep_expires_due_vouchers_refunding_points_and_stock() -> None:
    # given two vouchers past their date and one still valid
    gift: Any = GiftFactory(points_cost=200, total_stock=3, voucher_valid_days=7)
    old = timezone.now() - timedelta(days=8)
    due = [redeemed(gift, points=200, at=old) for _ in range(2)]
    fresh = redeemed(gift, points=200)
    assert stock_of(gift) == 0

    # when the sweep runs
    expired = services.vouchers_expire_due()

    # then the two are expired and refunded, and their stock is back on sale
    assert expired == 2
    for voucher in due:
        voucher.refresh_from_db()
        assert voucher.status == VoucherStatus.EXPIRED and voucher.expired_at is not None
        assert voucher.refund_entry is not None and voucher.refund_entry.amount == 200
        assert balance_of(voucher.worker) == 200
        assert VoucherEvent.objects.filter(voucher=voucher, to_status="expired", actor=None).count() == 1
    fresh.refresh_from_db()
    assert fresh.status == VoucherStatus.RESERVED
    assert stock_of(gift) == 2
    assert not points_mismatches()


def test_the_sweep_is_idempotent() -> None:
    gift: Any = GiftFactory(points_cost=50, voucher_valid_days=1)
    voucher = redeemed(gift, points=50, at=timezone.now() - timedelta(days=2))

    assert services.vouchers_expire_due() == 1
    assert services.vouchers_expire_due() == 0

    assert LedgerEntry.objects.filter(worker=voucher.worker, reason=LedgerReason.REVERSAL).count() == 1
    assert stock_of(gift) == gift.total_stock


def test_the_sweep_leaves_fulfilled_and_cancelled_vouchers_alone() -> None:
    gift: Any = GiftFactory(voucher_valid_days=1)
    old = timezone.now() - timedelta(days=2)
    handed = redeemed(gift, at=timezone.now() - timedelta(hours=1))
    services.voucher_fulfil(code=handed.code, keeper=keeper_of(HiveFactory()))
    cancelled = redeemed(gift, at=timezone.now() - timedelta(hours=1))
    services.voucher_cancel(worker=cancelled.worker, code=cancelled.code)

    assert services.vouchers_expire_due(at=old + timedelta(days=5)) == 0


def test_cancelling_a_voucher_past_its_date_expires_it_instead() -> None:
    gift: Any = GiftFactory(points_cost=100, voucher_valid_days=1)
    voucher = redeemed(gift, points=100, at=timezone.now() - timedelta(days=2))

    with pytest.raises(Conflict) as refused:
        services.voucher_cancel(worker=voucher.worker, code=voucher.code)

    assert refused.value.code == "voucher_expired"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    assert balance_of(voucher.worker) == 100


def test_the_celery_task_runs_the_sweep() -> None:
    from littlebee.rewards.tasks import rewards_expire_vouchers

    gift: Any = GiftFactory(voucher_valid_days=1)
    redeemed(gift, at=timezone.now() - timedelta(days=2))

    assert rewards_expire_vouchers.apply().get() == 1


def test_the_sweep_is_on_the_beat_schedule_every_ten_minutes() -> None:
    from django.conf import settings

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "rewards.expire_vouchers")
    assert entry["schedule"].minute == set(range(0, 60, 10))


# --- Restocking ------------------------------------------------------------------------------
def test_restocking_moves_total_and_available_together() -> None:
    gift: Any = GiftFactory(total_stock=5)
    redeemed(gift)

    services.gift_restock(gift_id=gift.pk, change=10)
    gift.refresh_from_db()
    assert (gift.total_stock, gift.stock_available) == (15, 14)

    services.gift_restock(gift_id=gift.pk, change=-14)
    gift.refresh_from_db()
    assert (gift.total_stock, gift.stock_available) == (1, 0)

    with pytest.raises(Conflict):
        services.gift_restock(gift_id=gift.pk, change=-1)
