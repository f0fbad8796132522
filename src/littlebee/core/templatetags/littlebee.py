"""Template helpers of the design system: icons from the inline SVG sprite, status tones."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

# Statuses share three tones across the platform: waiting, done, turned down.
_TONES = {
    "pending": "warning",
    "confirmed": "success",
    "rejected": "danger",
    "registered": "success",
    "attended": "success",
    "waitlisted": "warning",
    "cancelled": "neutral",
}


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


@register.filter
def distance(metres: float | None) -> str:
    """A distance as a rider reads it: "350 米" under a kilometre, "1.2 公里" above."""
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(metres)d 米") % {"metres": round(metres)}
    return _("%(km).1f 公里") % {"km": metres / 1000}


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """The current page's URL with ?page=number, keeping its filters: {% page_url page.next_page_number %}."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
