"""Leaderboards show 张* unless the worker opts in to their full name (API and page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from littlebee.points import selectors
from littlebee.points.models import PointsAccount

from .factories import Town, earn, logged_in, rider

pytestmark = pytest.mark.django_db


def _names(client: Any) -> list[str]:
    return [r["name"] for r in client.get("/points/leaderboard").json()["items"]]


def test_names_are_masked_by_default(api_as: Any, town: Town) -> None:
    # given two riders of one community with points, neither having chosen anything
    zhang = rider(town, name="张三丰")
    li = rider(town, name="李四")
    earn(zhang, 50, "a")
    earn(li, 20, "b")

    # then the board names neither in full, not even the length of the name
    assert _names(api_as(li)) == ["张*", "李*"]
    page = logged_in(li).get(reverse("points:leaderboard")).content.decode()
    assert "张三丰" not in page and "李四" not in page


def test_a_worker_who_opts_in_is_named_in_full(api_as: Any, town: Town) -> None:
    # given
    zhang = rider(town, name="张三丰")
    li = rider(town, name="李四")
    earn(zhang, 50, "a")
    earn(li, 20, "b")
    client = api_as(zhang)
    assert client.get("/me/points-privacy").json() == {"hide_from_boards": False, "show_name_on_boards": False}

    # when Zhang opts in over the API
    response = client.put("/me/points-privacy", {"show_name_on_boards": True})

    # then he is named in full, Li still masked; his hiding setting is left as it was
    assert response.status_code == 200
    assert response.json() == {"hide_from_boards": False, "show_name_on_boards": True}
    assert _names(api_as(li)) == ["张三丰", "李*"]
    assert client.get("/points/leaderboard").json()["me"]["show_name"] is True

    # and opting out again masks him
    client.put("/me/points-privacy", {"show_name_on_boards": False})
    assert _names(api_as(li)) == ["张*", "李*"]


def test_the_page_toggle_names_the_worker_in_full(town: Town) -> None:
    # given
    zhang = rider(town, name="张三丰")
    li = rider(town, name="李四")
    earn(zhang, 50, "a")

    # when Zhang ticks "在排行榜显示我的全名" on the leaderboard page
    response = logged_in(zhang).post(
        reverse("points:privacy"), {"show_name_on_boards": "on", "scope": "community", "period": "week"}
    )

    # then
    assert response.status_code == 302
    account = PointsAccount.objects.get(worker=zhang)
    assert (account.show_name_on_boards, account.hide_from_boards) == (True, False)
    assert "张三丰" in logged_in(li).get(reverse("points:leaderboard")).content.decode()


def test_bad_values_are_refused_and_change_nothing(api_as: Any, town: Town) -> None:
    zhang = rider(town, name="张三丰")
    response = api_as(zhang).put("/me/points-privacy", {"show_name_on_boards": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "show_name_on_boards"
    assert not PointsAccount.objects.filter(worker=zhang, show_name_on_boards=True).exists()


def test_the_board_costs_one_query_whatever_its_length(town: Town) -> None:
    for i in range(3):
        earn(rider(town, name=f"王{i}"), 10 + i, f"few:{i}")
    with CaptureQueriesContext(connection) as few:
        selectors.leaderboard(scope="community", scope_id=town.community.pk, period="week")
    for i in range(15):
        worker = rider(town, name=f"赵{i}")
        earn(worker, 30 + i, f"many:{i}")
        if i % 2:
            PointsAccount.objects.filter(worker=worker).update(show_name_on_boards=True)
    with CaptureQueriesContext(connection) as many:
        rows = selectors.leaderboard(scope="community", scope_id=town.community.pk, period="week")
    assert len(rows) == 18
    assert len(few.captured_queries) == len(many.captured_queries) == 1


def test_masked_name() -> None:
    assert selectors.masked_name("张三") == "张*"
    assert selectors.masked_name(" 欧阳娜娜 ") == "欧*"
    assert selectors.masked_name("") == "*"
