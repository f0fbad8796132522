"""The staff queues: community check-in (/checkins) and enterprise employment (/employment-checks)."""

from __future__ import annotations

import pytest

from littlebee.accounts.models import CheckinStatus, EmploymentStatus, ProfileEvent, Role, WorkerProfile
from littlebee.conftest import ApiClient
from littlebee.orgs.tests.factories import EnterprisePartyOrgFactory, IndustryCommitteeFactory

from .factories import MembershipFactory, UserFactory, staff
from .factories import pending_worker as worker

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


@pytest.fixture
def workers(city, enterprise):
    """One pending worker in each community of the test city."""

    def make(community):
        return worker(community=community, enterprise=enterprise).worker_profile

    return {
        "community": make(city.community),
        "neighbour": make(city.neighbour),
        "other_street": make(city.other_street_community),
        "other_district": make(city.other_district_community),
    }


# --- Who sees which check-ins ---------------------------------------------------------------
def test_a_community_handler_lists_only_workers_of_their_community(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))

    # when
    response = api_as(handler).get("/checkins")

    # then
    assert _ids(response) == {workers["community"].pk}
    item = response.json()["items"][0]
    assert item["community"]["full_name"] == "武昌区 黄鹤楼街道 西厂口社区"
    assert item["checkin_status"] == "pending"
    assert item["worker_type_label"] == "快递员"


def test_a_street_admin_lists_every_community_of_the_street(api_as, city, workers):
    # given
    admin = staff(city.party_org(city.street), role=Role.ADMIN)

    # when
    response = api_as(admin).get("/checkins")

    # then
    assert _ids(response) == {workers["community"].pk, workers["neighbour"].pk}


def test_a_district_admin_lists_the_whole_district(api_as, city, workers):
    # given
    admin = staff(city.party_org(city.district), role=Role.ADMIN)

    # when
    response = api_as(admin).get("/checkins")

    # then
    assert _ids(response) == {workers["community"].pk, workers["neighbour"].pk, workers["other_street"].pk}


def test_a_city_admin_lists_everything(api_as, city, workers):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)

    # when
    response = api_as(admin).get("/checkins")

    # then
    assert _ids(response) == {p.pk for p in workers.values()}


def test_a_handler_of_the_city_party_org_lists_everything(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.city))

    # when
    response = api_as(handler).get("/checkins")

    # then
    assert _ids(response) == {p.pk for p in workers.values()}


def test_a_worker_may_not_list_check_ins(api_as, workers):
    # given
    user = workers["community"].user

    # when
    response = api_as(user).get("/checkins")

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_hive_keeper_of_the_community_lists_no_check_ins(api_as, city, workers):
    # given a keeper is staff, but does not decide check-ins
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)

    # when
    response = api_as(keeper).get("/checkins")

    # then
    assert _ids(response) == set()


def test_an_enterprise_party_org_lists_no_check_ins(api_as, enterprise, workers):
    # given
    handler = staff(enterprise.party_orgs.get())

    # when
    response = api_as(handler).get("/checkins")

    # then
    assert _ids(response) == set()


def test_the_check_in_queue_without_authentication_answers_401(api):
    # when
    response = api.get("/checkins")

    # then
    assert response.status_code == 401


def test_the_check_in_queue_filters_by_status(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.street))
    api_as(handler).post(f"/checkins/{workers['community'].pk}/confirm")

    # when
    pending = api_as(handler).get("/checkins", {"status": "pending"})
    confirmed = api_as(handler).get("/checkins", {"status": "confirmed"})

    # then
    assert _ids(pending) == {workers["neighbour"].pk}
    assert _ids(confirmed) == {workers["community"].pk}


def test_the_check_in_queue_rejects_an_unknown_status(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.street))

    # when
    response = api_as(handler).get("/checkins", {"status": "approved"})

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_the_check_in_queue_is_paginated_oldest_first(api_as, city):
    # given
    handler = staff(city.party_org(city.community))
    profiles = [worker(community=city.community).worker_profile for _ in range(5)]

    # when
    first = api_as(handler).get("/checkins", {"limit": 2})
    rest = api_as(handler).get("/checkins", {"limit": 2, "offset": 2})

    # then
    assert first.json()["count"] == 5
    assert [i["id"] for i in first.json()["items"]] == [p.pk for p in profiles[:2]]
    assert [i["id"] for i in rest.json()["items"]] == [p.pk for p in profiles[2:4]]


# --- Confirming and rejecting ---------------------------------------------------------------
def test_confirming_a_check_in_verifies_the_worker(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))
    profile = workers["community"]

    # when
    response = api_as(handler).post(f"/checkins/{profile.pk}/confirm", {"note": "欢迎"})

    # then
    assert response.status_code == 200
    assert response.json()["checkin_status"] == "confirmed"
    me = api_as(profile.user).get("/me").json()
    assert me["verified"] is True
    assert me["checkin_status"] == "confirmed"
    profile.refresh_from_db()
    assert profile.checkin_decided_by == handler
    assert profile.checkin_decided_at is not None
    assert profile.checkin_note == "欢迎"


