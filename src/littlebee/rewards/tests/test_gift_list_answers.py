"""GET /rewards builds its answer from plain rows: the same answer as the ORM's gifts through
gift_payload (which GET /rewards/{id} still uses), in every shape of the list."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db.models import Model
from django.test import RequestFactory
from django.utils import timezone, translation
from ninja.responses import NinjaJSONEncoder

from littlebee.accounts.tests.factories import worker
from littlebee.core.api_answers import assert_answer_fits
from littlebee.orgs.models import Organisation
from littlebee.points.selectors import balance_of
from littlebee.rewards import selectors
from littlebee.rewards.api import GiftList, gift_payload
from littlebee.rewards.models import Gift

from .factories import GiftFactory, HiveFactory, give_points, listed_gift

pytestmark = pytest.mark.django_db


def _city() -> dict[str, Any]:
    """Gifts of every kind the list shows: any-station and listed (an inactive station among
    them), English names or not, a picture, dates, a limit, one sold out, one off sale."""
    here = HiveFactory(name="乙站", lat=30.5440, lng=114.3000)
    there = HiveFactory(name="甲站", lat=30.5500, lng=114.3050)
    closed = HiveFactory(name="丙站", lat=30.5450, lng=114.3010, is_active=False)
    far = HiveFactory(name="远站", lat=30.7240, lng=114.3000)
    now = timezone.now()
    GiftFactory(name="雨衣", name_en="Raincoat", description_en="Dry rides.", points_cost=800, picture="gifts/r.jpg")
    GiftFactory(name="洗手液", points_cost=100, per_worker_limit=2, donor_note="感谢")
    GiftFactory(
        name="限时券",
        points_cost=300,
        active_from=now - timedelta(days=1, microseconds=1234),
        active_until=now + timedelta(days=9),
    )
    GiftFactory(name="兑完的伞", points_cost=50, total_stock=1, stock_available=0)
    GiftFactory(name="下架", is_active=False)
    listed_gift([here, there, closed], name="门票", name_en="Ticket", points_cost=1500)
    listed_gift([far], name="远处领取", points_cost=200)
    listed_gift([closed], name="无站可领", points_cost=250)
    return {"here": here}


def _reference(request: Any, worker_: Any, *, affordable: bool, near: Any, limit: int, offset: int) -> dict[str, Any]:
    """The answer as the ORM's gifts give it: gifts_available's order and filters, gift_payload."""
    signed_in = worker_ is not None
    balance = balance_of(worker_) if signed_in else None
    gifts = selectors.gifts_available(worker=worker_, affordable=affordable, near=near)
    page = list(gifts[offset : offset + limit])
    return {
        "count": gifts.count(),
        "items": [gift_payload(request, g, balance=balance, near=near) for g in page],
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_every_shape_of_the_list_answers_as_the_orms_gifts(
    api: Any, api_as: Any, language: str, signed_in: bool
) -> None:
    # given the gifts, a worker with 600 points, and a spot by 乙站
    _city()
    rider = worker()
    give_points(rider, 600)
    client = api_as(rider) if signed_in else api
    client.language = language
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    spot = {"lat": 30.5450, "lng": 114.3000}
    shapes: list[dict[str, Any]] = [
        {},
        {"affordable": "true"},
        spot,
        {**spot, "radius_km": 30},
        {**spot, "affordable": "true"},
        {"limit": 2, "offset": 1},
        {"limit": 3, "offset": 6},
        {"offset": 50},
        {"lat": 39.90, "lng": 116.40},
    ]
    for params in shapes:
        # when
        response = client.get("/rewards", params)

        # then
        assert response.status_code == 200, (params, response.content)
        body = response.json()
        assert_answer_fits(GiftList, body)
        near = None
        if "lat" in params:
            near = selectors.stations_near(params["lat"], params["lng"], params.get("radius_km", 5.0))
        with translation.override(language):
            expected = _reference(
                request,
                rider if signed_in else None,
                affordable=params.get("affordable") == "true",
                near=near,
                limit=params.get("limit", 20),
                offset=params.get("offset", 0),
            )
        assert body == json.loads(json.dumps(expected, cls=NinjaJSONEncoder)), params


def test_the_list_makes_no_gift_or_donor_instances(api_as: Any) -> None:
    # given a page of gifts (instances cost more CPU than the rows they are made from)
    _city()
    rider = worker()
    give_points(rider, 600)
    client = api_as(rider)
    made: list[type] = []
    original = Model.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(type(self))
        original(self, *args, **kwargs)

    # when
    with mock.patch.object(Model, "__init__", counting):
        body = client.get("/rewards").json()

    # then
    assert body["count"] == 7
    assert Gift not in made and Organisation not in made
