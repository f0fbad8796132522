from __future__ import annotations

from django import template

register = template.Library()

# The icon for a kind of message, by the kind's prefix.
_ICONS = {"event": "users", "points": "award", "voucher": "gift", "case": "clipboard", "checkin": "clipboard"}


@register.filter
def kind_icon(kind: str) -> str:
    """{% icon n.kind|kind_icon %}: the icon for a message of this kind."""
    return _ICONS.get(str(kind).split("_", 1)[0], "message")
