"""The Volunteering section of API.md, through the API: publish, find, claim, check in and out,
review, hours, certificates, teams; each refusal with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import pending_worker, staff, worker
from littlebee.orgs.tests.factories import CommunityFactory, PartyOrgFactory
from littlebee.points.models import LedgerEntry, PointsAccount
from littlebee.volunteering import tokens
from littlebee.volunteering.models import (
    Claim,
    ClaimLog,
    ClaimStatus,
    MembershipStatus,
    PointPermission,
    ServiceRecord,
    Task,
    TeamMember,
    TeamRole,
)

from .conftest import Scene, made
from .factories import LAT, LNG, a_task, a_team

pytestmark = pytest.mark.django_db


def _task_body(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=1)
    return {
        "title": "助老送餐",
        "description": "给独居老人送午餐",
        "kind": "volunteer",
        "category": "elderly_help",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "lat": LAT,
        "lng": LNG,
        "address": "西厂口社区居委会",
        "slots": 3,
        "points": 20,
        **overrides,
    }


# --- Publishing and the district's point permission ---------------------------------------------
def test_staff_publish_a_task_within_the_districts_permission(api_as: Any, scene: Scene) -> None:
    # when
    response = api_as(scene.handler).post("/tasks", _task_body())

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "助老送餐"
    assert body["points"] == 20
    assert body["organiser"]["id"] == scene.community_org.pk
    assert Task.objects.get().region == scene.city.community


def test_a_task_over_the_most_points_a_task_is_refused(api_as: Any, scene: Scene) -> None:
    # when the community asks for 30 points where the district allows 20
    response = api_as(scene.handler).post("/tasks", _task_body(points=30))

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "over_max_points"
    assert not Task.objects.exists()


def test_a_task_past_the_monthly_budget_is_refused(api_as: Any, scene: Scene) -> None:
    # given the district lowers the community's budget to 50 points a month
    scene.permission.monthly_budget = 50
    scene.permission.save()

    # when it publishes 20 points × 3 places
    response = api_as(scene.handler).post("/tasks", _task_body())

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "over_budget"
    assert not Task.objects.exists()


def test_points_need_a_permission_but_a_task_without_points_is_always_allowed(api_as: Any, scene: Scene) -> None:
    # given a street organisation with no permission
    street_org = scene.city.party_org(scene.city.street)
    street_staff = staff(street_org, role=Role.ADMIN)

    # when
    with_points = api_as(street_staff).post("/tasks", _task_body())
    without = api_as(street_staff).post("/tasks", _task_body(points=0))

    # then
    assert with_points.status_code == 403
    assert without.status_code == 201
    assert Task.objects.count() == 1


def test_workers_and_other_organisations_staff_cannot_publish_for_the_community(api_as: Any, scene: Scene) -> None:
    # given
    other = staff(PartyOrgFactory(), role=Role.HANDLER)

    # when
    by_worker = api_as(scene.worker).post("/tasks", _task_body(points=0))
    by_other = api_as(other).post("/tasks", _task_body(points=0, organiser=scene.community_org.pk))

    # then
    assert by_worker.status_code == 403
    assert by_other.status_code == 403
    assert not Task.objects.exists()


def test_bad_task_input_is_a_400_listing_the_fields(api_as: Any, scene: Scene) -> None:
    # when the end is before the start and there are no places
    start = timezone.now() + timedelta(days=1)
    response = api_as(scene.handler).post(
        "/tasks", _task_body(ends_at=(start - timedelta(hours=1)).isoformat(), slots=0)
    )

    # then
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"ends_at", "slots"} <= fields
    assert not Task.objects.exists()


# --- Finding tasks ------------------------------------------------------------------------------------
def test_tasks_near_me_start_with_those_starting_soon(
    api: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given a task tomorrow next door and one in ten minutes a kilometre away
    later = a_task(organiser=scene.community_org, starts_at=timezone.now() + timedelta(days=1))
    soon = a_task(organiser=scene.community_org, lat=LAT + 0.009)
    a_task(organiser=scene.community_org, lat=LAT + 1)  # 110 km away
    for _ in range(5):
        a_task(organiser=scene.community_org, starts_at=timezone.now() + timedelta(days=2))

    # when
    with django_assert_max_num_queries(2):
        response = api.get("/tasks", {"lat": LAT, "lng": LNG, "radius_km": 5})

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items[:2]] == [soon.pk, later.pk]
    assert response.json()["count"] == 7
    assert {
        "id",
        "title",
        "kind",
        "organiser",
        "starts_at",
        "lat",
        "lng",
        "address",
        "slots",
        "claimed",
        "points",
        "team",
    } <= set(items[0])
    assert items[0]["distance_m"] == pytest.approx(1000, abs=30)


def test_half_a_position_is_a_400(api: Any, db: Any) -> None:
    # when
    response = api.get("/tasks", {"lat": LAT})

    # then
    assert response.status_code == 400


# --- Claiming ----------------------------------------------------------------------------------------
def test_a_worker_claims_then_the_waiting_list_then_it_is_full(api_as: Any, scene: Scene) -> None:
    # given a task of one place and one waiting place
    task = a_task(organiser=scene.community_org, slots=1, waitlist_slots=1)
    second, third = worker(), worker()

    # when
    first = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")
    waiting = api_as(second).post(f"/tasks/{task.pk}/claims")
    full = api_as(third).post(f"/tasks/{task.pk}/claims")

    # then
    assert first.status_code == 201
    assert first.json()["status"] == "claimed"
    assert waiting.json()["status"] == "waitlisted"
    assert full.status_code == 409
    assert full.json()["code"] == "full_waitlist"
    task.refresh_from_db()
    assert (task.claimed_count, task.waitlisted_count) == (1, 1)
    assert Claim.objects.count() == 2


def test_a_second_claim_is_refused(api_as: Any, scene: Scene) -> None:
    # given
    task = a_task(organiser=scene.community_org)
    api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # when
    again = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert again.status_code == 409
    assert again.json()["code"] == "already_claimed"
    task.refresh_from_db()
    assert task.claimed_count == 1


def test_an_unconfirmed_check_in_may_not_claim(api_as: Any, scene: Scene) -> None:
    # given a worker whose community has not confirmed the check-in
    task = a_task(organiser=scene.community_org)

    # when
    response = api_as(pending_worker()).post(f"/tasks/{task.pk}/claims")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "not_checked_in"
    assert not Claim.objects.exists()


def test_overlapping_claims_are_refused(api_as: Any, scene: Scene) -> None:
    # given a claim on a task from 10 to 70 minutes from now
    first = a_task(organiser=scene.community_org)
    api_as(scene.worker).post(f"/tasks/{first.pk}/claims")
    overlapping = a_task(organiser=scene.community_org, starts_at=first.starts_at + timedelta(minutes=30))

    # when
    response = api_as(scene.worker).post(f"/tasks/{overlapping.pk}/claims")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "overlapping_claim"


def test_a_cancelled_place_goes_to_the_waiting_list_and_the_worker_is_told(api_as: Any, scene: Scene) -> None:
    # given a task starting tomorrow, its place taken and one waiting
    task = a_task(organiser=scene.community_org, slots=1, starts_at=timezone.now() + timedelta(days=1))
    waiting_worker = worker()
    claim_id = api_as(scene.worker).post(f"/tasks/{task.pk}/claims").json()["id"]
    waiting_id = api_as(waiting_worker).post(f"/tasks/{task.pk}/claims").json()["id"]

    # when the first cancels
    response = api_as(scene.worker).post(f"/claims/{claim_id}/cancel")

    # then
    assert response.json()["status"] == "cancelled"
    assert Claim.objects.get(pk=waiting_id).status == ClaimStatus.CLAIMED
    assert waiting_worker.notifications.filter(kind="task_promoted").exists()


def test_a_late_cancel_counts_as_a_no_show(api_as: Any, scene: Scene) -> None:
    # given a task starting in ten minutes (past the hour's cut-off)
    task = a_task(organiser=scene.community_org)
    claim_id = api_as(scene.worker).post(f"/tasks/{task.pk}/claims").json()["id"]

    # when
    response = api_as(scene.worker).post(f"/claims/{claim_id}/cancel")

    # then
    assert response.json()["status"] == "no_show"


# --- On the spot --------------------------------------------------------------------------------------
def _claimed(api_as: Any, scene: Scene, **task_fields: Any) -> tuple[Task, int]:
    task = made(a_task(organiser=scene.community_org, **task_fields))
    claim_id = api_as(scene.worker).post(f"/tasks/{task.pk}/claims").json()["id"]
    return task, claim_id


def test_check_in_by_the_organisers_qr_then_check_out(api_as: Any, scene: Scene) -> None:
    # given
    task, claim_id = _claimed(api_as, scene)
    client = api_as(scene.worker)

    # when the worker scans the organiser's code
    token = api_as(scene.handler).get(f"/tasks/{task.pk}/checkin-token").json()["token"]
    checked_in = client.post(f"/claims/{claim_id}/check-in", {"token": token})
    checked_out = client.post(f"/claims/{claim_id}/check-out", {"lat": LAT, "lng": LNG})

    # then
    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["status"] == "checked_in"
    assert checked_out.json()["status"] == "checked_out"
    actions = list(ClaimLog.objects.filter(claim_id=claim_id).values_list("action", flat=True))
    assert actions == ["claim", "check_in", "check_out"]


def test_an_expired_token_or_a_position_5_km_away_is_refused(api_as: Any, scene: Scene) -> None:
    # given
    task, claim_id = _claimed(api_as, scene)
    client = api_as(scene.worker)
    old = tokens.token_for(task.pk, timezone.now() - timedelta(hours=1))

    # when
    expired = client.post(f"/claims/{claim_id}/check-in", {"token": old})
    far = client.post(f"/claims/{claim_id}/check-in", {"lat": LAT + 0.045, "lng": LNG})
    other_task = client.post(f"/claims/{claim_id}/check-in", {"token": tokens.token_for(task.pk + 1)})

    # then
    assert (expired.status_code, expired.json()["code"]) == (400, "invalid_token")
    assert (far.status_code, far.json()["code"]) == (400, "too_far")
    assert other_task.json()["code"] == "invalid_token"
    assert Claim.objects.get(pk=claim_id).status == ClaimStatus.CLAIMED


def test_check_in_opens_fifteen_minutes_before_the_start(api_as: Any, scene: Scene) -> None:
    # given a task starting in an hour
    _task, claim_id = _claimed(api_as, scene, starts_at=timezone.now() + timedelta(hours=1))

    # when
    response = api_as(scene.worker).post(f"/claims/{claim_id}/check-in", {"lat": LAT, "lng": LNG})

    # then
    assert response.json()["code"] == "checkin_closed"


def test_checking_out_without_checking_in_is_refused(api_as: Any, scene: Scene) -> None:
    # given
    _task, claim_id = _claimed(api_as, scene)

    # when
    response = api_as(scene.worker).post(f"/claims/{claim_id}/check-out", {"lat": LAT, "lng": LNG})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_someone_elses_claim_is_not_found(api_as: Any, scene: Scene) -> None:
    # given
    _task, claim_id = _claimed(api_as, scene)

    # when
    response = api_as(worker()).post(f"/claims/{claim_id}/check-in", {"lat": LAT, "lng": LNG})

    # then
    assert response.status_code == 404


# --- Review -------------------------------------------------------------------------------------------
def _checked_out(scene: Scene, *, minutes_present: int = 60) -> Claim:
    """A claim on a task that ran from 70 to 10 minutes ago, present for `minutes_present` of it."""
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    claim: Any = Claim.objects.create(
        task=task,
        worker=scene.worker,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=start,
        checked_out_at=start + timedelta(minutes=minutes_present),
        presence_minutes=minutes_present,
        minutes=minutes_present if minutes_present >= 36 else 0,
    )
    Task.objects.filter(pk=task.pk).update(claimed_count=1)
    return made(claim)


def test_approval_writes_the_record_and_awards_the_points_once(api_as: Any, scene: Scene) -> None:
    # given
    claim = _checked_out(scene)
    client = api_as(scene.handler)

    # when the organiser approves, then tries again
    response = client.post(f"/claims/{claim.pk}/review", {"decision": "approve", "note": "辛苦了"})
    again = client.post(f"/claims/{claim.pk}/review", {"decision": "approve"})

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert again.status_code == 409
    record = ServiceRecord.objects.get()
    assert (record.minutes, record.points, record.recorder) == (60, 20, scene.handler)
    assert LedgerEntry.objects.filter(worker=scene.worker).count() == 1
    assert PointsAccount.objects.get(worker=scene.worker).balance == 20


def test_reviewing_a_claim_of_another_organisation_is_not_found(api_as: Any, scene: Scene) -> None:
    # given
    claim = _checked_out(scene)
    other = staff(PartyOrgFactory(), role=Role.ADMIN)

    # when
    response = api_as(other).post(f"/claims/{claim.pk}/review", {"decision": "approve"})

    # then
    assert response.status_code == 404
    assert not ServiceRecord.objects.exists()


def test_minutes_beyond_the_window_are_refused(api_as: Any, scene: Scene) -> None:
    # given
    claim = _checked_out(scene)

    # when
    response = api_as(scene.handler).post(
        f"/claims/{claim.pk}/review", {"decision": "approve", "minutes": 61, "note": "多算一分钟"}
    )

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "minutes"
    assert not ServiceRecord.objects.exists()


def test_presence_under_60_percent_needs_the_organisers_minutes(api_as: Any, scene: Scene) -> None:
    # given 20 minutes of a 60-minute task
    claim = _checked_out(scene, minutes_present=20)
    client = api_as(scene.handler)

    # when
    plain = client.post(f"/claims/{claim.pk}/review", {"decision": "approve"})
    said_so = client.post(f"/claims/{claim.pk}/review", {"decision": "approve", "minutes": 20, "note": "临时有事早退"})

    # then
    assert plain.json()["code"] == "presence_too_short"
    assert said_so.status_code == 200
    assert ServiceRecord.objects.get().minutes == 20


def test_bulk_review_approves_the_ticked_claims(api_as: Any, scene: Scene) -> None:
    # given two checked-out claims of one task
    claim = _checked_out(scene)
    other_worker = worker()
    second = Claim.objects.create(
        task=claim.task,
        worker=other_worker,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=claim.checked_in_at,
        checked_out_at=claim.checked_out_at,
        presence_minutes=60,
        minutes=60,
    )

    # when
    response = api_as(scene.handler).post(
        f"/tasks/{claim.task_id}/review", {"claims": [claim.pk, second.pk, 999999], "decision": "approve"}
    )

    # then
    assert response.status_code == 200
    assert sorted(response.json()["done"]) == sorted([claim.pk, second.pk])
    assert response.json()["refused"] == {"999999": "not_found"}
    assert ServiceRecord.objects.count() == 2


# --- Hours, corrections, certificates -------------------------------------------------------------------
def test_my_volunteering_shows_hours_star_and_records(
    api_as: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given an approved hour
    claim = _checked_out(scene)
    api_as(scene.handler).post(f"/claims/{claim.pk}/review", {"decision": "approve"})
    client = api_as(scene.worker)

    # when
    with django_assert_max_num_queries(6):
        response = client.get("/me/volunteering")

    # then
    body = response.json()
    assert body["hours_total"] == 1.0
    assert body["star"] == 0
    assert body["records"][0]["minutes"] == 60
    assert body["records"][0]["points"] == 20
    assert body["records"][0]["organiser"] == scene.community_org.name


def test_a_correction_keeps_the_minutes_before(api_as: Any, scene: Scene) -> None:
    # given an approved record of 40 minutes
    claim = _checked_out(scene, minutes_present=40)
    api_as(scene.handler).post(f"/claims/{claim.pk}/review", {"decision": "approve"})
    record = ServiceRecord.objects.get()

    # when the worker asks for 55 and the organiser accepts
    asked = api_as(scene.worker).post(
        f"/me/volunteering/records/{record.pk}/corrections", {"minutes": 55, "reason": "签退时手机没电"}
    )
    answered = api_as(scene.handler).post(f"/corrections/{asked.json()['id']}/answer", {"accept": True})

    # then
    assert asked.status_code == 201
    assert answered.json()["minutes_before"] == 40
    assert answered.json()["minutes_after"] == 55
    record.refresh_from_db()
    assert record.minutes == 55
    assert ServiceRecord.objects.count() == 1


def test_a_certificate_is_issued_and_verified_publicly(api: Any, api_as: Any, scene: Scene) -> None:
    # given an approved hour
    claim = _checked_out(scene)
    api_as(scene.handler).post(f"/claims/{claim.pk}/review", {"decision": "approve"})
    today = timezone.localdate()

    # when
    issued = api_as(scene.worker).post(
        "/me/volunteering/certificates", {"from": str(today - timedelta(days=30)), "to": str(today)}
    )
    number = issued.json()["number"]
    facts = api.get(f"/certificates/{number}")

    # then
    assert issued.status_code == 201, issued.content
    assert issued.json()["verify_url"].endswith(f"/volunteering/verify/{number}/")
    assert facts.status_code == 200
    assert facts.json()["holder_name"] == "张小哥"
    assert facts.json()["hours"] == 1.0
    assert facts.json()["issuer"] == scene.community_org.name
    assert api.get("/certificates/NOPE").status_code == 404


def test_a_certificate_of_a_period_without_service_is_refused(api_as: Any, scene: Scene) -> None:
    # when
    today = timezone.localdate()
    response = api_as(scene.worker).post("/me/volunteering/certificates", {"from": str(today), "to": str(today)})

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "no_service_records"


# --- Teams -------------------------------------------------------------------------------------------------
def test_teams_list_with_captains_and_hours_and_a_worker_asks_to_join(
    api_as: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given three teams of the street, one with a captain
    street_org = scene.city.party_org(scene.city.street)
    teams = [made(a_team(organiser=street_org, street=scene.city.street)) for _ in range(3)]
    captain = worker(user__name="王队长")
    TeamMember.objects.create(team=teams[0], worker=captain, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    client = api_as(scene.worker)

    # when
    with django_assert_max_num_queries(8):
        listed = client.get("/teams")
    joined = client.post(f"/teams/{teams[0].pk}/members")

    # then
    assert listed.json()["count"] == 3
    first = next(t for t in listed.json()["items"] if t["id"] == teams[0].pk)
    assert first["captains"] == [{"id": captain.pk, "name": "王队长"}]
    assert first["members"] == 1
    assert joined.status_code == 201
    assert joined.json()["status"] == "pending"


def test_a_team_only_task_is_for_its_members(api_as: Any, scene: Scene) -> None:
    # given
    team = a_team(organiser=scene.community_org)
    task = a_task(organiser=scene.community_org, team=team)

    # when
    refused = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")
    TeamMember.objects.create(team=team, worker=scene.worker, status=MembershipStatus.MEMBER)
    allowed = api_as(scene.worker).post(f"/tasks/{task.pk}/claims")

    # then
    assert refused.json()["code"] == "team_only"
    assert allowed.status_code == 201


def test_the_promotion_notice_is_read_in_the_workers_language(api_as: Any, scene: Scene) -> None:
    # given a place freed on a task tomorrow with one worker waiting
    task = a_task(organiser=scene.community_org, slots=1, starts_at=timezone.now() + timedelta(days=1))
    waiting_worker = worker()
    claim_id = api_as(scene.worker).post(f"/tasks/{task.pk}/claims").json()["id"]
    api_as(waiting_worker).post(f"/tasks/{task.pk}/claims")
    api_as(scene.worker).post(f"/claims/{claim_id}/cancel")

    # when the promoted worker reads the inbox in English and in Chinese
    english = api_as(waiting_worker, language="en").get("/me/notifications").json()["items"][0]
    chinese = api_as(waiting_worker).get("/me/notifications").json()["items"][0]

    # then
    assert english["title"] == f"You got a place: {task.title}"
    assert chinese["title"] == f"候补转正：{task.title}"
    assert english["link"] == f"/volunteering/tasks/{task.pk}/"


# --- Staff lists: a fixed number of queries ----------------------------------------------------------------
def test_the_district_admin_lists_and_sets_point_permissions(
    api_as: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given the district's admin and five more communities with a permission
    admin = staff(scene.city.party_org(scene.city.district), role=Role.ADMIN)
    for _ in range(5):
        org = made(PartyOrgFactory(region=made(CommunityFactory(parent=scene.city.street))))
        PointPermission.objects.create(
            district=scene.city.district, organisation=org, max_points=10, monthly_budget=100
        )
    client = api_as(admin)
    client.get("/point-permissions")  # the token's first use records its time

    # when
    with django_assert_max_num_queries(5):
        listed = client.get("/point-permissions")
    lowered = client.put(f"/point-permissions/{scene.community_org.pk}", {"max_points": 20, "monthly_budget": 30})
    by_community = api_as(scene.handler).put(
        f"/point-permissions/{scene.community_org.pk}", {"max_points": 100, "monthly_budget": 100000}
    )

    # then
    assert listed.json()["count"] == 6
    assert lowered.json()["monthly_budget"] == 30
    assert by_community.status_code == 404
    assert PointPermission.objects.get(organisation=scene.community_org).monthly_budget == 30


def test_claimants_and_my_claims_cost_a_fixed_number_of_queries(
    api_as: Any, scene: Scene, django_assert_max_num_queries: Any
) -> None:
    # given a task with six claimants, and the first of them holding claims on four tasks
    task = a_task(organiser=scene.community_org, slots=10)
    people = [scene.worker, *[worker() for _ in range(5)]]
    for person in people:
        api_as(person).post(f"/tasks/{task.pk}/claims")
    for days in (1, 2, 3):
        other = a_task(organiser=scene.community_org, starts_at=timezone.now() + timedelta(days=days))
        api_as(scene.worker).post(f"/tasks/{other.pk}/claims")
    organiser, mine = api_as(scene.handler), api_as(scene.worker)
    organiser.get("/me/claims")
    mine.get("/me/claims")

    # when
    with django_assert_max_num_queries(6):
        claimants = organiser.get(f"/tasks/{task.pk}/claims")
    with django_assert_max_num_queries(5):
        my_claims = mine.get("/me/claims")

    # then
    assert claimants.json()["count"] == 6
    assert my_claims.json()["count"] == 4
    assert api_as(worker()).get(f"/tasks/{task.pk}/claims").status_code == 404
