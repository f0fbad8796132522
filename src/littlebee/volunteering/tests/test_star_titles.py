"""Star levels at 100, 300, 600, 1,000 and 1,500 certified hours are titles (一星志愿者 … 五星志愿者),
shown on the worker's hours page, on the profile page and in GET /me/volunteering, in Chinese
and in English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.accounts.tests.factories import worker
from littlebee.conftest import client_for
from littlebee.volunteering import selectors
from littlebee.volunteering.models import Claim, ClaimStatus, ServiceRecord

from .conftest import Scene
from .factories import a_task

pytestmark = pytest.mark.django_db


def _served(scene: Scene, person: User, hours: float) -> None:
    """One certified record of that many hours (an approved claim behind it)."""
    task = a_task(organiser=scene.community_org, starts_at=timezone.now(), points=0)
    claim = Claim.objects.create(task=task, worker=person, status=ClaimStatus.APPROVED)
    ServiceRecord.objects.create(
        claim=claim,
        worker=person,
        task_title=task.title,
        category=task.category,
        organiser=scene.community_org,
        address=task.address,
        started_at=task.starts_at,
        ended_at=task.ends_at,
        minutes=int(hours * 60),
        recorder=scene.handler,
        recorded_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("hours", "star", "title"),
    [
        (99.9, 0, None),
        (100, 1, "一星志愿者"),
        (299, 1, "一星志愿者"),
        (300, 2, "二星志愿者"),
        (600, 3, "三星志愿者"),
        (1_000, 4, "四星志愿者"),
        (1_499, 4, "四星志愿者"),
        (1_500, 5, "五星志愿者"),
        (9_000, 5, "五星志愿者"),
    ],
)
def test_the_star_title_of_certified_hours(hours: float, star: int, title: str | None) -> None:
    assert selectors.star_of(hours) == star
    assert selectors.star_title(star) == title


def test_the_hours_page_shows_the_title_and_the_next_one(scene: Scene) -> None:
    # given 320 certified hours
    _served(scene, scene.worker, 320)

    # when
    page = client_for(scene.worker).get("/volunteering/hours/").content.decode()

    # then
    assert "二星志愿者" in page
    assert "★★☆☆☆" in page
    assert "再服务 280.0 小时成为三星志愿者" in page


def test_the_hours_page_in_english(scene: Scene) -> None:
    # given
    _served(scene, scene.worker, 1_000)

    # when
    page = client_for(scene.worker).get("/volunteering/hours/", headers={"accept-language": "en"}).content.decode()

    # then
    assert "Four-star volunteer" in page
    assert "500.0 more hours to the next title: Five-star volunteer" in page


def test_under_100_hours_no_title_only_the_way_to_the_first(scene: Scene) -> None:
    # given
    _served(scene, scene.worker, 40)

    # when
    page = client_for(scene.worker).get("/volunteering/hours/").content.decode()

    # then
    assert "data-star-title" not in page
    assert "再服务 60.0 小时成为一星志愿者" in page


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "三星志愿者"), ("en", "Three-star volunteer")])
def test_the_profile_page_shows_the_title(scene: Scene, language: str, title: str) -> None:
    # given
    _served(scene, scene.worker, 650)

    # when
    page = client_for(scene.worker).get("/me/", headers={"accept-language": language}).content.decode()

    # then
    assert title in page
    assert "650.0" in page
    assert 'href="/volunteering/hours/"' in page


def test_the_api_answers_with_the_title(api_as: Any, scene: Scene) -> None:
    # given
    _served(scene, scene.worker, 1_500)

    # when
    zh = api_as(scene.worker).get("/me/volunteering").json()
    en = api_as(scene.worker, language="en").get("/me/volunteering").json()
    nobody = api_as(scene.handler).get("/me/volunteering").json()

    # then
    assert (zh["star"], zh["title"], zh["hours_total"]) == (5, "五星志愿者", 1500.0)
    assert en["title"] == "Five-star volunteer"
    assert (nobody["star"], nobody["title"]) == (0, None)


def test_get_me_carries_the_star_title_in_its_one_statement(
    api_as: Any, scene: Scene, django_assert_num_queries: Any
) -> None:
    # given a worker with 320 certified hours over two records, one with 40, and a staff member
    _served(scene, scene.worker, 300)
    _served(scene, scene.worker, 20)
    newcomer = worker(community=scene.city.community)
    _served(scene, newcomer, 40)
    zh, en = api_as(scene.worker), api_as(scene.worker, language="en")
    zh.get("/me")

    # when
    with django_assert_num_queries(1):  # GET /me by token: the token and the account in one statement
        answer = zh.get("/me").json()
    english = en.get("/me").json()

    # then the title of the hours, in the reader's language; none under 100 hours, none for staff
    assert answer["volunteer_title"] == "二星志愿者"
    assert english["volunteer_title"] == "Two-star volunteer"
    assert api_as(newcomer).get("/me").json()["volunteer_title"] is None
    assert api_as(scene.handler).get("/me").json()["volunteer_title"] is None
