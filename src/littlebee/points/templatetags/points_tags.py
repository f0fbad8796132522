"""Template helpers of the points pages."""

from __future__ import annotations

from django import template

register = template.Library()

# Each source of points, and each kind of debit, with an icon from includes/icons.html.
_ICONS = {
    "report": "camera",
    "article_read": "book",
    "quiz_passed": "check",
    "volunteer_task": "heart",
    "event_attendance": "users",
    "checkin_confirmed": "clipboard",
    "redemption": "gift",
    "expiry": "clock",
    "reversal": "refresh",
    "adjustment": "edit",
}


@register.filter
def entry_icon(entry: object) -> str:
    """The icon of a ledger row: {% icon entry|entry_icon %}."""
    source = getattr(entry, "source", "")
    reason = getattr(entry, "reason", "")
    return _ICONS.get(source if source and reason == "earn" else reason, "award")


@register.filter
def source_icon(source: str) -> str:
    """The icon of a source of points: {% icon rule.source|source_icon %}."""
    return _ICONS.get(str(source), "award")


@register.filter
def share(value: int, peak: int) -> int:
    """A figure as a percentage of the largest one, for bar widths: {{ m.issued|share:peak }}."""
    return max(0, min(100, round(100 * value / peak))) if peak else 0


@register.filter
def category_name(code: str, names: dict[str, str] | None) -> str:
    """{{ rule.category|category_name:category_names }}: the category's name, "" if unknown."""
    return (names or {}).get(code, "")
