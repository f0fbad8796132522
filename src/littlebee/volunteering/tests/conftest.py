"""Fixtures of the volunteering tests: the small city of the accounts tests, a community's party
organisation allowed to publish tasks of up to 20 points, its handler, a worker checked in there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.conftest import City, city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import staff, worker
from littlebee.orgs.models import Organisation
from littlebee.points.models import EarningRule, PointsSource
from littlebee.volunteering.models import PointPermission


@pytest.fixture(autouse=True)
def _volunteer_rule(request: pytest.FixtureRequest) -> None:
    """The city's default earning rule for volunteer tasks (points_defaults): 10 to 100."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    EarningRule.objects.get_or_create(
        source=PointsSource.VOLUNTEER_TASK,
        category="",
        district=None,
        defaults={"points_min": 10, "points_max": 100, "district_max_points": 100},
    )


@dataclass
class Scene:
    city: City
    community_org: Organisation
    handler: User
    worker: User
    permission: PointPermission


@pytest.fixture
def scene(city: City) -> Scene:  # noqa: F811
    org = city.party_org(city.community)
    permission = PointPermission.objects.create(
        district=city.district, organisation=org, max_points=20, monthly_budget=1000
    )
    return Scene(
        city=city,
        community_org=org,
        handler=staff(org, role=Role.HANDLER, user__name="社区经办人"),
        worker=worker(community=city.community, user__name="张小哥"),
        permission=permission,
    )


def made(obj: Any) -> Any:
    return obj
