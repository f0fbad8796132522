"""A known history in March 2026, built through the services, whose figures the tests know."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.test import TestCase
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.accounts.tests.factories import worker
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases import services as cases
from littlebee.cases.models import Case, CaseKind
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.hives.models import HiveVisit, VisitMethod
from littlebee.hives.tests.factories import HiveFactory, ServiceFactory
from littlebee.points import services as points
from littlebee.points.tests.factories import earn

from ..measures import Period
from ..tracking import refresh_deferred

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# The `committed` fixture: `with committed():` runs the after-commit work of the writes in its
# block as the block ends, as their commit would, in a test run inside a transaction.
Committed = Callable[[], AbstractContextManager[Any]]


# From March 2026 to today: the cases are dated in March, the workers registered today.
def since_march() -> Period:
    return Period(start=date(2026, 3, 1), end=timezone.localdate())


@dataclass
class History:
    riders: list[User]
    reports: list[Case]
    appeals: list[Case]
    expected: dict[str, Any]


def build(c: AppealCity) -> History:
    """From 10 March 2026, at 西厂口社区 (c.w.community):

    workers      7 food-delivery riders of 饿了么 registered (c.rider and 6 more), 1 of 美团
                 elsewhere; all checked in; 2 of the 饿了么 riders are party members
    reports      6 by c.rider: 5 accepted (4 within the deadline), 3 resolved, 1 of them disputed
                 (reopened: 2 resolved now)
    appeals      7 against 饿了么 at its party organisation: 1 accepted in time and resolved
                 (rated 5), 6 left past the deadline and escalated by the sweep to the committee
    stations     3 visits at one station (2 for water, 1 with no service)
    points       100 + 50 earned, 30 spent, 10 taken back by an adjustment
    """
    # Computed once at the end, as the minute's job would, rather than after each of the ~55
    # commits below (which was most of every statistics test's time). In a test run inside a
    # transaction (django_db without transaction=True) nothing commits: the after-commit marks
    # are run as the block ends, before the refresh; where the writes really commit, each
    # commit has run its own and there is nothing left to capture.
    with refresh_deferred(), TestCase.captureOnCommitCallbacks(execute=True):
        return _write(c)


def _write(c: AppealCity) -> History:
    t0 = WORKING_MORNING
    w = c.w
    handler = w.community_handler
    riders = [c.rider] + [
        worker(worker_type="food_delivery", enterprise=c.eleme, community=w.community, party_member=i < 2)
        for i in range(6)
    ]
    reports = []
    for i in range(6):
        case = open_case(w, reporter=c.rider, at=t0 + i * 10 * HOUR)
        reports.append(case)
    for i, case in enumerate(reports[:5]):
        late = i == 4
        cases.case_accept(case_id=case.pk, actor=handler, at=case.created_at + (DAY * 5 if late else HOUR))
    for case in reports[:3]:
        cases.case_resolve(case_id=case.pk, actor=handler, note="好了", at=case.created_at + 2 * DAY)
    cases.case_feedback(case_id=reports[0].pk, worker=c.rider, rating=2, resolved=False, at=t0 + 3 * DAY)
    appeals = [file_appeal(c, at=t0 + i * 2 * HOUR).case for i in range(7)]
    cases.case_accept(case_id=appeals[0].pk, actor=c.eleme_handler, at=appeals[0].created_at + HOUR)
    cases.case_resolve(case_id=appeals[0].pk, actor=c.eleme_handler, note="已退还", at=appeals[0].created_at + DAY)
    cases.case_feedback(case_id=appeals[0].pk, worker=c.rider, rating=5, resolved=True, at=t0 + 2 * DAY)
    cases.cases_escalate_overdue(now=t0 + 4 * DAY)
    water: Any = ServiceFactory(code="water", name="饮水")
    hive: Any = HiveFactory(community=w.community, managing_unit=w.community_org, name="西厂口社区蜂巢")
    for i, service in enumerate([water, water, None]):
        visit = HiveVisit.objects.create(
            hive=hive, worker=riders[i], method=VisitMethod.QR, service=service, at=t0 + DAY + i * HOUR
        )
        counted_rows_changed(Counted.HIVE_VISIT, visit)  # as visit_record does
    earn(c.rider, 100, "history:1", at=t0)
    earn(riders[1], 50, "history:2", at=t0 + HOUR)
    points.points_spend(worker=c.rider, amount=30, idempotency_key="history:spend", at=t0 + DAY)
    points.points_adjust(
        worker=riders[1], amount=-10, actor=None, note="更正", idempotency_key="history:adjust", at=t0 + DAY
    )
    expected = {
        "workers.registered": 7 + 1,  # the 美团 rider too, at the other community
        "workers.checked_in": 8,
        "workers.party_members": 2,
        "reports.submitted": 6,
        "reports.accepted": 5,
        "reports.resolved": 2,  # the disputed one is being handled again
        "reports.disputed": 1,
        "appeals.received": 7,
        "appeals.resolved": 1,
        "stations.visits": 3,
        "points.issued": 150,
        "points.spent": 30,
        "points.corrected": -10,
        "points.held": 110,
    }
    assert Case.objects.filter(kind=CaseKind.REPORT).count() == 6
    return History(riders=riders, reports=reports, appeals=appeals, expected=expected)
