"""Moved up from a waiting list: the inbox always, and a text message when the worker allowed it
(GET/PUT /me/volunteering/settings, or the box on my tasks page), in the worker's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import client_for
from littlebee.notifications.models import Notification
from littlebee.volunteering import services
from littlebee.volunteering.models import ClaimStatus, VolunteerSettings

from .conftest import Scene
from .factories import a_task

pytestmark = pytest.mark.django_db


def _promote(scene: Scene, waiting: Any) -> None:
    """A one-place task held by the scene's worker, `waiting` on its waiting list; the holder
    cancels, the place goes to `waiting`, and what is sent after commit is sent."""
    task = a_task(organiser=scene.community_org, slots=1, waitlist_slots=1, title="助老送餐")
    held = services.claim_create(task_id=task.pk, worker=scene.worker)
    queued = services.claim_create(task_id=task.pk, worker=waiting)
    assert queued.status == ClaimStatus.WAITLISTED
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.claim_cancel(claim_id=held.pk, worker=scene.worker)
    queued.refresh_from_db()
    assert queued.status == ClaimStatus.CLAIMED


def test_a_worker_who_allowed_it_gets_a_text_besides_the_inbox(scene: Scene, sms_outbox: list[Any]) -> None:
    # given
    waiting = worker(community=scene.city.community, user__phone="13712345678")
    services.volunteer_settings_set(worker=waiting, sms_on_promotion=True)

    # when
    _promote(scene, waiting)

    # then
    assert [m.phone for m in sms_outbox] == ["13712345678"]
    assert "您候补的志愿任务“助老送餐”" in sms_outbox[0].message
    assert "您已转为正式认领" in sms_outbox[0].message
    assert Notification.objects.filter(recipient=waiting, kind="task_promoted").count() == 1


def test_without_the_workers_leave_only_the_inbox(scene: Scene, sms_outbox: list[Any]) -> None:
    # given one who never chose, and one who turned it off again
    never = worker(community=scene.city.community)
    _promote(scene, never)
    off = worker(community=scene.city.community)
    services.volunteer_settings_set(worker=off, sms_on_promotion=True)
    services.volunteer_settings_set(worker=off, sms_on_promotion=False)

    # when
    _promote(scene, off)

    # then
    assert sms_outbox == []
    assert Notification.objects.filter(kind="task_promoted").count() == 2


def test_the_text_is_in_the_workers_language(scene: Scene, sms_outbox: list[Any]) -> None:
    # given
    waiting = worker(community=scene.city.community, user__language="en")
    services.volunteer_settings_set(worker=waiting, sms_on_promotion=True)

    # when
    _promote(scene, waiting)

    # then
    assert len(sms_outbox) == 1
    assert sms_outbox[0].message.startswith("[Little Bee] A place opened on the volunteer task “助老送餐”")


def test_the_setting_through_the_api(api_as: Any, scene: Scene) -> None:
    # given
    client = api_as(scene.worker)

    # when
    before = client.get("/me/volunteering/settings").json()
    put = client.put("/me/volunteering/settings", {"sms_on_promotion": True})
    after = client.get("/me/volunteering/settings").json()
    bad = client.put("/me/volunteering/settings", {"sms_on_promotion": "maybe"})

    # then
    assert before == {"sms_on_promotion": False}
    assert put.status_code == 200 and put.json() == {"sms_on_promotion": True}
    assert after == {"sms_on_promotion": True}
    assert bad.status_code == 400
    assert VolunteerSettings.objects.get(worker=scene.worker).sms_on_promotion is True


def test_staff_without_a_worker_profile_are_refused(api_as: Any, scene: Scene) -> None:
    # when
    response = api_as(scene.handler).put("/me/volunteering/settings", {"sms_on_promotion": True})

    # then
    assert response.status_code == 403
    assert response.json()["detail"] == "只有注册报到的新就业群体可以设置志愿服务通知。"
    assert not VolunteerSettings.objects.exists()


def test_the_setting_on_my_tasks_page(scene: Scene) -> None:
    # given
    client = client_for(scene.worker)

    # when
    page = client.get("/volunteering/mine/").content.decode()
    saved = client.post("/volunteering/mine/settings/", {"sms_on_promotion": "on"}, follow=True)
    cleared = client.post("/volunteering/mine/settings/", {}, follow=True)

    # then
    assert 'name="sms_on_promotion"' in page and " checked" not in page.split('name="sms_on_promotion"')[1][:30]
    assert "通知设置已保存。" in saved.content.decode()
    assert 'id="sms-on-promotion" checked' in saved.content.decode()
    assert 'id="sms-on-promotion" checked' not in cleared.content.decode()
    assert VolunteerSettings.objects.get(worker=scene.worker).sms_on_promotion is False
