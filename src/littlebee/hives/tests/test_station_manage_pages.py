"""Station management pages in the staff console: the list of stations a keeper or admin runs
(/hives/manage/) and the edit form with its dated exceptions (/hives/<id>/edit/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.conftest import City, city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.hives import hours, services
from littlebee.hives.models import (
    AnnualServiceItem,
    Hive,
    HivePhoto,
    HiveVisit,
    OpeningException,
    OpeningInterval,
    VisitMethod,
)
from littlebee.hives.views_manage import day_text_parse
from littlebee.orgs.models import OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory

from .factories import AnnualServiceItemFactory as _AnnualServiceItemFactory
from .factories import HiveFactory as _HiveFactory
from .factories import OpeningExceptionFactory as _OpeningExceptionFactory
from .factories import OpeningIntervalFactory as _OpeningIntervalFactory
from .photo_files import jpeg_bytes, upload

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
OpeningIntervalFactory: Any = _OpeningIntervalFactory
OpeningExceptionFactory: Any = _OpeningExceptionFactory
AnnualServiceItemFactory: Any = _AnnualServiceItemFactory

MANAGE = "/hives/manage/"
# A list page: session, user, memberships (access), city-admin check, count, page, intervals,
# exceptions, two grouped visit counts, the bell's unread count. Whatever the number of stations.
LIST_QUERIES = 13


@pytest.fixture
def station(city: City) -> Hive:  # noqa: F811
    """西厂口社区's station, run by an alliance unit, open Monday 08:00–20:00, with the base services."""
    services.service_catalogue_ensure()
    unit = OrganisationFactory(kind=OrgKind.ALLIANCE_UNIT, region=city.community, name="暖新联盟单位")
    hive: Any = HiveFactory(
        name="西厂口社区蜂巢驿站",
        address="中山路 100 号",
        community=city.community,
        managing_unit=unit,
        contact_phone="027-88886666",
        always_open=False,
    )
    OpeningIntervalFactory(hive=hive, weekday=0, opens=dt.time(8), closes=dt.time(20))
    return hive


@pytest.fixture
def keeper(station: Hive) -> User:
    return staff(station.managing_unit, role=Role.KEEPER)


def edit_url(hive: Hive) -> str:
    return reverse("hives:edit", args=[hive.pk])


def form_data(hive: Hive, **changes: Any) -> dict[str, Any]:
    """The edit form as its page shows it for `hive`, with `changes`."""
    schedule = hours.schedule_as_dict(hive.intervals.all(), hive.always_open)
    data: dict[str, Any] = {
        "name": hive.name,
        "address": hive.address,
        "responsible_person": hive.responsible_person,
        "contact_phone": hive.contact_phone,
        "description": hive.description,
        "services": [s.code for s in hive.services.all()],
        **{day: ", ".join(f"{a}-{b}" for a, b in schedule[day]) for day in hours.DAYS},
    }
    if hive.always_open:
        data["always_open"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def schedule_of(hive: Hive) -> list[tuple[int, dt.time, dt.time]]:
    return list(
        OpeningInterval.objects.filter(hive=hive).order_by("weekday", "opens").values_list("weekday", "opens", "closes")
    )


# --- The list -------------------------------------------------------------------------------
def test_a_keeper_sees_only_their_station(keeper: User, station: Hive, django_assert_max_num_queries: Any) -> None:
    # given another unit's station
    HiveFactory(name="别家的驿站")
    client = client_for(keeper)

    # when
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(MANAGE)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert [row.hive for row in response.context["rows"]] == [station]
    assert "西厂口社区蜂巢驿站" in html and "别家的驿站" not in html
    for name in ("edit", "poster", "scan", "station"):
        assert reverse(f"hives:{name}", args=[station.pk]) in html
    assert response.context["access"].manages_hives


@pytest.mark.parametrize("stations", [3, 25])
def test_the_list_costs_the_same_queries_for_3_or_25_stations(
    city: City,  # noqa: F811
    stations: int,
    django_assert_max_num_queries: Any,
) -> None:
    # given a city admin and stations with hours, exceptions and visits
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)
    courier = worker()
    today = timezone.localdate()
    for n in range(stations):
        hive = HiveFactory(always_open=n % 2 == 0)
        OpeningIntervalFactory(hive=hive, weekday=today.weekday(), opens=dt.time(0, 0), closes=dt.time(23, 59))
        OpeningExceptionFactory(hive=hive, date=today + dt.timedelta(days=1))
        HiveVisit.objects.create(hive=hive, worker=courier, method=VisitMethod.QR)

    client = client_for(admin)

    # when
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(MANAGE)

    # then
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(stations, 20)
    assert {row.visits_this_week for row in response.context["rows"]} == {1}


