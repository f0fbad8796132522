"""GET and PATCH /me, the check-in timeline and resubmitting a rejected check-in."""

from __future__ import annotations

import pytest

from littlebee.accounts.models import CheckinStatus, Role
from littlebee.accounts.schemas import MeOut
from littlebee.accounts.services import checkin_reject
from littlebee.conftest import ApiClient
from littlebee.core.api_answers import assert_answer_fits
from littlebee.orgs.tests.factories import OutletFactory

from .factories import MembershipFactory, UserFactory, staff
from .factories import pending_worker as worker

pytestmark = pytest.mark.django_db


def test_me_describes_a_worker(api_as, city, enterprise):
    # given
    user = worker(community=city.community, enterprise=enterprise, party_member=True, user__name="王五")

    # when
    response = api_as(user).get("/me")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["name"] == "王五"
    assert body["worker_type"] == "courier"
    assert body["enterprise"] == {"id": enterprise.pk, "name": "顺丰"}
    assert body["community"] == {
        "id": city.community.pk,
        "name": "西厂口社区",
        "full_name": "武昌区 黄鹤楼街道 西厂口社区",
    }
    assert body["verified"] is False
    assert body["party_member"] is True
    assert body["points_balance"] == 0
    assert body["title"] == "见习小蜂"  # the first level, before any points
    assert body["roles"] == []


def test_me_for_a_staff_member_lists_the_roles(api_as, city):
    # given a staff member without a worker profile, holding two roles
    person = UserFactory()
    street_org = city.party_org(city.street)
    community_org = city.party_org(city.community)
    MembershipFactory(user=person, organisation=street_org, role=Role.ADMIN)
    MembershipFactory(user=person, organisation=community_org, role=Role.HANDLER)

    # when
    response = api_as(person).get("/me")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["worker_type"] is None
    assert body["community"] is None
    assert body["verified"] is False
    assert (body["points_balance"], body["title"]) == (0, None)  # staff earn no points, carry no title
    assert sorted((r["organisation"]["id"], r["organisation"]["kind"], r["role"]) for r in body["roles"]) == sorted(
        [(street_org.pk, "party_org", "admin"), (community_org.pk, "party_org", "handler")]
    )
    assert {r["organisation"]["name"] for r in body["roles"]} == {street_org.name, community_org.name}


def test_patch_me_changes_the_name(api_as, city):
    # given
    user = worker(community=city.community)

    # when
    response = api_as(user).patch("/me", {"name": "  赵六  "})

    # then
    assert response.status_code == 200
    assert response.json()["name"] == "赵六"
    user.refresh_from_db()
    assert user.name == "赵六"


def test_patch_me_with_an_empty_name_answers_400(api_as, city):
    # given
    user = worker(community=city.community, user__name="原名")

    # when
    response = api_as(user).patch("/me", {"name": " "})

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    user.refresh_from_db()
    assert user.name == "原名"


def test_patch_me_with_a_control_character_in_the_name_answers_400(api_as, city):
    # given
    user = worker(community=city.community, user__name="原名")

    # when
    response = api_as(user).patch("/me", {"name": "赵\u202e六"})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "detail": "姓名含有无效字符。"}]


def test_patch_me_sets_an_outlet_of_the_workers_enterprise(api_as, city, enterprise):
    # given
    user = worker(community=city.community, enterprise=enterprise)
    outlet = OutletFactory(enterprise=enterprise, name="东吴网点")

    # when
    response = api_as(user).patch("/me", {"outlet": outlet.pk})

    # then
    assert response.status_code == 200
    assert response.json()["outlet"] == {"id": outlet.pk, "name": "东吴网点"}


@pytest.mark.parametrize("outlet", ["other_enterprise", "missing"])
def test_patch_me_with_a_bad_outlet_answers_400_and_changes_nothing(api_as, city, enterprise, other_enterprise, outlet):
    # given
    user = worker(community=city.community, enterprise=enterprise, user__name="原名")
    outlet_id = OutletFactory(enterprise=other_enterprise).pk if outlet == "other_enterprise" else 999_999

    # when
    response = api_as(user).patch("/me", {"outlet": outlet_id, "name": "新名"})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "outlet", "detail": "所选网点不属于该企业。"}]
    user.refresh_from_db()
    assert user.name == "原名"
    assert user.worker_profile.outlet is None


def test_patch_me_sets_party_membership(api_as, city):
    # given
    user = worker(community=city.community)

    # when
    response = api_as(user).patch("/me", {"party_member": True})

    # then
    assert response.status_code == 200
    assert response.json()["party_member"] is True


def test_patch_me_cannot_change_community_or_verification(api_as, city):
    # given
    user = worker(community=city.community)

    # when
    response = api_as(user).patch("/me", {"community": city.neighbour.pk, "verified": True})

    # then
    assert response.status_code == 200
    assert response.json()["community"]["id"] == city.community.pk
    assert response.json()["verified"] is False


def test_patch_me_without_authentication_answers_401(api):
    # when
    response = api.patch("/me", {"name": "x"})

    # then
    assert response.status_code == 401


