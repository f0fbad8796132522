"""GET /points, the leaderboards, hiding from them, badges and honorary titles over the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.models import WorkerProfile
from littlebee.core.api_answers import assert_answer_fits
from littlebee.points import services
from littlebee.points.api import PointsOut
from littlebee.points.models import HonoraryTitle, PointsAccount

from .factories import BadgeFactory, Town, community_handler, earn, plain_user, rider

pytestmark = pytest.mark.django_db

BadgeFactory_: Any = BadgeFactory
# token; the page of entries with the balance, lifetime points and the number of entries beside it
POINTS_QUERIES = 2


# --- GET /points ------------------------------------------------------------------------------
def test_points_answer_the_balance_the_title_and_the_history(api_as: Any, town: Town) -> None:
    # given a rider who earned 120 and spent 20
    me = rider(town)
    first = earn(me, 100, "event:1", at=timezone.now() - timedelta(days=2))
    earn(me, 20, "event:2", at=timezone.now() - timedelta(days=1))
    services.points_spend(worker=me, amount=20, idempotency_key="redemption:1", note="雨衣")

    # when
    response = api_as(me).get("/points")

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["balance"] == 100
    assert body["title"] == {
        "name": "勤劳工蜂",
        "level": 2,
        "lifetime": 120,
        "next_name": "采蜜能手",
        "next_at": 500,
        "to_next": 380,
    }
    assert body["count"] == 3
    newest, _middle, oldest = body["items"]
    assert {"amount", "reason", "source", "created_at"} <= set(newest)
    assert (newest["amount"], newest["reason"], newest["source"], newest["note"]) == (-20, "redemption", "", "雨衣")
    assert newest["source_label"] == "兑换礼品"
    assert (oldest["id"], oldest["amount"], oldest["reason"], oldest["source"]) == (
        first.pk,
        100,
        "earn",
        "event_attendance",
    )
    assert oldest["source_label"] == "参加活动"
    assert oldest["reverses"] is None
    assert oldest["created_at"].endswith("+08:00")


def test_points_paginate_the_history(api_as: Any, town: Town) -> None:
    me = rider(town)
    for i in range(5):
        earn(me, 10, f"event:{i}")

    body = api_as(me).get("/points", {"limit": 2, "offset": 3}).json()

    assert body["count"] == 5
    assert len(body["items"]) == 2
    assert body["balance"] == 50


def test_a_reversal_names_the_entry_it_reverses(api_as: Any, town: Town) -> None:
    me = rider(town)
    entry = earn(me, 30, "event:1")
    services.points_reverse(entry_id=entry.pk, actor=None, note="重复上报")

    items = api_as(me).get("/points").json()["items"]

    assert items[0]["reason"] == "reversal"
    assert items[0]["reverses"] == entry.pk
    assert items[0]["amount"] == -30


def test_points_of_someone_who_never_earned_any(api_as: Any) -> None:
    body = api_as(plain_user()).get("/points").json()
    assert body["balance"] == 0
    assert body["count"] == 0
    assert body["title"]["name"] == "见习小蜂"
    assert body["title"]["to_next"] == 100


def test_points_need_a_login(api: Any) -> None:
    response = api.get("/points")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("n", [3, 30])
def test_points_cost_the_same_queries_for_3_or_30_entries(
    api_as: Any, town: Town, django_assert_num_queries: Any, n: int
) -> None:
    # given
    me = rider(town)
    for i in range(n):
        earn(me, 5, f"event:{i}")
    client = api_as(me)
    client.get("/points")  # the token's last-used touch happens once a minute at most

    # when / then
    with django_assert_num_queries(POINTS_QUERIES):
        response = client.get("/points", {"limit": 100})
    assert len(response.json()["items"]) == n


def test_points_past_the_last_page_and_before_the_first_entry_still_tell_the_balance(
    api_as: Any, town: Town, django_assert_num_queries: Any
) -> None:
    # given a rider with three entries and one with none
    me, newcomer = rider(town), rider(town)
    for i in range(3):
        earn(me, 5, f"event:{i}")

    # when each asks for a page with no entries on it
    past = api_as(me).get("/points", {"offset": 3}).json()
    empty = api_as(newcomer).get("/points").json()

    # then the summary is still there
    assert (past["balance"], past["count"], past["items"]) == (15, 3, [])
    assert (empty["balance"], empty["count"], empty["items"]) == (0, 0, [])


# --- GET /points/leaderboard ------------------------------------------------------------------
def test_the_leaderboard_defaults_to_my_community_this_week(api_as: Any, town: Town) -> None:
    # given three riders of the community and one of the neighbour community
    me = rider(town, name="张三")
    top = rider(town, name="李四")
    third = rider(town, name="王五")
    elsewhere = rider(town, name="赵六", community=town.neighbour)
    earn(me, 30, "a")
    earn(top, 50, "b")
    earn(third, 10, "c")
    earn(elsewhere, 90, "d")
    earn(third, 100, "old", at=timezone.now() - timedelta(days=8))  # before this week

    # when
    body = api_as(me).get("/points/leaderboard").json()

    # then
    assert (body["scope"], body["period"], body["id"], body["name"]) == (
        "community",
        "week",
        town.community.pk,
        "西厂口社区",
    )
    assert [(r["rank"], r["name"], r["points"], r["me"]) for r in body["items"]] == [
        (1, "李*", 50, False),
        (2, "张*", 30, True),
        (3, "王*", 10, False),
    ]
    assert body["me"] == {"rank": 2, "points": 30, "hidden": False, "show_name": False}


def test_the_all_time_district_board(api_as: Any, town: Town) -> None:
    me = rider(town, name="张三")
    neighbour = rider(town, name="赵六", community=town.neighbour)
    other = rider(town, name="钱七", community=town.other_district_community)
    earn(me, 100, "a", at=timezone.now() - timedelta(days=40))
    earn(neighbour, 60, "b")
    earn(other, 500, "c")

    body = api_as(me).get("/points/leaderboard", {"scope": "district", "period": "all"}).json()

    assert body["id"] == town.district.pk
    assert body["name"] == "武昌区"
    assert [(r["name"], r["points"]) for r in body["items"]] == [("张*", 100), ("赵*", 60)]
    assert body["me"]["rank"] == 1


def test_the_enterprise_board(api_as: Any, town: Town) -> None:
    me = rider(town, name="张三")
    colleague = rider(town, name="同事", community=town.other_district_community)
    earn(colleague, 40, "a")

    body = api_as(me).get("/points/leaderboard", {"scope": "enterprise"}).json()

    assert (body["id"], body["name"]) == (town.enterprise.pk, "顺丰")
    assert [r["name"] for r in body["items"]] == ["同*"]
    assert body["me"] == {"rank": None, "points": 0, "hidden": False, "show_name": False}


def test_a_board_named_by_id(api_as: Any, town: Town) -> None:
    someone = rider(town, name="张三", community=town.other_district_community)
    earn(someone, 40, "a")

    body = api_as(plain_user()).get(
        "/points/leaderboard", {"scope": "community", "id": town.other_district_community.pk}
    )

    assert body.status_code == 200
    assert [r["name"] for r in body.json()["items"]] == ["张*"]
    assert body.json()["me"] is None  # not a member of that board


def test_hidden_workers_are_left_off_the_board_but_see_their_own_rank(api_as: Any, town: Town) -> None:
    # given
    me = rider(town, name="张三")
    other = rider(town, name="李四")
    earn(me, 80, "a")
    earn(other, 20, "b")
    client = api_as(me)

    # when the rider hides
    response = client.put("/me/points-privacy", {"hide_from_boards": True})

    # then
    assert response.status_code == 200
    assert response.json() == {"hide_from_boards": True, "show_name_on_boards": False}
    assert PointsAccount.objects.get(worker=me).hide_from_boards is True
    board = client.get("/points/leaderboard").json()
    assert [r["name"] for r in board["items"]] == ["李*"]
    assert board["me"] == {"rank": 1, "points": 80, "hidden": True, "show_name": False}
    assert [r["name"] for r in api_as(other).get("/points/leaderboard").json()["items"]] == ["李*"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"scope": "city"}, "scope"), ({"period": "month"}, "period"), ({"id": "abc"}, "id"), ({"id": 0}, "id")],
)
def test_bad_board_values_answer_400(api_as: Any, town: Town, query: dict[str, Any], field: str) -> None:
    response = api_as(rider(town)).get("/points/leaderboard", query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["errors"][0]["field"] == field


def test_a_board_without_a_scope_of_my_own_asks_for_one(api_as: Any) -> None:
    response = api_as(plain_user()).get("/points/leaderboard")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "id", "detail": "请指定排行榜的范围。"}]


def test_a_board_of_nothing_answers_404(api_as: Any, town: Town) -> None:
    response = api_as(rider(town)).get("/points/leaderboard", {"scope": "district", "id": town.community.pk})
    assert response.status_code == 404


def test_a_worker_without_an_enterprise_has_no_enterprise_board(api_as: Any, town: Town) -> None:
    me = rider(town)
    WorkerProfile.objects.filter(user=me).update(enterprise=None)
    assert api_as(me).get("/points/leaderboard", {"scope": "enterprise"}).status_code == 400


def test_the_leaderboard_costs_the_same_for_3_or_30_workers(api_as: Any, town: Town) -> None:
    me = rider(town)
    client = api_as(me)

    def count() -> int:
        client.get("/points/leaderboard")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/points/leaderboard").status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        earn(rider(town), 10 + i, f"few:{i}")
    few = count()
    for i in range(27):
        earn(rider(town), 10 + i, f"many:{i}")
    assert count() == few


# --- Privacy, badges, honorary titles ----------------------------------------------------------
def test_points_privacy_can_be_turned_back_off(api_as: Any, town: Town) -> None:
    me = rider(town)
    client = api_as(me)
    client.put("/me/points-privacy", {"hide_from_boards": True})

    response = client.put("/me/points-privacy", {"hide_from_boards": False})

    assert response.json() == {"hide_from_boards": False, "show_name_on_boards": False}
    assert PointsAccount.objects.get(worker=me).hide_from_boards is False


def test_points_privacy_needs_a_boolean(api_as: Any, town: Town) -> None:
    client = api_as(rider(town))
    response = client.put("/me/points-privacy", {"hide_from_boards": "maybe"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "hide_from_boards"


def test_my_badges_list_earned_and_locked_ones(api_as: Any, town: Town) -> None:
    # given two badges for events attended, one reached
    BadgeFactory_(code="first-event", name="活动新人", source="event_attendance", threshold=1, order=1)
    BadgeFactory_(code="five-events", name="活动达人", source="event_attendance", threshold=5, order=2)
    me = rider(town)
    earn(me, 10, "event:1")

    # when
    body = api_as(me).get("/me/badges").json()

    # then
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["code"], first["name"], first["earned"]) == ("first-event", "活动新人", True)
    assert first["awarded_at"] is not None
    assert (second["code"], second["earned"], second["awarded_at"]) == ("five-events", False, None)


def test_my_honorary_titles_leave_out_revoked_ones(api_as: Any, town: Town) -> None:
    me = rider(town)
    handler = community_handler(town)
    kept = services.honorary_title_grant(actor=handler, worker_id=me.pk, title="径心游侠", citation="雨夜护送老人")
    gone = services.honorary_title_grant(actor=handler, worker_id=me.pk, title="最美骑手")
    services.honorary_title_revoke(actor=handler, title_id=gone.pk)

    body = api_as(me).get("/me/honorary-titles").json()

    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["title"], item["citation"], item["granted_by"]) == (
        kept.pk,
        "径心游侠",
        "雨夜护送老人",
        "西厂口社区党委",
    )
    assert HonoraryTitle.objects.count() == 2


def test_me_reads_the_points_balance_and_title(api_as: Any, town: Town) -> None:
    me = rider(town)
    earn(me, 120, "event:1")

    body = api_as(me).get("/me").json()

    assert body["points_balance"] == 120
    assert body["title"] == "勤劳工蜂"


def test_the_points_answer_fits_its_schema_exactly(api_as: Any, town: Town) -> None:
    # given earnings, a spending and a reversal (GET /points is rendered without ninja's check)
    me = rider(town)
    earn(me, 100, "event:1")
    small = earn(me, 5, "event:2")
    services.points_spend(worker=me, amount=20, idempotency_key="redemption:1", note="雨衣")
    services.points_reverse(entry_id=small.pk, actor=None, note="更正")

    # when
    response = api_as(me).get("/points")

    # then it is what ninja would have answered after validating it against PointsOut
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert len(body["items"]) == 4
    assert_answer_fits(PointsOut, body)


def test_the_history_labels_are_made_once_per_language_not_per_row(api_as: Any, town: Town) -> None:
    from django.db.models.enums import ChoicesType

    # given a worker with a history, whose page was read once in each language
    me = rider(town)
    for i in range(5):
        earn(me, 5, f"event:{i}")
    client, english = api_as(me), api_as(me, language="en")
    client.get("/points")
    english.get("/points")

    # when the page is read again, counting how often an enum builds its list of choices
    original = ChoicesType.choices
    built: list[Any] = []

    def counted(cls: Any) -> Any:
        built.append(cls)
        return original.fget(cls)  # type: ignore[attr-defined]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ChoicesType, "choices", property(counted))
        chinese_items = client.get("/points").json()["items"]
        english_items = english.get("/points").json()["items"]

    # then no row asked (Django builds those lists anew each time), and each language has its labels
    assert built == []
    assert {(i["reason_label"], i["source_label"]) for i in chinese_items} == {("获得", "参加活动")}
    assert {(i["reason_label"], i["source_label"]) for i in english_items} != {("获得", "参加活动")}
