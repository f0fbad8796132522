"""How accounts data is shown on pages."""

from __future__ import annotations

from django import template

from littlebee.accounts.phones import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    """138****0001 in staff lists: enough to recognise a person, not enough to call them."""
    return _mask_phone(str(phone or ""))
