"""The demo city's 蜂巢 stations and events, as load_wuhan leaves them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from shapely.geometry import Point, shape

from littlebee.accounts.models import Membership, Role, User
from littlebee.demo import wuhan_data
from littlebee.demo.hives import BIRTHDAY_PARTY, hive_counts, hive_plan
from littlebee.demo.points import PAST_DESCRIPTION
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.demo.wuhan import load_wuhan
from littlebee.hives import hours, selectors
from littlebee.hives.models import (
    AnnualServiceItem,
    Event,
    EventRegistration,
    Hive,
    OpeningException,
    OpeningInterval,
    RegistrationStatus,
    Service,
)
from littlebee.hives.services import PHONE_RE, event_register
from littlebee.orgs.models import OrgKind, Region, RegionLevel

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
BASE = {"shelter", "rest_charging", "water_meals", "reading", "emergency_repair"}
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KEEPERS = {"13900000007": "西厂口社区蜂巢驿站", "13900000008": "机安社区爱心驿站"}


def _services(hive: Hive) -> set[str]:
    return {s.code for s in hive.services.all()}


def _next_weekday_at(weekday: int, hour: int) -> datetime:
    today = timezone.localtime(timezone.now(), SH).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return datetime.combine(day, time(hour), tzinfo=SH)


def test_the_first_load_creates_the_stations_quickly(wuhan):
    # given the module's first load
    # then the stations came with everything they need
    assert wuhan.created["stations"] == 600
    assert wuhan.created["events"] >= 5


def test_six_hundred_active_stations_thirty_of_them_demonstration():
    # when
    hives = list(Hive.objects.prefetch_related("services"))

    # then every station offers the five base services, only the demonstration ones more
    assert len(hives) == 600
    assert all(h.is_active for h in hives)
    demonstration = [h for h in hives if h.demonstration]
    assert len(demonstration) == 30
    for hive in hives:
        if hive.demonstration:
            assert _services(hive) > BASE
            assert len(_services(hive) - BASE) >= 2
        else:
            assert _services(hive) == BASE
    # and every special service is on offer somewhere
    specials = set(Service.objects.filter(is_base=False).values_list("code", flat=True))
    assert specials == set().union(*(_services(h) - BASE for h in demonstration))
    # spread over the city: a demonstration station in every district
    assert len({h.community.code[:6] for h in Hive.objects.filter(demonstration=True)}) == 13


def test_every_station_lies_inside_its_community_in_wuhan():
    # given
    city = Region.objects.get(code="4201")
    wuhan_area = shape(city.boundary)
    hives = Hive.objects.select_related("community", "managing_unit")

    # then each sits inside its community's boundary, with a phone and a managing unit of its area
    for hive in hives:
        community = hive.community
        assert community.level == RegionLevel.COMMUNITY
        assert community.path.startswith(city.path)
        point = Point(hive.lng, hive.lat)
        assert shape(community.boundary).contains(point), hive.name
        assert wuhan_area.contains(point)
        assert PHONE_RE.match(hive.contact_phone)
        assert hive.address.startswith("武汉市")
        assert hive.responsible_person
        unit = hive.managing_unit
        assert (unit.kind, unit.region_id) == (OrgKind.PARTY_ORG, community.pk) or unit.kind == OrgKind.ALLIANCE_UNIT
    # and every community has a station of its own
    assert set(hives.values_list("community_id", flat=True)) == set(
        Region.objects.filter(level=RegionLevel.COMMUNITY).values_list("pk", flat=True)
    )
    assert len(set(hives.values_list("name", flat=True))) == 600


def test_opening_hours_mix_daytime_overnight_and_24_hours():
    # given
    hives = list(Hive.objects.prefetch_related("intervals"))
    always_open = [h for h in hives if h.always_open]
    scheduled = [h for h in hives if not h.always_open]

    # then some stations never close and keep no weekly schedule
    assert 30 <= len(always_open) <= 120
    assert all(not h.intervals.all() for h in always_open)
    # the others have a valid schedule (no overlaps), mostly daytime with several intervals a day
    for hive in scheduled:
        intervals = list(hive.intervals.all())
        assert intervals, hive.name
        hours.schedule_parse(hours.schedule_as_dict(intervals, False))
    overnight = [h for h in scheduled if any(i.closes <= i.opens for i in h.intervals.all())]
    several = [h for h in scheduled if Counter(i.weekday for i in h.intervals.all()).most_common(1)[0][1] >= 2]
    assert len(overnight) >= 30
    assert len(several) > len(hives) / 2


def test_a_few_dated_exceptions_ahead():
    # given
    today = timezone.localtime(timezone.now(), SH).date()
    exceptions = list(OpeningException.objects.all())

    # then a few stations close for a holiday or a day, or keep special hours one day; none in the past
    assert 20 <= len(exceptions) <= 200
    assert all(e.date >= today for e in exceptions)
    assert any(e.closed and "元旦" in e.note for e in exceptions)
    assert any(not e.closed and e.opens and e.closes for e in exceptions)
    assert all(e.note for e in exceptions)


def test_every_station_has_this_years_service_list():
    # given
    year = timezone.localtime(timezone.now(), SH).year

    # then
    for hive in Hive.objects.prefetch_related("annual_items"):
        items = [i for i in hive.annual_items.all() if i.year == year]
        assert len(items) >= (6 if hive.demonstration else 3)
        assert all(i.frequency or (i.date and i.date.year == year) for i in items)
        if hive.demonstration:
            assert BIRTHDAY_PARTY in {i.title for i in items}


def test_the_seed_stations_are_where_the_article_puts_them():
    # when
    xichangkou = Hive.objects.select_related("community__parent__parent").get(name="西厂口社区蜂巢驿站")
    jian = Hive.objects.select_related("community__parent__parent").get(name="机安社区爱心驿站")

    # then
    assert xichangkou.community.full_name() == "武昌区 黄鹤楼街道 西厂口社区"
    assert jian.community.full_name() == "武昌区 中华路街道 机安社区"
    assert xichangkou.demonstration and jian.demonstration
    assert jian.always_open
    assert all(word in jian.description for word in ("沙发", "空调", "冰箱", "微波炉"))
    assert xichangkou.managing_unit.name == "中共黄鹤楼街道西厂口社区委员会"
    assert jian.managing_unit.name == "中共中华路街道机安社区委员会"


@pytest.mark.parametrize(("phone", "station"), KEEPERS.items())
def test_each_demo_keeper_keeps_exactly_their_station(phone, station):
    # given
    keeper = User.objects.get(phone=phone)

    # when
    kept = selectors.hives_managed_by(keeper, through_membership=True)

    # then the keeper is a keeper of the station's managing unit, and that unit runs no other station
    assert [h.name for h in kept] == [station]
    membership = Membership.objects.get(user=keeper)
    assert (membership.role, membership.organisation) == (Role.KEEPER, kept[0].managing_unit)


def test_every_demo_keeper_keeps_a_station():
    # given
    keepers = Membership.objects.filter(role=Role.KEEPER, organisation__code__startswith="wh-")

    # then
    assert {m.user.phone for m in keepers} >= set(KEEPERS)
    for membership in keepers:
        assert Hive.objects.filter(managing_unit=membership.organisation).exists()


def test_the_birthday_party_is_coming_and_nearly_full():
    # when
    party = Event.objects.select_related("hive", "organiser").get(title=BIRTHDAY_PARTY)

    # then the street holds it at 黄鹤楼 for the 西厂口 station, with one place left
    assert party.starts_at > timezone.now()
    assert party.starts_at < timezone.now() + timedelta(days=30)
    assert party.hive is not None and party.hive.name == "西厂口社区蜂巢驿站"
    assert party.organiser.name == "中共武昌区黄鹤楼街道工作委员会"
    assert "黄鹤楼" in party.place
    assert party.capacity <= 30
    assert party.registered_count == party.capacity - 1
    assert party.created_by == User.objects.get(phone="13900000002")


def test_events_are_upcoming_with_consistent_counts():
    # given
    events = list(Event.objects.select_related("hive").exclude(description=PAST_DESCRIPTION))

    # then several events at stations over the next weeks, their counts matching their sign-ups
    assert len(events) >= 5
    assert len({e.hive_id for e in events}) >= 5
    now = timezone.now()
    for event in events:
        assert now < event.starts_at < now + timedelta(days=30)
        assert event.hive is not None
        statuses = Counter(r.status for r in EventRegistration.objects.filter(event=event))
        assert statuses[RegistrationStatus.REGISTERED] == event.registered_count <= event.capacity
        assert statuses[RegistrationStatus.WAITLISTED] == event.waitlisted_count
    # one of them already has a waiting list
    assert any(e.registered_count == e.capacity and e.waitlisted_count > 0 for e in events)


def test_the_birthday_partys_last_place_then_the_waiting_list():
    # given the nearly full party and two demo workers
    party = Event.objects.get(title=BIRTHDAY_PARTY)
    courier = User.objects.get(phone="13800000001")
    rider = User.objects.get(phone="13800000002")

    # when both sign up
    first = event_register(event_id=party.pk, worker=courier)
    second = event_register(event_id=party.pk, worker=rider)

    # then the first takes the last place and the second waits
    assert first.status == RegistrationStatus.REGISTERED
    assert second.status == RegistrationStatus.WAITLISTED


def test_nearest_open_stations_with_charging_from_the_city_centre():
    # given a weekday morning in central Wuhan
    at = _next_weekday_at(2, 10)
    lat, lng = wuhan_data.CITY_CENTRE

    # when
    found = selectors.hives_nearest(lat=lat, lng=lng, open_now=True, service="rest_charging", limit=10, at=at)

    # then ten open stations nearby, nearest first
    assert len(found) == 10
    assert all(row.open_now for row in found)
    assert all("rest_charging" in {s.code for s in row.hive.services} for row in found)
    distances = [row.distance_m for row in found]
    assert distances == sorted(distances)
    assert distances[-1] < 5000


def test_at_night_only_the_late_and_24_hour_stations_are_open():
    # given 03:00 on a weekday
    at = _next_weekday_at(2, 3)
    lat, lng = wuhan_data.CITY_CENTRE

    # when
    found = selectors.hives_nearest(lat=lat, lng=lng, open_now=True, limit=20, at=at)

    # then
    assert len(found) == 20
    ids = [row.hive.id for row in found]
    night = Hive.objects.filter(pk__in=ids, always_open=False)
    assert all(
        OpeningInterval.objects.filter(hive=hive, closes__lte=time(6), opens__gt=time(12)).exists() for hive in night
    )


def test_a_second_load_changes_nothing(second_load: SecondLoad) -> None:
    # given the city loaded again on top of itself
    # then no station, service, hour or event is added
    assert second_load.result.already_loaded
    station_rows = (Hive, Hive.services.through, OpeningInterval, AnnualServiceItem)
    assert second_load.added(*station_rows, Event, EventRegistration) == {}
    assert hive_counts()["hives"] == 600


def test_a_deleted_station_is_put_back():
    # given a plain station, deleted since the last load
    hive = (
        Hive.objects.filter(demonstration=False, always_open=False, events__isnull=True, exceptions__isnull=True)
        .order_by("name")
        .first()
    )
    assert hive is not None
    intervals = hive.intervals.count()
    name = hive.name
    hive.delete()

    # when
    result = load_wuhan()

    # then only that station comes back, with its services, hours and this year's list
    assert result.created == {
        "stations": 1,
        "station services": 5,
        "opening intervals": intervals,
        "annual service items": 3,
    }
    assert Hive.objects.filter(name=name).count() == 1


def test_once_the_events_are_over_the_next_load_publishes_the_next_round():
    # given a load six weeks on, when every demo event has taken place
    later = timezone.now() + timedelta(days=42)
    plan = hive_plan()

    # when
    result = load_wuhan(now=later)

    # then the same events come again, after that day, and nothing else is added
    assert result.created == {
        "events": len(plan.events),
        "event registrations": sum(len(e.registered) + len(e.waitlisted) for e in plan.events),
    }
    assert Event.objects.filter(title=BIRTHDAY_PARTY, starts_at__gt=later).count() == 1
    assert load_wuhan(now=later).already_loaded


def test_command_prints_the_stations_and_the_keepers(demo_load_printed: str) -> None:
    # given the command run over the loaded city
    text = demo_load_printed

    # then
    assert "stations: 600 (30 demonstration" in text
    for phone, station in KEEPERS.items():
        line = next(line for line in text.splitlines() if phone in line)
        assert station in line
