"""GET /hives, the station search's hot path: each service named once a search in the reader's
language, each schedule turned into its answer once, and the answer the same in both languages
but for the services' names."""

from __future__ import annotations

from datetime import time
from typing import Any
from unittest import mock

import pytest

from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.conftest import ApiClient
from littlebee.core.api_answers import assert_answer_fits
from littlebee.hives.models import OpeningInterval, Service
from littlebee.hives.schemas import HiveList
from littlebee.hives.selectors import stations
from littlebee.hives.services import service_catalogue_ensure

from .factories import HiveFactory

pytestmark = pytest.mark.django_db

SEARCH = {"lat": 30.5475, "lng": 114.3, "limit": 20}


@pytest.fixture
def stations_nearby(city: Any) -> list[Any]:  # noqa: F811
    """Twelve stations with the same two services (listed out of the catalogue's order), the same
    weekly hours on the even ones, and one station without services or hours."""
    catalogue = {s.code: s for s in service_catalogue_ensure()}
    hives = []
    for i in range(12):
        hive: Any = HiveFactory(
            lat=30.5475 + i * 0.001,
            lng=114.3,
            always_open=False,
            services=[catalogue["reading"], catalogue["rest_charging"]],
        )
        closes = time(20) if i % 2 == 0 else time(18 + i % 5)
        for day in range(5):
            OpeningInterval.objects.create(hive=hive, weekday=day, opens=time(8), closes=closes)
        OpeningInterval.objects.create(hive=hive, weekday=5, opens=time(22), closes=time(2))
        hives.append(hive)
    hives.append(HiveFactory(lat=30.56, lng=114.3, always_open=True, services=[]))
    return hives


def test_services_are_named_once_a_search_in_the_readers_language(stations_nearby: list[Any]) -> None:
    # given a service with an English name of its own
    Service.objects.filter(code="reading").update(name_en="Reading corner (test)")

    # when a search runs in each language, counting the language lookups
    with mock.patch.object(stations, "get_language", wraps=stations.get_language) as looked_up:
        chinese = ApiClient(language="zh-hans").get("/hives", SEARCH).json()
        searches = looked_up.call_count
        english = ApiClient(language="en").get("/hives", SEARCH).json()

    # then each search asked for the language once, not once per station and service
    assert searches == 1 and looked_up.call_count == 2
    # and the services are in the catalogue's order, named in the reader's language
    first = chinese["items"][0]["services"]
    assert [s["code"] for s in first] == ["rest_charging", "reading"]
    assert english["items"][0]["services"][1]["name"] == "Reading corner (test)"
    assert first[1]["name"] == Service.objects.get(code="reading").name
    # and apart from those names the two answers are the same, and both fit the schema
    for body in (chinese, english):
        assert_answer_fits(HiveList, body)
        for item in body["items"]:
            item["services"] = [{**s, "name": ""} for s in item["services"]]
    assert chinese == english


def test_each_station_shows_its_own_hours_whichever_it_shares(stations_nearby: list[Any]) -> None:
    # when the search lists stations whose hours are shared by some and differ for others
    body = ApiClient().get("/hives", SEARCH).json()

    # then each station's hours are its own, as the station's page gives them
    by_id = {item["id"]: item for item in body["items"]}
    assert len(by_id) == 13
    for hive_id, item in by_id.items():
        page = ApiClient().get(f"/hives/{hive_id}").json()
        assert item["opening_hours"] == page["opening_hours"]
        assert [s["code"] for s in item["services"]] == [s["code"] for s in page["services"]]
        assert (item["open_now"], item["closes_at"], item["opens_at"]) == (
            page["open_now"],
            page["closes_at"],
            page["opens_at"],
        )
    assert by_id[stations_nearby[-1].pk]["services"] == []
    assert by_id[stations_nearby[0].pk]["opening_hours"]["sat"] == [["22:00", "02:00"]]
