"""hives_nearest on larger sets, and hives_editable_by for every rule."""

from __future__ import annotations

import random
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import UserFactory, staff
from littlebee.core.errors import InvalidInput
from littlebee.core.geo import haversine_m
from littlebee.hives import selectors
from littlebee.hives.models import Hive, OpeningInterval

from .factories import HiveFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_nearest_matches_a_brute_force_ordering(city):  # noqa: F811
    # given 200 stations scattered over 60 km, half of them open only at night
    rng = random.Random(7)
    hives = []
    for i in range(200):
        hive = HiveFactory(
            lat=30.3 + rng.random() * 0.6, lng=113.9 + rng.random() * 0.8, always_open=i % 2 == 0,
            community=city.community, managing_unit=city.party_org(city.community),
        )  # fmt: skip
        if i % 2:
            OpeningInterval.objects.create(hive=hive, weekday=4, opens=time(22), closes=time(2))
        hives.append(hive)
    at = datetime(2026, 12, 5, 1, 0, tzinfo=SH)  # Saturday 01:00: the Friday night shift is open
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=SH)
    lat, lng = 30.6, 114.3

    # when
    rows = selectors.hives_nearest(lat=lat, lng=lng, limit=15, at=at)
    open_rows = selectors.hives_nearest(lat=lat, lng=lng, limit=15, open_now=True, at=noon)

    # then
    expected = sorted(hives, key=lambda h: (haversine_m(lat, lng, h.lat, h.lng), h.pk))[:15]
    assert [r.hive.id for r in rows] == [h.pk for h in expected]
    assert all(r.open_now for r in rows)
    expected_open = [
        h for h in sorted(hives, key=lambda h: (haversine_m(lat, lng, h.lat, h.lng), h.pk)) if h.always_open
    ]
    assert [r.hive.id for r in open_rows] == [h.pk for h in expected_open[:15]]
    night = next(r for r in rows if not r.hive.always_open)
    assert night.closes_at == datetime(2026, 12, 5, 2, 0, tzinfo=SH)


def test_nearest_validates_its_input():
    with pytest.raises(InvalidInput) as caught:
        selectors.hives_nearest(lat=100, lng=114, radius_km=60, service="massage")
    assert {e.field for e in caught.value.errors} == {"lat", "radius_km", "service"}


def test_editable_by_each_role(city):  # noqa: F811
    # given a station in 西厂口社区 and one in another district
    here = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    there = HiveFactory(community=city.other_district_community)

    def editable(user):
        return set(selectors.hives_editable_by(user).values_list("pk", flat=True))

    # then
    assert editable(staff(city.party_org(city.community), role=Role.KEEPER)) == {here.pk}
    assert editable(staff(city.party_org(city.neighbour), role=Role.KEEPER)) == set()
    assert editable(staff(city.party_org(city.street), role=Role.ADMIN)) == {here.pk}
    assert editable(staff(city.party_org(city.district), role=Role.ADMIN)) == {here.pk}
    assert editable(staff(city.party_org(city.city), role=Role.CITY_ADMIN)) == {here.pk, there.pk}
    assert editable(staff(city.party_org(city.district), role=Role.HANDLER)) == set()
    assert editable(UserFactory()) == set()
    assert editable(UserFactory(is_superuser=True)) == {here.pk, there.pk}
    assert Hive.objects.count() == 2


def test_a_keeper_of_the_managing_unit_edits_a_station_in_another_community(city):  # noqa: F811
    # given a station run by an alliance unit elsewhere: its keepers edit it, the community's do not
    station = HiveFactory(community=city.neighbour, managing_unit=city.party_org(city.community))
    assert list(selectors.hives_editable_by(staff(city.party_org(city.community), role=Role.KEEPER))) == [station]
    assert list(selectors.hives_editable_by(staff(city.party_org(city.neighbour), role=Role.KEEPER))) == []
