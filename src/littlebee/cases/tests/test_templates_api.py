"""GET /cases/{id}/templates?action=: reply templates for staff who may see the case."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases.models import ResponseTemplate

from .factories import World, open_case, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    world_ = world()
    ResponseTemplate.objects.create(
        kind="report", category="garbage", action="reject", title="非本辖区", body="不属于本辖区。"
    )
    ResponseTemplate.objects.create(
        kind="report", category="garbage", action="resolve", title="已清理", body="已安排清理。"
    )
    ResponseTemplate.objects.create(kind="report", category="", action="", title="感谢", body="感谢反映。")
    ResponseTemplate.objects.create(kind="report", category="road_damage", action="", title="道路", body="已报修。")
    ResponseTemplate.objects.create(kind="appeal", category="", action="", title="诉求", body="已收到诉求。")
    ResponseTemplate.objects.create(
        kind="report", category="garbage", action="", title="停用", body="旧的。", is_active=False
    )
    return world_


def test_staff_get_the_templates_for_the_case_and_action(w: World, api_as: Any) -> None:
    # given a garbage report at the community
    case = open_case(w, category="garbage")
    client = api_as(w.community_handler)

    # when the handler asks for every template, then for rejecting
    every = client.get(f"/cases/{case.pk}/templates")
    reject = client.get(f"/cases/{case.pk}/templates", {"action": "reject"})

    # then he gets the category's own first, then the general ones, never inactive or other kinds'
    assert every.status_code == 200
    assert [t["title"] for t in every.json()] == ["已清理", "非本辖区", "感谢"]
    assert [t["title"] for t in reject.json()] == ["非本辖区", "感谢"]
    item = reject.json()[0]
    assert set(item) == {"id", "title", "body", "action"} and item["action"] == "reject"


def test_a_city_admin_looking_on_may_read_them(w: World, api_as: Any) -> None:
    case = open_case(w, category="garbage")
    response = api_as(w.city_admin).get(f"/cases/{case.pk}/templates")

    assert response.status_code == 200
    assert [t["title"] for t in response.json()] == ["已清理", "非本辖区", "感谢"]


def test_others_get_404(w: World, api_as: Any) -> None:
    # given a case, its reporter, another office's handler and a keeper of the same office
    reporter = worker()
    case = open_case(w, category="garbage", reporter=reporter)
    keeper = staff(w.community_org, role=Role.KEEPER)

    # then none of them gets the templates
    for user in (reporter, w.other_handler, keeper, worker()):
        assert api_as(user).get(f"/cases/{case.pk}/templates").status_code == 404
    assert api_as(w.community_handler).get("/cases/99999999/templates").status_code == 404


def test_bad_input_is_400_and_anonymous_401(w: World, api: Any, api_as: Any) -> None:
    case = open_case(w, category="garbage")
    assert api_as(w.community_handler).get(f"/cases/{case.pk}/templates", {"action": "explode"}).status_code == 400
    assert api.get(f"/cases/{case.pk}/templates").status_code == 401
