"""Per-office figures (selectors.case_figures) and the figures page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import selectors, services
from littlebee.cases.models import Case, CaseKind
from littlebee.conftest import client_for

from .factories import WORKING_MORNING, World, open_case, world

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def w() -> World:
    return world()


def story(w: World) -> dict[str, Case]:
    """At the community: one accepted in time and resolved in time, then disputed; one accepted
    late; one rejected; one overdue. One forwarded on to the street."""
    t0 = WORKING_MORNING
    h = w.community_handler
    reporter = worker()
    good = open_case(w, reporter=reporter, at=t0)
    services.case_accept(case_id=good.pk, actor=h, at=t0 + HOUR)
    services.case_resolve(case_id=good.pk, actor=h, note="好了", at=t0 + 2 * HOUR)
    services.case_feedback(case_id=good.pk, worker=reporter, rating=2, resolved=False, at=t0 + 3 * HOUR)
    late = open_case(w, at=t0)
    services.case_accept(case_id=late.pk, actor=h, at=t0 + timedelta(days=5))
    rejected = open_case(w, at=t0)
    services.case_reject(case_id=rejected.pk, actor=h, note="无效", at=t0 + HOUR)
    overdue = open_case(w, at=t0)
    Case.objects.filter(pk=overdue.pk).update(overdue=True)
    moved = open_case(w, at=t0)
    services.case_forward(case_id=moved.pk, actor=h, to_org=w.street_org, note="街道负责", at=t0 + HOUR)
    rated_reporter = worker()
    rated = open_case(w, reporter=rated_reporter, at=t0)
    services.case_accept(case_id=rated.pk, actor=h, at=t0 + HOUR)
    services.case_resolve(case_id=rated.pk, actor=h, note="好了", at=t0 + 2 * HOUR)
    services.case_feedback(case_id=rated.pk, worker=rated_reporter, rating=5, resolved=True, at=t0 + 3 * HOUR)
    return {"good": good, "late": late, "rejected": rejected, "overdue": overdue, "moved": moved, "rated": rated}


def test_the_figures_of_an_office(w: World) -> None:
    # given the story at the community
    story(w)

    # when the figures are read for all time
    rows = {r.organisation_id: r for r in selectors.case_figures(None)}

    # then the community received six, and each outcome is counted where it belongs
    community = rows[w.community_org.pk]
    assert community.received == 6
    assert (community.accepted, community.accepted_in_time) == (3, 2)
    assert community.rejected == 1
    # the disputed one counts as resolved (it was) and as a dispute
    assert (community.resolved, community.resolved_in_time) == (2, 2)
    assert community.overdue == 1
    assert community.disputes == 1
    assert (community.rating_avg, community.rating_count) == (3.5, 2)
    assert community.accepted_in_time_rate == 67
    street = rows[w.street_org.pk]
    assert (street.received, street.accepted, street.disputes) == (1, 0, 0)
    assert w.other_community_org.pk not in rows


def test_figures_by_period_kind_and_organisation(w: World) -> None:
    story(w)
    # a month on, only what is overdue now still shows
    after = WORKING_MORNING + timedelta(days=30)
    [later] = selectors.case_figures([w.community_org.pk], after)
    assert (later.received, later.accepted, later.disputes, later.overdue) == (0, 0, 0, 1)
    only = selectors.case_figures([w.community_org.pk], WORKING_MORNING - HOUR)
    assert [r.organisation_id for r in only] == [w.community_org.pk]
    assert selectors.case_figures([w.community_org.pk], None, CaseKind.APPEAL) == []


def test_figures_cost_the_same_queries_for_many_offices(w: World, django_assert_num_queries: Any) -> None:
    story(w)
    for _ in range(3):
        open_case(w, region=w.other_community)
    with django_assert_num_queries(4):
        rows = selectors.case_figures(None)
    assert len(rows) == 3


def test_the_page_shows_a_handler_only_his_offices(w: World, django_assert_max_num_queries: Any) -> None:
    story(w)
    open_case(w, region=w.other_community)
    client = client_for(w.community_handler)
    with django_assert_max_num_queries(14):
        response = client.get("/staff/cases/figures/", {"period": "all"})
    assert response.status_code == 200
    assert [r.organisation_id for r in response.context["rows"]] == [w.community_org.pk]
    assert "西厂口社区党委" in response.content.decode()
    assert "户部巷社区党委" not in response.content.decode()


def test_the_page_shows_a_city_admin_every_office_with_a_total(w: World) -> None:
    story(w)
    open_case(w, region=w.other_community)
    response = client_for(w.city_admin).get("/staff/cases/figures/", {"period": "all", "kind": "report"})
    ids = {r.organisation_id for r in response.context["rows"]}
    assert ids == {w.community_org.pk, w.street_org.pk, w.other_community_org.pk}
    assert response.context["total"].received == 8


def test_the_default_period_is_thirty_days_and_nonsense_is_ignored(w: World) -> None:
    # given cases opened in March 2026, one of them overdue now
    story(w)
    client = client_for(w.community_handler)
    response = client.get("/staff/cases/figures/", {"period": "nonsense", "kind": "nonsense"})
    assert response.status_code == 200
    assert response.context["period"] == "30"
    [row] = response.context["rows"]
    assert row.overdue == 1
    assert row.received == (6 if timezone.now() - timedelta(days=30) <= WORKING_MORNING else 0)


def test_staff_without_a_case_role_are_refused(w: World) -> None:
    keeper = staff(w.community_org, role=Role.KEEPER)
    assert client_for(keeper).get("/staff/cases/figures/").status_code == 403


def test_a_city_admin_finds_an_office_and_sees_the_busiest_or_latest_first(w: World, settings: Any) -> None:
    # given the story at the community (6 received, 1 overdue) and one case at another community
    story(w)
    open_case(w, region=w.other_community)
    client = client_for(w.city_admin)

    # when the city admin looks at all time, the busiest office comes first
    rows = client.get("/staff/cases/figures/", {"period": "all"}).context["rows"]
    assert rows[0].organisation_id == w.community_org.pk

    # and ordered by overdue cases, the one with a late case leads
    rows = client.get("/staff/cases/figures/", {"period": "all", "sort": "overdue"}).context["rows"]
    assert rows[0].overdue == 1

    # and a name narrows the list, while the total stays the city's
    response = client.get("/staff/cases/figures/", {"period": "all", "q": "户部巷"})
    assert [r.organisation_id for r in response.context["rows"]] == [w.other_community_org.pk]
    assert response.context["total"].received == 8

    # and a nonsense sort or page is ignored
    response = client.get("/staff/cases/figures/", {"period": "all", "sort": "x", "page": "zz"})
    assert response.status_code == 200 and response.context["sort"] == "received"


def test_a_long_list_of_offices_comes_in_pages(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given three offices with cases and pages of two
    from littlebee.cases import views

    story(w)
    open_case(w, region=w.other_community)
    monkeypatch.setattr(views, "FIGURES_PAGE_SIZE", 2)
    client = client_for(w.city_admin)

    # when the city admin opens the second page, then it holds the third office
    first = client.get("/staff/cases/figures/", {"period": "all"}).context["rows"]
    second = client.get("/staff/cases/figures/", {"period": "all", "page": "2"}).context["rows"]
    assert len(first) == 2 and len(second) == 1
    assert {r.organisation_id for r in [*first, *second]} == {
        w.community_org.pk,
        w.street_org.pk,
        w.other_community_org.pk,
    }
