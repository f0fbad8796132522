"""Mainland China mobile numbers: the platform's identity."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import InvalidInput

# What people type: spaces and hyphens anywhere, an optional +86 / 0086 / 86 in front. Nothing
# else: phonenumbers alone would read letters as keypad digits ("138ABCDEFGH") and drop
# extensions ("… ext 12"), turning a typo into somebody else's number.
_SEPARATORS = re.compile(r"[\s\-]+")
_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[0-9]{10})", re.ASCII)


def normalise_phone(raw: str, field: str = "phone") -> str:
    """Return the 11-digit national form of a mainland mobile number or raise InvalidInput."""
    # NFKC turns full-width digits, plus signs and spaces (typed on Chinese keyboards) into ASCII.
    raw = raw or ""
    match = None
    if len(raw) <= 40:
        match = _MAINLAND_MOBILE.fullmatch(_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)))
    if match is None:
        raise InvalidInput.one(field, _("请输入有效的中国大陆手机号码。"))
    try:
        number = phonenumbers.parse(match.group(1), "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput.one(field, _("请输入有效的中国大陆手机号码。")) from exc
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise InvalidInput.one(field, _("请输入有效的中国大陆手机号码。"))
    return str(number.national_number)


def mask_phone(phone: str) -> str:
    """138****0001: enough for a person to recognise, not enough to call."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"
