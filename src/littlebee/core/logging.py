"""Keep secrets out of logs even when a library logs a request body."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    re.compile(r'("?(?:password|passwd|code|token|secret|otp)"?\s*[:=]\s*"?)([^"&\s,}]+)', re.I),
    re.compile(r"(Bearer\s+)(\S+)", re.I),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