def test_the_list_counts_this_weeks_visits_and_shows_open_or_closed(keeper: User, station: Hive) -> None:
    # given a visit this week and one last week, and a station open around the clock
    courier = worker()
    HiveVisit.objects.create(hive=station, worker=courier, method=VisitMethod.QR)
    HiveVisit.objects.create(
        hive=station, worker=courier, method=VisitMethod.QR, at=timezone.now() - dt.timedelta(days=8)
    )
    Hive.objects.filter(pk=station.pk).update(always_open=True)

    # when
    response = client_for(keeper).get(MANAGE)

    # then
    (row,) = response.context["rows"]
    assert row.visits_this_week == 1
    assert row.status.open_now
    assert "24 小时营业" in response.content.decode()


def test_the_search_matches_name_or_address(city: City) -> None:  # noqa: F811
    # given a district admin over three stations
    admin = staff(city.party_org(city.district), role=Role.ADMIN)
    HiveFactory(community=city.community, name="江汉路爱心驿站", address="江汉路 1 号")
    HiveFactory(community=city.neighbour, name="得胜桥驿站", address="解放路 8 号")
    HiveFactory(community=city.other_street_community, name="紫阳湖驿站", address="紫阳路 3 号")
    client = client_for(admin)

    # when / then
    assert [r.hive.name for r in client.get(MANAGE, {"q": "江汉"}).context["rows"]] == ["江汉路爱心驿站"]
    assert [r.hive.name for r in client.get(MANAGE, {"q": "解放路"}).context["rows"]] == ["得胜桥驿站"]
    assert len(client.get(MANAGE, {"q": "驿站"}).context["rows"]) == 3
    nothing = client.get(MANAGE, {"q": "不存在的驿站"})
    assert nothing.context["rows"] == []
    assert "没有找到匹配的驿站" in nothing.content.decode()


def test_the_list_pages_twenty_at_a_time_keeping_the_search(city: City) -> None:  # noqa: F811
    # given a district admin over 25 stations in the district, and one elsewhere
    admin = staff(city.party_org(city.district), role=Role.ADMIN)
    unit = city.party_org(city.community)
    for n in range(25):
        HiveFactory(community=city.community, managing_unit=unit, name=f"驿站{n:02d}")
    HiveFactory(community=city.other_district_community, name="驿站江汉区")
    client = client_for(admin)

    # when
    first = client.get(MANAGE, {"q": "驿站"})
    second = client.get(MANAGE, {"q": "驿站", "page": "2"})

    # then
    assert len(first.context["rows"]) == 20
    assert 'href="?q=%E9%A9%BF%E7%AB%99&amp;page=2"' in first.content.decode()
    assert [r.hive.name for r in second.context["rows"]] == [f"驿站{n}" for n in range(20, 25)]
    assert 'href="?q=%E9%A9%BF%E7%AB%99&amp;page=1"' in second.content.decode()
    assert "第 2 / 2 页" in second.content.decode()


def test_someone_who_manages_no_station_sees_an_empty_page_and_anonymous_visitors_log_in() -> None:
    # given a worker, a handler of a community and a station they have nothing to do with
    HiveFactory()
    people = [worker(), staff(OrganisationFactory(), role=Role.HANDLER)]

    # when / then
    for person in people:
        response = client_for(person).get(MANAGE)
        assert response.status_code == 200
        assert response.context["rows"] == []
        assert "你还没有负责的驿站" in response.content.decode()
    anonymous = Client().get(MANAGE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))


def test_the_staff_dashboard_leads_keepers_to_their_stations(keeper: User) -> None:
    response = client_for(keeper).get(reverse("staff"))
    assert reverse("hives:manage") in response.content.decode()