def test_confirming_without_a_body_is_allowed(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))

    client = api_as(handler)

    # when
    response = client.client.post(
        f"/api/v1/checkins/{workers['community'].pk}/confirm",
        content_type="application/json",
        headers=client._headers(),
    )

    # then
    assert response.status_code == 200
    assert response.json()["checkin_status"] == "confirmed"


def test_confirming_twice_answers_409_invalid_transition(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))
    profile = workers["community"]
    api_as(handler).post(f"/checkins/{profile.pk}/confirm")

    # when
    response = api_as(handler).post(f"/checkins/{profile.pk}/confirm")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert ProfileEvent.objects.filter(profile=profile, action="checkin_confirmed").count() == 1


def test_rejecting_a_confirmed_check_in_answers_409(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))
    profile = workers["community"]
    api_as(handler).post(f"/checkins/{profile.pk}/confirm")

    # when
    response = api_as(handler).post(f"/checkins/{profile.pk}/reject", {"note": "改主意"})

    # then
    assert response.status_code == 409
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.CONFIRMED


def test_a_handler_of_another_community_confirming_answers_404_and_changes_nothing(api_as, city, workers):
    # given
    stranger = staff(city.party_org(city.neighbour))
    profile = workers["community"]

    # when
    response = api_as(stranger).post(f"/checkins/{profile.pk}/confirm")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.PENDING
    assert profile.checkin_decided_by is None
    assert not ProfileEvent.objects.filter(profile=profile).exists()


def test_a_worker_confirming_their_own_check_in_answers_404(api_as, workers):
    # given
    profile = workers["community"]

    # when
    response = api_as(profile.user).post(f"/checkins/{profile.pk}/confirm")

    # then
    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.PENDING


def test_confirming_an_unknown_profile_answers_404(api_as, city):
    # given
    handler = staff(city.party_org(city.community))

    # when
    response = api_as(handler).post("/checkins/999999/confirm")

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_requires_a_note(api_as, city, workers, note):
    # given
    handler = staff(city.party_org(city.community))
    profile = workers["community"]

    # when
    response = api_as(handler).post(f"/checkins/{profile.pk}/reject", {"note": note})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "note", "detail": "退回报到时请说明原因。"}]
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.PENDING


def test_rejecting_records_the_note(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))
    profile = workers["community"]

    # when
    response = api_as(handler).post(f"/checkins/{profile.pk}/reject", {"note": "  住址不在本社区  "})

    # then
    assert response.status_code == 200
    assert response.json()["checkin_status"] == "rejected"
    profile.refresh_from_db()
    assert profile.checkin_note == "住址不在本社区"
    event = profile.events.get(action="checkin_rejected")
    assert event.note == "住址不在本社区"
    assert (event.from_status, event.to_status) == ("pending", "rejected")
    assert api_as(profile.user).get("/me").json()["verified"] is False


def test_a_note_longer_than_255_characters_answers_400(api_as, city, workers):
    # given
    handler = staff(city.party_org(city.community))

    # when
    response = api_as(handler).post(f"/checkins/{workers['community'].pk}/reject", {"note": "长" * 256})

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "note"


def test_the_timeline_shows_registration_then_confirmation_with_the_organisation(api, api_as, registration, city):
    # given a worker who registered through the API
    token = api.post("/auth/register", registration).json()["token"]
    community_org = city.party_org(city.community)
    handler = staff(community_org)
    profile = WorkerProfile.objects.get(user__phone=registration["phone"])

    # when
    api_as(handler).post(f"/checkins/{profile.pk}/confirm", {"note": "欢迎加入"})
    response = ApiClient(token=token).get("/me/checkin-timeline")

    # then
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == ["registered", "checkin_confirmed"]
    assert events[1]["organisation"] == community_org.name
    assert events[1]["actor_role"] == "handler"
    assert events[1]["note"] == "欢迎加入"
    assert events[1]["action_label"] == "社区确认报到"


def test_a_street_admin_confirming_is_recorded_in_the_streets_name(api_as, city, workers):
    # given
    street_org = city.party_org(city.street)
    admin = staff(street_org, role=Role.ADMIN)
    profile = workers["neighbour"]

    # when
    api_as(admin).post(f"/checkins/{profile.pk}/confirm")

    # then
    event = profile.events.get(action="checkin_confirmed")
    assert event.organisation == street_org
    assert event.actor_role == "admin"


def test_a_city_admin_confirming_is_recorded_as_city_admin(api_as, city, workers):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)
    profile = workers["other_district"]

    # when
    response = api_as(admin).post(f"/checkins/{profile.pk}/confirm")

    # then
    assert response.status_code == 200
    assert profile.events.get(action="checkin_confirmed").actor_role == "city_admin"


