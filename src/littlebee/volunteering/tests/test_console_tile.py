"""The staff console's tile for organisers: claims waiting for review, corrections asked, tasks
today; only for those who publish tasks, counting only their organisation's tasks."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.orgs.tests.factories import EnterpriseFactory, PartyOrgFactory
from littlebee.volunteering import selectors
from littlebee.volunteering.models import Claim, ClaimStatus, RecordCorrection, ServiceRecord, Task

from .conftest import Scene
from .factories import a_task

pytestmark = pytest.mark.django_db


def _checked_out(task: Task, person: User) -> Claim:
    claim: Any = Claim.objects.create(
        task=task,
        worker=person,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=task.starts_at,
        checked_out_at=task.ends_at,
        presence_minutes=60,
        minutes=60,
    )
    return claim


def _tile(page: str) -> str:
    found = re.search(r'<a class="tile" href="/volunteering/manage/" data-tile="volunteering">(.*?)</a>', page, re.S)
    assert found is not None, "no volunteering tile"
    return found.group(1)


def test_the_organisers_tile_counts_what_waits_and_todays_tasks(
    scene: Scene, django_assert_num_queries: Any, django_assert_max_num_queries: Any
) -> None:
    # given two claims waiting for review and one correction on the community's tasks, a task
    # today (plus the ended one, today too if not just after midnight), one tomorrow
    now = timezone.now()
    ended = a_task(organiser=scene.community_org, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    _checked_out(ended, worker())
    approved = _checked_out(ended, scene.worker)
    Claim.objects.filter(pk=approved.pk).update(status=ClaimStatus.APPROVED)
    record = ServiceRecord.objects.create(
        claim=approved,
        worker=scene.worker,
        task_title=ended.title,
        category=ended.category,
        organiser=scene.community_org,
        address=ended.address,
        started_at=ended.starts_at,
        ended_at=ended.ends_at,
        minutes=60,
        recorder=scene.handler,
        recorded_at=now,
    )
    RecordCorrection.objects.create(record=record, requested_by=scene.worker, reason="少算了", minutes_asked=55)
    _checked_out(ended, worker())
    a_task(organiser=scene.community_org, starts_at=now + timedelta(minutes=10))
    a_task(organiser=scene.community_org, starts_at=now + timedelta(days=1))
    # and another organisation's waiting claim, which is not theirs
    _checked_out(a_task(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)), worker())
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = Task.objects.filter(
        organiser=scene.community_org, starts_at__gte=day, starts_at__lt=day + timedelta(days=1)
    ).count()
    client = client_for(scene.handler)
    client.get("/staff/")

    # when
    with django_assert_num_queries(3):  # the tile's part: whatever the number of tasks and claims
        selectors.organiser_counts(scene.handler)
    with django_assert_max_num_queries(15):
        page = client.get("/staff/").content.decode()

    # then
    tile = _tile(page)
    assert '<span class="tile__value">2</span>' in tile
    assert f"更正申请待答复 1 条，今日任务 {today} 个" in tile


def test_the_tile_in_english(scene: Scene) -> None:
    # when
    page = client_for(scene.handler).get("/staff/", headers={"accept-language": "en"}).content.decode()

    # then
    tile = _tile(page)
    assert "Volunteer tasks" in tile
    assert "claims awaiting review; 0 corrections to answer, 0 tasks today" in tile


def test_staff_who_publish_no_tasks_see_no_tile() -> None:
    # given a handler of an enterprise (enterprises do not publish tasks) and a worker
    enterprise_staff = staff(EnterpriseFactory(), role=Role.HANDLER)
    party_staff = staff(PartyOrgFactory(), role=Role.HANDLER)

    # when
    refused = client_for(enterprise_staff).get("/staff/").content.decode()
    shown = client_for(party_staff).get("/staff/").content.decode()

    # then
    assert 'data-tile="volunteering"' not in refused
    assert 'data-tile="volunteering"' in shown