# --- Editing --------------------------------------------------------------------------------
def test_the_edit_form_shows_the_station_as_it_is(keeper: User, station: Hive) -> None:
    response = client_for(keeper).get(edit_url(station))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["mon"].value() == "08:00-20:00"
    assert form["tue"].value() == ""
    assert form["contact_phone"].value() == "027-88886666"
    html = response.content.decode()
    assert 'name="demonstration"' not in html
    assert "休息充电" in html


def test_a_keeper_edits_phone_services_and_hours_and_the_station_page_shows_them(keeper: User, station: Hive) -> None:
    # given
    client = client_for(keeper)

    # when the keeper saves a new phone, two services, a split Monday and a Friday night shift
    response = client.post(
        edit_url(station),
        form_data(
            station,
            contact_phone="13800001111",
            services=["rest_charging", "water_meals"],
            mon="8:00-12:00，14:00 - 20:00",
            fri="22:00-02:00",
        ),
    )

    # then it is saved and the page says so
    assert response.status_code == 302
    assert response["Location"] == edit_url(station)
    followed = client.get(response["Location"])
    assert "驿站信息已保存" in followed.content.decode()
    assert followed.context["form"]["mon"].value() == "08:00-12:00, 14:00-20:00"
    station.refresh_from_db()
    assert station.contact_phone == "13800001111"
    assert sorted(s.code for s in station.services.all()) == ["rest_charging", "water_meals"]
    assert schedule_of(station) == [
        (0, dt.time(8), dt.time(12)),
        (0, dt.time(14), dt.time(20)),
        (4, dt.time(22), dt.time(2)),
    ]
    page = Client().get(reverse("hives:station", args=[station.pk])).content.decode()
    assert "13800001111" in page
    assert "饮水就餐" in page
    assert "08:00–12:00" in page and "14:00–20:00" in page
    assert "22:00–02:00（次日）" in page


def test_a_keeper_makes_the_station_open_around_the_clock(keeper: User, station: Hive) -> None:
    # when
    response = client_for(keeper).post(edit_url(station), form_data(station, always_open="on"))

    # then the weekly times are kept but the station is open 24 hours
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.always_open
    assert schedule_of(station) == [(0, dt.time(8), dt.time(20))]
    page = Client().get(reverse("hives:station", args=[station.pk])).content.decode()
    assert "24 小时营业" in page


@pytest.mark.parametrize(
    ("day_text", "message"),
    [
        ("25:00-26:00", "“25:00-26:00”：时间格式应为 HH:MM"),
        ("abc", "无法识别“abc”"),
        ("08:00-12:00, 11:00-14:00", "营业时段不能重叠"),
        ("08:00-08:00", "开门和关门时间不能相同"),
    ],
)
def test_malformed_hours_are_explained_beside_the_day_and_nothing_changes(
    keeper: User, station: Hive, day_text: str, message: str
) -> None:
    # when the keeper also changes the phone, but Tuesday's hours are wrong
    response = client_for(keeper).post(edit_url(station), form_data(station, contact_phone="13800001111", tue=day_text))

    # then the form comes back with the error beside Tuesday, and nothing was saved
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors["tue"])
    assert set(form.errors) == {"tue"}
    html = response.content.decode()
    assert 'id="id_tue_errors"' in html
    assert "提交没有成功" in html
    assert form["tue"].value() == day_text
    station.refresh_from_db()
    assert station.contact_phone == "027-88886666"
    assert schedule_of(station) == [(0, dt.time(8), dt.time(20))]


def test_a_bad_phone_and_bad_hours_are_reported_together(keeper: User, station: Hive) -> None:
    response = client_for(keeper).post(edit_url(station), form_data(station, contact_phone="12345", wed="9-10"))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"contact_phone", "wed"}
    station.refresh_from_db()
    assert station.contact_phone == "027-88886666"


def test_an_overnight_interval_overlapping_the_next_morning_is_refused(keeper: User, station: Hive) -> None:
    # Sunday 22:00–09:00 runs into Monday's 08:00 opening
    response = client_for(keeper).post(edit_url(station), form_data(station, sun="22:00-09:00"))

    assert response.status_code == 200
    assert "营业时段不能重叠" in " ".join(response.context["form"].errors["mon"])
    assert schedule_of(station) == [(0, dt.time(8), dt.time(20))]


