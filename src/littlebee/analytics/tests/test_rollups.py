"""The rollups: kept up as things happen, rebuilt from the source rows by one command that reports
what it corrected; the minimum sample; the panels' and API's fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from littlebee.appeals.tests.factories import AppealCity
from littlebee.cases import services as cases
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.conftest import client_for

from .. import measures
from ..measures import Period, Scope
from ..models import ActivityDay, OfficeDay, StaleRollup
from ..tracking import refresh_deferred
from .history import Committed, build, since_march

# The tests of when the figures are computed (after each commit, at a deferred block's end, by
# the job a commit queued) really commit; those of the figures themselves run inside a
# transaction and run the after-commit work where they write (`committed`).
HOUR = timedelta(hours=1)
DAY = WORKING_MORNING.date()
ONE_DAY = Period(start=DAY, end=DAY)


def _reports(day_rows: Any) -> int:
    return sum(r.reports_submitted for r in day_rows)


@pytest.mark.django_db(transaction=True)
def test_the_rollups_follow_each_change_as_it_happens(c: AppealCity) -> None:
    # when a report is filed, then accepted
    case = open_case(c.w, at=WORKING_MORNING)
    assert _reports(ActivityDay.objects.filter(day=DAY)) == 1
    assert measures.overview(Scope(everything=True), ONE_DAY).reports["accepted"] == 0
    cases.case_accept(case_id=case.pk, actor=c.w.community_handler, at=WORKING_MORNING + HOUR)

    # then the figures say so at once, without a rebuild
    assert measures.overview(Scope(everything=True), ONE_DAY).reports["accepted"] == 1
    office = OfficeDay.objects.get(day=DAY, organisation=c.w.community_org)
    assert (office.received, office.signed_on_time) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_inside_a_deferred_block_the_days_are_marked_and_computed_once_at_its_end(c: AppealCity) -> None:
    # given a block of writes whose days are computed at its end
    with refresh_deferred():
        case = open_case(c.w, at=WORKING_MORNING)
        cases.case_accept(case_id=case.pk, actor=c.w.community_handler, at=WORKING_MORNING + HOUR)

        # then inside it the writes only marked their day (each commit did not compute it)
        assert _reports(ActivityDay.objects.filter(day=DAY)) == 0
        assert StaleRollup.objects.filter(day=DAY).exists()

    # and at its end the day is computed, equal to a rebuild from the source rows
    assert measures.overview(Scope(everything=True), ONE_DAY).reports["accepted"] == 1
    assert not StaleRollup.objects.exists()
    out = StringIO()
    call_command("analytics_rebuild", "--check", stdout=out)
    assert out.getvalue().strip() == "No differences."


@pytest.mark.django_db
def test_the_rebuild_reports_and_corrects_what_no_save_announced(
    city_in_transaction: AppealCity, committed: Committed
) -> None:
    # given a case changed behind the services' back (a queryset update sends no signal)
    c = city_in_transaction
    with committed():
        case = open_case(c.w, at=WORKING_MORNING)
    Case.objects.filter(pk=case.pk).update(status="closed", accepted_at=WORKING_MORNING + HOUR)
    out = StringIO()

    # when the rebuild is asked to check only, then to correct
    with pytest.raises(CommandError), committed():
        call_command("analytics_rebuild", "--dry-run", "--check", stdout=out)
    with committed():
        call_command("analytics_rebuild", stdout=out)
    again = StringIO()
    with committed():
        call_command("analytics_rebuild", "--check", stdout=again)

    # then it named each difference, corrected them, and the next run finds none
    text = out.getvalue()
    assert "reports_accepted: 0 → 1" in text and "reports_resolved: 0 → 1" in text
    assert "corrected" in text
    assert measures.overview(Scope(everything=True), ONE_DAY).reports["resolved"] == 1
    assert again.getvalue().strip() == "No differences."


@pytest.mark.django_db
def test_the_rebuild_refuses_bad_dates(city_in_transaction: AppealCity) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("analytics_rebuild", "--from", "yesterday")
    with pytest.raises(CommandError, match="after"):
        call_command("analytics_rebuild", "--from", "2026-03-02", "--to", "2026-03-01")


@pytest.mark.django_db
def test_a_rate_under_the_minimum_sample_is_not_enough_and_never_ranked(
    city_in_transaction: AppealCity, api_as: Any, settings: Any, committed: Committed
) -> None:
    # given the history (the community received 6 reports) and a street office with 1
    c = city_in_transaction
    build(c)
    with committed():
        moved = open_case(c.w, at=WORKING_MORNING)
    with committed():
        cases.case_forward(
            case_id=moved.pk,
            actor=c.w.community_handler,
            to_org=c.w.street_org,
            note="街道",
            at=WORKING_MORNING + HOUR,
        )
    period = since_march()
    query = {"from": str(period.start), "to": str(period.end), "sort": "signed_on_time_rate", "kind": "report"}

    # when
    items = api_as(c.w.city_admin).get("/stats/offices", query).json()["items"]
    page = client_for(c.w.city_admin).get("/staff/stats/offices/", query).content.decode()

    # then the street's rate has no value and comes after the ranked community
    by_org = {i["organisation"]: i for i in items}
    assert by_org[c.w.street_org.pk]["signed_on_time_rate"] is None
    assert by_org[c.w.community_org.pk]["signed_on_time_rate"] is not None
    assert [i["organisation"] for i in items].index(c.w.street_org.pk) > [i["organisation"] for i in items].index(
        c.w.community_org.pk
    )
    street_row = page[page.index(f'data-office="{c.w.street_org.pk}"') :]
    assert "样本不足" in street_row[: street_row.index("</tr>")]
    assert '<td class="num" data-rank>—</td>' in street_row[: street_row.index("</tr>")]
    # and the minimum is the city's setting
    settings.ANALYTICS_MIN_SAMPLE = 1
    items = api_as(c.w.city_admin).get("/stats/offices", query).json()["items"]
    assert {i["organisation"]: i for i in items}[c.w.street_org.pk]["signed_on_time_rate"] == 0.0


@pytest.mark.django_db
def test_the_pages_and_the_api_cost_a_fixed_number_of_queries(
    city_in_transaction: AppealCity, api_as: Any, django_assert_max_num_queries: Any, committed: Committed
) -> None:
    # given a history
    c = city_in_transaction
    build(c)
    admin = client_for(c.w.city_admin)
    api = api_as(c.w.city_admin)

    def counted(fetch: Any, most: int) -> None:
        with django_assert_max_num_queries(most):
            assert fetch().status_code == 200

    # then each read costs the same, whatever the history (the rollups answer)
    counted(lambda: api.get("/stats/overview", {"from": "2026-01-01"}), 8)
    counted(lambda: api.get("/stats/offices", {"from": "2026-01-01"}), 8)
    counted(lambda: api.get("/stats/enterprises", {"from": "2026-01-01"}), 12)
    counted(lambda: admin.get("/staff/stats/?period=all"), 30)
    counted(lambda: admin.get("/staff/stats/offices/?period=all"), 16)
    counted(lambda: admin.get("/staff/stats/enterprises/?period=all"), 18)
    for i in range(10):
        with committed():
            open_case(c.w, at=WORKING_MORNING + i * HOUR)
    counted(lambda: admin.get("/staff/stats/?period=all"), 30)
    counted(lambda: api.get("/stats/offices", {"from": "2026-01-01"}), 8)


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_the_tests_marks_its_day_and_the_minutes_job_computes_it(
    c: AppealCity, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the embedded default: rollups kept up by this process's job threads, not inline
    from littlebee.analytics import tracking
    from littlebee.analytics.models import StaleRollup
    from littlebee.analytics.tasks import analytics_refresh_rollups

    settings.ANALYTICS_REFRESH_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    queued: list[Any] = []
    monkeypatch.setattr(tracking, "background_run_later", lambda key, delay, fn, *args: queued.append((fn, args)))

    # when a report is filed and the job it queued after the commit runs
    open_case(c.w, at=WORKING_MORNING)
    for fn, args in queued:
        fn(*args)

    # then the day is only marked: a write does not compute the whole city's day again
    assert StaleRollup.objects.filter(day=DAY).exists()
    assert _reports(ActivityDay.objects.filter(day=DAY)) == 0

    # when the minute's job runs
    analytics_refresh_rollups()

    # then the figures have the report
    assert _reports(ActivityDay.objects.filter(day=DAY)) == 1
    assert not StaleRollup.objects.filter(day=DAY).exists()
