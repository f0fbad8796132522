"""Keep secrets out of logs even when a library logs a request body."""

from __future__ import annotations

import logging
import re

# key=value, "key": "value", 'key': 'value' for any key that names a secret (new_password,
# sms_code, api_token…). A quoted value is redacted whole, spaces included.
_KEY_VALUE = re.compile(
    r"""(?P<key>["']?[\w.-]*?(?:password|passwd|pwd|code|token|secret|otp|sessionid)\w*["']?\s*[:=]\s*)
        (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^"'&\s,;}\]]+)""",
    re.IGNORECASE | re.VERBOSE,
)
_BEARER = re.compile(r"(Bearer\s+)(\S+)", re.IGNORECASE)
# Our API tokens have a recognisable prefix: redact them wherever they turn up.
_API_TOKEN = re.compile(r"\blb_[A-Za-z0-9_\-]{8,}")
# The login SMS ("您的登录验证码是 123456…") if a message body is ever logged.
_SMS_CODE = re.compile(r"(验证码\D{0,6}?)(\d{4,8})")


def _redact_value(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{quote}[redacted]{quote}"


def redact(text: str) -> str:
    text = _KEY_VALUE.sub(_redact_value, text)
    text = _BEARER.sub(r"\1[redacted]", text)
    text = _API_TOKEN.sub("lb_[redacted]", text)
    return _SMS_CODE.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """Redacts the message and any traceback text of every record passing the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the redacted text is what they print.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
