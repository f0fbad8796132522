"""Mainland China mobile numbers: the platform's identity."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import InvalidInput


def normalise_phone(raw: str, field: str = "phone") -> str:
    """Return the 11-digit national form of a mainland mobile number or raise InvalidInput."""
    cleaned = (raw or "").strip().replace(" ", "").replace("-", "")
    if not cleaned or len(cleaned) > 20:
        raise InvalidInput.one(field, _("请输入有效的中国大陆手机号码。"))
    try:
        number = phonenumbers.parse(cleaned, "CN")
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
