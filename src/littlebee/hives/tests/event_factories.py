"""Factories and helpers for the events tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from littlebee.hives.models import Event
from littlebee.orgs.tests.factories import PartyOrgFactory

CODE = "ABC234"


class EventFactory(factory.django.DjangoModelFactory):
    """A published event of a community party organisation, starting in an hour (check-in is open)."""

    class Meta:
        model = Event

    title: Any = factory.Sequence(lambda n: f"测试活动{n}")
    description = "集体生日会"
    organiser: Any = factory.SubFactory(PartyOrgFactory)
    place = "黄鹤楼公园"
    starts_at: Any = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    ends_at: Any = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 10
    points = 20
    checkin_code = CODE
