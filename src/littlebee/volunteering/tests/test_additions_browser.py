"""On a phone: a task that requires a passed learning item refuses the claim and links to the
item; the list shows a full task with room on its waiting list; the hours page and the profile
show the star title; my tasks offers the text-message setting; the organiser's console tile."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from littlebee.conftest import log_in
from littlebee.learning.tests.factories import article
from littlebee.volunteering.models import Claim, ClaimStatus, ServiceRecord

from .conftest import Scene
from .factories import a_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requirement_waitlist_title_setting_and_tile_on_a_phone(
    new_phone_page: Any, screenshot: Any, scene: Scene
) -> None:
    # given a hazard patrol that needs fire-safety training, a full task with waiting-list room,
    # and 320 certified hours
    training = article(title="消防安全培训", title_en="Fire-safety training")
    patrol = a_task(organiser=scene.community_org, title="电动车消防隐患排查", required_item=training)
    a_task(organiser=scene.community_org, title="为高龄老人送午餐", slots=2, claimed_count=2, waitlist_slots=3)
    served = a_task(organiser=scene.community_org, title="社区环境清洁", points=0)
    claim = Claim.objects.create(task=served, worker=scene.worker, status=ClaimStatus.APPROVED)
    ServiceRecord.objects.create(
        claim=claim,
        worker=scene.worker,
        task_title=served.title,
        category=served.category,
        organiser=scene.community_org,
        address=served.address,
        started_at=served.starts_at,
        ended_at=served.ends_at,
        minutes=320 * 60,
        recorder=scene.handler,
        recorded_at=timezone.now(),
    )
    phone = new_phone_page()
    log_in(phone, scene.worker.phone, "/volunteering/")

    # when the courier looks at the list
    phone.get_by_text("名额已满，可候补").wait_for()
    screenshot(phone, "volunteering-list-waitlist")

    # and tries to claim the patrol
    phone.goto(f"/volunteering/tasks/{patrol.pk}/")
    phone.get_by_role("button", name="认领任务（余 2 个名额）").click()
    phone.get_by_text("该任务要求先学习并通过“消防安全培训”").wait_for()
    screenshot(phone, "volunteering-learning-required")

    # then the message links to the training
    phone.get_by_role("link", name="去学习").click()
    phone.wait_for_url(f"**/learning/{training.pk}/")
    assert not Claim.objects.filter(task=patrol).exists()

    # and the hours page and the profile show the title
    phone.goto("/volunteering/hours/")
    assert "二星志愿者" in phone.locator("[data-star-title]").inner_text()
    screenshot(phone, "volunteering-hours-title")
    phone.goto("/me/")
    assert "二星志愿者" in phone.locator("[data-volunteer-standing]").inner_text()
    screenshot(phone, "volunteering-profile-title")

    # and my tasks offers the text when moved up from a waiting list
    phone.goto("/volunteering/mine/")
    phone.get_by_label("候补转正时短信通知我").check()
    phone.get_by_role("button", name="保存设置").click()
    phone.get_by_text("通知设置已保存。").wait_for()
    screenshot(phone, "volunteering-mine-settings")

    # and the organiser sees the tile in the console
    console = new_phone_page()
    log_in(console, scene.handler.phone, "/staff/")
    console.locator('[data-tile="volunteering"]').wait_for()
    screenshot(console, "volunteering-console-tile")

    # and publishes with the learning requirement and the daily repeat on offer
    console.locator('[data-tile="volunteering"]').click()
    console.goto("/volunteering/manage/new/")
    console.get_by_label("须先学习通过").select_option(label="消防安全培训")
    console.get_by_label("每天重复至").wait_for()
    screenshot(console, "volunteering-publish-form")

    # and in English, the refusal, the list and the title read well on the phone
    phone.goto(f"/volunteering/tasks/{patrol.pk}/")
    phone.get_by_role("button", name=re.compile("EN")).first.click()
    phone.wait_for_function("document.documentElement.lang === 'en'")
    english = phone
    english.get_by_role("button", name=re.compile("Claim")).click()
    english.get_by_text("This task requires passing “Fire-safety training” first").wait_for()
    screenshot(english, "volunteering-learning-required-en")
    english.goto("/volunteering/hours/")
    assert "Two-star volunteer" in english.locator("[data-star-title]").inner_text()
    screenshot(english, "volunteering-hours-title-en")
