"""Factories and helpers for the points tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import factory
from django.test import Client
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, Role, User, WorkerProfile
from littlebee.accounts.tests.factories import UserFactory, WorkerProfileFactory, staff
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.tests.factories import (
    CityFactory,
    CommunityFactory,
    DistrictFactory,
    EnterpriseFactory,
    PartyOrgFactory,
    StreetFactory,
)
from littlebee.points import services
from littlebee.points.models import Badge, EarningRule, LedgerEntry, PointsSource


class EarningRuleFactory(factory.django.DjangoModelFactory):
    """A city-wide rule: 10 points for an event attended, unless told otherwise."""

    class Meta:
        model = EarningRule

    source = PointsSource.EVENT_ATTENDANCE
    category = ""
    district: Any = None
    points_min = 10
    points_max = 10


class BadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Badge
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"badge-{n}")
    name: Any = factory.Sequence(lambda n: f"测试徽章{n}")
    description = "测试用徽章"
    icon = "award"
    source = PointsSource.REPORT
    threshold = 1


@dataclass
class Town:
    city: Region
    district: Region
    street: Region
    community: Region
    neighbour: Region  # same street, other community
    other_district: Region
    other_district_community: Region
    enterprise: Organisation
    community_org: Organisation
    district_org: Organisation
    other_district_org: Organisation


def _m(obj: Any) -> Any:
    """factory_boy's calls are typed as returning the factory: this says "the model instance"."""
    return obj


def make_town() -> Town:
    """武汉市 > 武昌区 > 黄鹤楼街道 > 西厂口社区 (and a neighbour), 江汉区 beside it, with party organisations."""
    city = _m(CityFactory(name="武汉市"))
    district = _m(DistrictFactory(parent=city, name="武昌区"))
    street = _m(StreetFactory(parent=district, name="黄鹤楼街道"))
    community = _m(CommunityFactory(parent=street, name="西厂口社区"))
    neighbour = _m(CommunityFactory(parent=street, name="得胜桥社区"))
    other_district = _m(DistrictFactory(parent=city, name="江汉区"))
    other_street = _m(StreetFactory(parent=other_district, name="民族街道"))
    other_district_community = _m(CommunityFactory(parent=other_street, name="前进社区"))
    return Town(
        city=city,
        district=district,
        street=street,
        community=community,
        neighbour=neighbour,
        other_district=other_district,
        other_district_community=other_district_community,
        enterprise=_m(EnterpriseFactory(name="顺丰速运", short_name="顺丰")),
        community_org=_m(PartyOrgFactory(region=community, name="西厂口社区党委")),
        district_org=_m(PartyOrgFactory(region=district, name="武昌区委组织部")),
        other_district_org=_m(PartyOrgFactory(region=other_district, name="江汉区委组织部")),
    )


def rider(
    town: Town, *, name: str = "", community: Region | None = None, confirmed: bool = True, **kwargs: Any
) -> User:
    """A worker checked in (confirmed, unless told otherwise) at the town's community."""
    profile = cast(
        WorkerProfile,
        WorkerProfileFactory(
            community=community or town.community,
            enterprise=kwargs.pop("enterprise", town.enterprise),
            checkin_status=CheckinStatus.CONFIRMED if confirmed else CheckinStatus.PENDING,
            checkin_decided_at=timezone.now() if confirmed else None,
            **({"user__name": name} if name else {}),
            **kwargs,
        ),
    )
    return profile.user


def city_admin(town: Town) -> User:
    """A city admin, with the admin site's `is_staff` that membership_grant would set."""
    return staff(_city_org(town), role=Role.CITY_ADMIN, user__is_staff=True)


def _city_org(town: Town) -> Organisation:
    existing = Organisation.objects.filter(kind="party_org", region=town.city).first()
    return existing or _m(PartyOrgFactory(region=town.city, name="武汉市委组织部"))


def district_admin(town: Town) -> User:
    return staff(town.district_org, role=Role.ADMIN)


def community_handler(town: Town) -> User:
    return staff(town.community_org, role=Role.HANDLER)


def plain_user() -> User:
    return cast(User, UserFactory())


def earn(worker: User, points: int, key: str, *, source: str = "event_attendance", **kwargs: Any) -> LedgerEntry:
    """An award of `points` through the service, under a ranged rule that allows it."""
    rule = EarningRule.objects.filter(source=source, category="", district__isnull=True).first()
    if rule is None:
        EarningRule.objects.create(source=source, points_min=1, points_max=10_000)
    result = services.points_award(worker=worker, source=source, idempotency_key=key, amount=points, **kwargs)
    assert result.entry is not None, result.refusal
    return result.entry


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
