"""The pages of 用心做, for workers and organisers, with the shared role matrix for the organiser's
task page (tasks_manageable_by) and the district's permissions page (districts_administered_by)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.core.tests.role_matrix import Cast, page_as, refused, role_matrix
from littlebee.orgs.tests.factories import CommunityFactory, DistrictFactory, PartyOrgFactory
from littlebee.volunteering import services
from littlebee.volunteering.models import Claim, ClaimStatus, PointPermission, Task

from .conftest import Scene
from .factories import LAT, LNG, a_task, publish_form

pytestmark = pytest.mark.django_db


def test_home_page_offers_yong_xin_zuo(scene: Scene) -> None:
    # when
    response = client_for(scene.worker).get("/")

    # then
    assert "用心做" in response.content.decode()
    assert "/volunteering/" in response.content.decode()


def test_tasks_near_me_lists_by_distance(scene: Scene, django_assert_max_num_queries: Any) -> None:
    # given
    for _ in range(8):
        a_task(organiser=scene.community_org)
    client = client_for(scene.worker)

    # when
    with django_assert_max_num_queries(12):
        response = client.get("/volunteering/", {"lat": str(LAT), "lng": str(LNG)})

    # then
    assert response.status_code == 200
    assert response.content.decode().count('class="row"') == 8


def test_a_worker_claims_and_checks_in_on_the_task_page(scene: Scene) -> None:
    # given
    task = a_task(organiser=scene.community_org)
    client = client_for(scene.worker)

    # when
    client.post(f"/volunteering/tasks/{task.pk}/action/", {"action": "claim"})
    claim = Claim.objects.get()
    client.post(
        f"/volunteering/tasks/{task.pk}/action/", {"action": "check_in", "claim": claim.pk, "lat": LAT, "lng": LNG}
    )
    page = client.get(f"/volunteering/tasks/{task.pk}/")

    # then
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CHECKED_IN
    assert "签退" in page.content.decode()


def test_a_refused_check_in_says_why_and_changes_nothing(scene: Scene) -> None:
    # given a claim and a position 5 km away
    task = a_task(organiser=scene.community_org)
    client = client_for(scene.worker)
    client.post(f"/volunteering/tasks/{task.pk}/action/", {"action": "claim"})
    claim = Claim.objects.get()

    # when
    response = client.post(
        f"/volunteering/tasks/{task.pk}/action/",
        {"action": "check_in", "claim": claim.pk, "lat": LAT + 0.045, "lng": LNG},
        follow=True,
    )

    # then
    assert "米内签到" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED


def test_an_errands_resident_is_shown_only_to_the_worker_holding_the_claim(scene: Scene) -> None:
    # given an errand
    task = a_task(
        organiser=scene.community_org,
        kind="errand",
        category="errand",
        resident_name="李奶奶",
        resident_phone="13912345678",
        resident_need="代取药品",
    )
    holder = client_for(scene.worker)
    holder.post(f"/volunteering/tasks/{task.pk}/action/", {"action": "claim"})

    # when
    seen_by_holder = holder.get(f"/volunteering/tasks/{task.pk}/").content.decode()
    seen_by_other = client_for(worker()).get(f"/volunteering/tasks/{task.pk}/").content.decode()

    # then
    assert "13912345678" in seen_by_holder
    assert "13912345678" not in seen_by_other
    assert "代取药品" in seen_by_other


def test_the_hours_page_and_the_certificate_pdf(scene: Scene) -> None:
    # given an approved hour and a certificate
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    claim = Claim.objects.create(
        task=task,
        worker=scene.worker,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
        presence_minutes=60,
        minutes=60,
    )
    Task.objects.filter(pk=task.pk).update(claimed_count=1)
    services.claim_review(claim_id=claim.pk, actor=scene.handler, decision="approve")
    client = client_for(scene.worker)
    today = timezone.localdate()
    client.post("/volunteering/hours/certificates/", {"from": str(today - timedelta(days=7)), "to": str(today)})
    number = scene.worker.volunteer_certificates.get().number

    # when
    hours = client.get("/volunteering/hours/")
    pdf = client.get(f"/volunteering/certificates/{number}.pdf")
    verify = page_as(None).get(f"/volunteering/verify/{number}/")
    stranger = client_for(worker()).get(f"/volunteering/certificates/{number}.pdf")

    # then
    assert hours.status_code == 200
    assert "1.0" in hours.content.decode()
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(_bytes(pdf)).pages)
    for fact in ("志愿服务证明", "张小哥", number, scene.community_org.name, "1.0 小时"):
        assert fact in text
    assert verify.status_code == 200
    assert "张小哥" in verify.content.decode()
    assert stranger.status_code == 404


def _bytes(response: Any) -> Any:
    import io

    return io.BytesIO(response.content)


def test_the_organiser_publishes_on_the_page(scene: Scene) -> None:
    # given
    form = publish_form(scene.community_org.pk, points=50)

    # when the points are past the district's 20
    refused = client_for(scene.handler).post("/volunteering/manage/new/", form)
    form["points"] = 20
    published = client_for(scene.handler).post("/volunteering/manage/new/", form)

    # then
    assert refused.status_code == 400
    assert "最多 20 积分" in refused.content.decode()
    assert published.status_code == 302
    assert Task.objects.get().title == "消防隐患排查"


def test_organiser_bulk_review_and_qr(scene: Scene) -> None:
    # given two checked-out claims
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    ids = []
    for person in (scene.worker, worker()):
        claim = Claim.objects.create(
            task=task,
            worker=person,
            status=ClaimStatus.CHECKED_OUT,
            checked_in_at=start,
            checked_out_at=start + timedelta(hours=1),
            presence_minutes=60,
            minutes=60,
        )
        ids.append(claim.pk)
    client = client_for(scene.handler)

    # when
    page = client.get(f"/volunteering/manage/tasks/{task.pk}/")
    qr = client.get(f"/volunteering/manage/tasks/{task.pk}/qr/")
    client.post(f"/volunteering/manage/tasks/{task.pk}/review/", {"claims": ids, "decision": "approve"})

    # then
    assert page.status_code == 200
    assert "<svg" in qr.content.decode()
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.APPROVED}


def test_a_district_admin_lowers_a_budget_and_a_task_over_it_is_refused(scene: Scene) -> None:
    # given the district's admin
    admin = staff(scene.city.party_org(scene.city.district), role=Role.ADMIN)

    # when the budget goes down to 30 and the community publishes 20 × 2
    client_for(admin).post(
        "/volunteering/permissions/",
        {"organisation": scene.community_org.pk, "max_points": 20, "monthly_budget": 30, "action": "set"},
    )
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(Exception) as refused:
        services.task_publish(
            actor=scene.handler,
            organiser=scene.community_org.pk,
            data=services.TaskInput(
                title="助老",
                kind="volunteer",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                slots=2,
                address="西厂口",
                lat=LAT,
                lng=LNG,
                points=20,
            ),
        )

    # then
    assert PointPermission.objects.get().monthly_budget == 30
    assert getattr(refused.value, "code", "") == "over_budget"


# --- The role matrix ---------------------------------------------------------------------------
@pytest.fixture
def cast(scene: Scene) -> Cast:
    """Around a task of the community: its own organisation is the community's party organisation
    (a handler), the other another community's."""

    def person(role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "worker":
            return worker()
        if role == "other_organisation":
            return staff(PartyOrgFactory(region=CommunityFactory()), role=Role.HANDLER)
        if role == "own_organisation":
            return scene.handler
        return staff(scene.city.party_org(scene.city.city), role=Role.CITY_ADMIN)

    return person


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_organisers_task_page(role: str, status: int, cast: Cast, scene: Scene) -> None:
    # given
    task = a_task(organiser=scene.community_org)

    # when
    response = page_as(cast(role)).get(f"/volunteering/manage/tasks/{task.pk}/")

    # then
    assert response.status_code == status


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=302, city_admin=302)
def test_reviewing_on_the_page_only_for_the_organiser(role: str, status: int, cast: Cast, scene: Scene) -> None:
    # given a checked-out claim
    start = timezone.now() - timedelta(minutes=70)
    task = a_task(organiser=scene.community_org, starts_at=start, ends_at=start + timedelta(hours=1))
    claim = Claim.objects.create(
        task=task,
        worker=scene.worker,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
        presence_minutes=60,
        minutes=60,
    )

    # when
    response = page_as(cast(role)).post(
        f"/volunteering/manage/tasks/{task.pk}/review/", {"claim": claim.pk, "decision": "approve"}
    )

    # then
    assert response.status_code == status
    claim.refresh_from_db()
    assert (claim.status == ClaimStatus.APPROVED) == (not refused(response))


