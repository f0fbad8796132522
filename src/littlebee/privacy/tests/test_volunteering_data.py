"""用心做 in the personal-data export and in closing an account: the claims, service records,
corrections, certificates and team memberships are exported; on closing, waiting claims and team
memberships go, the service records stay pseudonymised (legal records), and the certificates no
longer name the person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import PASSWORD, staff, worker
from littlebee.cases.tests.factories import World
from littlebee.conftest import ApiClient
from littlebee.points.models import EarningRule, PointsSource
from littlebee.privacy.services import CLOSED_NAME
from littlebee.volunteering import services as volunteering_services
from littlebee.volunteering.models import (
    Certificate,
    Claim,
    ClaimStatus,
    MembershipStatus,
    RecordCorrection,
    ServiceRecord,
    Team,
    TeamMember,
    TeamRole,
    VolunteerSettings,
)
from littlebee.volunteering.tests.factories import a_task

from .conftest import Life

pytestmark = pytest.mark.django_db


@dataclass
class Service:
    record: ServiceRecord
    correction: RecordCorrection
    certificate: Certificate
    claimed: Claim
    waiting: Claim
    behind: Claim


def _serve(w: World, life: Life) -> Service:
    """An approved hour (with a correction asked and a certificate), a claim on tomorrow's task and
    a place on another's waiting list (with someone waiting behind on the first), a team."""
    EarningRule.objects.get_or_create(
        source=PointsSource.VOLUNTEER_TASK, category="", district=None, defaults={"points_min": 0, "points_max": 100}
    )
    user = life.user
    organiser = staff(w.community_org, role=Role.HANDLER)
    start = timezone.now() - timedelta(hours=3)
    done = a_task(organiser=w.community_org, starts_at=start, ends_at=start + timedelta(hours=1), points=0)
    claim = Claim.objects.create(
        task=done,
        worker=user,
        status=ClaimStatus.CHECKED_OUT,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
        presence_minutes=60,
        minutes=60,
    )
    volunteering_services.claim_review(claim_id=claim.pk, actor=organiser, decision="approve")
    record = ServiceRecord.objects.get(claim=claim)
    correction = volunteering_services.correction_request(
        record_id=record.pk, worker=user, minutes=55, reason=f"我是{user.name}，电话 {user.phone}，实际少了五分钟"
    )
    today = timezone.localdate()
    certificate = volunteering_services.certificate_issue(
        worker=user, date_from=today - timedelta(days=7), date_to=today
    )
    tomorrow = a_task(organiser=w.community_org, starts_at=timezone.now() + timedelta(days=1), slots=1, points=0)
    claimed = volunteering_services.claim_create(task_id=tomorrow.pk, worker=user)
    behind = volunteering_services.claim_create(task_id=tomorrow.pk, worker=worker(community=w.community))
    full = a_task(
        organiser=w.community_org, starts_at=timezone.now() + timedelta(days=2), slots=1, waitlist_slots=2, points=0
    )
    volunteering_services.claim_create(task_id=full.pk, worker=worker(community=w.community))
    waiting = volunteering_services.claim_create(task_id=full.pk, worker=user)
    team, _new = Team.objects.get_or_create(organiser=w.community_org, name="黄鹤骑士帮", defaults={"street": w.street})
    TeamMember.objects.create(team=team, worker=user, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    volunteering_services.volunteer_settings_set(worker=user, sms_on_promotion=True)
    return Service(record, correction, certificate, claimed, waiting, behind)


def test_the_export_holds_my_volunteering_and_nothing_of_another(me: Life, other: Life, w: World, api_as: Any) -> None:
    # given both workers served
    mine = _serve(w, me)
    _serve(w, other)

    # when
    data = api_as(me.user).get("/me/export").json()

    # then
    volunteering = data["volunteering"]
    assert set(volunteering) == {
        "claims",
        "claim_steps",
        "service_records",
        "corrections",
        "certificates",
        "team_memberships",
        "settings",
    }
    assert sorted(c["status"] for c in volunteering["claims"]) == ["approved", "claimed", "waitlisted"]
    assert [r["minutes"] for r in volunteering["service_records"]] == [60]
    assert volunteering["service_records"][0]["organiser_name"] == w.community_org.name
    assert [c["minutes_asked"] for c in volunteering["corrections"]] == [55]
    assert [c["number"] for c in volunteering["certificates"]] == [mine.certificate.number]
    assert volunteering["certificates"][0]["holder_name"] == "张三丰"
    assert [(m["team_name"], m["role"]) for m in volunteering["team_memberships"]] == [("黄鹤骑士帮", "captain")]
    assert [s["sms_on_promotion"] for s in volunteering["settings"]] == [True]
    assert {s["action"] for s in volunteering["claim_steps"]} >= {"approve", "claim", "waitlist"}
    text = json.dumps(volunteering, ensure_ascii=False)
    assert "李四光" not in text and "13900000002" not in text


def _close(user: Any, api_as: Any) -> Any:
    client: ApiClient = api_as(user)
    return client.client.delete(
        "/api/v1/me", {"password": PASSWORD}, content_type="application/json", headers=client._headers()
    )


def test_closing_keeps_the_service_records_pseudonymised_and_lets_go_of_the_rest(
    me: Life, w: World, api_as: Any, api: Any
) -> None:
    # given
    mine = _serve(w, me)
    record_before = ServiceRecord.objects.filter(pk=mine.record.pk).values().get()

    # when
    response = _close(me.user, api_as)

    # then the service record is kept as it was, pointing at the anonymised account
    assert response.status_code == 202
    record_after = ServiceRecord.objects.filter(pk=mine.record.pk).values().get()
    assert record_after == record_before
    me.user.refresh_from_db()
    assert me.user.name == CLOSED_NAME and me.user.phone != "13800000001"
    # the correction stays as history, without the name and number written into it
    correction = RecordCorrection.objects.get(pk=mine.correction.pk)
    assert correction.reason == "我是***，电话 ***，实际少了五分钟"
    # claims still waiting or holding a place are cancelled, and the place goes to the next in line
    assert Claim.objects.get(pk=mine.claimed.pk).status == ClaimStatus.CANCELLED
    assert Claim.objects.get(pk=mine.waiting.pk).status == ClaimStatus.CANCELLED
    assert Claim.objects.get(pk=mine.behind.pk).status == ClaimStatus.CLAIMED
    # the approved claim behind the record stays
    assert Claim.objects.get(pk=mine.record.claim_id).status == ClaimStatus.APPROVED
    # team memberships (and the captaincy) are gone
    assert not TeamMember.objects.filter(worker=me.user).exists()
    assert not VolunteerSettings.objects.filter(worker=me.user).exists()
    # the certificate no longer names the person, and its number still verifies the service
    verified = api.get(f"/certificates/{mine.certificate.number}").json()
    assert verified["holder_name"] == CLOSED_NAME
    assert verified["holder_phone"] == "****"
    assert verified["hours"] == 1.0
    assert verified["issuer"] == mine.certificate.issuer_name
    assert "张三丰" not in json.dumps(verified, ensure_ascii=False)


def test_the_privacy_page_says_why_service_records_stay(client: Any) -> None:
    # when
    page = client.get("/privacy/").content.decode()

    # then
    assert "志愿服务记录与证明出具办法" in page
    assert "志愿服务（用心做）" in page
