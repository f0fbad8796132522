"""GET /hives from the stations kept in memory (selectors.nearby): the same answers as the SQL
search (selectors.stations.hives_search) over generated cities and searches, and every kind of
change of what the answer shows visible on the very next request (the stations' version,
hives.station_version, changed by the database's triggers)."""

from __future__ import annotations

import random
import threading
import time as time_module
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import UserFactory, staff
from littlebee.core.errors import InvalidInput
from littlebee.hives import services, station_version
from littlebee.hives.models import Hive, OpeningException, OpeningInterval, Service
from littlebee.hives.selectors import nearby, stations
from littlebee.hives.services import service_catalogue_ensure
from littlebee.orgs.models import Organisation

from .factories import HiveFactory

pytestmark = pytest.mark.django_db

HERE: dict[str, Any] = {"lat": 30.5475, "lng": 114.3}


def _answer(found: stations.NearestResult) -> tuple[int, list[tuple[Any, ...]]]:
    """Everything the answer is written from, station by station."""
    return found.count, [
        (item.hive, item.distance_m, item.open_now, item.closes_at, item.opens_at, item.intervals)
        for item in found.items
    ]


def _city_generate(rng: random.Random, city: Any, catalogue: list[Service], n: int) -> None:  # noqa: F811
    """n stations: most around the centre, some spread up to ~150 km, a few at the same place;
    shared and own schedules (overnight ones too), 24-hour ones, exceptions around today, service
    sets, two managing units and two time zones, and some stations deactivated."""
    units = [city.party_org(city.community), city.party_org(city.neighbour)]
    schedules = [
        [(d, time(8), time(20)) for d in range(5)],
        [(d, time(9), time(17)) for d in range(7)],
        [(d, time(22), time(2)) for d in range(7)],
        [(d, time(6), time(11)) for d in range(6)] + [(d, time(14), time(23, 30)) for d in range(6)],
    ]
    today = timezone.localdate()
    spots = [(HERE["lat"] + rng.uniform(-0.3, 0.3), HERE["lng"] + rng.uniform(-0.3, 0.3)) for _ in range(5)]
    for _ in range(n):
        kind = rng.random()
        if kind < 0.6:
            lat, lng = HERE["lat"] + rng.gauss(0, 0.05), HERE["lng"] + rng.gauss(0, 0.05)
        elif kind < 0.9:
            lat, lng = HERE["lat"] + rng.uniform(-1.4, 1.4), HERE["lng"] + rng.uniform(-1.6, 1.6)
        else:
            lat, lng = rng.choice(spots)  # several stations at one place: ties broken by id
        hive: Any = HiveFactory(
            lat=lat,
            lng=lng,
            community=city.community,
            managing_unit=rng.choice(units),
            always_open=rng.random() < 0.2,
            demonstration=rng.random() < 0.1,
            time_zone=rng.choice(["Asia/Shanghai", "Asia/Shanghai", "Asia/Urumqi"]),
            is_active=rng.random() > 0.1,
            services=rng.sample(catalogue, rng.randint(0, len(catalogue))),
        )
        schedule = rng.choice(schedules) if rng.random() < 0.8 else [(rng.randrange(7), time(10), time(12))]
        OpeningInterval.objects.bulk_create(
            OpeningInterval(hive=hive, weekday=d, opens=o, closes=c) for d, o, c in schedule
        )
        for day in rng.sample(range(-12, 12), rng.choice([0, 0, 1, 3])):
            closed = rng.random() < 0.5
            OpeningException.objects.create(
                hive=hive,
                date=today + timedelta(days=day),
                closed=closed,
                opens=None if closed else time(rng.randrange(12)),
                closes=None if closed else time(12 + rng.randrange(12)),
            )


