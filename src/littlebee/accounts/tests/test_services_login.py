"""Login, one-time codes and tokens, called as services; and what reaches the logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import transaction

from littlebee.accounts import services
from littlebee.accounts.models import ApiToken, SmsCode
from littlebee.core.errors import DomainError, InvalidInput, TooManyRequests
from littlebee.core.logging import RedactSecretsFilter

from .factories import PASSWORD, worker

pytestmark = pytest.mark.django_db

PHONE = "13800000001"


@pytest.fixture
def member(db: Any) -> Any:
    return worker(user__phone=PHONE)


@pytest.fixture
def send_code(sms_outbox, django_capture_on_commit_callbacks):
    def send(phone: str = PHONE, ip: str = "") -> str | None:
        before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.sms_code_send(phone=phone, ip=ip)
        new = sms_outbox[before:]
        if not new:
            return None
        match = re.search(r"\d{6}", new[-1].message)
        assert match is not None
        return match.group(0)

    return send


def test_login_with_password_returns_the_user(member):
    # when
    user = services.login_with_password(phone="+86 138 0000 0001", password=PASSWORD, ip="10.0.0.1")

    # then
    assert user == member


def test_login_with_a_wrong_password_raises_invalid_credentials(member):
    # when
    with pytest.raises(DomainError) as raised:
        services.login_with_password(phone=PHONE, password="nope")

    # then
    assert (raised.value.code, raised.value.status) == ("invalid_credentials", 401)


def test_login_with_an_invalid_phone_raises_invalid_input(member):
    with pytest.raises(InvalidInput):
        services.login_with_password(phone="not a phone", password=PASSWORD)


def test_the_lockout_raises_too_many_requests_with_retry_after(member, settings):
    # given
    for _ in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(DomainError):
            services.login_with_password(phone=PHONE, password="nope")

    # when
    with pytest.raises(TooManyRequests) as raised:
        services.login_with_password(phone=PHONE, password=PASSWORD)

    # then
    assert raised.value.status == 429
    assert 0 < raised.value.retry_after <= settings.LOGIN_LOCKOUT_SECONDS


def test_sms_code_texts_a_six_digit_code(member, send_code, sms_outbox):
    # when
    code = send_code()

    # then
    assert code is not None
    assert len(code) == 6
    assert "5 分钟内有效" in sms_outbox[0].message


def test_sms_code_is_not_sent_when_the_request_rolls_back(member, sms_outbox, django_capture_on_commit_callbacks):
    # when the surrounding transaction fails after the code was requested
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.sms_code_send(phone=PHONE)
        raise RuntimeError("boom")

    # then
    assert sms_outbox == []
    assert not SmsCode.objects.exists()


def test_login_with_code_uses_the_code_once(member, send_code):
    # given
    code = send_code()

    # when
    user = services.login_with_code(phone=PHONE, code=code)

    # then
    assert user == member
    assert SmsCode.objects.get().used_at is not None
    with pytest.raises(DomainError):
        services.login_with_code(phone=PHONE, code=code)


def test_login_with_code_counts_attempts_on_the_code(member, send_code):
    # given
    code = send_code()

    # when
    for guess in ("000000", "111111"):
        if guess != code:
            with pytest.raises(DomainError):
                services.login_with_code(phone=PHONE, code=guess)

    # then
    assert SmsCode.objects.get().attempts >= 1


def test_a_code_for_an_unregistered_phone_logs_nobody_in(db, send_code):
    # given the code row exists (for rate limits) though no SMS went out
    assert send_code("13900000002") is None
    assert SmsCode.objects.filter(phone="13900000002").exists()

    # when / then
    with pytest.raises(DomainError):
        services.login_with_code(phone="13900000002", code="000000")


# --- Tokens ---------------------------------------------------------------------------------
def test_token_issue_and_authenticate(member):
    # given
    token, raw = services.token_issue(user=member, name="phone")

    # when
    user = services.token_authenticate(raw)

    # then
    assert user == member
    assert token.prefix == raw[:10]
    assert raw not in token.key_hash


@pytest.mark.parametrize("raw", ["", "lb_", "xx_abc", "lb_" + "a" * 300])
def test_token_authenticate_refuses_garbage(member, raw):
    assert services.token_authenticate(raw) is None


def test_token_revoke_only_revokes_the_owners_token(member):
    # given
    other = worker()
    _token, raw = services.token_issue(user=member)

    # when
    revoked_by_other = services.token_revoke(raw=raw, user=other)

    # then
    assert revoked_by_other is False
    assert services.token_authenticate(raw) == member


def test_tokens_revoke_all_logs_out_every_device(member):
    # given
    raws = [services.token_issue(user=member)[1] for _ in range(3)]

    # when
    count = services.tokens_revoke_all(user=member)

    # then
    assert count == 3
    assert all(services.token_authenticate(raw) is None for raw in raws)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


# --- Logs -----------------------------------------------------------------------------------
def test_passwords_and_codes_never_reach_the_logs(api, member, send_code, caplog, django_capture_on_commit_callbacks):
    # given everything logged, at every level
    caplog.set_level(logging.DEBUG)
    wrong_password = "Leaky-secret-99"

    # when a failed login, a code request, a wrong code and a good code go through the API
    api.post("/auth/token", {"phone": PHONE, "password": wrong_password})
    api.post("/auth/token", {"phone": PHONE, "password": PASSWORD})
    code = send_code()
    api.post("/auth/token", {"phone": PHONE, "code": "000000" if code != "000000" else "111111"})
    token = api.post("/auth/token", {"phone": PHONE, "code": code}).json()["token"]

    # then
    for secret in (wrong_password, PASSWORD, code, token):
        assert secret not in caplog.text


def test_log_records_do_not_carry_the_code_in_their_arguments(member, send_code, caplog):
    # given
    caplog.set_level(logging.DEBUG)

    # when
    code = send_code()

    # then
    assert all(code not in str(record.args) for record in caplog.records)


class ExplodingSmsBackend:
    def send(self, phone: str, message: str) -> None:
        raise RuntimeError(f"provider rejected message: {message}")


def test_a_failed_sms_logs_a_masked_phone_and_no_code(member, settings, caplog, django_capture_on_commit_callbacks):
    # given a provider that echoes the message in its error
    settings.SMS_BACKEND = f"{__name__}.ExplodingSmsBackend"
    caplog.set_level(logging.DEBUG)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_send(phone=PHONE)

    # then the failure is logged, without the full phone
    failures = [r for r in caplog.records if "SMS delivery" in r.getMessage()]
    assert failures
    assert all(PHONE not in r.getMessage() for r in failures)
    assert "138****0001" in failures[0].getMessage()


def test_the_console_log_of_a_failed_sms_shows_no_code(member, settings, caplog, django_capture_on_commit_callbacks):
    # given a provider that echoes the message (and so the code) in its error
    settings.SMS_BACKEND = f"{__name__}.ExplodingSmsBackend"
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        services.sms_code_send(phone=PHONE)

    # when the records go through the console handler's filter and formatter
    redactor, formatter = RedactSecretsFilter(), logging.Formatter("%(message)s")
    output = "\n".join(formatter.format(r) for r in caplog.records if redactor.filter(r))

    # then the traceback is there, the code is not
    assert "provider rejected message" in output
    assert not re.search(r"验证码是 \d", output)