# --- Timeline and resubmission --------------------------------------------------------------
def test_timeline_of_a_new_worker_shows_the_registration(api, registration):
    # given
    token = api.post("/auth/register", registration).json()["token"]

    # when
    response = ApiClient(token=token).get("/me/checkin-timeline")

    # then
    assert response.status_code == 200
    assert [(e["action"], e["actor_role"], e["organisation"]) for e in response.json()] == [
        ("registered", "worker", None)
    ]
    assert response.json()[0]["action_label"] == "注册报到"


def test_timeline_of_a_staff_member_without_profile_is_empty(api_as):
    # given
    person = UserFactory()

    # when
    response = api_as(person).get("/me/checkin-timeline")

    # then
    assert response.status_code == 200
    assert response.json() == []


def _rejected_worker(city):
    user = worker(community=city.community)
    handler = staff(city.party_org(city.community))
    checkin_reject(profile_id=user.worker_profile.pk, actor=handler, note="不在本社区")
    return user


def test_resubmit_after_rejection_is_pending_again(api_as, city):
    # given
    user = _rejected_worker(city)

    # when
    response = api_as(user).post("/me/checkin", {"community": city.neighbour.pk})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["checkin_status"] == "pending"
    assert body["community"]["id"] == city.neighbour.pk
    profile = user.worker_profile
    profile.refresh_from_db()
    assert profile.checkin_note == ""
    assert profile.checkin_decided_by is None
    assert list(profile.events.values_list("action", flat=True)) == ["checkin_rejected", "resubmitted"]


@pytest.mark.parametrize("status", [CheckinStatus.PENDING, CheckinStatus.CONFIRMED])
def test_resubmit_when_not_rejected_answers_409(api_as, city, status):
    # given
    user = worker(community=city.community, checkin_status=status)

    # when
    response = api_as(user).post("/me/checkin", {"community": city.neighbour.pk})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    user.worker_profile.refresh_from_db()
    assert user.worker_profile.community_id == city.community.pk


def test_resubmit_to_a_street_answers_400(api_as, city):
    # given
    user = _rejected_worker(city)

    # when
    response = api_as(user).post("/me/checkin", {"community": city.street.pk})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "community", "detail": "所选社区不存在。"}]
    user.worker_profile.refresh_from_db()
    assert user.worker_profile.checkin_status == "rejected"


def test_resubmit_by_someone_without_a_profile_answers_404(api_as, city):
    # given
    person = UserFactory()

    # when
    response = api_as(person).post("/me/checkin", {"community": city.community.pk})

    # then
    assert response.status_code == 404


def test_the_me_answer_fits_its_schema_exactly(api_as, city, enterprise):
    # given a worker with an outlet and a staff role, and a staff member without a profile
    # (GET /me is rendered without ninja's check)
    user = worker(community=city.community, enterprise=enterprise, outlet=OutletFactory(enterprise=enterprise))
    MembershipFactory(user=user, organisation=city.party_org(city.community), role=Role.HANDLER)
    person = UserFactory()

    # when
    responses = [api_as(user).get("/me"), api_as(person).get("/me")]

    # then
    for response in responses:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert_answer_fits(MeOut, response.json())
    assert responses[0].json()["roles"][0]["role"] == "handler"


def test_me_reads_the_points_account_once(api_as, city):
    # given a worker who has earned points (balance and lifetime points on the account)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from littlebee.accounts.models import WorkerProfile
    from littlebee.points.models import PointsAccount
    from littlebee.points.tests.factories import earn

    user = worker(community=city.community)
    earn(user, 30, "me-once")
    client = api_as(user)
    client.get("/me")  # the token's touch, once

    # when
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/me").json()

    # then the answer's statement names the account's table once (joined, not two subqueries)
    profiles = WorkerProfile._meta.db_table
    (statement,) = [q["sql"] for q in queries.captured_queries if profiles in q["sql"]]
    assert statement.count(PointsAccount._meta.db_table) == 1, statement
    assert body["points_balance"] == 30


def test_me_by_token_answers_what_the_signed_in_page_session_gets(api_as, city, enterprise):
    # given a worker with an outlet, points and a role, and a staff member without a profile
    from littlebee.conftest import client_for
    from littlebee.points.tests.factories import earn

    outlet = OutletFactory(enterprise=enterprise, name="东吴网点", parent=OutletFactory(enterprise=enterprise))
    person = worker(community=city.community, enterprise=enterprise, outlet=outlet, party_member=True)
    earn(person, 40, "me-ride")
    MembershipFactory(user=person, organisation=city.party_org(city.community), role=Role.HANDLER)
    officer = UserFactory()
    MembershipFactory(user=officer, organisation=city.party_org(city.street), role=Role.ADMIN)

    for user in (person, officer):
        # when GET /me is read with the token's statement (selectors.ME_RIDE) and by the session
        by_token = api_as(user).get("/me")
        by_session = client_for(user).get("/api/v1/me")

        # then the two answers are the same
        assert by_token.status_code == by_session.status_code == 200
        assert by_token.content == by_session.content


def test_me_by_token_reads_the_account_in_the_token_lookups_statement(api_as, city, enterprise):
    # given a worker's token, used once (its touch)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from littlebee.accounts.models import ApiToken, WorkerProfile

    client = api_as(worker(community=city.community, enterprise=enterprise))
    client.get("/me")

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/me")

    # then one statement reads the token and the profile (two before: the token's, the account's)
    assert response.status_code == 200
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert ApiToken._meta.db_table in statement and WorkerProfile._meta.db_table in statement
