"""GET /hives, the station search's hot path: each service named once a search in the reader's
language, each schedule turned into its answer once, and the answer the same in both languages
but for the services' names."""

from __future__ import annotations

import json
import random
from datetime import datetime, time, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.conftest import ApiClient
from littlebee.core.api_answers import assert_answer_fits
from littlebee.core.geo import haversine_m
from littlebee.hives import hours
from littlebee.hives.models import Hive, OpeningException, OpeningInterval, Service
from littlebee.hives.schemas import HiveList
from littlebee.hives.selectors import nearby, stations
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

    # when a search runs in each language, counting the language lookups (GET /hives answers
    # from the stations kept in memory: selectors.nearby)
    with mock.patch.object(nearby, "get_language", wraps=nearby.get_language) as looked_up:
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


def test_the_statement_reads_one_row_per_station_not_one_per_interval_and_service(stations_nearby: list[Any]) -> None:
    # given 13 stations with 6 weekly intervals and 2 services each (but one), counting rows read
    # (on PostgreSQL the psycopg cursor's own: the search runs on the connection's kept cursor,
    # core.hot_cursor, not through Django's wrapper)
    fetched: list[int] = []
    target: Any = CursorWrapper
    real_fetchall = CursorWrapper.__getattr__
    if connection.vendor == "postgresql":
        import psycopg

        target, psycopg_fetchall = psycopg.Cursor, psycopg.Cursor.fetchall

        def real_fetchall(cursor: Any, _name: str) -> Any:
            return lambda: psycopg_fetchall(cursor)

    def counting(cursor: Any) -> list[Any]:
        rows = real_fetchall(cursor, "fetchall")()
        fetched.append(len(rows))
        return rows

    # when the nearest 20 are searched in SQL (the station pages' search; GET /hives answers
    # from the stations kept in memory)
    with mock.patch.object(target, "fetchall", counting, create=True):
        found = stations.hives_search(lat=SEARCH["lat"], lng=SEARCH["lng"], limit=20)

    # then one statement read the 13 stations and the catalogue's services, not their ~100 links
    catalogue = Service.objects.count()
    assert found.count == 13
    assert fetched == [13 + catalogue]


def test_each_schedules_status_is_worked_out_once_a_search(stations_nearby: list[Any]) -> None:
    # given 13 stations sharing 5 schedules (closing at 20:00 on even ones, 18-22 on odd; one 24 h)
    # when the nearest 20 are searched, counting the status computations (hours.status_plain:
    # what hours.status does, which GET /hives calls on the hours it keeps, selectors.nearby)
    with mock.patch.object(hours, "status_plain", wraps=hours.status_plain) as worked_out:
        body = ApiClient().get("/hives", SEARCH).json()

    # then each schedule's status was worked out once, not once per station
    assert len(body["items"]) == 13
    schedules = {(json.dumps(item["opening_hours"], sort_keys=True)) for item in body["items"]}
    assert worked_out.call_count == len(schedules) < 13


def _reference(
    hives: list[Hive], at: datetime, lat: float, lng: float, params: dict[str, Any], language: str
) -> dict[str, Any]:
    """GET /hives as API.md describes it, from the models one station at a time: the active
    stations within the radius (200 km without one), with the service, open when asked, nearest
    first (then by id), their count, and the first `limit` (20; 1..100) with their hours."""
    radius_m = float(params.get("radius_km", 200)) * 1000
    limit = max(1, min(int(params.get("limit", 20)), 100))
    matching = []
    for hive in hives:
        distance = haversine_m(lat, lng, hive.lat, hive.lng)
        intervals, exceptions = list(hive.intervals.all()), list(hive.exceptions.all())
        if not hive.is_active or distance > radius_m:
            continue
        if "service" in params and params["service"] not in {s.code for s in hive.services.all()}:
            continue
        if params.get("open_now") and not hours.is_open(at, intervals, exceptions, hive.always_open, hive.time_zone):
            continue
        matching.append((distance, hive.pk, hive, intervals, exceptions))
    matching.sort(key=lambda m: m[:2])
    items = []
    with translation.override(language):
        for distance, _pk, hive, intervals, exceptions in matching[:limit]:
            status = hours.status(at, intervals, exceptions, hive.always_open, hive.time_zone)
            services = sorted(hive.services.all(), key=lambda s: (s.order, s.code))
            items.append(
                {
                    "id": hive.pk,
                    "name": hive.name,
                    "address": hive.address,
                    "lat": hive.lat,
                    "lng": hive.lng,
                    "distance_m": round(distance),
                    "open_now": status.open_now,
                    "closes_at": status.closes_at,
                    "opens_at": status.opens_at,
                    "opening_hours": hours.schedule_as_dict(intervals, hive.always_open),
                    "services": [{"code": s.code, "name": s.local_name, "is_base": s.is_base} for s in services],
                    "demonstration": hive.demonstration,
                    "managing_unit": {"id": hive.managing_unit_id, "name": hive.managing_unit.name},
                    "contact_phone": hive.contact_phone,
                }
            )
    return json.loads(json.dumps({"count": len(matching), "items": items}, cls=NinjaJSONEncoder))


