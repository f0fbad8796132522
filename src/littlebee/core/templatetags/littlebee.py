"""Template helpers of the design system: icons from the inline SVG sprite, status tones."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# Statuses share three tones across the platform: waiting, done, turned down.
_TONES = {"pending": "warning", "confirmed": "success", "rejected": "danger"}


@register.simple_tag
def icon(name: str, css: str = "") -> SafeString:
    """An icon from templates/includes/icons.html, e.g. {% icon "camera" %}. Decorative: labels
    belong in the text beside it."""
    classes = f"icon {css}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="#i-{}"></use></svg>',
        classes,
        name,
    )


@register.filter
def tone(status: str) -> str:
    """The pill colour for a workflow status: {{ profile.checkin_status|tone }}."""
    return _TONES.get(str(status), "neutral")
