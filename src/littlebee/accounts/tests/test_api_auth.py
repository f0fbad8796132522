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
    assert _token_owner(response) == member.pk


def test_token_with_a_wrong_password_answers_401_invalid_credentials(api, member):
    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})

    # then
    assert response.status_code == 401
    assert response.json() == {"code": "invalid_credentials", "detail": "手机号或密码不正确，还可以再试 4 次。"}


def test_each_wrong_password_says_how_many_tries_are_left(api, member, settings):
    # when
    details = [
        api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"}).json()["detail"]
        for _ in range(settings.LOGIN_MAX_FAILURES)
    ]

    # then
    assert details[:-1] == [f"手机号或密码不正确，还可以再试 {n} 次。" for n in (4, 3, 2, 1)]
    assert details[-1] == "手机号或密码不正确。下次尝试前需等待 30 秒，也可以改用短信验证码登录。"


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
def _token_owner(response: Any) -> int:
    """Whose the token in a /auth/token answer is, asked of /me with it."""
    return ApiClient(token=response.json()["token"]).get("/me").json()["id"]


def _fail(api: ApiClient, times: int) -> None:
    for _ in range(times):
        assert api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"}).status_code == 401


def test_after_max_failures_even_the_right_password_answers_429(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then the phone must wait LOGIN_DELAY_SECONDS before the next password
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_requests"
    assert body["detail"] == "密码错误次数较多，请 30 秒后再试，或改用短信验证码登录。"
    assert 25 <= int(response["Retry-After"]) <= 30


def test_after_the_delay_one_more_try_is_allowed_and_the_next_delay_doubles(api, member, settings):
    # given the failures, and the first delay has passed
    _fail(api, settings.LOGIN_MAX_FAILURES)
    AuthAttempt.objects.update(at=timezone.now() - timedelta(seconds=31))

    # when one more wrong password is tried
    wrong = api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})
    right = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then it is heard, and the next try waits twice as long
    assert wrong.status_code == 401
    assert right.status_code == 429
    assert 55 <= int(right["Retry-After"]) <= 60


def test_the_delay_grows_but_never_beyond_the_lockout_seconds(api, member, settings):
    # given many failures over the day, the latest just now
    now = timezone.now()
    AuthAttempt.objects.bulk_create(
        AuthAttempt(phone=PHONE, ip="10.9.9.9", method="password", succeeded=False, at=now - timedelta(minutes=i))
        for i in range(30)
    )

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert settings.LOGIN_LOCKOUT_SECONDS - 5 <= int(response["Retry-After"]) <= settings.LOGIN_LOCKOUT_SECONDS
    assert response.json()["detail"] == "密码错误次数较多，请 15 分钟后再试，或改用短信验证码登录。"


def test_with_no_free_tries_login_still_works_and_says_how_long_to_wait(api, member, settings):
    # given LOGIN_MAX_FAILURES=0 (which used to crash every login)
    settings.LOGIN_MAX_FAILURES = 0

    # when
    right = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})
    wrong = api.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})
    again = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert right.status_code == 200
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "手机号或密码不正确。下次尝试前需等待 30 秒，也可以改用短信验证码登录。"
    assert again.status_code == 429


def test_one_failure_short_of_the_limit_still_lets_the_right_password_in(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200
    assert _token_owner(response) == member.pk


def test_a_success_resets_the_failure_count(api, member, settings):
    # given failures, a success, then failures again: none of the runs reaches the limit alone
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)
    assert api.post("/auth/token", {"phone": PHONE, "password": PASSWORD}).status_code == 200
    _fail(api, settings.LOGIN_MAX_FAILURES - 1)

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200
    assert _token_owner(response) == member.pk


def test_the_lockout_ends_when_the_failures_leave_the_window(api, member, settings):
    # given
    _fail(api, settings.LOGIN_MAX_FAILURES)
    AuthAttempt.objects.update(at=timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1))

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 200
    assert _token_owner(response) == member.pk


def test_a_strangers_wrong_passwords_do_not_block_code_login(api, member, settings, request_code):
    # given a stranger elsewhere tried many passwords for the worker's number
    stranger = ApiClient()
    for _ in range(settings.LOGIN_MAX_FAILURES + 3):
        stranger.client.post(
            "/api/v1/auth/token",
            {"phone": PHONE, "password": "Wrong-pass-1"},
            content_type="application/json",
            REMOTE_ADDR="198.51.100.7",
        )
    _response, code = request_code()

    # when the worker signs in with a texted code
    response = api.post("/auth/token", {"phone": PHONE, "code": code})

    # then
    assert response.status_code == 200
    assert _token_owner(response) == member.pk


