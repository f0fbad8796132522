"""core.logging: secrets never reach a log line, whatever shape they arrive in."""

from __future__ import annotations

import logging
import sys

import pytest

from littlebee.core.logging import RedactSecretsFilter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('{"phone": "13800000001", "password": "Quick-bee-42"}', "Quick-bee-42"),
        ('{"password":"two words 42"}', "two words 42"),
        ("{'password': 'Quick-bee-42'}", "Quick-bee-42"),
        ("phone=13800000001&password=Quick-bee-42&next=/", "Quick-bee-42"),
        ("new_password1=Quick-bee-42", "Quick-bee-42"),
        ('{"code": "482913"}', "482913"),
        ("sms_code=482913", "482913"),
        ('{"token": "lb_abcdefghijklmnop"}', "lb_abcdefghijklmnop"),
        ("Authorization: Bearer lb_abcdefghijklmnop", "lb_abcdefghijklmnop"),
        ("authorization: bearer some.jwt.value", "some.jwt.value"),
        ("revoking lb_AbCdEf0123456789-_x for user 3", "lb_AbCdEf0123456789-_x"),
        ("【小蜜蜂】您的登录验证码是 482913，5 分钟内有效。", "482913"),
        ("验证码：482913", "482913"),
        ("client_secret=s3cr3t-value", "s3cr3t-value"),
        ("sessionid=abcdef123456; csrftoken=zzz", "abcdef123456"),
        ('{"password": "esc\\"aped"}', 'esc\\"aped'),
    ],
)
def test_redact_removes_the_secret(text, secret):
    # when
    cleaned = redact(text)

    # then
    assert secret not in cleaned
    assert "[redacted]" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/regions?parent=3 200",
        "SMS delivery to 138****0001 failed",
        "user 13800000001 logged in",
        "",
    ],
)
def test_redact_leaves_ordinary_text_alone(text):
    assert redact(text) == text


def test_redact_keeps_the_surrounding_structure():
    # when
    cleaned = redact('{"phone": "13800000001", "password": "Quick-bee-42", "name": "张三"}')

    # then
    assert cleaned == '{"phone": "13800000001", "password": "[redacted]", "name": "张三"}'


def _record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def test_the_filter_redacts_the_formatted_message():
    # given
    record = _record("login body %s", '{"password": "Quick-bee-42"}')

    # when
    kept = RedactSecretsFilter().filter(record)

    # then
    assert kept is True
    assert "Quick-bee-42" not in record.getMessage()


def test_the_filter_leaves_clean_records_untouched():
    # given
    record = _record("user %s logged in", 42)

    # when
    RedactSecretsFilter().filter(record)

    # then
    assert record.msg == "user %s logged in"
    assert record.args == (42,)


def test_the_filter_redacts_tracebacks():
    # given an exception whose message carries a secret
    try:
        raise ValueError("provider refused: password=Quick-bee-42")
    except ValueError:
        record = _record("send failed", exc_info=sys.exc_info())

    # when
    RedactSecretsFilter().filter(record)
    output = logging.Formatter().format(record)

    # then
    assert "Quick-bee-42" not in output
    assert "ValueError" in output


def test_the_filter_survives_a_malformed_record():
    # given
    record = _record("%s %s", "only one")

    # when / then
    assert RedactSecretsFilter().filter(record) is True
