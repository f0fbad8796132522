"""The shared role matrix (core.tests.role_matrix) for stations (who manages one:
selectors.hives_managed_by) and events (who manages one: event_selectors.events_manageable_by),
through the pages and the API. A refused person changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.conftest import City, city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.tests.role_matrix import Cast, api_for, page_as, refused, role_matrix
from littlebee.hives.models import Event, EventStatus, Hive
from littlebee.orgs.models import OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory

from .event_factories import EventFactory
from .factories import HiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(city: City) -> Hive:  # noqa: F811
    """A station in 西厂口社区 run by an alliance unit."""
    unit = OrganisationFactory(kind=OrgKind.ALLIANCE_UNIT, region=city.community, name="暖新联盟单位")
    hive: Any = HiveFactory(community=city.community, managing_unit=unit, contact_phone="027-88886666")
    return hive


@pytest.fixture
def cast(city: City, station: Hive) -> Cast:  # noqa: F811
    """The five roles around the station: its own organisation is its managing unit (a keeper);
    the other organisation another station's managing unit (its keeper)."""

    def person(role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "worker":
            return worker()
        if role == "other_organisation":
            return staff(HiveFactory().managing_unit, role=Role.KEEPER)
        if role == "own_organisation":
            return staff(station.managing_unit, role=Role.KEEPER)
        return staff(city.party_org(city.city), role=Role.CITY_ADMIN)

    return person


# --- Stations: manage -----------------------------------------------------------------------
@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_station_edit_page(role: str, status: int, cast: Cast, station: Hive) -> None:
    # given the person
    client = page_as(cast(role))

    # when they open the station's edit page
    response = client.get(f"/hives/{station.pk}/edit/")

    # then
    assert response.status_code == status


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=302, city_admin=302)
def test_the_station_edit_form_saves_only_for_who_manages_it(role: str, status: int, cast: Cast, station: Hive) -> None:
    # given the person and the station's details
    client = page_as(cast(role))
    form = {
        "name": station.name,
        "address": station.address,
        "responsible_person": "王站长",
        "contact_phone": "027-12345678",
        "description": "",
        "services": [],
        **{day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }

    # when they post a new phone number
    response = client.post(f"/hives/{station.pk}/edit/", form)

    # then it is saved (a redirect back to the form) or refused and unchanged
    assert response.status_code == status, response.content.decode()[:500]
    station.refresh_from_db()
    assert (station.contact_phone == "027-88886666") is refused(response)


@role_matrix(anonymous=401, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_station_api_edit(role: str, status: int, cast: Cast, station: Hive, api: Any, api_as: Any) -> None:
    # given the person's API client
    client = api_for(api, api_as, cast(role))

    # when they change the station's phone
    response = client.patch(f"/hives/{station.pk}", {"contact_phone": "027-12345678"})

    # then
    assert response.status_code == status
    station.refresh_from_db()
    assert (station.contact_phone == "027-88886666") is refused(response)


# --- Events: manage -------------------------------------------------------------------------
@pytest.fixture
def event(station: Hive) -> Event:
    """An event the station's managing unit holds at the station."""
    found: Any = EventFactory(organiser=station.managing_unit, hive=station)
    return found


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_attendance_page(role: str, status: int, cast: Cast, event: Event) -> None:
    # given the person
    client = page_as(cast(role))

    # when they open the event's attendance list
    response = client.get(f"/hives/events/{event.pk}/attendance/")

    # then
    assert response.status_code == status


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=302, city_admin=302)
def test_cancelling_an_event_from_the_console(role: str, status: int, cast: Cast, event: Event) -> None:
    # given the person
    client = page_as(cast(role))

    # when they press cancel
    response = client.post(f"/hives/events/{event.pk}/cancel/")

    # then it is cancelled (back to the list) or refused and still published
    assert response.status_code == status
    event.refresh_from_db()
    assert (event.status == EventStatus.PUBLISHED) is refused(response)


@role_matrix(anonymous=401, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_attendance_api(role: str, status: int, cast: Cast, event: Event, api: Any, api_as: Any) -> None:
    # given the person's API client
    client = api_for(api, api_as, cast(role))

    # when they read the attendance list
    response = client.get(f"/events/{event.pk}/attendance")

    # then
    assert response.status_code == status
