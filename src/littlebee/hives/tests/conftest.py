"""Fixtures for the stations' tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _attendance_rule(request: pytest.FixtureRequest) -> None:
    """Events promise attendance points only within the earning rule, as the city's defaults
    (points_defaults) set it: 0 to 100. Tests that use the database get that rule."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from littlebee.points.models import EarningRule, PointsSource

    EarningRule.objects.get_or_create(
        source=PointsSource.EVENT_ATTENDANCE, category="", district=None, defaults={"points_min": 0, "points_max": 100}
    )