def test_the_lockout_of_one_phone_does_not_lock_another(api, member, settings):
    # given
    other = worker(user__phone="13900000002")
    _fail(api, settings.LOGIN_MAX_FAILURES)

    # when
    response = api.post("/auth/token", {"phone": other.phone, "password": PASSWORD})

    # then
    assert response.status_code == 200
    assert _token_owner(response) == other.pk


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
    assert _token_owner(response) == member.pk


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


def test_the_slow_down_says_how_long_is_left(api, member, settings):
    # given eight failures, the latest ten seconds ago: the wait is 30 * 2**3 = 240 seconds
    now = timezone.now()
    AuthAttempt.objects.bulk_create(
        AuthAttempt(phone=PHONE, ip="10.9.9.9", method="password", succeeded=False, at=now - timedelta(seconds=10 + i))
        for i in range(8)
    )

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert 225 <= int(response["Retry-After"]) <= 230
    assert response.json()["detail"] == "密码错误次数较多，请 4 分钟后再试，或改用短信验证码登录。"


def test_the_slow_down_message_is_translated(member, settings):
    # given
    english = ApiClient(language="en")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        english.post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})

    # when
    response = english.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then the message is English, like every other (it was never in the catalogue before)
    assert response.status_code == 429
    detail = response.json()["detail"]
    assert "30" in detail
    assert not any("\u4e00" <= c <= "\u9fff" for c in detail), detail


def test_many_failures_from_one_address_slow_that_address_down(api, member, settings):
    # given failures spread over many phones from one address: past half the hard limit
    settings.LOGIN_MAX_FAILURES_PER_IP = 20
    for i in range(10):
        api.post("/auth/token", {"phone": f"1390000{i:04d}", "password": "Wrong-pass-1"})

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert response.json()["detail"] == "登录失败次数过多，请 30 秒后再试。"


def test_the_hard_limit_per_address_stops_it_until_its_failures_leave_the_window(api, member, settings):
    # given the hard limit of failures from one address, spread over the last ten minutes
    now = timezone.now()
    AuthAttempt.objects.bulk_create(
        AuthAttempt(
            phone=f"1390000{i:04d}", ip="127.0.0.1", method="sms", succeeded=False, at=now - timedelta(minutes=10)
        )
        for i in range(settings.LOGIN_MAX_FAILURES_PER_IP)
    )

    # when
    response = api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then the address waits until the oldest failure is fifteen minutes old
    assert response.status_code == 429
    assert 295 <= int(response["Retry-After"]) <= 300


def test_a_forged_forwarded_for_does_not_reset_the_per_address_limit(api, member, settings):
    # given an address that reached half the hard limit
    settings.LOGIN_MAX_FAILURES_PER_IP = 20
    for i in range(10):
        api.post("/auth/token", {"phone": f"1390000{i:04d}", "password": "Wrong-pass-1"})

    # when it pretends to be another client
    response = api.client.post(
        "/api/v1/auth/token",
        {"phone": PHONE, "password": PASSWORD},
        content_type="application/json",
        headers={"X-Forwarded-For": "203.0.113.77"},
    )

    # then it is still the same address, still slowed down
    assert response.status_code == 429
    assert not AuthAttempt.objects.filter(ip="203.0.113.77").exists()


def test_behind_a_trusted_proxy_the_proxys_word_is_the_address(api, member, settings):
    # given one trusted proxy, and a client that reached half the hard limit through it
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_MAX_FAILURES_PER_IP = 20

    def post(password: str, forwarded: str) -> Any:
        return api.client.post(
            "/api/v1/auth/token",
            {"phone": PHONE, "password": password},
            content_type="application/json",
            headers={"X-Forwarded-For": forwarded},
        )

    for i in range(10):
        api.client.post(
            "/api/v1/auth/token",
            {"phone": f"1390000{i:04d}", "password": "Wrong-pass-1"},
            content_type="application/json",
            headers={"X-Forwarded-For": "203.0.113.9"},
        )

    # when the client forges an extra entry to the left of what the proxy appended
    forged = post(PASSWORD, "1.2.3.4, 203.0.113.9")
    # and another client comes through the same proxy
    other = post(PASSWORD, "198.51.100.1")

    # then the forgery changes nothing, and the other client is not held back
    assert forged.status_code == 429
    assert other.status_code == 200
