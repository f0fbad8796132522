"""Who sees a reporter's phone number in full (selectors.reporter_phone_for): the staff of the
office holding the open case; everyone else who sees the case gets 138****0001."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import User
from littlebee.accounts.tests.factories import worker
from littlebee.cases import selectors, services
from littlebee.cases.models import Case

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db

PHONE = "13800000001"
MASKED = "138****0001"


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
def case(w: World) -> Case:
    reporter = worker(user__phone=PHONE)
    return open_case(w, reporter=reporter)


def _page(user: User, case: Case) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_office_holding_the_open_case_sees_the_full_number(w: World, case: Case, api_as: Any) -> None:
    # given a case sitting with the community, open
    client = api_as(w.community_handler)

    # then its handler gets the full number in the list, on the case and on the page (to call)
    assert client.get("/cases").json()["items"][0]["reporter_phone"] == PHONE
    assert client.get(f"/cases/{case.pk}").json()["reporter_phone"] == PHONE
    page = _page(w.community_handler, case)
    assert f'href="tel:{PHONE}"' in page


def test_a_city_admin_looking_on_sees_it_masked(w: World, case: Case, api_as: Any) -> None:
    client = api_as(w.city_admin)
    assert client.get("/cases", {"queue": "all"}).json()["items"][0]["reporter_phone"] == MASKED
    assert client.get(f"/cases/{case.pk}").json()["reporter_phone"] == MASKED
    page = _page(w.city_admin, case)
    assert MASKED in page and PHONE not in page


def test_the_office_it_passed_through_sees_it_masked_and_the_new_holder_in_full(
    w: World, case: Case, api_as: Any
) -> None:
    # given the community forwarded the case to the traffic police
    services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police, note="交警")

    # then the community sees the number masked, the police in full
    assert api_as(w.community_handler).get(f"/cases/{case.pk}").json()["reporter_phone"] == MASKED
    assert PHONE not in _page(w.community_handler, case)
    assert api_as(w.police_handler).get(f"/cases/{case.pk}").json()["reporter_phone"] == PHONE


def test_once_the_case_is_done_even_its_holder_sees_it_masked(w: World, case: Case, api_as: Any) -> None:
    # given the community accepted and resolved the case
    services.case_accept(case_id=case.pk, actor=w.community_handler)
    services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已清理")

    # then the number is no longer needed: masked
    assert api_as(w.community_handler).get(f"/cases/{case.pk}").json()["reporter_phone"] == MASKED
    assert PHONE not in _page(w.community_handler, case)


def test_the_rule_itself_both_ways(w: World, case: Case) -> None:
    assert selectors.reporter_phone_for(case, w.community_handler) == PHONE
    assert selectors.reporter_phone_for(case, w.city_admin) == MASKED
    assert selectors.reporter_phone_for(case, w.other_handler) == MASKED
