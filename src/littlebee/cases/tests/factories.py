"""Test data for the case engine: a small city with party organisations at every level, a
traffic police department, and cases opened through the service (so they have a timeline)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import factory
import pytest

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import UserFactory, staff, worker
from littlebee.cases import services
from littlebee.cases.models import Case, CaseKind, DeadlineRule, RoutingRule, RoutingTarget
from littlebee.cases.workdays import SHANGHAI
from littlebee.orgs.models import DepartmentType, Organisation, OrgKind, Region
from littlebee.orgs.tests.factories import (
    CityFactory,
    CommunityFactory,
    DistrictFactory,
    OrganisationFactory,
    PartyOrgFactory,
    StreetFactory,
)

# Tuesday 10 March 2026, 10:00 in Wuhan: an ordinary working morning.
WORKING_MORNING = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@dataclass
class World:
    city: Region
    district: Region
    street: Region
    community: Region
    other_community: Region
    city_org: Organisation
    district_org: Organisation
    street_org: Organisation
    community_org: Organisation
    other_community_org: Organisation
    traffic_police: Organisation
    community_handler: User
    other_handler: User
    police_handler: User
    city_admin: User


def world() -> World:
    city: Any = CityFactory(name="武汉市")
    district: Any = DistrictFactory(parent=city, name="武昌区")
    street: Any = StreetFactory(parent=district, name="黄鹤楼街道")
    community: Any = CommunityFactory(parent=street, name="西厂口社区")
    other_street: Any = StreetFactory(parent=district, name="中华路街道")
    other_community: Any = CommunityFactory(parent=other_street, name="户部巷社区")
    city_org: Any = PartyOrgFactory(region=city, name="市委组织部")
    district_org: Any = PartyOrgFactory(region=district, name="武昌区委")
    street_org: Any = PartyOrgFactory(region=street, name="黄鹤楼街道党工委")
    community_org: Any = PartyOrgFactory(region=community, name="西厂口社区党委")
    PartyOrgFactory(region=other_street, name="中华路街道党工委")
    other_community_org: Any = PartyOrgFactory(region=other_community, name="户部巷社区党委")
    police: Any = OrganisationFactory(
        kind=OrgKind.DEPARTMENT,
        department_type=DepartmentType.TRAFFIC_POLICE,
        region=district,
        name="武昌区交警大队",
    )
    return World(
        city=city,
        district=district,
        street=street,
        community=community,
        other_community=other_community,
        city_org=city_org,
        district_org=district_org,
        street_org=street_org,
        community_org=community_org,
        other_community_org=other_community_org,
        traffic_police=police,
        community_handler=staff(community_org),
        other_handler=staff(other_community_org),
        police_handler=staff(police),
        city_admin=staff(city_org, role=Role.CITY_ADMIN),
    )


def traffic_rule(**kwargs: Any) -> RoutingRule:
    return RoutingRule.objects.create(
        kind=CaseKind.REPORT,
        category="traffic_signal",
        target=RoutingTarget.DEPARTMENT,
        department_type=DepartmentType.TRAFFIC_POLICE,
        **kwargs,
    )


def open_case(
    w: World,
    *,
    reporter: User | None = None,
    category: str = "garbage",
    region: Region | str | None = "community",
    at: datetime = WORKING_MORNING,
    **kwargs: Any,
) -> Case:
    return services.case_open(
        kind=kwargs.pop("kind", CaseKind.REPORT),
        reporter=reporter or worker(),
        category=category,
        region=w.community if region == "community" else region,  # type: ignore[arg-type]
        lat=kwargs.pop("lat", 30.55),
        lng=kwargs.pop("lng", 114.30),
        at=at,
        **kwargs,
    )


class DeadlineRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlineRule

    kind = CaseKind.REPORT
    category = ""


__all__ = ["UserFactory", "World", "open_case", "traffic_rule", "world"]


def rendered_notice(notice: dict[str, Any]) -> dict[str, Any]:
    """A notice handed to cases.notify.deliver (one per person), its title and body rendered in the active language
    (they are stored texts, core.texts); the texts as sent stay under "texts"."""
    from littlebee.core.texts import render

    return {**notice, "title": render(notice["title"]), "body": render(notice["body"]), "texts": notice}


def _notices_sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every notice the case engine hands over (cases.notify.deliver, one per person) during the test, kept instead
    of delivered. Title and body are stored texts (core.texts): kept as sent under "texts", and
    rendered as a reader in the active language (Chinese unless the test says otherwise) reads them."""
    from littlebee.cases import notify

    outbox: list[dict[str, Any]] = []

    def deliver(*, users: list[Any], **kwargs: Any) -> None:
        outbox.extend(rendered_notice({"user": user, **kwargs}) for user in users)

    monkeypatch.setattr(notify, "deliver", deliver)
    yield outbox


def sent_fixture(*, autouse: bool) -> Callable[..., Iterator[list[dict[str, Any]]]]:
    """The `sent` fixture for an app's conftest (`sent = sent_fixture(autouse=True)`): one
    definition, each app choosing whether every test captures the notices or only those asking."""
    return pytest.fixture(autouse=autouse, name="sent")(_notices_sent)
