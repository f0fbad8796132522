"""The demo mall: the park's 50 tickets at the stations by the park, everyday gifts anywhere."""

from __future__ import annotations

from collections import Counter

import pytest

from littlebee.rewards.demo import GIFTS, PARK, load_gifts
from littlebee.rewards.models import Gift, GiftStation, PickupRule

from .factories import DonorFactory, HiveFactory

pytestmark = pytest.mark.django_db


def test_the_demo_mall_is_loaded_once_with_the_park_tickets_by_the_park() -> None:
    # given the donors and four stations by the park, one far away
    for code in {g.donor for g in GIFTS}:
        DonorFactory(code=code)
    by_park = [HiveFactory(lat=PARK[0] + 0.001 * n, lng=PARK[1]) for n in range(4)]
    HiveFactory(lat=PARK[0] + 0.5, lng=PARK[1])
    created: Counter[str] = Counter()

    # when it is loaded twice
    load_gifts(created=created)
    load_gifts(created=created)

    # then every gift exists once, and the tickets are at the three stations nearest the park
    assert created["gifts"] == len(GIFTS) == Gift.objects.count()
    ticket = Gift.objects.get(name="黄鹤楼公园门票")
    assert (ticket.total_stock, ticket.stock_available, ticket.pickup) == (50, 50, PickupRule.LISTED)
    assert set(GiftStation.objects.filter(gift=ticket).values_list("hive_id", flat=True)) == {h.pk for h in by_park[:3]}
    assert Gift.objects.get(name="电炖锅").points_cost == 2000
