"""The rewards half of API.md's "Points and rewards": shapes, status codes and error codes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.api_answers import assert_answer_fits
from littlebee.points.selectors import balance_of
from littlebee.rewards import services
from littlebee.rewards.api import GiftList
from littlebee.rewards.models import Voucher, VoucherStatus

from .factories import GiftFactory, HiveFactory, give_points, keeper_of, listed_gift

pytestmark = pytest.mark.django_db


def rider_with(points: int) -> Any:
    w = worker()
    if points:
        give_points(w, points)
    return w


# --- GET /rewards ---------------------------------------------------------------------------
def test_the_mall_lists_gifts_with_the_fields_of_api_md(api: Any) -> None:
    # given an any-station gift and one picked up at two listed stations
    here, there = HiveFactory(), HiveFactory()
    anywhere: Any = GiftFactory(name="雨衣", points_cost=800, total_stock=20)
    ticket = listed_gift([here, there], name="黄鹤楼公园门票", points_cost=1500, total_stock=50)

    # when anyone asks for the mall
    response = api.get("/rewards")

    # then both are listed, cheapest first, paginated like every list
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["items"]
    assert {k: first[k] for k in ("id", "name", "points_cost", "stock_available", "pickup")} == {
        "id": anywhere.pk,
        "name": "雨衣",
        "points_cost": 800,
        "stock_available": 20,
        "pickup": "any_hive",
    }
    assert first["donor"] == {"id": anywhere.donor.pk, "name": anywhere.donor.name}
    assert second["id"] == ticket.pk
    assert sorted(second["pickup"]) == sorted([here.pk, there.pk])
    assert second["affordable"] is None  # anonymous: nobody's balance


def test_the_mall_pages_with_limit_and_offset(api: Any) -> None:
    for cost in (100, 200, 300):
        GiftFactory(points_cost=cost)

    body = api.get("/rewards", {"limit": 1, "offset": 1}).json()

    assert body["count"] == 3
    assert [g["points_cost"] for g in body["items"]] == [200]


def test_a_page_past_the_end_is_empty_and_still_counts_the_mall(api: Any) -> None:
    # given three gifts
    for cost in (100, 200, 300):
        GiftFactory(points_cost=cost)

    # when a client pages past the end, and onto the last page
    past = api.get("/rewards", {"limit": 2, "offset": 4}).json()
    last = api.get("/rewards", {"limit": 2, "offset": 2}).json()

    # then the count is the mall's either way
    assert (past["count"], past["items"]) == (3, [])
    assert (last["count"], [g["points_cost"] for g in last["items"]]) == (3, [300])


def test_the_mall_hides_gifts_off_sale_and_lists_sold_out_ones_last(api: Any) -> None:
    now = timezone.now()
    GiftFactory(name="下架", is_active=False)
    GiftFactory(name="未开始", active_from=now + timedelta(days=1))
    GiftFactory(name="已结束", active_until=now - timedelta(days=1))
    GiftFactory(name="兑完", points_cost=1, total_stock=3, stock_available=0)
    GiftFactory(name="在售", points_cost=999)

    names = [g["name"] for g in api.get("/rewards").json()["items"]]

    assert names == ["在售", "兑完"]


def test_affordable_filters_by_the_callers_balance(api_as: Any) -> None:
    rider = rider_with(1000)
    GiftFactory(name="洗手液", points_cost=500)
    GiftFactory(name="电炖锅", points_cost=2000)
    GiftFactory(name="兑完的伞", points_cost=100, stock_available=0)
    client = api_as(rider)

    everything = client.get("/rewards").json()["items"]
    affordable = client.get("/rewards", {"affordable": "true"}).json()

    assert affordable["count"] == 1
    assert [g["name"] for g in affordable["items"]] == ["洗手液"]
    assert {g["name"]: g["affordable"] for g in everything} == {"洗手液": True, "电炖锅": False, "兑完的伞": False}


def test_near_me_keeps_gifts_that_can_be_picked_up_close_by(api: Any) -> None:
    # given a station by the rider and one 20 km away
    near = HiveFactory(lat=30.5440, lng=114.3000)
    far = HiveFactory(lat=30.7240, lng=114.3000)
    GiftFactory(name="任意驿站")
    listed_gift([near], name="近处领取")
    listed_gift([far], name="远处领取")

    # when he asks for gifts near him
    body = api.get("/rewards", {"lat": 30.5450, "lng": 114.3000}).json()

    # then the far-only gift is left out, and distances are given
    assert sorted(g["name"] for g in body["items"]) == ["任意驿站", "近处领取"]
    assert all(g["distance_m"] is not None and g["distance_m"] < 200 for g in body["items"])


def test_near_me_without_any_station_around_finds_nothing(api: Any) -> None:
    HiveFactory(lat=30.59, lng=114.30)
    GiftFactory()

    body = api.get("/rewards", {"lat": 39.90, "lng": 116.40}).json()

    assert body == {"count": 0, "items": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 30.5}, "lng"),
        ({"lat": 95, "lng": 114}, "lat"),
        ({"lat": 30.5, "lng": 114, "radius_km": 500}, "radius_km"),
    ],
)
def test_a_bad_position_is_a_400_naming_the_field(api: Any, params: dict[str, Any], field: str) -> None:
    response = api.get("/rewards", params)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["errors"][0]["field"] == field


def test_one_gift_with_its_stations(api: Any) -> None:
    hive = HiveFactory(name="江滩驿站")
    gift = listed_gift([hive], station_stock=5)

    body = api.get(f"/rewards/{gift.pk}").json()

    assert body["stations"] == [
        {
            "id": hive.pk,
            "name": "江滩驿站",
            "address": hive.address,
            "lat": hive.lat,
            "lng": hive.lng,
            "stock_available": 5,
            "distance_m": None,
        }
    ]
    assert api.get("/rewards/999999").status_code == 404
    assert api.get(f"/rewards/{2**40}").status_code == 404


# --- POST /rewards/{id}/redemptions ----------------------------------------------------------
def test_redeeming_answers_201_with_the_voucher(api_as: Any) -> None:
    # given a rider with enough points
    rider = rider_with(2000)
    gift: Any = GiftFactory(points_cost=1500, voucher_valid_days=14)

    # when he redeems
    response = api_as(rider).post(f"/rewards/{gift.pk}/redemptions", {})

    # then API.md's answer: the code, "reserved", and when it expires (with an offset)
    assert response.status_code == 201, response.content
    body = response.json()
    voucher = Voucher.objects.get(worker=rider)
    assert body["voucher_code"] == voucher.code
    assert body["status"] == "reserved"
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() is not None
    assert abs(expires - voucher.expires_at) < timedelta(milliseconds=1)
    assert body["code_display"] == voucher.code_display
    assert body["points"] == 1500
    assert balance_of(rider) == 500


def test_redeeming_with_an_empty_body(api_as: Any) -> None:
    gift: Any = GiftFactory(points_cost=10)
    client = api_as(rider_with(10))

    response = client.client.post(
        f"/api/v1/rewards/{gift.pk}/redemptions",
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "reserved"


def test_redeeming_at_a_listed_station(api_as: Any) -> None:
    here, there = HiveFactory(), HiveFactory()
    gift = listed_gift([here, there])
    client = api_as(rider_with(1000))

    missing = client.post(f"/rewards/{gift.pk}/redemptions", {})
    wrong = client.post(f"/rewards/{gift.pk}/redemptions", {"hive": HiveFactory().pk})
    right = client.post(f"/rewards/{gift.pk}/redemptions", {"hive": there.pk})

    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "hive"
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "hive"
    assert right.status_code == 201
    assert right.json()["hive"] == {"id": there.pk, "name": there.name}


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"points": 10, "gift": {"points_cost": 100}}, "insufficient_points"),
        ({"points": 1000, "gift": {"stock_available": 0}}, "out_of_stock"),
        ({"points": 1000, "gift": {"per_worker_limit": 1}, "before": 1}, "limit_reached"),
        ({"points": 1000, "gift": {"active_until": "past"}}, "gift_inactive"),
    ],
)
def test_refusals_answer_409_with_the_code_of_api_md(api_as: Any, setup: dict[str, Any], code: str) -> None:
    options = dict(setup["gift"])
    if options.get("active_until") == "past":
        options["active_until"] = timezone.now() - timedelta(hours=1)
    gift: Any = GiftFactory(points_cost=options.pop("points_cost", 100), **options)
    rider = rider_with(setup["points"])
    client = api_as(rider)
    for _ in range(setup.get("before", 0)):
        assert client.post(f"/rewards/{gift.pk}/redemptions", {}).status_code == 201

    response = client.post(f"/rewards/{gift.pk}/redemptions", {})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == code
    assert body["detail"]


def test_the_refusal_code_is_the_same_in_every_language(api_as: Any) -> None:
    gift: Any = GiftFactory(points_cost=100)

    response = api_as(rider_with(1), language="en").post(f"/rewards/{gift.pk}/redemptions", {})

    assert response.json()["code"] == "insufficient_points"


def test_redeeming_needs_a_login_and_a_worker_profile(api: Any, api_as: Any) -> None:
    gift: Any = GiftFactory()

    assert api.post(f"/rewards/{gift.pk}/redemptions", {}).status_code == 401
    assert api_as(keeper_of(HiveFactory())).post(f"/rewards/{gift.pk}/redemptions", {}).status_code == 403
    assert api_as(rider_with(100)).post("/rewards/999999/redemptions", {}).status_code == 404


@pytest.mark.parametrize("body", [{"hive": "x"}, {"hive": -1}, {"hive": 2**40}, [1, 2]])
def test_a_malformed_body_is_a_400(api_as: Any, body: Any) -> None:
    gift: Any = GiftFactory()

    response = api_as(rider_with(1000)).post(f"/rewards/{gift.pk}/redemptions", body)

    assert response.status_code == 400
    assert not Voucher.objects.exists()


# --- Vouchers -------------------------------------------------------------------------------
def test_my_vouchers_lists_mine_only_newest_first(api_as: Any) -> None:
    rider = rider_with(1000)
    first: Any = GiftFactory(name="第一")
    second: Any = GiftFactory(name="第二")
    services.gift_redeem(worker=rider, gift_id=first.pk, at=timezone.now() - timedelta(hours=1))
    services.gift_redeem(worker=rider, gift_id=second.pk)
    services.gift_redeem(worker=rider_with(1000), gift_id=first.pk)

    body = api_as(rider).get("/me/vouchers").json()

    assert body["count"] == 2
    assert [v["gift"]["name"] for v in body["items"]] == ["第二", "第一"]
    assert body["items"][0]["status"] == "reserved"


def test_my_vouchers_filters_by_status(api_as: Any) -> None:
    rider = rider_with(1000)
    gift: Any = GiftFactory()
    kept = services.gift_redeem(worker=rider, gift_id=gift.pk)
    dropped = services.gift_redeem(worker=rider, gift_id=gift.pk)
    services.voucher_cancel(worker=rider, code=dropped.code)
    client = api_as(rider)

    reserved = client.get("/me/vouchers", {"status": "reserved"}).json()
    bad = client.get("/me/vouchers", {"status": "nonsense"})

    assert [v["voucher_code"] for v in reserved["items"]] == [kept.code]
    assert bad.status_code == 400


def test_fulfil_answers_200_fulfilled_then_409(api_as: Any) -> None:
    # given a voucher for a gift picked up at one station
    hive = HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=listed_gift([hive]).pk)
    keeper = api_as(keeper_of(hive))

    # when the station's keeper fulfils it, typing the code as printed
    done = keeper.post(f"/vouchers/{voucher.code_display.lower()}/fulfil", {})
    again = keeper.post(f"/vouchers/{voucher.code}/fulfil", {})

    # then 200 fulfilled, with who it was for; a second time 409
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "fulfilled"
    assert done.json()["fulfilled_hive"] == {"id": hive.pk, "name": hive.name}
    assert done.json()["worker"]["phone"].count("*") == 4
    assert again.status_code == 409
    assert again.json()["code"] == "already_fulfilled"


def test_fulfil_without_a_body(api_as: Any) -> None:
    hive = HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)
    keeper = api_as(keeper_of(hive))

    response = keeper.client.post(
        f"/api/v1/vouchers/{voucher.code}/fulfil",
        content_type="application/json",
        headers={"Authorization": f"Bearer {keeper.token}"},
    )

    assert response.status_code == 200
    assert response.json()["fulfilled_hive"]["id"] == hive.pk


def test_fulfil_is_404_for_another_stations_keeper_and_for_workers(api_as: Any) -> None:
    here, there = HiveFactory(), HiveFactory()
    owner = rider_with(1000)
    voucher = services.gift_redeem(worker=owner, gift_id=listed_gift([here, there]).pk, hive_id=here.pk)

    other_keeper = api_as(keeper_of(there)).post(f"/vouchers/{voucher.code}/fulfil", {})
    own_worker = api_as(owner).post(f"/vouchers/{voucher.code}/fulfil", {})
    stranger = api_as(rider_with(0)).post(f"/vouchers/{voucher.code}/fulfil", {})

    assert (other_keeper.status_code, own_worker.status_code, stranger.status_code) == (404, 404, 404)
    assert other_keeper.json()["code"] == "not_found"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.RESERVED


def test_fulfil_answers_409_for_cancelled_and_expired_vouchers(api_as: Any) -> None:
    gift: Any = GiftFactory(voucher_valid_days=1)
    cancelled = services.gift_redeem(worker=rider_with(1000), gift_id=gift.pk)
    services.voucher_cancel(worker=cancelled.worker, code=cancelled.code)
    expired = services.gift_redeem(worker=rider_with(1000), gift_id=gift.pk, at=timezone.now() - timedelta(days=2))
    keeper = api_as(keeper_of(HiveFactory()))

    first = keeper.post(f"/vouchers/{cancelled.code}/fulfil", {})
    second = keeper.post(f"/vouchers/{expired.code}/fulfil", {})

    assert (first.status_code, first.json()["code"]) == (409, "voucher_cancelled")
    assert (second.status_code, second.json()["code"]) == (409, "voucher_expired")


def test_a_malformed_code_is_a_400_and_an_unknown_one_404(api_as: Any) -> None:
    keeper = api_as(keeper_of(HiveFactory()))

    assert keeper.post("/vouchers/nonsense/fulfil", {}).status_code == 400
    assert keeper.post("/vouchers/ABCDE-FGHJK/fulfil", {}).status_code == 404
    assert keeper.post(f"/vouchers/{'A' * 5000}/fulfil", {}).status_code in (400, 404)


def test_the_owner_and_the_keeper_see_a_voucher_strangers_do_not(api_as: Any) -> None:
    hive = HiveFactory()
    owner = rider_with(1000)
    voucher = services.gift_redeem(worker=owner, gift_id=listed_gift([hive]).pk)

    mine = api_as(owner).get(f"/vouchers/{voucher.code}")
    keepers = api_as(keeper_of(hive)).get(f"/vouchers/{voucher.code}")
    strangers = api_as(rider_with(0)).get(f"/vouchers/{voucher.code}")

    assert mine.status_code == 200 and mine.json()["worker"] is None
    assert keepers.status_code == 200 and keepers.json()["worker"]["name"] == owner.name
    assert keepers.json()["stations"] == [{"id": hive.pk, "name": hive.name}]
    assert strangers.status_code == 404


def test_cancel_refunds_and_answers_the_voucher(api_as: Any) -> None:
    rider = rider_with(500)
    voucher = services.gift_redeem(worker=rider, gift_id=GiftFactory(points_cost=500).pk)
    client = api_as(rider)

    done = client.post(f"/vouchers/{voucher.code}/cancel", {})
    again = client.post(f"/vouchers/{voucher.code}/cancel", {})
    someone_else = api_as(rider_with(0)).post(f"/vouchers/{voucher.code}/cancel", {})

    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert done.json()["cancelled_at"] is not None
    assert balance_of(rider) == 500
    assert (again.status_code, again.json()["code"]) == (409, "voucher_cancelled")
    assert someone_else.status_code == 404


def test_the_mall_answer_fits_its_schema_exactly(api: Any, api_as: Any) -> None:
    # given an any-station gift, a listed one and one sold out (GET /rewards is rendered without
    # ninja's check), asked for anonymously, by a worker with points, and near a station
    here = HiveFactory(lat=30.59, lng=114.30)
    GiftFactory(points_cost=100, active_until=timezone.now() + timedelta(days=3))
    listed_gift([here], points_cost=300)
    GiftFactory(points_cost=50, total_stock=1, stock_available=0)
    rider = worker()
    give_points(rider, 200)

    # when
    answers = [
        api.get("/rewards"),
        api_as(rider).get("/rewards"),
        api_as(rider).get("/rewards", {"lat": 30.59, "lng": 114.30}),
    ]

    # then
    for response in answers:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert_answer_fits(GiftList, response.json())
    assert [g["affordable"] for g in answers[1].json()["items"]] == [True, False, False]
    assert all(g["distance_m"] is not None for g in answers[2].json()["items"])
