"""The worker's volunteer standing for pages outside 用心做 (the profile page), which load this
library instead of their views naming volunteering (accounts sits below it)."""

from __future__ import annotations

from typing import Any

from django import template

from littlebee.volunteering.selectors import Standing, standing_of

register = template.Library()


@register.simple_tag
def volunteer_standing(user: Any) -> Standing | None:
    """Certified hours, star level and title of a signed-in user (one query); None otherwise."""
    if not getattr(user, "is_authenticated", False):
        return None
    return standing_of(user)