def test_a_keeper_cannot_set_the_demonstration_flag(keeper: User, station: Hive) -> None:
    # when a keeper posts the flag anyway
    response = client_for(keeper).post(edit_url(station), form_data(station, demonstration="on", description="新简介"))

    # then the other changes are saved and the flag is not
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.description == "新简介"
    assert station.demonstration is False


def test_a_district_party_org_admin_sets_the_demonstration_flag(city: City, station: Hive) -> None:  # noqa: F811
    # given
    admin = staff(city.party_org(city.district), role=Role.ADMIN)
    client = client_for(admin)
    assert 'name="demonstration"' in client.get(edit_url(station)).content.decode()

    # when
    response = client.post(edit_url(station), form_data(station, demonstration="on"))

    # then
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.demonstration is True


def test_an_admin_unticking_the_flag_clears_it(city: City, station: Hive) -> None:  # noqa: F811
    Hive.objects.filter(pk=station.pk).update(demonstration=True)
    admin = staff(city.party_org(city.street), role=Role.ADMIN)

    response = client_for(admin).post(edit_url(station), form_data(station))

    assert response.status_code == 302
    station.refresh_from_db()
    assert station.demonstration is False


# --- Who may -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["other_stations_keeper", "worker", "unit_handler"])
def test_others_get_404_on_every_edit_door_and_change_nothing(station: Hive, who: str) -> None:
    # given
    people: dict[str, Callable[[], User]] = {
        "other_stations_keeper": lambda: staff(HiveFactory().managing_unit, role=Role.KEEPER),
        "worker": worker,
        "unit_handler": lambda: staff(station.managing_unit, role=Role.HANDLER),
    }
    client = client_for(people[who]())
    exception: Any = OpeningExceptionFactory(hive=station, date=timezone.localdate() + dt.timedelta(days=3))
    item: Any = AnnualServiceItemFactory(hive=station, year=timezone.localdate().year)
    photo = HivePhoto.objects.create(hive=station, image="hives/2026/01/x.jpg")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    # when
    answers = {
        "edit_page": client.get(edit_url(station)).status_code,
        "edit_post": client.post(edit_url(station), form_data(station, contact_phone="13800001111")).status_code,
        "exception_add": client.post(
            reverse("hives:exception_add", args=[station.pk]), {"exception-date": tomorrow, "exception-kind": "closed"}
        ).status_code,
        "exception_remove": client.post(reverse("hives:exception_remove", args=[station.pk, exception.pk])).status_code,
        "annual_item_add": client.post(
            reverse("hives:annual_item_add", args=[station.pk]),
            {"annual-year": timezone.localdate().year, "annual-title": "义诊", "annual-frequency": "每月"},
        ).status_code,
        "annual_item_remove": client.post(reverse("hives:annual_item_remove", args=[station.pk, item.pk])).status_code,
        "photo_add": client.post(
            reverse("hives:photo_add", args=[station.pk]), {"photo-photo": upload(jpeg_bytes())}
        ).status_code,
        "photo_remove": client.post(reverse("hives:photo_remove", args=[station.pk, photo.pk])).status_code,
    }

    # then
    assert answers == dict.fromkeys(answers, 404)
    station.refresh_from_db()
    assert station.contact_phone == "027-88886666"
    assert list(OpeningException.objects.filter(hive=station)) == [exception]
    assert list(AnnualServiceItem.objects.filter(hive=station)) == [item]
    assert list(HivePhoto.objects.filter(hive=station)) == [photo]


def test_anonymous_visitors_are_sent_to_login_from_the_edit_page(station: Hive) -> None:
    response = Client().get(edit_url(station))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_exception_annual_item_and_photo_doors_take_post_only(keeper: User, station: Hive) -> None:
    client = client_for(keeper)
    assert client.get(reverse("hives:exception_add", args=[station.pk])).status_code == 405
    exception: Any = OpeningExceptionFactory(hive=station, date=timezone.localdate())
    assert client.get(reverse("hives:exception_remove", args=[station.pk, exception.pk])).status_code == 405
    item: Any = AnnualServiceItemFactory(hive=station)
    photo = HivePhoto.objects.create(hive=station, image="hives/2026/01/x.jpg")
    for url in (
        reverse("hives:annual_item_add", args=[station.pk]),
        reverse("hives:annual_item_remove", args=[station.pk, item.pk]),
        reverse("hives:photo_add", args=[station.pk]),
        reverse("hives:photo_remove", args=[station.pk, photo.pk]),
    ):
        assert client.get(url).status_code == 405, url


