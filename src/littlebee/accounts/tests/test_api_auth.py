"""POST /auth/sms-code, POST /auth/token, DELETE /auth/token and bearer authentication."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from littlebee.accounts.models import ApiToken, AuthAttempt, SmsCode
from littlebee.accounts.services import TOKEN_PREFIX
from littlebee.conftest import ApiClient

from .factories import PASSWORD, worker

pytestmark = pytest.mark.django_db

PHONE = "13800000001"


@pytest.fixture
def member(db: Any) -> Any:
    """A registered worker whose password is factories.PASSWORD."""
    return worker(user__phone=PHONE)


@pytest.fixture
def request_code(api, sms_outbox, django_capture_on_commit_callbacks):
    """POST /auth/sms-code and return (response, the code that was texted or None)."""

    def request(phone: str = PHONE) -> tuple[Any, str | None]:
        sent_before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/auth/sms-code", {"phone": phone})
        new = sms_outbox[sent_before:]
        if not new:
            return response, None
        match = re.search(r"\b(\d{6})\b", new[-1].message)
        assert match is not None
        return response, match.group(1)

    return request


def _backdate_codes(seconds: int) -> None:
    SmsCode.objects.update(
        created_at=timezone.now() - timedelta(seconds=seconds),
    )


# --- POST /auth/sms-code --------------------------------------------------------------------
def test_sms_code_answers_202_and_texts_a_registered_phone(member, request_code, sms_outbox):
    # when
    response, code = request_code()

    # then
    assert response.status_code == 202
    assert response.json()["resend_after"] == 60
    assert len(sms_outbox) == 1
    assert sms_outbox[0].phone == PHONE
    assert code is not None


def test_sms_code_for_an_unregistered_phone_answers_the_same_and_sends_nothing(db, request_code, sms_outbox):
    # when
    response, code = request_code("13900000002")

    # then
    assert response.status_code == 202
    assert response.json()["detail"] == "如果该手机号已注册，验证码将以短信发送。"
    assert code is None
    assert sms_outbox == []


def test_sms_code_for_an_inactive_user_sends_nothing(member, request_code, sms_outbox):
    # given
    member.is_active = False
    member.save(update_fields=["is_active"])

    # when
    response, code = request_code()

    # then
    assert response.status_code == 202
    assert code is None
    assert sms_outbox == []


def test_sms_code_stores_only_a_hash_of_the_code(member, request_code):
    # when
    _response, code = request_code()

    # then
    stored = SmsCode.objects.get()
    assert code not in stored.code_hash
    assert stored.code_hash != code


def test_sms_code_resend_within_a_minute_answers_429_with_retry_after(member, request_code, sms_outbox):
    # given
    request_code()

    # when
    response, code = request_code()

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 0 < int(response["Retry-After"]) <= 60
    assert "秒后再重新获取" in response.json()["detail"]
    assert code is None
    assert len(sms_outbox) == 1


def test_sms_code_resend_after_a_minute_is_allowed(member, request_code, sms_outbox):
    # given
    request_code()
    _backdate_codes(61)

    # when
    response, code = request_code()

    # then
    assert response.status_code == 202
    assert code is not None
    assert len(sms_outbox) == 2


def test_sms_code_daily_cap_answers_429(member, request_code, settings, sms_outbox):
    # given
    settings.SMS_CODE_RESEND_SECONDS = 0
    settings.SMS_CODES_PER_PHONE_PER_DAY = 3
    for _ in range(3):
        assert request_code()[0].status_code == 202

    # when
    response, code = request_code()

    # then
    assert response.status_code == 429
    assert response.json()["detail"] == "该手机号今日获取验证码次数已达上限，请明天再试。"
    assert response["Retry-After"]
    assert code is None
    assert len(sms_outbox) == 3


def test_sms_code_per_ip_cap_answers_429(db, request_code, settings):
    # given one address asking codes for many phones
    settings.SMS_CODES_PER_IP_PER_HOUR = 2
    request_code("13900000001")
    request_code("13900000002")

    # when
    response, _code = request_code("13900000003")

    # then
    assert response.status_code == 429


@pytest.mark.parametrize("phone", ["12345", "abcdefghijk", ""])
def test_sms_code_for_an_invalid_phone_answers_400(db, request_code, phone):
    # when
    response, _code = request_code(phone)

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["errors"][0]["field"] == "phone"
    assert SmsCode.objects.count() == 0


# --- POST /auth/token with a password -------------------------------------------------------
def test_token_with_the_right_password_answers_200_with_a_token(api, member):
    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200
    token = response.json()["token"]
    assert token.startswith(TOKEN_PREFIX)
    assert ApiClient(token=token).get("/me").json()["id"] == member.pk


def test_token_accepts_the_phone_in_another_spelling(api, member):
    # when
    response = api.post("/auth/token", {"phone": "+86 138-0000-0001", "password": PASSWORD})

    # then
    assert response.status_code == 200


def test_token_with_a_wrong_password_answers_401_invalid_credentials(api, member):
    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})

    # then
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "detail": "手机号或密码不正确。"}


def test_token_for_an_unknown_phone_answers_exactly_like_a_wrong_password(api, member):
    # when
    unknown = api.post("/auth/token", {"phone": "13900000002", "password": PASSWORD})
    wrong = api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})

    # then
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_token_for_an_inactive_user_answers_401(api, member):
    # given
    member.is_active = False
    member.save(update_fields=["is_active"])

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_token_without_password_or_code_answers_400(api, member):
    # when
    response = api.post("/auth/token", {"phone": PHONE})

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["detail"] == "请填写密码或短信验证码。"


def test_token_with_an_invalid_phone_answers_400(api, member):
    # when
    response = api.post("/auth/token", {"phone": "12345", "password": PASSWORD})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "phone", "detail": "请输入有效的中国大陆手机号码。"}]


@pytest.mark.parametrize("body", [b"{not json", b'{"phone": "138', b"\xff\xfe\x00"])
def test_token_with_malformed_json_answers_400(api, member, body):
    # when
    response = api.client.post("/api/v1/auth/token", body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": "请求格式不正确。"}


def test_token_records_each_attempt(api, member):
    # when
    api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})
    api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert list(AuthAttempt.objects.order_by("id").values_list("phone", "method", "succeeded")) == [
        (PHONE, "password", False),
        (PHONE, "password", True),
    ]


# --- Lock-out -------------------------------------------------------------------------------
def _fail(api: ApiClient, times: int) -> None:
    for _ in range(times):
        assert api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"}).status_code == 401


def test_after_max_failures_even_the_right_password_answers_429(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_requests"
    assert body["detail"] == "登录失败次数过多，账号已暂时锁定，请 15 分钟后再试。"
    assert int(response["Retry-After"]) > 0


def test_one_failure_short_of_the_limit_still_lets_the_right_password_in(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200


def test_a_success_resets_the_failure_count(api, member, settings):
    # given failures, a success, then failures again: none of the runs reaches the limit alone
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)
    assert api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).status_code == 200
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200


def test_the_lockout_ends_when_the_failures_leave_the_window(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES)
    AuthAttempt.objects.update(at=timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1))

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200


def test_the_lockout_also_stops_code_logins(api, member, settings, request_code):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES)
    _response, code = request_code()

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 429


def test_the_lockout_of_one_phone_does_not_lock_another(api, member, settings):
    # given
    other = worker(user__phone="13900000002")
    _fail(api, settings.LOGIN_MAX_FAILURES)

    # when
    response = api.post("/auth/token", {"phone": other.phone, "password": PASSWORD})

    # then
    assert response.status_code == 200


# --- POST /auth/token with an SMS code ------------------------------------------------------
def test_token_with_the_texted_code_answers_200(api, member, request_code):
    # given
    _response, code = request_code()

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 200
    assert ApiClient(token=response.json()["token"]).get("/me").json()["id"] == member.pk


def test_token_with_a_wrong_code_answers_401(api, member, request_code):
    # given
    _response, code = request_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": wrong})

    # then
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "detail": "验证码不正确或已过期。"}


def test_token_with_a_code_but_none_requested_answers_401(api, member):
    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": "123456"})

    # then
    assert response.status_code == 401


def test_token_with_an_expired_code_answers_401(api, member, request_code):
    # given
    _response, code = request_code()
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 401


def test_token_with_a_code_that_expired_by_its_ttl_answers_401(api, member, request_code, settings):
    # given codes that live no time at all
    settings.SMS_CODE_TTL_SECONDS = 0
    _response, code = request_code()

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 401


def test_a_code_works_only_once(api, member, request_code):
    # given
    _response, code = request_code()
    assert api.post("/auth/token", {"phone": PHONE, "code": code}).status_code == 200

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 401


def test_a_new_code_replaces_the_earlier_one(api, member, request_code):
    # given
    _response, first = request_code()
    _backdate_codes(61)
    _response, second = request_code()
    if first == second:  # one chance in a million
        pytest.skip("both codes happen to be equal")

    # when
    old = api.post("/auth/token", {"phone": PHONE, "code": first})
    new = api.post("/auth/token", {"phone": PHONE, "code": second})

    # then
    assert old.status_code == 401
    assert new.status_code == 200


def test_after_max_wrong_guesses_the_right_code_no_longer_works(api, member, request_code, settings):
    # given the account lock-out set high, so only the code's own attempt limit applies
    settings.LOGIN_MAX_FAILURES = 100
    _response, code = request_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.SMS_CODE_MAX_ATTEMPTS):
        assert api.post("/auth/token", {"phone": PHONE, "code": wrong}).status_code == 401

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 401


def test_the_right_code_works_after_fewer_wrong_guesses_than_the_limit(api, member, request_code, settings):
    # given
    settings.LOGIN_MAX_FAILURES = 100
    _response, code = request_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.SMS_CODE_MAX_ATTEMPTS - 1):
        api.post("/auth/token", {"phone": PHONE, "code": wrong})

    # when
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 200


def test_a_code_texted_to_one_phone_does_not_log_in_another(api, member, request_code):
    # given
    other = worker(user__phone="13900000002")
    _response, code = request_code()

    # when
    response = api.post("/auth/token", {"phone": other.phone, "code": code})

    # then
    assert response.status_code == 401


# --- Tokens ---------------------------------------------------------------------------------
def test_tokens_are_stored_only_as_a_hash(api, member):
    # when
    raw = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).json()["token"]

    # then
    token = ApiToken.objects.get(user=member)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.key_hash != raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows
    assert not any(raw in str(value) for row in rows for value in row)
    assert not any(raw[10:20] in str(value) for row in rows for value in row)


def test_delete_token_revokes_it(api, member):
    # given
    raw = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).json()["token"]
    client = ApiClient(token=raw)

    # when
    response = client.delete("/auth/token")

    # then
    assert response.status_code == 200
    assert response.json() == {"revoked": True}
    assert client.get("/me").status_code == 401
    assert ApiToken.objects.get(user=member).revoked_at is not None


def test_delete_token_leaves_the_users_other_tokens_alone(api, member):
    # given two devices
    first = ApiClient(token=api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).json()["token"])
    second = ApiClient(token=api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).json()["token"])

    # when
    first.delete("/auth/token")

    # then
    assert first.get("/me").status_code == 401
    assert second.get("/me").status_code == 200


def test_delete_token_without_a_token_answers_401(api):
    # when
    response = api.delete("/auth/token")

    # then
    assert response.status_code == 401


def test_a_token_of_an_inactive_user_answers_401(api_as, member):
    # given
    client = api_as(member)
    member.is_active = False
    member.save(update_fields=["is_active"])

    # when
    response = client.get("/me")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "token",
    ["garbage", "lb_garbage", TOKEN_PREFIX + "x" * 500, "lb_" + "\u4e2d" * 10],
)
def test_a_garbage_bearer_answers_401(db, token):
    # when
    response = ApiClient(token=token).get("/me")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_without_authentication_answers_401_not_authenticated(api):
    # when
    response = api.get("/me")

    # then
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "请先登录。"}


def test_a_malformed_authorization_header_answers_401(api, member):
    # when
    response = api.client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})

    # then
    assert response.status_code == 401


def test_a_token_records_when_it_was_last_used(api_as, member):
    # given
    client = api_as(member)

    # when
    client.get("/me")

    # then
    assert ApiToken.objects.get(user=member).last_used_at is not None


def test_token_name_from_a_hostile_user_agent_is_made_printable(api, member):
    # when
    response = api.client.post(
        "/api/v1/auth/token",
        {"phone": PHONE, "password": PASSWORD},
        content_type="application/json",
        headers={"User-Agent": "evil\x00agent\x1b[31m" + "x" * 300},
    )

    # then
    assert response.status_code == 200
    name = ApiToken.objects.get(user=member).name
    assert name.startswith("evilagent[31m")
    assert len(name) <= 100


def test_a_forged_forwarded_for_header_is_not_stored(api, member):
    # when
    response = api.client.post(
        "/api/v1/auth/token",
        {"phone": PHONE, "password": "Wrong-pass-1"},
        content_type="application/json",
        headers={"X-Forwarded-For": "not-an-ip\x00, 10.0.0.1"},
    )

    # then
    assert response.status_code == 401
    assert AuthAttempt.objects.get().ip == "127.0.0.1"


def test_the_lockout_says_how_long_is_left(api, member, settings):
    # given the failures happened ten minutes into a fifteen-minute window
    _fail(api, settings.LOGIN_MAX_FAILURES)
    AuthAttempt.objects.update(at=timezone.now() - timedelta(minutes=10))

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert 290 <= int(response["Retry-After"]) <= 300
    assert response.json()["detail"] == "登录失败次数过多，账号已暂时锁定，请 5 分钟后再试。"


def test_many_failures_from_one_address_lock_that_address(api, member, settings):
    # given failures spread over many phones from one address
    settings.LOGIN_MAX_FAILURES = 2
    for i in range(20):
        api.post("/auth/token", {"phone": f"1390000{i:04d}", "password": "Wrong-pass-1"})

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