def test_every_search_answers_as_the_sql_search(city: Any) -> None:  # noqa: F811
    # given a generated city of 160 stations (seeded: a failure can be replayed)
    rng = random.Random(13)
    catalogue = service_catalogue_ensure()
    Service.objects.filter(code="reading").update(name_en="Reading corner")
    _city_generate(rng, city, catalogue, 160)
    active = list(Hive.objects.filter(is_active=True).values_list("lat", "lng"))
    zone = ZoneInfo("Asia/Shanghai")
    moments = [timezone.now()] + [
        datetime.combine(timezone.localdate() + timedelta(days=d), time(h, m), tzinfo=zone)
        for d, h, m in ((0, 1, 30), (0, 8, 0), (1, 12, 0), (-1, 23, 45), (3, 21, 59))
    ]

    # when 400 searches of every shape are asked of both
    compared = 0
    for _ in range(400):
        if rng.random() < 0.7:
            lat, lng = rng.choice(active)
            lat, lng = lat + rng.uniform(-0.02, 0.02), lng + rng.uniform(-0.02, 0.02)
        else:
            lat, lng = HERE["lat"] + rng.uniform(-2.5, 2.5), HERE["lng"] + rng.uniform(-2.5, 2.5)
        search: dict[str, Any] = {
            "lat": lat,
            "lng": lng,
            "radius_km": rng.choice([None, None, 0.05, 0.5, 2.0, 10.0, 50.0]),
            "open_now": rng.random() < 0.35,
            "service": rng.choice([None, None, "", "reading", "rest_charging", "child_care"]),
            "limit": rng.choice([None, 1, 5, 20, 25, 100, 0, 1000]),
            "at": rng.choice(moments),
        }
        kept = _answer(nearby.hives_search_kept(**search))
        sql = _answer(stations.hives_search(**search))

        # then the same stations, in the same order, with the same distances, hours and status
        assert kept == sql, search
        compared += len(sql[1])
    assert compared > 2000


@pytest.mark.parametrize(
    "search",
    [
        {"service": "no-such-service"},
        {"lat": 91.0, "service": "no-such-service"},
        {"radius_km": 0},
        {"radius_km": 51},
        {"lng": float("nan")},
    ],
)
def test_refusals_are_the_sql_searchs(city: Any, search: dict[str, Any]) -> None:  # noqa: F811
    # given
    service_catalogue_ensure()
    HiveFactory(**HERE)
    asked = {**HERE, **search}

    # when
    with pytest.raises(InvalidInput) as kept:
        nearby.hives_search_kept(**asked)
    with pytest.raises(InvalidInput) as sql:
        stations.hives_search(**asked)

    # then
    assert [(e.field, str(e.detail)) for e in kept.value.errors] == [(e.field, str(e.detail)) for e in sql.value.errors]


# --- Every change is visible on the very next request ---------------------------------------------
@pytest.fixture
def kept_station(city: Any) -> Hive:  # noqa: F811
    """A station, 24 hours, with one service, searched once so that the stations are kept."""
    catalogue = {s.code: s for s in service_catalogue_ensure()}
    hive: Any = HiveFactory(
        **HERE, community=city.community, managing_unit=city.party_org(city.community), services=[catalogue["reading"]]
    )
    assert _first(hive) is not None
    return hive


def _first(hive: Hive, **search: Any) -> dict[str, Any] | None:
    from littlebee.conftest import ApiClient

    response = ApiClient().get("/hives", {**HERE, **search})
    assert response.status_code == 200, response.content
    return next((item for item in response.json()["items"] if item["id"] == hive.pk), None)


def test_a_station_edit_through_the_service_shows(city: Any, kept_station: Hive) -> None:  # noqa: F811
    keeper = staff(kept_station.managing_unit, role=Role.KEEPER)
    services.hive_update(hive_id=kept_station.pk, actor=keeper, name="改名后的驿站", contact_phone="027-12345678")
    item = _first(kept_station)
    assert item is not None and (item["name"], item["contact_phone"]) == ("改名后的驿站", "027-12345678")


