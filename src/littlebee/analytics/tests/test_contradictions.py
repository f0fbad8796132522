"""The three contradictions of issue 16, as they were seen in the staff console, each now one
figure read from one definition everywhere.

1. 办理统计 showed 按时受理 100 % for 饿了么党委 (it counted, over the cases still held, those
   accepted in time ÷ those accepted) while 诉求统计 showed 14 % (accepted in time ÷ every appeal
   received): now 及时签收率 = signed on time ÷ received, on every page, export and API call.
2. 办理统计 listed cases overdue across the city while the overview and the overdue queue said 0:
   now 当前超期 is one count (open cases marked overdue, held by the office) that the offices'
   table, the API, the office's overdue queue and the console's overview all give.
3. Points issued minus spent did not match points held: now held = issued − spent − expired ±
   corrections, and the dashboard shows every term.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F

from littlebee.accounts.tests.factories import staff
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases import selectors as case_selectors
from littlebee.cases import services as cases
from littlebee.cases.models import OPEN_STATUSES, Case
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.conftest import client_for
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.orgs.models import Organisation
from littlebee.points import services as points
from littlebee.points.models import LedgerEntry, PointsAccount
from littlebee.points.tests.factories import earn

from .. import measures
from ..measures import Period, Scope
from ..selectors import stats_scope_of
from .history import Committed

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
MARCH = Period(start=WORKING_MORNING.date().replace(day=1), end=WORKING_MORNING.date().replace(day=31))


@pytest.fixture
def c(city_in_transaction: AppealCity) -> AppealCity:
    """One figure everywhere, not when a commit computes it: each test runs inside a transaction
    and runs the after-commit work of its history as that history ends (`committed`)."""
    return city_in_transaction


def test_one_signed_on_time_rate_for_an_office_whose_late_appeals_were_escalated(
    c: AppealCity, api_as: Any, committed: Committed
) -> None:
    # given seven appeals against 饿了么 at its party organisation: one accepted within the
    # deadline, six left until the sweep sent them up to the committee, which accepted them
    t0 = WORKING_MORNING
    with committed():
        appeals = [file_appeal(c, at=t0 + i * HOUR).case for i in range(7)]
        cases.case_accept(case_id=appeals[0].pk, actor=c.eleme_handler, at=t0 + 2 * HOUR)
        cases.cases_escalate_overdue(now=t0 + timedelta(days=4))
        for case in appeals[1:]:
            assert Case.objects.get(pk=case.pk).organisation_id == c.committee.pk
            cases.case_accept(case_id=case.pk, actor=c.committee_handler, at=t0 + timedelta(days=4, hours=1))

    # when the rate is read by the measure, the API and the page (the old addresses lead there)
    row = next(r for r in measures.office_rows(Scope(everything=True), MARCH) if r.organisation_id == c.eleme_party.pk)
    api = api_as(c.w.city_admin).get(
        "/stats/offices", {"from": str(MARCH.start), "to": str(MARCH.end), "kind": "appeal"}
    )
    item = next(i for i in api.json()["items"] if i["organisation"] == c.eleme_party.pk)
    client = client_for(c.w.city_admin)
    old_cases = client.get("/staff/cases/figures/", {"period": "all"}, follow=True)
    old_appeals = client.get("/appeals/figures/", {"period": "all"}, follow=True)
    page = client.get(f"/staff/stats/offices/?from={MARCH.start}&to={MARCH.end}&kind=appeal").content.decode()

    # then 1 of 7: 14 %, never 100 %
    rate = row.rates["signed_on_time_rate"]
    assert (rate.part, rate.whole, rate.percent) == (1, 7, 14)
    assert item["signed_on_time_rate"] == 0.1429
    assert old_cases.redirect_chain[-1][0].startswith("/staff/stats/offices/")
    assert old_appeals.redirect_chain[-1][0].startswith("/staff/stats/offices/")
    row_html = page[page.index(f'data-office="{c.eleme_party.pk}"') :]
    row_html = row_html[: row_html.index("</tr>")]
    assert 'data-rate="0.1429">14%' in row_html
    assert "100%" not in row_html


def test_one_overdue_count_for_the_table_the_api_the_queue_and_the_overview(
    c: AppealCity, api_as: Any, committed: Committed
) -> None:
    # given three reports at the community, one of them handled, two left until the sweep marks
    # them overdue at the top of the chain
    t0 = WORKING_MORNING
    with committed():
        reports = [open_case(c.w, at=t0 + i * HOUR) for i in range(3)]
        cases.case_accept(case_id=reports[0].pk, actor=c.w.community_handler, at=t0 + HOUR)
        cases.case_resolve(case_id=reports[0].pk, actor=c.w.community_handler, note="好了", at=t0 + 2 * HOUR)
        for days in range(4, 40, 4):
            cases.cases_escalate_overdue(now=t0 + timedelta(days=days))
    overdue = Case.objects.filter(overdue=True, status__in=OPEN_STATUSES)
    assert overdue.count() == 2
    holders = set(overdue.values_list("organisation_id", flat=True))

    # when each holding office's handler, and the city admin, read the count everywhere
    api = api_as(c.w.city_admin).get("/stats/offices", {"from": str(MARCH.start), "to": str(MARCH.end)}).json()
    by_api = {i["organisation"]: i["overdue_now"] for i in api["items"]}
    city = client_for(c.w.city_admin)
    overview = city.get("/staff/").content.decode()
    table = city.get(f"/staff/stats/offices/?from={MARCH.start}&to={MARCH.end}").content.decode()

    # then the offices' table, the API and each office's own overdue queue and overview agree
    for org_id in holders:
        handler = staff(Organisation.objects.get(pk=org_id))
        queue = case_selectors.cases_queue(handler, "overdue").count()
        tile = case_selectors.casework_counts(case_selectors.staff_org_ids(handler))["overdue"]
        mine = stats_scope_of(handler)
        assert mine is not None
        assert by_api[org_id] == queue == tile == measures.overdue_now_total(mine)
    # and the city's total is the same on the overview and the table
    assert 'data-city-overdue="2"' in overview
    assert table.count("data-overdue>") >= 1
    assert "data-office-total" in table and '<td class="num" data-overdue>2</td>' in table


def test_points_held_is_issued_less_spent_less_expired_with_corrections(c: AppealCity, committed: Committed) -> None:
    # given points earned, spent, expired and corrected
    with committed():
        earn(c.rider, 300, "k:1")
        earn(c.other_rider, 100, "k:2")
        points.points_spend(worker=c.rider, amount=120, idempotency_key="k:spend")
        points.points_adjust(worker=c.other_rider, amount=-20, actor=None, note="更正", idempotency_key="k:adj")
        entry = earn(c.rider, 50, "k:3")
        points.points_reverse(entry_id=entry.pk, actor=None, note="重复", key="k:rev")
        # an expiry, as the expiry job writes it (and tells the figures, core.counted)
        expiry = LedgerEntry.objects.create(
            worker=c.rider, amount=-30, reason="expiry", idempotency_key="k:exp", created_at=entry.created_at
        )
        counted_rows_changed(Counted.LEDGER_ENTRY, expiry)
        PointsAccount.objects.filter(pk=c.rider.pk).update(balance=F("balance") - 30)

    # when
    scope = stats_scope_of(c.w.city_admin)
    assert scope is not None
    figures = measures.overview(scope, Period.last_days(30)).points
    held_now = sum(PointsAccount.objects.values_list("balance", flat=True))

    # then the terms add up to what the workers hold, and issued − spent alone does not
    assert figures["issued"] - figures["spent"] - figures["expired"] + figures["corrected"] == figures["held"]
    assert figures["held"] == held_now == 300 + 100 - 120 - 20 + 50 - 50 - 30
    assert figures["issued"] - figures["spent"] != figures["held"]
