"""Template helpers of the design system: icons from the inline SVG sprite, status tones, and
durations as people say them."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


# --- Durations ----------------------------------------------------------------------------------
# Django's timeuntil says "1 周，6 日" in Chinese: these say "1 周 6 天", "23 小时 31 分", and in
# English "1 week 6 days", "23 hours 31 minutes". The two largest units that apply, next to each
# other (weeks and days, days and hours, hours and minutes), the smaller left out when it is 0.
def _weeks(n: int) -> str:
    return ngettext("%(n)d 周", "%(n)d 周", n) % {"n": n}


def _days(n: int) -> str:
    return ngettext("%(n)d 天", "%(n)d 天", n) % {"n": n}


def _hours(n: int) -> str:
    return ngettext("%(n)d 小时", "%(n)d 小时", n) % {"n": n}


def _minutes_after_hours(n: int) -> str:
    return ngettext("%(n)d 分", "%(n)d 分", n) % {"n": n}


def _minutes(n: int) -> str:
    return ngettext("%(n)d 分钟", "%(n)d 分钟", n) % {"n": n}


def duration_text(seconds: float) -> str:
    """A length of time in words: "1 周 6 天", "2 天 3 小时", "23 小时 31 分", "12 分钟"."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return _("不到 1 分钟")
    weeks, rest = divmod(minutes, 7 * 24 * 60)
    days, rest = divmod(rest, 24 * 60)
    hours, mins = divmod(rest, 60)
    if weeks:
        parts = [_weeks(weeks), _days(days) if days else ""]
    elif days:
        parts = [_days(days), _hours(hours) if hours else ""]
    elif hours:
        parts = [_hours(hours), _minutes_after_hours(mins) if mins else ""]
    else:
        parts = [_minutes(mins)]
    return " ".join(p for p in parts if p)


@register.filter
def time_left(value: datetime | None) -> str:
    """How long until `value`, from now: {{ voucher.expires_at|time_left }} → "1 周 6 天"."""
    if value is None:
        return ""
    return duration_text((value - timezone.now()).total_seconds())


@register.filter
def time_past(value: datetime | None) -> str:
    """How long since `value`, until now: {{ row.due|time_past }} → "23 小时 31 分"."""
    if value is None:
        return ""
    return duration_text((timezone.now() - value).total_seconds())
