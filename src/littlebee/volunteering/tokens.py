"""The organiser's rotating check-in QR for a task: the stations' signed-token approach
(hives.visit_tokens), with a salt and window of its own.

A token signs the task id and a time window number; the current and the previous window are
accepted, so a photo of the code sent to someone elsewhere stops working within two windows.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError

TOKEN_SALT = "littlebee.volunteering.checkin-token"
MAX_TOKEN_LENGTH = 200


class InvalidTaskToken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            code="invalid_token",
            detail=_("二维码无效或已过期，请扫描组织方现场出示的最新二维码。"),
            status=400,
        )


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, algorithm="sha256")


def window_of(at: datetime) -> int:
    return int(at.timestamp()) // settings.VOLUNTEERING_TOKEN_WINDOW_SECONDS


def seconds_to_next_window(at: datetime) -> int:
    length = settings.VOLUNTEERING_TOKEN_WINDOW_SECONDS
    return length - int(at.timestamp()) % length


def token_for(task_id: int, at: datetime | None = None) -> str:
    return _signer().sign(f"t{task_id}.{window_of(at or timezone.now())}")


def token_check(token: str, *, task_id: int, at: datetime | None = None) -> None:
    """Refuse a token that is forged, malformed, expired or another task's."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTaskToken()
    try:
        value = _signer().unsign(token.strip())
    except signing.BadSignature:
        raise InvalidTaskToken() from None
    task_part, _sep, window_part = value.partition(".")
    current = window_of(at or timezone.now())
    if task_part != f"t{task_id}" or not is_number(window_part) or int(window_part) not in (current, current - 1):
        raise InvalidTaskToken()
