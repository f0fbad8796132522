"""Who sees which case (cases_visible_to) and who may act on it."""

from __future__ import annotations

import pytest

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import selectors, services
from littlebee.cases.models import CaseStatus
from littlebee.core.errors import NotFound, PermissionDenied

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def _visible(user: object) -> set[int]:
    return set(selectors.cases_visible_to(user).values_list("pk", flat=True))  # type: ignore[arg-type]


def test_another_organisations_handler_gets_404(w: World) -> None:
    case = open_case(w)
    assert case.pk not in _visible(w.other_handler)
    with pytest.raises(NotFound):
        selectors.case_for_actor(w.other_handler, case.pk)
    with pytest.raises(NotFound):
        services.case_accept(case_id=case.pk, actor=w.other_handler)


def test_the_forwarded_organisation_sees_and_acts_and_the_sender_only_looks(w: World) -> None:
    # given a case forwarded from the community to the traffic police
    case = open_case(w)
    assert case.pk not in _visible(w.police_handler)
    services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police, note="交警")

    # then the police see it and may accept it
    assert case.pk in _visible(w.police_handler)
    services.case_accept(case_id=case.pk, actor=w.police_handler)
    # and the community still sees it, but may no longer act on it
    assert case.pk in _visible(w.community_handler)
    with pytest.raises(PermissionDenied):
        services.case_start(case_id=case.pk, actor=w.community_handler)


def test_the_reporter_sees_his_case_but_may_not_act_as_staff(w: World) -> None:
    reporter = worker()
    case = open_case(w, reporter=reporter)
    assert case.pk in _visible(reporter)
    assert [c.pk for c in selectors.cases_of_reporter(reporter)] == [case.pk]
    with pytest.raises(PermissionDenied):
        services.case_accept(case_id=case.pk, actor=reporter)
    # and another worker does not see it at all
    assert case.pk not in _visible(worker())


def test_followers_see_the_case_they_follow(w: World) -> None:
    case = open_case(w)
    fan = worker()
    services.case_follow(case_id=case.pk, user=fan)
    assert case.pk in _visible(fan)


def test_city_admins_see_everything_but_confidential_cases(w: World) -> None:
    public = open_case(w)
    open_case(w, confidential=True)
    assert _visible(w.city_admin) == {public.pk}


def test_a_confidential_case_is_seen_only_by_the_office_holding_it_and_the_reporter(w: World) -> None:
    reporter = worker()
    secret = open_case(w, reporter=reporter, confidential=True, organisation=w.traffic_police)
    assert secret.pk in _visible(w.police_handler)
    assert secret.pk in _visible(reporter)
    assert secret.pk not in _visible(w.community_handler)
    # forwarded on: the office it left no longer sees it
    security = staff(w.other_community_org)
    services.case_forward(case_id=secret.pk, actor=w.police_handler, to_org=w.other_community_org, note="转")
    assert secret.pk not in _visible(w.police_handler)
    assert secret.pk in _visible(security)


def test_an_escalated_case_is_seen_by_the_parent_and_still_by_the_community(w: World) -> None:
    from datetime import timedelta

    from .factories import WORKING_MORNING

    case = open_case(w)
    street_handler = staff(w.street_org)
    assert case.pk not in _visible(street_handler)
    services.cases_escalate_overdue(now=WORKING_MORNING + timedelta(days=5))
    assert case.pk in _visible(street_handler)
    assert case.pk in _visible(w.community_handler)


def test_queues(w: World) -> None:
    mine = open_case(w)
    urgent = open_case(w, urgent=True)
    elsewhere = open_case(w, region=w.other_community)
    services.case_assign(case_id=mine.pk, actor=w.community_handler, handler=w.community_handler)
    h = w.community_handler

    assert {c.pk for c in selectors.cases_queue(h, "mine")} == {mine.pk, urgent.pk}
    assert [c.pk for c in selectors.cases_queue(h, "assigned")] == [mine.pk]
    assert [c.pk for c in selectors.cases_queue(h, "urgent")] == [urgent.pk]
    assert list(selectors.cases_queue(h, "overdue")) == []
    assert [c.pk for c in selectors.cases_queue(h, "mine", status=CaseStatus.SUBMITTED, kind="appeal")] == []
    assert {c.pk for c in selectors.cases_queue(w.city_admin, "all")} == {mine.pk, urgent.pk, elsewhere.pk}
    assert list(selectors.cases_queue(w.city_admin, "mine")) == []


def test_no_such_case_is_404_for_a_staff_action_and_for_feedback(w: World) -> None:
    with pytest.raises(NotFound):
        services.case_accept(case_id=999_999, actor=w.community_handler)
    with pytest.raises(NotFound):
        services.case_feedback(case_id=999_999, worker=worker(), rating=5, resolved=True)


def test_the_holders_staff_and_the_reporter_act_without_the_whole_visibility_rule(w: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a case at the community, reported by a worker
    reporter = worker()
    case = open_case(w, reporter=reporter)

    # when its handler moves it along and its reporter rates it
    with CaptureQueriesContext(connection) as staff_action:
        services.case_accept(case_id=case.pk, actor=w.community_handler)
    services.case_start(case_id=case.pk, actor=w.community_handler)
    services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已处理")
    with CaptureQueriesContext(connection) as feedback:
        services.case_feedback(case_id=case.pk, worker=reporter, rating=5, resolved=True)

    # then neither asked the rule's other branches (followers, offices passed through): the row
    # they locked says they may see it (before, every action evaluated the whole rule first)
    for captured in (staff_action, feedback):
        assert not [q for q in captured.captured_queries if "cases_casefollower" in q["sql"]]
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