# --- Dated exceptions -----------------------------------------------------------------------
def test_a_keeper_closes_the_station_for_a_day_and_opens_it_again(keeper: User, station: Hive) -> None:
    # given
    client = client_for(keeper)
    day = timezone.localdate() + dt.timedelta(days=2)

    # when the keeper adds a closure
    response = client.post(
        reverse("hives:exception_add", args=[station.pk]),
        {"exception-date": day.isoformat(), "exception-kind": "closed", "exception-note": "设备检修"},
    )

    # then it is listed on the edit page and the station page
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(station)}#exceptions"
    exception = OpeningException.objects.get(hive=station)
    assert (exception.date, exception.closed, exception.note) == (day, True, "设备检修")
    page = client.get(edit_url(station))
    assert page.context["exceptions"] == [exception]
    assert "设备检修" in page.content.decode()
    assert "设备检修" in Client().get(reverse("hives:station", args=[station.pk])).content.decode()

    # when the keeper removes it
    removed = client.post(reverse("hives:exception_remove", args=[station.pk, exception.pk]))

    # then
    assert removed.status_code == 302
    assert not OpeningException.objects.filter(hive=station).exists()
    assert "已删除" in client.get(removed["Location"]).content.decode()


def test_a_keeper_sets_special_hours_for_a_day(keeper: User, station: Hive) -> None:
    day = timezone.localdate() + dt.timedelta(days=1)

    response = client_for(keeper).post(
        reverse("hives:exception_add", args=[station.pk]),
        {
            "exception-date": day.isoformat(),
            "exception-kind": "hours",
            "exception-opens": "10:00",
            "exception-closes": "16:00",
        },
    )

    assert response.status_code == 302
    exception = OpeningException.objects.get(hive=station)
    assert (exception.closed, exception.opens, exception.closes) == (False, dt.time(10), dt.time(16))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"exception-kind": "hours", "exception-opens": "10:00"}, "closes", "此项为必填项"),
        ({"exception-kind": "closed", "exception-date": "2000-01-01"}, "date", "不能为过去的日期设置例外"),
        ({"exception-kind": "closed", "exception-date": "明天"}, "date", "日期"),
    ],
)
def test_a_wrong_exception_is_explained_and_nothing_is_added(
    keeper: User, station: Hive, data: dict[str, str], field: str, message: str
) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = client_for(keeper).post(
        reverse("hives:exception_add", args=[station.pk]), {"exception-date": tomorrow, **data}
    )

    assert response.status_code == 200
    errors = response.context["exception_form"].errors
    assert field in errors
    assert any(message in e for e in errors[field])
    assert not OpeningException.objects.exists()


def test_removing_another_stations_exception_is_404(keeper: User, station: Hive) -> None:
    # given an exception of another station
    other: Any = OpeningExceptionFactory(date=timezone.localdate() + dt.timedelta(days=1))

    # when the keeper removes it through their own station's door
    response = client_for(keeper).post(reverse("hives:exception_remove", args=[station.pk, other.pk]))

    # then
    assert response.status_code == 404
    assert OpeningException.objects.filter(pk=other.pk).exists()


def test_past_exceptions_are_not_listed(keeper: User, station: Hive) -> None:
    today = timezone.localdate()
    OpeningExceptionFactory(hive=station, date=today - dt.timedelta(days=1), note="昨天的例外")
    upcoming = OpeningExceptionFactory(hive=station, date=today, note="今天的例外")

    response = client_for(keeper).get(edit_url(station))

    assert response.context["exceptions"] == [upcoming]


# --- Reading a day's text -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("", []),
        ("   ", []),
        ("08:00-20:00", [["08:00", "20:00"]]),
        ("8:00-12:00, 14:00-20:00", [["08:00", "12:00"], ["14:00", "20:00"]]),
        ("08：00～12：00，14:00至20:00", [["08:00", "12:00"], ["14:00", "20:00"]]),
        ("22:00 - 02:00", [["22:00", "02:00"]]),
        ("18:00-24:00", [["18:00", "24:00"]]),
    ],
)
def test_a_days_text_is_read_as_intervals(text: str, pairs: list[list[str]]) -> None:
    assert day_text_parse(text) == pairs
