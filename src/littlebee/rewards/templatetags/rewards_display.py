"""How vouchers are shown on pages."""

from __future__ import annotations

from django import template

register = template.Library()

_TONES = {"reserved": "warning", "fulfilled": "success", "cancelled": "neutral", "expired": "danger"}


@register.filter
def voucher_tone(status: str) -> str:
    """The pill colour of a voucher status: {{ voucher.status|voucher_tone }}."""
    return _TONES.get(str(status), "neutral")
