"""Factories for the volunteering tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from littlebee.orgs.tests.factories import PartyOrgFactory
from littlebee.volunteering.models import Task, TaskCategory, TaskKind, Team

# 西厂口社区, Wuhan.
LAT, LNG = 30.5528, 114.2990


class TaskFactory(factory.django.DjangoModelFactory):
    """A published volunteer task of a community party organisation, starting in ten minutes
    (check-in is open), an hour long, two places."""

    class Meta:
        model = Task

    title: Any = factory.Sequence(lambda n: f"测试任务{n}")
    description = "帮助独居老人上下楼"
    kind = TaskKind.VOLUNTEER
    category = TaskCategory.ELDERLY_HELP
    organiser: Any = factory.SubFactory(PartyOrgFactory)
    region: Any = factory.LazyAttribute(lambda o: o.organiser.region)
    lat = LAT
    lng = LNG
    radius_m = 200
    address = "西厂口社区居委会"
    starts_at: Any = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))
    ends_at: Any = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    slots = 2
    waitlist_slots = 1
    points = 20


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name: Any = factory.Sequence(lambda n: f"测试服务队{n}")
    organiser: Any = factory.SubFactory(PartyOrgFactory)
    street: Any = factory.LazyAttribute(lambda o: o.organiser.region.parent or o.organiser.region)


def a_task(**kwargs: Any) -> Task:
    """TaskFactory typed as what it makes."""
    made: Any = TaskFactory(**kwargs)
    return made


def a_team(**kwargs: Any) -> Team:
    made: Any = TeamFactory(**kwargs)
    return made


def publish_form(organiser_id: int, **overrides: Any) -> dict[str, Any]:
    """The organisers' publish page's form for a hazard patrol at 西厂口社区 tomorrow, an hour long."""
    start = timezone.localtime() + timedelta(days=1)
    return {
        "organiser": organiser_id,
        "title": "消防隐患排查",
        "kind": "volunteer",
        "category": "hazard_patrol",
        "address": "西厂口社区",
        "lat": LAT,
        "lng": LNG,
        "radius_m": 200,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "slots": 2,
        "waitlist_slots": 1,
        **overrides,
    }
