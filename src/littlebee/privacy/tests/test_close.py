"""DELETE /api/v1/me and the page flow on /me/: the account closes, the person's data goes,
the records stay without them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import ApiToken, CheckinStatus, EmploymentStatus, Membership, User, WorkerProfile
from littlebee.accounts.tests.factories import PASSWORD, sms_code_for, worker
from littlebee.cases.models import Case, CaseEvent
from littlebee.cases.tests.factories import World
from littlebee.conftest import ApiClient
from littlebee.hives.models import EventRegistration, HiveVisit, RegistrationStatus
from littlebee.notifications.models import Notification
from littlebee.orgs.tests.factories import EnterprisePartyOrgFactory
from littlebee.points.models import LedgerEntry
from littlebee.privacy.models import AccountClosure
from littlebee.privacy.services import CLOSED_NAME, redact
from littlebee.reports.models import Report
from littlebee.rewards.models import Voucher, VoucherStatus

from .conftest import Life

pytestmark = pytest.mark.django_db


def _delete_me(client: ApiClient, body: Any) -> Any:
    return client.client.delete("/api/v1/me", body, content_type="application/json", headers=client._headers())


def _snapshot(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    return (
        user.name,
        user.phone,
        user.is_active,
        user.password,
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
        Notification.objects.filter(recipient=user).count(),
        Report.objects.get(case__reporter=user).description,
    )


def test_a_wrong_password_is_refused_and_changes_nothing(me: Life, api_as: Any) -> None:
    # given
    client = api_as(me.user)
    before = _snapshot(me.user)

    # when the worker asks to close with a wrong password, or none
    wrong = _delete_me(client, {"password": "not-my-password"})
    missing = _delete_me(client, {})

    # then 400 with the field named, and nothing changed: the token still works
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "password"
    assert missing.status_code == 400
    assert _snapshot(me.user) == before
    assert client.get("/me").status_code == 200
    assert not AccountClosure.objects.exists()


def test_too_many_wrong_passwords_stop_the_guessing(me: Life, api_as: Any, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    client = api_as(me.user)
    for _ in range(3):
        assert _delete_me(client, {"password": "guess"}).status_code == 400
    # even the right password waits now
    assert _delete_me(client, {"password": PASSWORD}).status_code == 429
    assert User.objects.get(pk=me.user.pk).is_active


def test_closing_erases_the_person_and_keeps_the_records(me: Life, other: Life, api_as: Any, api: Any) -> None:
    # given a worker with a report, points, a reserved voucher, a registration and messages
    client = api_as(me.user)
    ledger_rows = LedgerEntry.objects.filter(worker=me.user).count()
    staff_note = CaseEvent.objects.create(
        case=me.case, at=me.case.created_at, actor_role="handler", action="note", note="已电话联系 13800000001"
    )

    browser = Client()
    browser.force_login(me.user)

    # when they close the account with their password
    response = _delete_me(client, {"password": PASSWORD})

    # then 202, the token no longer works and the signed-in browser is signed out
    assert response.status_code == 202
    assert client.get("/me").status_code == 401
    assert browser.get("/me/").status_code == 302

    # the person is gone from the user row
    user = User.objects.get(pk=me.user.pk)
    assert (user.name, user.is_active, user.has_usable_password()) == (CLOSED_NAME, False, False)
    assert user.phone != "13800000001" and not user.phone.isdigit()
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert AccountClosure.objects.filter(user=user).exists()

    # the report stays (a public-interest record) without their name and number
    report = Report.objects.get(case=me.case)
    assert report.description.startswith("路口垃圾堆了三天")
    assert "张三丰" not in report.description and "13800000001" not in report.description
    assert Case.objects.get(pk=me.case.pk).reporter_id == user.pk
    staff_note.refresh_from_db()
    assert "13800000001" not in staff_note.note

    # ledgers keep their rows; the unclaimed voucher and the coming event are given back
    assert LedgerEntry.objects.filter(worker=user).count() >= ledger_rows
    assert Voucher.objects.get(pk=me.voucher.pk).status == VoucherStatus.CANCELLED
    assert EventRegistration.objects.get(pk=me.registration.pk).status == RegistrationStatus.CANCELLED
    assert HiveVisit.objects.filter(pk=me.visit.pk).exists()
    assert WorkerProfile.objects.filter(user=user).exists()

    # the other worker is untouched
    untouched = User.objects.get(pk=other.user.pk)
    assert (untouched.name, untouched.phone, untouched.is_active) == ("李四光", "13900000002", True)
    assert "李四光" in Report.objects.get(case=other.case).description
    assert Notification.objects.filter(recipient=untouched).exists()

    # the old password no longer signs in, by phone or otherwise
    login = api.post("/auth/token", {"phone": "13800000001", "password": PASSWORD})
    assert login.status_code == 401


def test_the_phone_number_may_register_again(me: Life, w: World, api_as: Any, api: Any) -> None:
    # given the worker closed the account
    assert _delete_me(api_as(me.user), {"password": PASSWORD}).status_code == 202

    # when someone registers with the same number (with a sign-up code where registration asks for one)
    assert not User.objects.filter(phone="13800000001").exists()
    party_org: Any = EnterprisePartyOrgFactory()
    code = {"code": sms_code_for("13800000001", "register")}
    response = api.post(
        "/auth/register",
        {
            "phone": "13800000001",
            **code,
            "password": "Quick-bee-42",
            "name": "新用户",
            "worker_type": "courier",
            "community": w.community.pk,
            "enterprise": party_org.enterprise.pk,
        },
    )

    # then a new account is made, with nothing of the old one
    assert response.status_code == 201, response.content
    new = User.objects.get(phone="13800000001")
    assert new.pk != me.user.pk
    assert api_as(new).get("/me/export").json()["reports"] == []


def test_a_closed_account_cannot_close_twice_or_export(me: Life, api_as: Any) -> None:
    client = api_as(me.user)
    assert _delete_me(client, {"password": PASSWORD}).status_code == 202
    assert _delete_me(client, {"password": PASSWORD}).status_code == 401
    assert client.get("/me/export").status_code == 401


def test_a_staff_member_who_closes_loses_their_roles(w: World, api_as: Any) -> None:
    handler = w.community_handler
    assert _delete_me(api_as(handler), {"password": PASSWORD}).status_code == 202
    assert not Membership.objects.filter(user=handler).exists()


def test_get_and_patch_me_still_answer_beside_delete(me: Life, api_as: Any) -> None:
    client = api_as(me.user)
    shown = client.get("/me")
    changed = client.patch("/me", {"name": "张三"})

    assert shown.status_code == 200 and shown.json()["id"] == me.user.pk
    assert changed.status_code == 200 and changed.json()["name"] == "张三"


def test_the_page_flow_asks_for_the_password(me: Life) -> None:
    # given the worker signed in on the site
    client = Client()
    client.force_login(me.user)
    assert client.get("/privacy/close/").status_code == 200

    # when they confirm with a wrong password, or without ticking the box
    wrong = client.post("/privacy/close/", {"password": "nope", "confirm": "on"})
    unticked = client.post("/privacy/close/", {"password": PASSWORD})

    # then the form says so and nothing changes
    assert wrong.status_code == 400 and "密码不正确" in wrong.content.decode()
    assert unticked.status_code == 400
    assert User.objects.get(pk=me.user.pk).is_active

    # when they confirm properly
    done = client.post("/privacy/close/", {"password": PASSWORD, "confirm": "on"})

    # then they are signed out and the account is closed
    assert done.status_code == 302
    assert not User.objects.get(pk=me.user.pk).is_active
    assert client.get("/me/").status_code == 302  # to the login page


def test_the_privacy_page_is_public_and_linked_from_registration() -> None:
    page = Client().get("/privacy/")
    assert page.status_code == 200
    assert "保存多久" in page.content.decode()
    assert 'href="/privacy/"' in Client().get("/register/").content.decode()


def test_redact() -> None:
    text = "我是张三丰，电话 138 0000 0001，也可打 13912345678；张先生"
    assert redact(text, name="张三丰", phone="13800000001") == "我是***，电话 ***，也可打 ***；张先生"
    assert redact("王", name="王", phone="") == "王"


def test_staff_see_the_case_without_the_person(me: Life, w: World, api_as: Any) -> None:
    # given the reporter closed their account while the case is open
    assert _delete_me(api_as(me.user), {"password": PASSWORD}).status_code == 202

    # then the office holding it still has the case, but no name or number to go with it
    body = api_as(w.community_handler).get(f"/cases/{me.case.pk}").json()
    assert body["reporter"]["name"] == CLOSED_NAME
    assert body["reporter_phone"] is None
    page = Client()
    page.force_login(w.community_handler)
    html = page.get(f"/staff/cases/{me.case.pk}/").content.decode()
    assert CLOSED_NAME in html and "13800000001" not in html


def test_a_closed_account_leaves_the_check_in_and_employment_queues(w: World, api_as: Any) -> None:
    # given a worker whose check-in and employment still wait for a decision
    pending = worker(
        user__phone="13700000077",
        checkin_status=CheckinStatus.PENDING,
        employment_status=EmploymentStatus.PENDING,
        community=w.community,
    )
    handler = api_as(w.community_handler)
    city_admin = api_as(w.city_admin)
    assert any(i["id"] == pending.worker_profile.pk for i in handler.get("/checkins").json()["items"])

    # when the worker closes the account
    assert _delete_me(api_as(pending), {"password": PASSWORD}).status_code == 202

    # then nobody is asked to decide on it any more
    assert all(i["id"] != pending.worker_profile.pk for i in handler.get("/checkins").json()["items"])
    assert all(i["id"] != pending.worker_profile.pk for i in city_admin.get("/employment-checks").json()["items"])
