"""Signed codes for station visits: the station's rotating QR token and the worker's member code.

The station token signs the hive id and a time window number (unix time // the window length).
The current and the previous window are accepted, so a token lives between one and two windows
and a photo of the poster shared online stops working soon after.

The member code identifies a worker to a keeper who records the visit for them. It is the user
id with a short keyed MAC, grouped so a person can read it out or type it.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError

from .models import Hive

TOKEN_SALT = "littlebee.hives.visit-token"
MEMBER_CODE_SALT = "littlebee.hives.member-code"
# Far longer than any token this module makes; anything longer is garbage, not worth an HMAC.
MAX_TOKEN_LENGTH = 200
_MEMBER_SIG_BYTES = 10  # 80 bits, 16 base32 characters
_MEMBER_CODE_RE = re.compile(r"^(\d{1,18})-([A-Z2-7]{16})$")


class InvalidVisitToken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            code="invalid_token",
            detail=_("二维码无效或已过期，请扫描驿站现场展示的最新二维码。"),
            status=400,
        )


class InvalidMemberCode(DomainError):
    def __init__(self) -> None:
        super().__init__(code="invalid_member_code", detail=_("会员码无效，请让小哥重新出示会员码。"), status=400)


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, algorithm="sha256")


def window_of(at: datetime) -> int:
    return int(at.timestamp()) // settings.VISIT_TOKEN_WINDOW_SECONDS


def seconds_to_next_window(at: datetime) -> int:
    """How long the current window still runs: when a poster should draw its next code."""
    length = settings.VISIT_TOKEN_WINDOW_SECONDS
    return length - int(at.timestamp()) % length


def token_for(hive: Hive | int, at: datetime | None = None) -> str:
    hive_id = hive if isinstance(hive, int) else hive.pk
    return _signer().sign(f"{hive_id}.{window_of(at or timezone.now())}")


def hive_id_from_token(token: str, at: datetime | None = None) -> int:
    """The station a token belongs to, if it is genuine and of the current or previous window."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidVisitToken()
    try:
        value = _signer().unsign(token.strip())
    except signing.BadSignature:
        raise InvalidVisitToken() from None
    hive_part, _sep, window_part = value.partition(".")
    if not (is_number(hive_part) and is_number(window_part)):
        raise InvalidVisitToken()
    current = window_of(at or timezone.now())
    if int(window_part) not in (current, current - 1):
        raise InvalidVisitToken()
    return int(hive_part)


def token_check(token: str, *, hive_id: int, at: datetime | None = None) -> None:
    """Refuse a token that is forged, malformed, expired or another station's."""
    if hive_id_from_token(token, at) != hive_id:
        raise InvalidVisitToken()


# --- Member codes ---------------------------------------------------------------------------
def _member_signature(user_id: int) -> str:
    digest = salted_hmac(MEMBER_CODE_SALT, str(user_id), algorithm="sha256").digest()
    return base64.b32encode(digest[:_MEMBER_SIG_BYTES]).decode("ascii")


def member_code_for(user: User) -> str:
    """The worker's member code, e.g. "42-ABCD-EFGH-IJKL-MNOP"."""
    user_id = int(user.pk)
    sig = _member_signature(user_id)
    return "-".join([str(user_id), sig[0:4], sig[4:8], sig[8:12], sig[12:16]])


def user_id_from_member_code(code: str) -> int:
    """The user id a member code names; InvalidMemberCode if it was not made here.
    Spaces, case and the grouping dashes do not matter (people type these)."""
    if not isinstance(code, str) or len(code) > MAX_TOKEN_LENGTH:
        raise InvalidMemberCode()
    cleaned = re.sub(r"\s+", "", code).upper()
    user_part, _sep, sig_part = cleaned.partition("-")
    match = _MEMBER_CODE_RE.match(f"{user_part}-{sig_part.replace('-', '')}")
    if match is None:
        raise InvalidMemberCode()
    user_id = int(match.group(1))
    if not constant_time_compare(match.group(2), _member_signature(user_id)):
        raise InvalidMemberCode()
    return user_id
