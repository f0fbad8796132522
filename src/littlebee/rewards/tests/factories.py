"""Factories for the rewards mall, and points for test workers (through the ledger, never by
writing an account)."""

from __future__ import annotations

import itertools
from typing import Any

import factory

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import MembershipFactory as _MembershipFactory
from littlebee.accounts.tests.factories import UserFactory as _UserFactory
from littlebee.accounts.tests.factories import staff
from littlebee.hives.models import Hive
from littlebee.hives.tests.factories import HiveFactory as _HiveFactory
from littlebee.orgs.models import OrgKind
from littlebee.orgs.tests.factories import CityFactory, OrganisationFactory
from littlebee.points.models import EarningRule, PointsSource
from littlebee.points.services import points_award
from littlebee.rewards.models import Gift, GiftStation, PickupRule

HiveFactory: Any = _HiveFactory
UserFactory: Any = _UserFactory
MembershipFactory: Any = _MembershipFactory

# Points for tests come from one ranged earning rule, awarded like any other earning.
TEST_RULE_CATEGORY = "rewards-tests"
_award_keys = itertools.count(1)


class _DonorFactory(OrganisationFactory):
    kind = OrgKind.ALLIANCE_UNIT
    region = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"暖新联盟单位{n}")


class _GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    name: Any = factory.Sequence(lambda n: f"测试礼品{n}")
    description = "测试用礼品。"
    points_cost = 100
    donor: Any = factory.SubFactory(_DonorFactory)
    total_stock = 10
    stock_available: Any = factory.SelfAttribute("total_stock")
    pickup = PickupRule.ANY_HIVE
    voucher_valid_days = 14


class _GiftStationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GiftStation

    gift: Any = factory.SubFactory(_GiftFactory, pickup=PickupRule.LISTED)
    hive: Any = factory.SubFactory(_HiveFactory)
    stock_available = None


# Typed loosely, as factories are: a call returns the model instance.
DonorFactory: Any = _DonorFactory
GiftFactory: Any = _GiftFactory
GiftStationFactory: Any = _GiftStationFactory


def listed_gift(hives: list[Hive], *, station_stock: int | None = None, **kwargs: Any) -> Gift:
    """A gift picked up only at these stations (each with `station_stock` of its own, if given)."""
    gift: Gift = GiftFactory(pickup=PickupRule.LISTED, **kwargs)
    for hive in hives:
        GiftStationFactory(gift=gift, hive=hive, stock_available=station_stock)
    return gift


def keeper_of(hive: Hive) -> User:
    return staff(hive.managing_unit, role=Role.KEEPER)


def give_points(worker: User, amount: int) -> None:
    """Award `amount` points to the worker through points_award (a ranged test rule)."""
    EarningRule.objects.get_or_create(
        source=PointsSource.VOLUNTEER_TASK,
        category=TEST_RULE_CATEGORY,
        district=None,
        defaults={"points_min": 1, "points_max": 1_000_000},
    )
    result = points_award(
        worker=worker,
        source=PointsSource.VOLUNTEER_TASK,
        category=TEST_RULE_CATEGORY,
        amount=amount,
        idempotency_key=f"rewards-test:{worker.pk}:{next(_award_keys)}",
    )
    assert result.created, result.detail