def test_every_search_answers_as_the_reference_built_station_by_station(city: Any) -> None:  # noqa: F811
    # given 40 stations over 80 km: six shared schedules (overnight, split, 24 h, none), closures
    # and special hours around today, services in every combination, some inactive
    rng = random.Random(13)
    catalogue = list(service_catalogue_ensure())
    Service.objects.filter(code=catalogue[0].code).update(name_en="First service (test)")
    schedules: list[list[tuple[range, time, time]]] = [
        [(range(7), time(8), time(20))],
        [(range(7), time(18), time(2))],
        [(range(5), time(8, 30), time(12)), (range(5), time(13, 30), time(18)), (range(5, 7), time(9), time(17))],
        [(range(7), time(6), time(10)), (range(7), time(16), time(23, 30))],
        [(range(0, 7, 2), time(0), time(23, 59)), (range(1, 7, 2), time(9), time(0))],
        [],
    ]
    at = datetime(2026, 12, 5, 12, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    for i in range(40):
        far = i % 13 == 0
        hive: Any = HiveFactory(
            lat=30.5 + rng.uniform(-0.02, 0.02) + (0.6 if far else 0),
            lng=114.3 + rng.uniform(-0.02, 0.02),
            always_open=i % 6 == 5,
            is_active=i % 11 != 3,
            demonstration=i % 4 == 0,
            community=city.community,
            managing_unit=city.party_org(city.community),
            services=rng.sample(catalogue, rng.randrange(len(catalogue) + 1)),
        )
        OpeningInterval.objects.bulk_create(
            OpeningInterval(hive=hive, weekday=day, opens=opens, closes=closes)
            for days, opens, closes in schedules[i % 6]
            for day in days
        )
        if i % 5 == 0:
            day = at.date() + timedelta(days=i % 3 - 1)
            special = i % 2 == 0
            OpeningException.objects.create(
                hive=hive, date=day, closed=not special, opens=time(10) if special else None,
                closes=time(14) if special else None,
            )  # fmt: skip
    hives = list(Hive.objects.select_related("managing_unit").prefetch_related("intervals", "exceptions", "services"))
    searches: list[dict[str, Any]] = [
        {}, {"open_now": True}, {"service": catalogue[1].code}, {"radius_km": 1.5}, {"limit": 100},
        {"limit": 3, "radius_km": 2, "open_now": True, "service": catalogue[2].code}, {"limit": 0},
    ]  # fmt: skip

    # when each search runs from 6 places, in both languages, at a fixed moment
    for n in range(6):
        lat, lng = 30.5 + rng.uniform(-0.03, 0.03), 114.3 + rng.uniform(-0.03, 0.03)
        for params in searches:
            language = ("zh-hans", "en")[n % 2]
            with mock.patch("django.utils.timezone.now", return_value=at):
                response = ApiClient(language=language).get("/hives", {"lat": lat, "lng": lng, **params})

            # then the answer is the reference's
            assert response.status_code == 200
            assert response.json() == _reference(hives, at, lat, lng, params, language), (lat, lng, params)


def test_stations_with_the_same_services_share_one_list_a_search(stations_nearby: list[Any]) -> None:
    # given 12 stations with the same two services and one without
    # when the nearest 20 are searched
    found = stations.hives_search(lat=SEARCH["lat"], lng=SEARCH["lng"], limit=20)

    # then the twelve share one list of those services (the answer builds it once), in the
    # catalogue's order, and the station without services has its own empty list
    with_services = [row.hive.services for row in found.items if row.hive.services]
    assert len(with_services) == 12
    assert all(services is with_services[0] for services in with_services)
    assert [s.code for s in with_services[0]] == ["rest_charging", "reading"]
    assert [row.hive.services for row in found.items if not row.hive.services] == [[]]


def test_the_answer_is_written_as_json_dumps_writes_it_without_encoding_the_stations(
    stations_nearby: list[Any],
) -> None:
    # given 13 stations with Chinese names and addresses, shared hours and services, at a moment
    # when the weekday ones are open (closing times in the answer) and a managing unit named too
    at = datetime(2026, 12, 7, 10, 0, 0, 500, tzinfo=ZoneInfo("Asia/Shanghai"))
    stations_nearby[0].lat = 30.547512345678901
    stations_nearby[0].save()

    # when the nearest 20 are searched, watching what json.dumps is asked to write
    with (
        mock.patch("django.utils.timezone.now", return_value=at),
        mock.patch("json.dumps", wraps=json.dumps) as dumps,
    ):
        response = ApiClient().get("/hives", SEARCH)

    # then the answer is byte for byte what django-ninja's encoder writes for it
    body = response.json()
    assert len(body["items"]) == 13 and body["items"][0]["closes_at"] is not None
    assert response.content == json.dumps(body, cls=NinjaJSONEncoder).encode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert_answer_fits(HiveList, body)
    # and no station (nor the whole answer) went through the encoder: only the few shared pieces
    encoded = [call.args[0] for call in dumps.call_args_list]
    assert not [value for value in encoded if isinstance(value, dict) and ("items" in value or "id" in value)]


def test_a_second_search_writes_no_service_list_or_schedule_again(stations_nearby: list[Any]) -> None:
    # given a search that has written its stations' service sets and schedules once
    ApiClient().get("/hives", SEARCH)

    # when the same stations are searched again, watching what json.dumps is asked to write
    with mock.patch("json.dumps", wraps=json.dumps) as dumps:
        body = ApiClient().get("/hives", SEARCH).json()

    # then their JSON came from the process's copies: no list or schedule was encoded again
    assert len(body["items"]) == 13
    assert not [call for call in dumps.call_args_list if isinstance(call.args[0], list | dict)]
