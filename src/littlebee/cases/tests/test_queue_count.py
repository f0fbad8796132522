"""Staff lists don't count a city's whole history (issue 13 item 6): the count stops at
selectors.COUNT_CAP and says so, in the API and on the console; below the cap it is exact."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.cases import selectors
from littlebee.conftest import client_for

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    city = world()
    for _ in range(5):
        open_case(city)
    return city


def test_a_list_longer_than_the_cap_answers_the_cap_and_says_so(
    w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cap of 3 and five cases in the city
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)

    # when the city admin reads the city-wide queue two at a time
    with CaptureQueriesContext(connection) as statements:
        response = api_as(w.city_admin).get("/cases", {"queue": "all", "limit": 2})

    # then the count stops at the cap, flagged, while the page lists its two
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (3, True, 2)
    # and the count read at most cap + 1 rows
    counts = [q["sql"] for q in statements.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 4" in counts[0]


def test_a_first_page_shorter_than_the_cap_is_its_own_count_even_over_the_cap(
    w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cap of 3 and five cases in the city
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)

    # when the city admin reads the city-wide queue, 20 a page
    with CaptureQueriesContext(connection) as statements:
        body = api_as(w.city_admin).get("/cases", {"queue": "all"}).json()

    # then the page lists all five and the count still says the cap, flagged, without a count query
    assert (body["count"], body["count_capped"], len(body["items"])) == (3, True, 5)
    assert not [q for q in statements.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("limit", "offset", "expected", "counted"),
    [
        (2, 0, 5, True),  # a full first page: more may follow, counted
        (2, 4, 5, False),  # a short later page ends the list: offset + its rows
        (2, 6, 5, True),  # past the end: nothing on the page tells, counted
        (5, 0, 5, True),  # exactly full: counted
        (6, 0, 5, False),  # short first page
    ],
)
def test_the_count_is_read_only_when_the_page_does_not_tell_it(
    w: World, api_as: Any, limit: int, offset: int, expected: int, counted: bool
) -> None:
    # when the community's handler reads a page of their five
    client = api_as(w.community_handler)
    with CaptureQueriesContext(connection) as statements:
        body = client.get("/cases", {"queue": "mine", "limit": limit, "offset": offset}).json()

    # then the count is right either way, and read only where needed
    assert (body["count"], body["count_capped"]) == (expected, False)
    assert bool([q for q in statements.captured_queries if "COUNT(" in q["sql"].upper()]) is counted


def test_below_the_cap_the_count_is_exact(w: World, api_as: Any) -> None:
    # when the community's handler reads their queue
    body = api_as(w.community_handler).get("/cases", {"queue": "mine"}).json()

    # then the count is every case, not capped
    assert (body["count"], body["count_capped"], len(body["items"])) == (5, False, 5)


def test_the_console_says_there_are_more_than_the_cap(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a cap of 3
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)

    # when the city admin opens the city-wide queue, and the community's handler theirs uncapped
    capped = client_for(w.city_admin).get("/staff/cases/", {"queue": "all"})
    monkeypatch.setattr(selectors, "COUNT_CAP", 1000)
    exact = client_for(w.community_handler).get("/staff/cases/", {"queue": "mine"})

    # then the first says "more than 3", the second the exact number
    assert capped.status_code == 200 and "超过 3 件" in capped.content.decode()
    assert exact.status_code == 200 and "共 5 件" in exact.content.decode()
