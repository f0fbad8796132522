"""Every staff queue, in the API and on the console, goes through cases_visible_to: a handler
whose membership has ended sees nothing of his old cases, though they still name him."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import Membership, User
from littlebee.accounts.services import membership_revoke
from littlebee.accounts.tests.factories import MembershipFactory
from littlebee.cases import selectors, services
from littlebee.cases.models import Case

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db

QUEUES = ("mine", "assigned", "overdue", "urgent", "all")


@pytest.fixture
def w() -> World:
    return world()


def _old_case(w: World) -> Case:
    """An urgent, overdue case of the community, assigned to its handler."""
    case = open_case(w, urgent=True)
    services.case_assign(case_id=case.pk, actor=w.community_handler, handler=w.community_handler)
    Case.objects.filter(pk=case.pk).update(overdue=True)
    return case


def _leave_community(w: World) -> User:
    """The community's handler moves to the other community: his old post is revoked."""
    handler = w.community_handler
    MembershipFactory(user=handler, organisation=w.other_community_org)
    membership_revoke(membership=Membership.objects.get(user=handler, organisation=w.community_org))
    return handler


def _page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_queue_lists_the_case_while_the_membership_lasts(w: World, api_as: Any) -> None:
    # given an urgent, overdue case assigned to the community's handler
    case = _old_case(w)

    # then every queue shows it to him, in the API and on the console
    client, page = api_as(w.community_handler), _page_client(w.community_handler)
    for queue in QUEUES:
        assert [c["id"] for c in client.get("/cases", {"queue": queue}).json()["items"]] == [case.pk], queue
        assert case.pk in [row["case"].pk for row in page.get("/staff/cases/", {"queue": queue}).context["rows"]]


def test_a_handler_who_moved_on_sees_nothing_of_his_old_cases(w: World, api_as: Any) -> None:
    # given an urgent, overdue case assigned to the community's handler
    case = _old_case(w)

    # when his membership of the community ends (he now works for another community)
    handler = _leave_community(w)

    # then no queue of the API lists the case, and it answers 404
    client = api_as(handler)
    for queue in QUEUES:
        body = client.get("/cases", {"queue": queue}).json()
        assert body == {"count": 0, "count_capped": False, "items": []}, queue
        assert list(selectors.cases_queue(handler, queue)) == [], queue
    assert client.get(f"/cases/{case.pk}").status_code == 404
    assert client.post(f"/cases/{case.pk}/actions", {"action": "accept"}).status_code == 404

    # and no tab of the console lists it, and its page answers 404
    page = _page_client(handler)
    for queue in QUEUES:
        response = page.get("/staff/cases/", {"queue": queue})
        assert response.status_code == 200
        assert response.context["rows"] == [], queue
    assert page.get("/staff/cases/", {"queue": "assigned", "q": str(case.pk)}).context["rows"] == []
    assert page.get(f"/staff/cases/{case.pk}/").status_code == 404


def test_a_handler_with_no_post_left_sees_no_case(w: World, api_as: Any) -> None:
    # given a case assigned to the community's handler
    case = _old_case(w)

    # when his only membership ends
    handler = w.community_handler
    membership_revoke(membership=Membership.objects.get(user=handler))

    # then the API lists nothing in any queue, the case answers 404, and the console is closed
    client = api_as(handler)
    for queue in QUEUES:
        assert client.get("/cases", {"queue": queue}).json()["count"] == 0, queue
    assert client.get(f"/cases/{case.pk}").status_code == 404
    assert _page_client(handler).get("/staff/cases/", {"queue": "assigned"}).status_code == 403


def test_the_assigned_queue_leaves_out_a_case_forwarded_away(w: World, api_as: Any) -> None:
    # given a case assigned to the community's handler, forwarded to the traffic police
    case = _old_case(w)
    services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police, note="交警")

    # then it is no longer work of his: not in "assigned", only (read-only) in "all"
    client = api_as(w.community_handler)
    assert client.get("/cases", {"queue": "assigned"}).json()["count"] == 0
    assert [c["id"] for c in client.get("/cases", {"queue": "all"}).json()["items"]] == [case.pk]
