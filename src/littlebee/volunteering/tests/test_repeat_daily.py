"""A task repeated every day (a standing duty): published once with its last day, and the
periodic job publishes each day's copy, today's and tomorrow's, once, within the budget."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.volunteering import selectors, services
from littlebee.volunteering.models import Task, TaskStatus
from littlebee.volunteering.tasks import volunteering_close_ended

from .conftest import Scene
from .factories import LAT, LNG, a_task

pytestmark = pytest.mark.django_db


def _at(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def _duty(scene: Scene, **fields: Any) -> Task:
    """A duty from 08:00 to 20:00, first today, every day for a week."""
    values: dict[str, Any] = {
        "organiser": scene.community_org,
        "starts_at": _at(0, 8),
        "ends_at": _at(0, 20),
        "repeats_until": timezone.localdate() + timedelta(days=7),
        "points": 0,
        **fields,
    }
    return a_task(**values)


def test_an_organiser_publishes_a_daily_task(api_as: Any, scene: Scene) -> None:
    # given
    start = timezone.now() + timedelta(hours=1)
    until = timezone.localdate(start) + timedelta(days=30)
    body = {
        "title": "驿站值守",
        "kind": "volunteer",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "lat": LAT,
        "lng": LNG,
        "address": "西厂口社区",
        "slots": 2,
        "repeats_until": until.isoformat(),
    }

    # when
    response = api_as(scene.handler).post("/tasks", body)
    too_long = api_as(scene.handler).post("/tasks", {**body, "repeats_until": str(until + timedelta(days=61))})

    # then
    assert response.status_code == 201, response.content
    assert response.json()["repeats_until"] == until.isoformat()
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "repeats_until"
    assert Task.objects.count() == 1


def test_the_job_publishes_today_and_tomorrow_once(scene: Scene) -> None:
    # given a duty published three days ago, the job never run since
    duty = _duty(scene, starts_at=_at(-3, 8), ends_at=_at(-3, 20))
    now = _at(0, 9)

    # when the job runs, twice
    made = services.tasks_repeat_daily(now)
    again = services.tasks_repeat_daily(now)

    # then today's copy runs now, tomorrow's is there to claim, and nothing doubled
    assert (made, again) == (2, 0)
    copies = list(Task.objects.filter(repeat_of=duty).order_by("starts_at"))
    assert [(c.starts_at, c.ends_at) for c in copies] == [(_at(0, 8), _at(0, 20)), (_at(1, 8), _at(1, 20))]
    today = copies[0]
    assert (today.title, today.slots, today.claimed_count, today.status) == (duty.title, duty.slots, 0, "published")
    assert today.repeats_until is None
    assert today.pk in [h.task.pk for h in selectors.tasks_search(now=now)]


def test_the_series_ends_on_its_last_day_and_when_cancelled(scene: Scene) -> None:
    # given a duty whose last day is today, and one cancelled
    last_today = _duty(scene, starts_at=_at(-2, 8), ends_at=_at(-2, 20), repeats_until=timezone.localdate())
    cancelled = _duty(scene, starts_at=_at(-2, 8), ends_at=_at(-2, 20))
    services.task_cancel(task_id=cancelled.pk, actor=scene.handler)

    # when
    services.tasks_repeat_daily(_at(0, 6))

    # then only today's copy of the first, nothing of the cancelled one
    assert list(Task.objects.filter(repeat_of=last_today).values_list("starts_at", flat=True)) == [_at(0, 8)]
    assert not Task.objects.filter(repeat_of=cancelled).exists()


def test_a_copy_the_budget_no_longer_covers_is_not_published(scene: Scene) -> None:
    # given a 20-point duty with 2 places (40 a day) and 60 points left this month
    scene.permission.monthly_budget = 100
    scene.permission.save()
    now = _at(0, 6)
    if timezone.localdate(now).day >= 27:  # keep today and tomorrow in one month
        now = now - timedelta(days=5)
    start = now.replace(hour=8) - timedelta(days=1)
    duty = _duty(scene, starts_at=start, ends_at=start + timedelta(hours=12), points=20)

    # when
    made = services.tasks_repeat_daily(now)

    # then today's copy (40 more: 80 of 100) is published, tomorrow's (120) is not
    assert made == 1
    assert Task.objects.filter(repeat_of=duty).count() == 1


def test_the_periodic_task_runs_the_job(scene: Scene) -> None:
    # given
    _duty(scene, starts_at=_at(-1, 8), ends_at=_at(-1, 20))

    # when
    made = volunteering_close_ended.apply().get()["repeated"]

    # then
    assert made >= 1
    assert Task.objects.filter(repeat_of__isnull=False, status=TaskStatus.PUBLISHED).count() == made
