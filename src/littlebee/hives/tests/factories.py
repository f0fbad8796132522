"""Factories for 蜂巢 stations; other hives test modules import HiveFactory from here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from littlebee.hives.models import AnnualServiceItem, Hive, OpeningException, OpeningInterval, Service
from littlebee.orgs.tests.factories import CommunityFactory, PartyOrgFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name: Any = factory.Sequence(lambda n: f"测试服务{n}")
    is_base = False


class HiveFactory(factory.django.DjangoModelFactory):
    """A station in a test community, managed by that community's party organisation, open 24 hours."""

    class Meta:
        model = Hive
        skip_postgeneration_save = True

    name: Any = factory.Sequence(lambda n: f"测试蜂巢驿站{n}")
    address: Any = factory.Sequence(lambda n: f"测试路{n}号")
    lat = 30.59
    lng = 114.30
    community: Any = factory.SubFactory(CommunityFactory)
    managing_unit: Any = factory.SubFactory(PartyOrgFactory, region=factory.SelfAttribute("..community"))
    contact_phone = "027-88886666"
    always_open = True

    @factory.post_generation
    def services(obj: Hive, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.services.set(extracted)


class OpeningIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningInterval

    hive: Any = factory.SubFactory(HiveFactory, always_open=False)
    weekday = 0
    opens = dt.time(8, 0)
    closes = dt.time(20, 0)


class OpeningExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningException

    hive: Any = factory.SubFactory(HiveFactory)
    date = dt.date(2026, 10, 1)
    closed = True


class AnnualServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualServiceItem

    hive: Any = factory.SubFactory(HiveFactory)
    year = 2026
    title: Any = factory.Sequence(lambda n: f"年度服务项目{n}")
    frequency = "每月一次"