def test_resubmitted_check_in_returns_to_the_new_communitys_queue(api_as, city, workers):
    # given
    profile = workers["community"]
    api_as(staff(city.party_org(city.community))).post(f"/checkins/{profile.pk}/reject", {"note": "走错社区"})

    # when
    api_as(profile.user).post("/me/checkin", {"community": city.neighbour.pk})

    # then
    neighbour_handler = staff(city.party_org(city.neighbour))
    queue = api_as(neighbour_handler).get("/checkins", {"status": "pending"})
    assert profile.pk in _ids(queue)
    confirm = api_as(neighbour_handler).post(f"/checkins/{profile.pk}/confirm")
    assert confirm.status_code == 200


# --- Employment -----------------------------------------------------------------------------
def test_the_enterprise_party_org_lists_its_workers(api_as, enterprise, other_enterprise, city):
    # given
    own = worker(community=city.community, enterprise=enterprise).worker_profile
    worker(community=city.community, enterprise=other_enterprise)
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)

    # when
    response = api_as(admin).get("/employment-checks")

    # then
    assert _ids(response) == {own.pk}


def test_the_enterprise_party_org_confirms_employment(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    party_org = enterprise.party_orgs.get()
    admin = staff(party_org, role=Role.ADMIN)

    # when
    response = api_as(admin).post(f"/employment-checks/{profile.pk}/confirm")

    # then
    assert response.status_code == 200
    assert response.json()["employment_status"] == "confirmed"
    profile.refresh_from_db()
    assert profile.employment_status == EmploymentStatus.CONFIRMED
    event = profile.events.get(action="employment_confirmed")
    assert event.organisation == party_org
    # the community check-in is a separate decision
    assert profile.checkin_status == CheckinStatus.PENDING


def test_another_enterprises_party_org_confirming_employment_answers_404(api_as, enterprise, other_enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    stranger = staff(EnterprisePartyOrgFactory(enterprise=other_enterprise), role=Role.ADMIN)

    # when
    response = api_as(stranger).post(f"/employment-checks/{profile.pk}/confirm")

    # then
    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.employment_status == EmploymentStatus.PENDING


def test_the_industry_committee_cannot_decide_employment(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    committee = staff(IndustryCommitteeFactory(industry=enterprise.industry), role=Role.ADMIN)

    # when
    listing = api_as(committee).get("/employment-checks")
    decision = api_as(committee).post(f"/employment-checks/{profile.pk}/confirm")

    # then
    assert _ids(listing) == set()
    assert decision.status_code == 404
    profile.refresh_from_db()
    assert profile.employment_status == EmploymentStatus.PENDING


def test_a_community_handler_cannot_decide_employment(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    handler = staff(city.party_org(city.community))

    # when
    response = api_as(handler).post(f"/employment-checks/{profile.pk}/confirm")

    # then
    assert response.status_code == 404


def test_rejecting_employment_requires_a_note(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)

    # when
    response = api_as(admin).post(f"/employment-checks/{profile.pk}/reject", {"note": ""})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "note", "detail": "不予确认时请说明原因。"}]


def test_rejecting_employment_records_the_note(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)

    # when
    response = api_as(admin).post(f"/employment-checks/{profile.pk}/reject", {"note": "已离职"})

    # then
    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.employment_status == EmploymentStatus.REJECTED
    assert profile.employment_note == "已离职"


def test_confirming_employment_twice_answers_409(api_as, enterprise, city):
    # given
    profile = worker(community=city.community, enterprise=enterprise).worker_profile
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)
    api_as(admin).post(f"/employment-checks/{profile.pk}/confirm")

    # when
    response = api_as(admin).post(f"/employment-checks/{profile.pk}/confirm")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_worker_may_not_list_employment_checks(api_as, enterprise, city):
    # given
    user = worker(community=city.community, enterprise=enterprise)

    # when
    response = api_as(user).get("/employment-checks")

    # then
    assert response.status_code == 403


def test_a_member_of_two_organisations_sees_both_queues(api_as, city, enterprise):
    # given
    person = UserFactory()
    MembershipFactory(user=person, organisation=city.party_org(city.community))
    MembershipFactory(user=person, organisation=enterprise.party_orgs.get())
    elsewhere = worker(community=city.other_district_community, enterprise=enterprise).worker_profile
    here = worker(community=city.community, enterprise=enterprise).worker_profile

    # when
    checkins = api_as(person).get("/checkins")
    employment = api_as(person).get("/employment-checks")

    # then
    assert _ids(checkins) == {here.pk}
    assert _ids(employment) == {here.pk, elsewhere.pk}


def test_rejecting_without_a_body_asks_for_the_note(api_as, city, workers):
    # given
    client = api_as(staff(city.party_org(city.community)))

    # when
    response = client.client.post(
        f"/api/v1/checkins/{workers['community'].pk}/reject",
        content_type="application/json",
        headers=client._headers(),
    )

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "note", "detail": "退回报到时请说明原因。"}]
