"""A worker is told of every decision they wait for: the community's check-in and the employer's
confirmation, either way, in the inbox; a turned-down one also by text, since the worker must
act on it. (accounts decides; notifications words and sends, through accounts.hooks.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts import services
from littlebee.accounts.models import CheckinStatus, Role
from littlebee.notifications.models import Notification

from .factories import pending_worker, staff, worker

pytestmark = pytest.mark.django_db


def _inbox(api_as: Any, user: Any) -> list[dict[str, Any]]:
    response = api_as(user).get("/me/notifications")
    assert response.status_code == 200, response.content
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_confirmed_check_in_reaches_the_workers_inbox_not_by_text(
    api_as: Any, city: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a worker waiting for 西厂口社区 and its handler
    profile = pending_worker(community=city.community).worker_profile
    handler = staff(city.party_org(city.community))

    # when the handler confirms through the API, with a note
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(handler).post(f"/checkins/{profile.pk}/confirm", {"note": "欢迎加入"})
    assert response.status_code == 200

    # then the worker's inbox says so, naming the community and the note, linking to their profile
    [message] = _inbox(api_as, profile.user)
    assert (message["kind"], message["title"], message["link"], message["read"]) == (
        "checkin_confirmed",
        "社区报到已确认",
        "/me/",
        False,
    )
    assert "西厂口社区" in message["body"] and "欢迎加入" in message["body"]
    # and nothing is texted: there is nothing for the worker to do
    assert sms_outbox == []


def test_a_rejected_check_in_reaches_the_inbox_and_is_texted(
    api_as: Any, city: Any, enterprise: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    profile = pending_worker(community=city.community, enterprise=enterprise, user__phone="13800000011").worker_profile
    handler = staff(city.party_org(city.community))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(handler).post(f"/checkins/{profile.pk}/reject", {"note": "不在本社区居住"})
    assert response.status_code == 200

    # then the inbox has it, with the kind and the facts stored
    stored = Notification.objects.get(recipient=profile.user)
    assert stored.kind == "checkin_rejected"
    assert stored.shown_title == "社区报到被退回"
    assert stored.data == {
        "profile_id": profile.pk,
        "organisation_id": city.party_org(city.community).pk,
        "community": "西厂口社区",
        "enterprise": "顺丰速运",
        "note": "不在本社区居住",
    }
    assert "不在本社区居住" in stored.shown_body
    # and the worker gets a text, since they must pick a community again
    assert [m.phone for m in sms_outbox] == ["13800000011"]
    assert sms_outbox[0].message.startswith("【小蜜蜂】社区报到被退回")
    assert "不在本社区居住" in sms_outbox[0].message


def test_employment_decisions_name_the_enterprise(
    api_as: Any, city: Any, enterprise: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given two workers of 顺丰 waiting for their employer, and its party organisation's admin
    kept = worker(community=city.community, enterprise=enterprise).worker_profile
    turned_down = worker(community=city.community, enterprise=enterprise, user__phone="13800000012").worker_profile
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)

    # when it confirms one and turns the other down
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(admin).post(f"/employment-checks/{kept.pk}/confirm").status_code == 200
        rejected = api_as(admin).post(f"/employment-checks/{turned_down.pk}/reject", {"note": "查无此人"})
        assert rejected.status_code == 200

    # then each is told, naming the enterprise; only the one turned down by text too
    [confirmed] = _inbox(api_as, kept.user)
    assert (confirmed["kind"], confirmed["title"]) == ("employment_confirmed", "在职身份已确认")
    assert "顺丰速运" in confirmed["body"]
    [refused] = _inbox(api_as, turned_down.user)
    assert (refused["kind"], refused["title"]) == ("employment_rejected", "在职身份未获确认")
    assert "顺丰速运" in refused["body"] and "查无此人" in refused["body"]
    assert [m.phone for m in sms_outbox] == ["13800000012"]


def test_the_inbox_page_shows_the_decision(city: Any) -> None:
    # given a worker whose check-in was turned down
    profile = pending_worker(community=city.community).worker_profile
    services.checkin_reject(profile_id=profile.pk, actor=staff(city.party_org(city.community)), note="地址有误")
    client = Client()
    client.force_login(profile.user)

    # when the worker opens the inbox
    page = client.get("/inbox/")

    # then the message is there
    assert page.status_code == 200
    html = page.content.decode()
    assert "社区报到被退回" in html and "地址有误" in html


def test_a_refused_decision_tells_nobody(api_as: Any, city: Any, sms_outbox: Any) -> None:
    # given a worker of 西厂口社区 and a handler of another community
    profile = pending_worker(community=city.community).worker_profile
    stranger = staff(city.party_org(city.other_district_community))

    # when the stranger tries to reject, and the handler rejects without a reason
    refused = api_as(stranger).post(f"/checkins/{profile.pk}/reject", {"note": "不认识"})
    handler = staff(city.party_org(city.community))
    no_reason = api_as(handler).post(f"/checkins/{profile.pk}/reject", {"note": " "})

    # then both are refused and the worker hears nothing
    assert (refused.status_code, no_reason.status_code) == (404, 400)
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.PENDING
    assert not Notification.objects.filter(recipient=profile.user).exists()
    assert sms_outbox == []
