"""Reads: the mall's filters, the keeper's view of a voucher, per-gift and city figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.errors import NotFound
from littlebee.rewards import selectors, services
from littlebee.rewards.selectors import VoucherFigures

from .factories import GiftFactory, HiveFactory, give_points, keeper_of, listed_gift

pytestmark = pytest.mark.django_db


def rider_with(points: int) -> Any:
    w = worker()
    give_points(w, points)
    return w


def test_figures_count_vouchers_by_outcome_per_gift_and_for_the_city() -> None:
    # given a ticket redeemed four times: one handed over, one cancelled, one expired, one waiting
    ticket: Any = GiftFactory(points_cost=100, voucher_valid_days=1)
    other: Any = GiftFactory(points_cost=10)
    keeper = keeper_of(HiveFactory())
    handed, cancelled, _expired, waiting = (
        services.gift_redeem(worker=rider_with(100), gift_id=ticket.pk, at=at)
        for at in (None, None, timezone.now() - timedelta(days=2), None)
    )
    services.voucher_fulfil(code=handed.code, keeper=keeper)
    services.voucher_cancel(worker=cancelled.worker, code=cancelled.code)
    services.vouchers_expire_due()
    services.gift_redeem(worker=rider_with(10), gift_id=other.pk)

    # when
    per_gift = selectors.gift_figures()
    city = selectors.city_figures()

    # then
    assert per_gift[ticket.pk] == VoucherFigures(
        redeemed=4, reserved=1, fulfilled=1, cancelled=1, expired=1, points=200
    )
    assert per_gift[other.pk].redeemed == 1
    assert city == VoucherFigures(redeemed=5, reserved=2, fulfilled=1, cancelled=1, expired=1, points=210)
    assert selectors.gift_figures([other.pk]).keys() == {other.pk}
    assert waiting.status == "reserved"


def test_the_keeper_sees_only_vouchers_for_stations_he_runs() -> None:
    here, there = HiveFactory(), HiveFactory()
    bound = services.gift_redeem(worker=rider_with(1000), gift_id=listed_gift([here]).pk)
    anywhere = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)

    mine = selectors.voucher_for_keeper(bound.code_display, keeper_of(here))
    any_station = selectors.voucher_for_keeper(anywhere.code, keeper_of(there))

    assert mine.voucher == bound and mine.stations == [here] and mine.default_station == here
    assert any_station.stations == [there] and any_station.default_station == there
    with pytest.raises(NotFound):
        selectors.voucher_for_keeper(bound.code, keeper_of(there))


def test_near_me_counts_a_listed_gift_once_however_many_of_its_stations_are_near() -> None:
    hives = [HiveFactory(lat=30.59 + n * 0.001, lng=114.30) for n in range(3)]
    gift = listed_gift(hives)

    near = selectors.stations_near(30.59, 114.30, 5.0)
    gifts = list(selectors.gifts_available(near=near))

    assert gifts == [gift]
    assert selectors.nearest_pickup_m(gifts[0], near) == pytest.approx(0, abs=1)