def test_new_weekly_hours_show(city: Any, kept_station: Hive) -> None:  # noqa: F811
    keeper = staff(kept_station.managing_unit, role=Role.KEEPER)
    schedule = {"always_open": False, "mon": [["08:00", "09:00"]]}
    services.hive_set_schedule(hive_id=kept_station.pk, actor=keeper, schedule=schedule)
    item = _first(kept_station)
    assert item is not None and item["opening_hours"]["always_open"] is False
    assert item["opening_hours"]["mon"] == [["08:00", "09:00"]]


def test_an_exception_shows(city: Any, kept_station: Hive) -> None:  # noqa: F811
    # given the station is open now (24 hours)
    assert _first(kept_station, open_now="true") is not None

    # when its keeper closes it today
    keeper = staff(kept_station.managing_unit, role=Role.KEEPER)
    today = timezone.localdate()
    services.hive_add_exception(hive_id=kept_station.pk, actor=keeper, on=today, closed=True, today=today)

    # then
    assert _first(kept_station, open_now="true") is None
    item = _first(kept_station)
    assert item is not None and item["open_now"] is False


def test_services_added_and_removed_show(kept_station: Hive) -> None:
    shelter = Service.objects.get(code="shelter")
    kept_station.services.add(shelter)
    item = _first(kept_station, service="shelter")
    assert item is not None and [s["code"] for s in item["services"]] == ["shelter", "reading"]

    kept_station.services.remove(shelter)
    assert _first(kept_station, service="shelter") is None


def test_the_catalogue_renamed_or_grown_shows(kept_station: Hive) -> None:
    from littlebee.conftest import ApiClient

    # given a code nobody knows yet
    assert ApiClient().get("/hives", {**HERE, "service": "bike_repair"}).status_code == 400

    # when the catalogue gets it, and a service is renamed by a queryset update
    Service.objects.create(code="bike_repair", name="单车修理", order=99)
    Service.objects.filter(code="reading").update(name="读书角")

    # then
    assert ApiClient().get("/hives", {**HERE, "service": "bike_repair"}).json()["count"] == 0
    item = _first(kept_station)
    assert item is not None and item["services"][0]["name"] == "读书角"


def test_the_managing_unit_renamed_or_changed_shows(city: Any, kept_station: Hive) -> None:  # noqa: F811
    unit = Organisation.objects.get(pk=kept_station.managing_unit_id)
    unit.name = "新的管理单位"
    unit.save()
    item = _first(kept_station)
    assert item is not None and item["managing_unit"]["name"] == "新的管理单位"

    other = city.party_org(city.neighbour)
    Hive.objects.filter(pk=kept_station.pk).update(managing_unit=other)
    item = _first(kept_station)
    assert item is not None and item["managing_unit"] == {"id": other.pk, "name": other.name}


def test_a_deleted_or_deactivated_station_is_gone(city: Any, kept_station: Hive) -> None:  # noqa: F811
    other: Any = HiveFactory(
        lat=HERE["lat"] + 0.001, lng=HERE["lng"], community=city.community, managing_unit=kept_station.managing_unit
    )
    assert _first(other) is not None
    Hive.objects.filter(pk=other.pk).update(is_active=False)
    assert _first(other) is None

    kept_station.delete()
    assert _first(kept_station) is None


def test_bulk_writes_show(city: Any, kept_station: Hive) -> None:  # noqa: F811
    kept_station.lat += 0.01
    Hive.objects.bulk_update([kept_station], ["lat"])
    item = _first(kept_station)
    assert item is not None and 1100 < item["distance_m"] < 1125

    [made] = Hive.objects.bulk_create(
        [Hive(name="批量新建", address="路", lat=HERE["lat"], lng=HERE["lng"], community=city.community,
              managing_unit=kept_station.managing_unit, always_open=True)]
    )  # fmt: skip
    assert _first(made) is not None


