"""GET /tasks and the tasks page with open=true (the default): a task with a free place, and a
full one whose waiting list has room (shown as 候补); a task full on both counts only with
open=false."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.conftest import client_for

from .conftest import Scene
from .factories import LAT, LNG, a_task

pytestmark = pytest.mark.django_db


def _three(scene: Scene) -> tuple[Any, Any, Any]:
    org = scene.community_org
    free = a_task(organiser=org, title="有名额", slots=2, claimed_count=1)
    waitlist = a_task(organiser=org, title="可候补", slots=2, claimed_count=2, waitlist_slots=3, waitlisted_count=1)
    full = a_task(organiser=org, title="候补已满", slots=2, claimed_count=2, waitlist_slots=1, waitlisted_count=1)
    return free, waitlist, full


def test_open_tasks_include_full_ones_with_room_on_the_waiting_list(
    api_as: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given
    _three(scene)
    client = api_as(scene.worker)
    client.get("/tasks")

    # when
    with django_assert_max_num_queries(3):  # the token, the rows, the caller's claims
        default = client.get("/tasks").json()
    near = client.get("/tasks", {"lat": LAT, "lng": LNG}).json()
    everything = client.get("/tasks", {"open": "false"}).json()

    # then
    assert {i["title"]: i["availability"] for i in default["items"]} == {"有名额": "open", "可候补": "waitlist"}
    assert default["count"] == 2
    assert {i["title"] for i in near["items"]} == {"有名额", "可候补"}
    assert {i["title"]: i["availability"] for i in everything["items"]} == {
        "有名额": "open",
        "可候补": "waitlist",
        "候补已满": "full",
    }


def test_claiming_a_listed_full_task_puts_the_worker_on_the_waiting_list(api_as: Any, scene: Scene) -> None:
    # given
    _free, waitlist, _full = _three(scene)

    # when
    response = api_as(scene.worker).post(f"/tasks/{waitlist.pk}/claims")

    # then
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"


def test_the_tasks_page_shows_the_waiting_list_state(scene: Scene) -> None:
    # given
    _three(scene)

    # when
    page = client_for(scene.worker).get("/volunteering/").content.decode()
    english = client_for(scene.worker).get("/volunteering/", headers={"accept-language": "en"}).content.decode()

    # then
    assert "有名额" in page and "可候补" in page and "候补已满" not in page
    assert page.count('data-availability="waitlist"') == 1
    assert "名额已满，可候补" in page
    assert "Full: join the waiting list" in english
