"""Writes: the catalogue, creating and updating stations, schedules, exceptions, annual items."""

from __future__ import annotations

from datetime import date, time

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import staff
from littlebee.core.errors import InvalidInput, NotFound, PermissionDenied
from littlebee.hives import services
from littlebee.hives.models import AnnualServiceItem, OpeningException, Service

from .factories import HiveFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_idempotent_and_keeps_edited_names():
    # given
    services.service_catalogue_ensure()
    Service.objects.filter(code="shelter").update(name="避暑取暖点")

    # when
    services.service_catalogue_ensure()

    # then
    assert Service.objects.count() == 9
    assert Service.objects.filter(is_base=True).count() == 5
    assert Service.objects.get(code="shelter").name == "避暑取暖点"


def test_a_district_admin_creates_a_station_with_the_base_services(city):  # noqa: F811
    # given
    admin = staff(city.party_org(city.district), role=Role.ADMIN)

    # when
    hive = services.hive_create(
        actor=admin, name="机安社区爱心驿站", address="武昌区机安路 1 号", lat=30.55, lng=114.31,
        community=city.community, managing_unit=city.party_org(city.community),
    )  # fmt: skip

    # then
    assert hive.services.filter(is_base=True).count() == 5


def test_a_keeper_cannot_create_a_station(city):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    with pytest.raises(PermissionDenied):
        services.hive_create(
            actor=keeper, name="x", address="y", lat=30.5, lng=114.3,
            community=city.community, managing_unit=city.party_org(city.community),
        )  # fmt: skip


def test_an_admin_of_another_district_cannot_create_here(city):  # noqa: F811
    admin = staff(city.party_org(city.other_district_community.parent.parent), role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.hive_create(
            actor=admin, name="x", address="y", lat=30.5, lng=114.3,
            community=city.community, managing_unit=city.party_org(city.community),
        )  # fmt: skip


def test_update_validates_coordinates_in_pairs(city):  # noqa: F811
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    services.hive_update(hive_id=hive.pk, actor=keeper, lat=30.6)
    hive.refresh_from_db()
    assert (hive.lat, hive.lng) == (30.6, 114.30)
    with pytest.raises(InvalidInput):
        services.hive_update(hive_id=hive.pk, actor=keeper, lng=float("inf"))


def test_schedule_replaces_the_week(city):  # noqa: F811
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    services.hive_set_schedule(hive_id=hive.pk, actor=keeper, schedule={"sat": [["09:00", "17:00"]]})
    services.hive_set_schedule(hive_id=hive.pk, actor=keeper, schedule={"sun": [["09:00", "17:00"]]})
    hive.refresh_from_db()
    assert [(i.weekday, i.opens) for i in hive.intervals.all()] == [(6, time(9))]
    assert hive.always_open is False


def test_a_second_exception_on_the_same_day_replaces_the_first(city):  # noqa: F811
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    services.hive_add_exception(hive_id=hive.pk, actor=keeper, on=date(2026, 12, 31))
    services.hive_add_exception(
        hive_id=hive.pk, actor=keeper, on=date(2026, 12, 31), closed=False, opens=time(9), closes=time(12)
    )
    exception = OpeningException.objects.get(hive=hive)
    assert (exception.closed, exception.opens) == (False, time(9))


def test_annual_items_replace_the_year(city):  # noqa: F811
    # given
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    services.annual_items_set(hive_id=hive.pk, actor=keeper, year=2026, items=[{"title": "旧", "frequency": "每月"}])

    # when
    services.annual_items_set(
        hive_id=hive.pk,
        actor=keeper,
        year=2026,
        items=[
            {"title": "夏季防暑降温", "frequency": "6—9 月每天"},
            {"title": "集体生日会", "date": date(2026, 12, 10)},
        ],
    )

    # then
    assert list(AnnualServiceItem.objects.filter(hive=hive).values_list("title", flat=True)) == [
        "夏季防暑降温",
        "集体生日会",
    ]


def test_annual_items_are_refused_without_date_or_frequency_and_for_other_keepers(city):  # noqa: F811
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    with pytest.raises(InvalidInput):
        services.annual_items_set(hive_id=hive.pk, actor=keeper, year=2026, items=[{"title": "无日期"}])
    other = staff(city.party_org(city.neighbour), role=Role.KEEPER)
    with pytest.raises(NotFound):
        services.annual_items_set(hive_id=hive.pk, actor=other, year=2026, items=[])


def test_the_admin_lists_a_station_with_its_inlines(client, city):  # noqa: F811
    # given a city admin in the Django admin
    hive = HiveFactory(community=city.community, managing_unit=city.party_org(city.community))
    admin_user = staff(city.party_org(city.city), role=Role.CITY_ADMIN)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)

    # when
    listing = client.get("/admin/hives/hive/")
    change = client.get(f"/admin/hives/hive/{hive.pk}/change/")

    # then
    assert listing.status_code == 200 and hive.name in listing.content.decode()
    assert change.status_code == 200
    assert "intervals-TOTAL_FORMS" in change.content.decode()


def test_a_keeper_has_no_admin(client, city):  # noqa: F811
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)
    keeper.is_staff = True
    keeper.save()
    client.force_login(keeper)
    assert client.get("/admin/hives/hive/").status_code == 403
