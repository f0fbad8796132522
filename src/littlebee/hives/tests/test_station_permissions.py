"""One rule for stations (selectors.hives_managed_by), checked at every door that uses it: the
API edits, the QR poster, the counter page, recording a visit by member code, visit stats and the
events a station hosts. Whoever the rule refuses gets 404 everywhere, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.conftest import City, city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import UserFactory, staff, worker
from littlebee.core.errors import PermissionDenied
from littlebee.hives.models import Hive, HiveVisit, OpeningException
from littlebee.hives.services import events as event_services
from littlebee.hives.visit_tokens import member_code_for
from littlebee.orgs.models import OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory

from .event_factories import EventFactory
from .factories import HiveFactory

pytestmark = pytest.mark.django_db

PEOPLE: dict[str, Callable[[Any, Any], User]] = {
    # allowed
    "keeper": lambda c, unit: staff(unit, role=Role.KEEPER),
    "unit_admin": lambda c, unit: staff(unit, role=Role.ADMIN),
    "street_admin": lambda c, unit: staff(c.party_org(c.street), role=Role.ADMIN),
    "district_admin": lambda c, unit: staff(c.party_org(c.district), role=Role.ADMIN),
    "city_admin": lambda c, unit: staff(c.party_org(c.city), role=Role.CITY_ADMIN),
    # refused
    "other_stations_keeper": lambda c, unit: staff(HiveFactory().managing_unit, role=Role.KEEPER),
    "unit_handler": lambda c, unit: staff(unit, role=Role.HANDLER),
    "street_keeper": lambda c, unit: staff(c.party_org(c.street), role=Role.KEEPER),
    "neighbour_admin": lambda c, unit: staff(c.party_org(c.neighbour), role=Role.ADMIN),
    "other_district_admin": lambda c, unit: staff(
        c.party_org(c.other_district_community.parent.parent), role=Role.ADMIN
    ),
    "worker": lambda c, unit: worker(),
}
ALLOWED = ["keeper", "unit_admin", "street_admin", "district_admin", "city_admin"]
REFUSED = [
    "other_stations_keeper",
    "unit_handler",
    "street_keeper",
    "neighbour_admin",
    "other_district_admin",
    "worker",
]


@pytest.fixture
def station(city: City) -> Hive:  # noqa: F811
    """A station in 西厂口社区 run by an alliance unit, so that each rule stands on its own."""
    unit = OrganisationFactory(kind=OrgKind.ALLIANCE_UNIT, region=city.community, name="暖新联盟单位")
    hive: Any = HiveFactory(community=city.community, managing_unit=unit, contact_phone="027-88886666")
    return hive


def person(who: str, city: City, station: Hive) -> User:  # noqa: F811
    return PEOPLE[who](city, station.managing_unit)


def page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def doors(api_as: Any, user: User, station: Hive) -> dict[str, int]:
    """Every way in, and the status each answers."""
    client = api_as(user)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    def member() -> dict[str, str]:
        return {"member_code": member_code_for(worker())}

    return {
        "edit": client.patch(f"/hives/{station.pk}", {"contact_phone": "13800001111"}).status_code,
        "hours": client.client.put(
            f"/api/v1/hives/{station.pk}/hours",
            {"mon": [["08:00", "20:00"]]},
            content_type="application/json",
            headers=client._headers(),
        ).status_code,
        "exception": client.post(f"/hives/{station.pk}/exceptions", {"date": tomorrow}).status_code,
        "member_visit_api": client.post(f"/hives/{station.pk}/visits/member", member()).status_code,
        "visit_stats": client.get(f"/hives/{station.pk}/visit-stats").status_code,
        "poster": page(user).get(reverse("hives:poster", args=[station.pk])).status_code,
        "scan_page": page(user).get(reverse("hives:scan", args=[station.pk])).status_code,
        "scan_post": page(user).post(reverse("hives:scan", args=[station.pk]), member()).status_code,
    }


@pytest.mark.parametrize("who", ALLOWED)
def test_those_who_manage_the_station_pass_every_door(api_as: Any, city: City, station: Hive, who: str) -> None:  # noqa: F811
    # given
    user = person(who, city, station)

    # when
    answers = doors(api_as, user, station)

    # then
    assert answers == {
        "edit": 200,
        "hours": 200,
        "exception": 201,
        "member_visit_api": 201,
        "visit_stats": 200,
        "poster": 200,
        "scan_page": 200,
        "scan_post": 302,
    }
    assert HiveVisit.objects.filter(hive=station).count() == 2


@pytest.mark.parametrize("who", REFUSED)
def test_anyone_else_gets_404_at_every_door_and_changes_nothing(
    api_as: Any,
    city: City,  # noqa: F811
    station: Hive,
    who: str,
) -> None:
    # given
    user = person(who, city, station)

    # when
    answers = doors(api_as, user, station)

    # then
    assert answers == dict.fromkeys(answers, 404)
    station.refresh_from_db()
    assert station.contact_phone == "027-88886666"
    assert not station.intervals.exists()
    assert not OpeningException.objects.filter(hive=station).exists()
    assert not HiveVisit.objects.exists()


def test_a_deactivated_station_is_edited_but_not_served(api_as: Any, city: City, station: Hive) -> None:  # noqa: F811
    # given a deactivated station and its street's admin
    Hive.objects.filter(pk=station.pk).update(is_active=False)
    admin = person("street_admin", city, station)

    # when
    answers = doors(api_as, admin, station)

    # then the admin may still edit (and reactivate) it, but the counter and poster are closed
    assert answers["edit"] == 200 and answers["hours"] == 200
    assert {answers[d] for d in ("member_visit_api", "visit_stats", "poster", "scan_page", "scan_post")} == {404}
    assert api_as(admin).patch(f"/hives/{station.pk}", {"is_active": True}).status_code == 200


@pytest.mark.parametrize(("who", "status"), [("keeper", 403), ("unit_admin", 403), ("street_admin", 200)])
def test_only_region_admins_change_the_admin_fields(
    api_as: Any,
    city: City,  # noqa: F811
    station: Hive,
    who: str,
    status: int,
) -> None:
    # when
    response = api_as(person(who, city, station)).patch(f"/hives/{station.pk}", {"demonstration": True})

    # then
    assert response.status_code == status
    assert Hive.objects.get(pk=station.pk).demonstration is (status == 200)


def test_anonymous_visitors_are_sent_to_login_or_401(api: Any, station: Hive) -> None:
    assert api.patch(f"/hives/{station.pk}", {"name": "改名"}).status_code == 401
    assert api.post(f"/hives/{station.pk}/visits/member", {"member_code": "x"}).status_code == 401
    assert Client().get(reverse("hives:poster", args=[station.pk])).status_code == 302
    assert Client().get(reverse("hives:scan", args=[station.pk])).status_code == 302


# --- events hosted at the station ------------------------------------------------------------
@pytest.mark.parametrize("who", ALLOWED)
def test_those_who_manage_the_station_manage_its_events(api_as: Any, city: City, station: Hive, who: str) -> None:  # noqa: F811
    # given an event of another organiser, hosted at the station, with one worker registered
    event: Any = EventFactory(hive=station, organiser=city.party_org(city.other_street_community))
    courier = worker(user__phone="13800000009")
    event_services.event_register(event_id=event.pk, worker=courier)

    # when
    response = api_as(person(who, city, station)).get(f"/events/{event.pk}/attendance")

    # then the host station's people see the list, with full numbers unless merely a city admin
    assert response.status_code == 200
    phone = response.json()["items"][0]["phone"]
    assert (phone == "13800000009") is (who != "city_admin")


@pytest.mark.parametrize("who", REFUSED)
def test_anyone_else_gets_404_for_the_stations_events(api_as: Any, city: City, station: Hive, who: str) -> None:  # noqa: F811
    # given
    event: Any = EventFactory(hive=station, organiser=city.party_org(city.other_street_community))

    # when
    client = api_as(person(who, city, station))

    # then
    assert client.get(f"/events/{event.pk}/attendance").status_code == 404
    assert client.post(f"/events/{event.pk}/cancel").status_code == 404
    assert client.get(f"/events/{event.pk}").json()["checkin_code"] is None


def test_a_keeper_publishes_only_at_their_own_station(city: City, station: Hive) -> None:  # noqa: F811
    # given the keeper of the station, and another station
    keeper = person("keeper", city, station)
    elsewhere: Any = HiveFactory()
    starts = timezone.now() + timedelta(days=3)
    body: dict[str, Any] = {
        "title": "读书会",
        "place": "驿站",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
    }

    # when / then: as the managing unit, at their own station
    event = event_services.event_create(
        actor=keeper, organiser=station.managing_unit, hive=station, capacity=10, **body
    )
    assert event.hive == station
    # not at someone else's station, nor without a station
    with pytest.raises(PermissionDenied):
        event_services.event_create(actor=keeper, organiser=station.managing_unit, hive=elsewhere, capacity=10, **body)
    with pytest.raises(PermissionDenied):
        event_services.event_create(actor=keeper, organiser=station.managing_unit, capacity=10, **body)


def test_a_region_admin_does_not_publish_in_the_managing_units_name(city: City, station: Hive) -> None:  # noqa: F811
    # given the street's admin, who manages the station but is not staff of its alliance unit
    admin = person("street_admin", city, station)
    starts = timezone.now() + timedelta(days=3)
    body: dict[str, Any] = {
        "title": "读书会",
        "place": "驿站",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
    }

    # when / then: refused as the alliance unit, welcome as the street's own party organisation
    with pytest.raises(PermissionDenied):
        event_services.event_create(actor=admin, organiser=station.managing_unit, hive=station, capacity=5, **body)
    own = event_services.event_create(
        actor=admin, organiser=city.party_org(city.street), hive=station, capacity=5, **body
    )
    assert own.organiser == city.party_org(city.street)


def test_a_superuser_without_memberships_manages_every_station(api_as: Any, station: Hive) -> None:
    root = UserFactory(is_superuser=True)
    response = api_as(root).get(f"/hives/{station.pk}/visit-stats")

    assert response.status_code == 200 and response.json()["total"] == 0
