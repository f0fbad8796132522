"""A task may require a passed learning item (fire-safety training before a hazard patrol): the
organiser chooses it when publishing, and a worker who has not passed it is refused with a 409
naming the item and linking to it, through the API and on the task page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.conftest import client_for
from littlebee.learning.models import ItemKind, ItemStatus, LearningItem, LearningSession, QuizKind, SessionStatus
from littlebee.learning.tests.factories import article
from littlebee.volunteering.models import Claim, Task

from .conftest import Scene
from .factories import LAT, LNG, a_task, publish_form

pytestmark = pytest.mark.django_db


def _training() -> LearningItem:
    return article(title="消防安全培训", title_en="Fire-safety training")


def _finished(
    worker: Any, item: LearningItem, *, status: str = SessionStatus.CREDITED, passed: bool | None = None
) -> None:
    now = timezone.now()
    LearningSession.objects.create(
        worker=worker, item=item, activity=item.activity, status=status, started_at=now, finished_at=now, passed=passed
    )


def _task_body(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=1)
    return {
        "title": "消防隐患排查",
        "kind": "volunteer",
        "category": "hazard_patrol",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "lat": LAT,
        "lng": LNG,
        "address": "西厂口社区",
        "slots": 2,
        **overrides,
    }


# --- Publishing ------------------------------------------------------------------------------------
def test_the_organiser_requires_a_learning_item_when_publishing(api_as: Any, scene: Scene) -> None:
    # given
    item = _training()

    # when
    response = api_as(scene.handler).post("/tasks", _task_body(required_item=item.pk))

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["required_item"] == {"id": item.pk, "title": "消防安全培训", "url": f"/learning/{item.pk}/"}
    assert body["required_item_passed"] is False
    assert Task.objects.get().required_item == item


@pytest.mark.parametrize("status", [ItemStatus.DRAFT, "missing"])
def test_an_unpublished_or_unknown_item_cannot_be_required(api_as: Any, scene: Scene, status: str) -> None:
    # given
    item_id = 999_999 if status == "missing" else article(status=status).pk

    # when
    response = api_as(scene.handler).post("/tasks", _task_body(required_item=item_id))

    # then nothing is published, and the field says why
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "required_item", "detail": "找不到该学习内容，或它尚未发布。"}]
    assert not Task.objects.exists()


def test_the_publish_page_offers_the_published_items_and_saves_the_choice(scene: Scene) -> None:
    # given
    item = _training()
    article(title="草稿文章", status=ItemStatus.DRAFT)
    form = publish_form(scene.community_org.pk, points=0, required_item=item.pk)
    client = client_for(scene.handler)

    # when
    page = client.get("/volunteering/manage/new/").content.decode()
    published = client.post("/volunteering/manage/new/", form)

    # then
    assert "消防安全培训" in page
    assert "草稿文章" not in page
    assert published.status_code == 302
    assert Task.objects.get().required_item == item


# --- Claiming --------------------------------------------------------------------------------------
def test_claiming_without_the_item_passed_is_refused_naming_it(api_as: Any, scene: Scene) -> None:
    # given
    item = _training()
    task = a_task(organiser=scene.community_org, required_item=item)

    # when
    response = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "learning_required"
    assert body["detail"] == "该任务要求先学习并通过“消防安全培训”，完成后再来认领。"
    assert body["item"] == {"id": item.pk, "title": "消防安全培训", "url": f"/learning/{item.pk}/"}
    assert not Claim.objects.exists()
    task.refresh_from_db()
    assert task.claimed_count == 0


def test_the_refusal_speaks_english_to_an_english_client(api_as: Any, scene: Scene) -> None:
    # given
    task = a_task(organiser=scene.community_org, required_item=_training())

    # when
    response = api_as(scene.worker, language="en").post(f"/tasks/{task.pk}/claims")

    # then
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "This task requires passing “Fire-safety training” first; come back to claim it when you have."
    )
    assert response.json()["item"]["title"] == "Fire-safety training"


def test_a_failed_quiz_does_not_pass_the_requirement(api_as: Any, scene: Scene) -> None:
    # given a special exam the worker finished without passing
    exam = article(kind=ItemKind.QUIZ, quiz_kind=QuizKind.SPECIAL, title="消防考试", body="")
    _finished(scene.worker, exam, status=SessionStatus.COMPLETED, passed=False)
    task = a_task(organiser=scene.community_org, required_item=exam)

    # when
    response = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "learning_required"
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("kind", "status", "passed"),
    [
        (ItemKind.ARTICLE, SessionStatus.CREDITED, None),
        (ItemKind.ARTICLE, SessionStatus.COMPLETED, None),  # read again after the daily cap: still read
        (ItemKind.QUIZ, SessionStatus.CREDITED, True),
    ],
)
def test_claiming_after_passing_the_item(
    api_as: Any, scene: Scene, kind: str, status: str, passed: bool | None
) -> None:
    # given
    extra = {"quiz_kind": QuizKind.SPECIAL, "body": ""} if kind == ItemKind.QUIZ else {}
    item = article(kind=kind, title="消防安全培训", **extra)
    _finished(scene.worker, item, status=status, passed=passed)
    task = a_task(organiser=scene.community_org, required_item=item)

    # when
    detail = api_as(scene.worker).get(f"/tasks/{task.pk}").json()
    response = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert detail["required_item_passed"] is True
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "claimed"


def test_a_flagged_session_does_not_pass_the_requirement(api_as: Any, scene: Scene) -> None:
    # given
    item = _training()
    _finished(scene.worker, item, status=SessionStatus.FLAGGED)
    task = a_task(organiser=scene.community_org, required_item=item)

    # when
    response = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "learning_required"


def test_the_task_page_shows_the_requirement_and_the_refusal_links_to_the_item(scene: Scene) -> None:
    # given
    item = _training()
    task = a_task(organiser=scene.community_org, required_item=item)
    client = client_for(scene.worker)

    # when
    page = client.get(f"/volunteering/tasks/{task.pk}/").content.decode()
    refused = client.post(f"/volunteering/tasks/{task.pk}/action/", {"action": "claim"}, follow=True)

    # then
    assert "须先学习通过" in page
    assert f'href="/learning/{item.pk}/"' in page
    assert "未通过" in page
    text = refused.content.decode()
    assert "该任务要求先学习并通过“消防安全培训”，完成后再来认领。" in text
    assert f'<a href="/learning/{item.pk}/">去学习</a>' in text
    assert not Claim.objects.exists()