def test_raw_sql_shows(kept_station: Hive) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE hives_hive SET address = %s WHERE id = %s", ["原始语句改的地址", kept_station.pk])
    item = _first(kept_station)
    assert item is not None and item["address"] == "原始语句改的地址"


def test_an_admin_edit_shows(client: Any, city: Any, kept_station: Hive) -> None:  # noqa: F811
    # given a city admin on the station's change form
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    hive = kept_station
    form: dict[str, Any] = {
        "name": "后台改名",
        "address": hive.address,
        "lat": hive.lat,
        "lng": hive.lng,
        "community": hive.community_id,
        "managing_unit": hive.managing_unit_id,
        "responsible_person": "",
        "contact_phone": hive.contact_phone,
        "description": "",
        "always_open": "on",
        "time_zone": hive.time_zone,
        "services": [s.pk for s in hive.services.all()],
        "is_active": "on",
    }
    for prefix in ("intervals", "exceptions", "annual_items"):
        form |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}

    # when
    response = client.post(f"/admin/hives/hive/{hive.pk}/change/", form)

    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    item = _first(kept_station)
    assert item is not None and item["name"] == "后台改名"


def test_a_rolled_back_change_is_never_taken_for_a_later_one(kept_station: Hive) -> None:
    # given a change seen inside a transaction that is then rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        Hive.objects.filter(pk=kept_station.pk).update(name="回滚的名字")
        assert _first(kept_station)["name"] == "回滚的名字"  # type: ignore[index]
        raise RuntimeError
    assert _first(kept_station)["name"] == kept_station.name  # type: ignore[index]

    # when another change is made (a counter would count up to the rolled-back value again)
    Hive.objects.filter(pk=kept_station.pk).update(name="后来的名字")

    # then it is what the next request shows
    assert _first(kept_station)["name"] == "后来的名字"  # type: ignore[index]


def test_without_its_version_row_the_stations_are_read_every_time(kept_station: Hive) -> None:
    # given the version row deleted (a database emptied table by table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {station_version.TABLE}")

    # then each search reads the stations, and nothing read is kept
    assert _first(kept_station) is not None
    first = nearby.station_index()
    assert first is not nearby.station_index()

    # and the next change brings the row back
    Hive.objects.filter(pk=kept_station.pk).update(name="又有版本了")
    assert _first(kept_station)["name"] == "又有版本了"  # type: ignore[index]
    assert nearby.station_index() is nearby.station_index()


def test_a_date_not_today(kept_station: Hive) -> None:
    # given an exception far ahead: kept with the station, shown once its week comes
    later = timezone.now() + timedelta(days=30)
    OpeningException.objects.create(hive=kept_station, date=timezone.localdate(later), closed=True)
    kept = nearby.hives_search_kept(**HERE, at=later)
    sql = stations.hives_search(**HERE, at=later)
    assert _answer(kept) == _answer(sql) and kept.items[0].open_now is False


def test_threads_that_find_a_new_version_at_once_read_the_stations_once(monkeypatch: Any) -> None:
    # given four threads (gunicorn's per worker) that all read a version the kept stations are not of
    reads: list[int | None] = []
    arrived = threading.Barrier(4)

    def slow_read(version: int | None) -> nearby.StationIndex:
        reads.append(version)
        time_module.sleep(0.05)
        return nearby.StationIndex(version, [], [])

    monkeypatch.setattr(nearby, "first_statement_checks", lambda read: 42)
    monkeypatch.setattr(nearby, "_index_read", slow_read)
    monkeypatch.setattr(nearby, "_kept", nearby.StationIndex(41, [], []))
    found: list[nearby.StationIndex] = []

    def search() -> None:
        arrived.wait()
        found.append(nearby.station_index())

    # when they search at once
    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one of them read the stations, and all four answer from what it read
    assert reads == [42]
    assert len(found) == 4 and all(index is found[0] for index in found) and found[0].version == 42
