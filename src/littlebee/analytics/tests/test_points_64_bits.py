"""A day's points summed over a whole city (or country) pass 2**31: the rollups hold them."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from littlebee.accounts.tests.factories import worker
from littlebee.appeals.tests.factories import AppealCity
from littlebee.cases.tests.factories import WORKING_MORNING
from littlebee.points.models import EarningRule, PointsSource
from littlebee.points.services import points_award

from .. import measures
from ..measures import Period, Scope
from ..models import ActivityDay

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

DAY = WORKING_MORNING.date()
BILLION = 10**9


def test_a_day_with_more_than_two_billion_points_issued_is_counted(c: AppealCity) -> None:
    # given three workers of one community who each earn a billion points on one day
    EarningRule.objects.create(source=PointsSource.VOLUNTEER_TASK, category="big", points_min=1, points_max=BILLION)
    for n in range(3):
        points_award(
            worker=worker(community=c.w.community),
            source=PointsSource.VOLUNTEER_TASK,
            category="big",
            amount=BILLION,
            idempotency_key=f"big:{n}",
            at=WORKING_MORNING,
        )

    # when the figures are computed from the ledger (as they happen, and rebuilt)
    call_command("analytics_rebuild", verbosity=0)

    # then the day's rollup and every panel reading it say three billion (PostgreSQL's 32-bit
    # columns refused the day's sum: "value 3000000000 is out of range for type integer")
    assert sum(r.points_issued for r in ActivityDay.objects.filter(day=DAY)) == 3 * BILLION
    figures = measures.overview(Scope(everything=True), Period(start=DAY, end=DAY))
    assert figures.points["issued"] == 3 * BILLION
    year = measures.overview(Scope(everything=True), Period(start=DAY.replace(month=1, day=1), end=DAY))
    assert year.points["issued"] == 3 * BILLION
