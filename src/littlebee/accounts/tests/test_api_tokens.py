"""Tokens expire and die with the password: expiry, POST /me/password, POST /auth/password-reset,
sign-out everywhere, deactivation, and 401 for every unauthenticated call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts import services
from littlebee.accounts.models import ApiToken, SmsPurpose
from littlebee.conftest import ApiClient

from .factories import PASSWORD, UserFactory, sms_code_for, worker

pytestmark = pytest.mark.django_db

PHONE = "13800000001"
NEW_PASSWORD = "Fresh-honey-77"


@pytest.fixture
def member(db: Any) -> Any:
    return worker(user__phone=PHONE)


def _signed_in_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Unauthenticated calls ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/me/password"),
        ("post", "/auth/token/revoke-all"),
        ("patch", "/me"),
        ("post", "/me/checkin"),
        ("delete", "/auth/token"),
        ("get", "/me"),
    ],
)
@pytest.mark.parametrize("bearer", [None, "lb_not-a-token"])
def test_an_anonymous_call_answers_401_not_authenticated_not_403(db, method, path, bearer):
    # given a real client's request: CSRF enforced (the test client skips it by default), no
    # session, and no token or a dead one
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}

    # when
    if method == "get":
        response = client.get(f"/api/v1{path}", headers=headers)
    else:
        response = getattr(client, method)(f"/api/v1{path}", "{}", content_type="application/json", headers=headers)

    # then
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "请先登录。"}


def test_a_signed_in_page_session_still_needs_the_csrf_token(member):
    # given a browser session without its CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    # when
    response = client.post(
        "/api/v1/me/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    # then
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# --- Expiry ---------------------------------------------------------------------------------
def test_a_token_unused_for_longer_than_its_ttl_answers_401(api_as, member, settings):
    # given
    client = api_as(member)
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=settings.API_TOKEN_TTL_DAYS, seconds=1))

    # when
    response = client.get("/me")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_using_a_token_keeps_it_alive(api_as, member, settings):
    # given a token last used just inside its lifetime
    client = api_as(member)
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=settings.API_TOKEN_TTL_DAYS - 1))

    # when it is used
    assert client.get("/me").status_code == 200

    # then its lifetime starts again
    assert timezone.now() - ApiToken.objects.get().last_used_at < timedelta(minutes=1)


def test_a_token_is_touched_at_most_once_an_hour(api_as, member):
    # given a token used a few minutes ago
    client = api_as(member)
    earlier = timezone.now() - timedelta(minutes=5)
    ApiToken.objects.update(last_used_at=earlier)

    # when it is used again
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/points").status_code == 200

    # then nothing is written for it, and authentication was one query
    assert ApiToken.objects.get().last_used_at == earlier
    token_queries = [q["sql"] for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(token_queries) == 1
    assert token_queries[0].lstrip().upper().startswith("SELECT")


def test_a_new_token_starts_its_lifetime_at_issue(member):
    # when
    token, _raw = services.token_issue(user=member)

    # then
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


# --- POST /me/password ----------------------------------------------------------------------
def test_changing_the_password_keeps_the_calling_token_and_ends_the_others(api_as, member):
    # given two devices and a signed-in page
    phone, tablet = api_as(member), api_as(member)
    page = _signed_in_client(member)
    assert page.get(reverse("accounts:profile")).status_code == 200

    # when the phone changes the password
    response = phone.post("/me/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 200
    assert response.json()["detail"]
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert phone.get("/me").status_code == 200
    assert tablet.get("/me").status_code == 401
    assert page.get(reverse("accounts:profile")).status_code == 302  # back to the login page
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_changing_the_password_from_a_page_session_keeps_that_session(member, api_as):
    # given a page session with its CSRF token, and a phone app
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get(reverse("accounts:profile"))
    csrf = client.cookies["csrftoken"].value
    app = api_as(member)

    # when
    response = client.post(
        "/api/v1/me/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    # then
    assert response.status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert app.get("/me").status_code == 401


def test_an_old_token_dies_with_a_password_changed_anywhere(api_as, member):
    # given a token, then the password changed outside the services (admin form, shell)
    client = api_as(member)
    member.set_password(NEW_PASSWORD)
    member.save(update_fields=["password"])

    # when
    response = client.get("/me")

    # then
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "Wrong-pass-1", "new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": PASSWORD, "new_password": "12345678"}, "new_password"),
        ({"old_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
    ],
)
def test_a_refused_password_change_answers_400_and_changes_nothing(api_as, member, body, field):
    # given
    client, other = api_as(member), api_as(member)

    # when
    response = client.post("/me/password", body)

    # then
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert other.get("/me").status_code == 200


def test_guessing_the_old_password_with_a_stolen_token_is_slowed_down(api_as, member, settings):
    # given
    client = api_as(member)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/me/password", {"old_password": "Wrong-pass-1", "new_password": NEW_PASSWORD})

    # when even the right one comes
    response = client.post("/me/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 429
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# --- POST /auth/password-reset --------------------------------------------------------------
def test_a_password_reset_with_the_texted_code_sets_it_and_ends_every_token(api, api_as, member):
    # given a device signed in, and a reset code
    device = api_as(member)
    code = sms_code_for(PHONE, purpose=SmsPurpose.PASSWORD_RESET)

    # when
    response = api.post("/auth/password-reset", {"phone": PHONE, "code": code, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert device.get("/me").status_code == 401
    assert api.post("/auth/token", {"phone": PHONE, "password": NEW_PASSWORD}).status_code == 200


@pytest.mark.parametrize("purpose", [SmsPurpose.LOGIN, SmsPurpose.REGISTER])
def test_a_code_for_another_purpose_does_not_reset(api, member, purpose):
    # given
    code = sms_code_for(PHONE, purpose=purpose)

    # when
    response = api.post("/auth/password-reset", {"phone": PHONE, "code": code, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_reset_for_a_number_without_account_answers_like_a_wrong_code(api, db):
    # given
    code = sms_code_for("13900000009", purpose=SmsPurpose.PASSWORD_RESET)

    # when
    response = api.post("/auth/password-reset", {"phone": "13900000009", "code": code, "new_password": NEW_PASSWORD})

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_a_weak_new_password_does_not_use_the_reset_code_up(api, member):
    # given
    code = sms_code_for(PHONE, purpose=SmsPurpose.PASSWORD_RESET)

    # when
    weak = api.post("/auth/password-reset", {"phone": PHONE, "code": code, "new_password": "12345678"})
    strong = api.post("/auth/password-reset", {"phone": PHONE, "code": code, "new_password": NEW_PASSWORD})

    # then
    assert weak.status_code == 400
    assert weak.json()["errors"][0]["field"] == "new_password"
    assert strong.status_code == 200


def test_a_reset_code_is_texted_only_to_a_registered_number(
    api, member, sms_outbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        known = api.post("/auth/sms-code", {"phone": PHONE, "purpose": "password_reset"})
        unknown = api.post("/auth/sms-code", {"phone": "13900000009", "purpose": "password_reset"})

    # then both answer alike, and only the registered number gets a text
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.phone for m in sms_outbox] == [PHONE]
    assert "找回密码" in sms_outbox[0].message


# --- Sign out everywhere and deactivation ---------------------------------------------------
def test_revoke_all_ends_every_token_and_session(api_as, member):
    # given
    phone, tablet = api_as(member), api_as(member)
    page = _signed_in_client(member)

    # when
    response = phone.post("/auth/token/revoke-all")

    # then
    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert phone.get("/me").status_code == 401
    assert tablet.get("/me").status_code == 401
    assert page.get(reverse("accounts:profile")).status_code == 302


def test_signing_out_everywhere_from_my_page_ends_every_token_and_session(api_as, member):
    # given the worker signed in on a phone app, another browser and this one
    phone = api_as(member)
    other_browser = _signed_in_client(member)
    this_browser = _signed_in_client(member)
    assert b"logout-everywhere" in this_browser.get(reverse("accounts:profile")).content

    # when they press the button on /me/
    response = this_browser.post(reverse("accounts:logout_everywhere"))

    # then every device is signed out, this browser too
    assert response.status_code == 302
    assert phone.get("/me").status_code == 401
    assert other_browser.get(reverse("accounts:profile")).status_code == 302
    assert this_browser.get(reverse("accounts:profile")).status_code == 302


def test_signing_out_everywhere_needs_a_post_by_a_signed_in_person(member):
    # given
    browser = _signed_in_client(member)

    # when a link or a stranger tries it
    by_get = browser.get(reverse("accounts:logout_everywhere"))
    by_stranger = Client().post(reverse("accounts:logout_everywhere"))

    # then nothing is ended
    assert by_get.status_code == 405
    assert by_stranger.status_code == 302 and "/login/" in by_stranger["Location"]
    assert browser.get(reverse("accounts:profile")).status_code == 200


def test_deactivating_a_user_revokes_their_tokens(api_as, member):
    # given
    client = api_as(member)

    # when
    services.user_deactivate(user=member, actor=None)

    # then
    assert client.get("/me").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def _admin_client() -> Client:
    admin = UserFactory(is_staff=True, is_superuser=True)
    return _signed_in_client(admin)


def test_unticking_active_in_the_admin_revokes_tokens_and_sessions(api_as, member):
    # given
    client = api_as(member)
    page = _signed_in_client(member)
    admin = _admin_client()
    form = admin.get(reverse("admin:accounts_user_change", args=[member.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"phone": member.phone, "name": member.name, "date_joined_0": "2026-01-01", "date_joined_1": "08:00"})
    data.pop("is_active", None)
    data.update({"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})

    # when
    response = admin.post(reverse("admin:accounts_user_change", args=[member.pk]), data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    member.refresh_from_db()
    assert member.is_active is False
    assert client.get("/me").status_code == 401
    assert ApiToken.objects.get(user=member).revoked_at is not None
    assert page.get(reverse("accounts:profile")).status_code == 302


def test_a_password_set_in_the_admin_revokes_the_tokens(api_as, member):
    # given
    client = api_as(member)
    admin = _admin_client()

    # when
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    # then
    assert response.status_code == 302
    assert client.get("/me").status_code == 401
    assert ApiToken.objects.get(user=member).revoked_at is not None


def test_the_bearer_of_a_token_is_the_token_owner_only(member):
    # given another user's token
    other = worker(user__phone="13900000002")
    _token, raw = services.token_issue(user=other)

    # when
    body = ApiClient(token=raw).get("/me").json()

    # then
    assert body["id"] == other.pk