@pytest.fixture
def district_cast(scene: Scene) -> Cast:
    """Around the district's permissions: its own organisation is the district's party
    organisation (an admin), the other another district's."""

    def person(role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "worker":
            return worker()
        if role == "other_organisation":
            return staff(PartyOrgFactory(region=DistrictFactory(parent=scene.city.city)), role=Role.ADMIN)
        if role == "own_organisation":
            return staff(scene.city.party_org(scene.city.district), role=Role.ADMIN)
        return staff(scene.city.party_org(scene.city.city), role=Role.CITY_ADMIN)

    return person


@role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=302, city_admin=302)
def test_setting_a_point_permission(role: str, status: int, district_cast: Cast, scene: Scene) -> None:
    # when the person sets the community's most points to 5
    response = page_as(district_cast(role)).post(
        "/volunteering/permissions/",
        {"organisation": scene.community_org.pk, "max_points": 5, "monthly_budget": 100, "action": "set"},
    )

    # then
    assert response.status_code == status
    assert (PointPermission.objects.get().max_points == 5) == (not refused(response))


def test_the_map_of_todays_tasks(scene: Scene, django_assert_max_num_queries: Any) -> None:
    # given two tasks today and one tomorrow
    for _ in range(2):
        a_task(organiser=scene.community_org)
    a_task(organiser=scene.community_org, title="明天的任务", starts_at=timezone.now() + timedelta(days=2))
    client = client_for(scene.worker)

    # when
    with django_assert_max_num_queries(8):
        response = client.get("/volunteering/map/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="tasks-map-points"' in body
    assert body.count('class="row"') == 2
    assert "明天的任务" not in body


def test_city_admins_read_tasks_and_records_in_the_admin_and_cannot_delete_a_record(scene: Scene) -> None:
    # given a task and a city admin
    task = a_task(organiser=scene.community_org)
    admin_user = staff(scene.city.party_org(scene.city.city), role=Role.CITY_ADMIN, user__is_staff=True)
    client = client_for(admin_user)

    # when
    listed = client.get("/admin/volunteering/task/")
    one = client.get(f"/admin/volunteering/task/{task.pk}/change/")
    records = client.get("/admin/volunteering/servicerecord/")
    by_handler = client_for(scene.handler).get("/admin/volunteering/task/")

    # then
    assert listed.status_code == 200
    assert one.status_code == 200
    assert records.status_code == 200
    assert by_handler.status_code in (302, 403)
    assert not admin_site_can_delete_records(admin_user)


def admin_site_can_delete_records(user: Any) -> bool:
    from django.contrib import admin
    from django.test import RequestFactory

    from littlebee.volunteering.models import ServiceRecord

    request = RequestFactory().get("/admin/")
    request.user = user
    return bool(admin.site._registry[ServiceRecord].has_delete_permission(request))


def test_a_captain_assigns_a_member_on_the_team_page(scene: Scene) -> None:
    # given a team with a captain and a member, and a task for the team
    from littlebee.volunteering.models import MembershipStatus, TeamMember, TeamRole

    from .factories import a_team

    team = a_team(organiser=scene.community_org, name="黄鹤骑士帮")
    captain, member = worker(), worker(user__name="李队员")
    TeamMember.objects.create(team=team, worker=captain, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    TeamMember.objects.create(team=team, worker=member, status=MembershipStatus.MEMBER)
    task = a_task(organiser=scene.community_org, team=team, title="消防隐患排查")
    client = client_for(captain)

    # when
    page = client.get("/volunteering/manage/teams/")
    client.post("/volunteering/manage/teams/", {"action": "assign", "task": task.pk, "worker": member.pk})
    stranger = client_for(worker()).get("/volunteering/manage/teams/")

    # then
    assert "消防隐患排查" in page.content.decode()
    assert Claim.objects.get(task=task).worker == member
    assert stranger.status_code == 404
