"""The statistics pages' cells rendered in Python: the offices' table shows 50 rows of five rates,
and a template include per cell (250 a page) cost more CPU than reading the whole table; the
dashboard's breakdowns (a city's: 13 districts, 3 industries, 20 enterprises) a row of seven
figures each."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..measures import BREAKDOWN_MEASURES, Rate

register = template.Library()


@register.simple_tag
def rate_cell(rate: Rate) -> SafeString:
    """A rate as "N% part/whole", or "样本不足" (with the count and the minimum sample as its
    title) under the minimum sample."""
    if rate.value is None:
        title = gettext("仅 %(n)s 件，少于 %(min)s 件不计算比率") % {
            "n": localize(rate.whole),
            "min": localize(rate.minimum),
        }
        return format_html('<span class="stats-thin" title="{}">{}</span>', title, gettext("样本不足"))
    return format_html(
        '<span data-rate="{}">{}%</span> <small class="muted">{}/{}</small>',
        localize(rate.value),
        localize(rate.percent),
        localize(rate.part),
        localize(rate.whole),
    )


@register.simple_tag
def breakdown_cells(row: dict[str, Any]) -> SafeString:
    """A breakdown row's figures (BREAKDOWN_MEASURES, in the order of breakdown_head.html) as
    its table cells, each written as the template wrote {{ row.<figure> }}."""
    # An int is written as its digits when numbers have no thousands separator (what localize
    # returns for it, at a tenth of the cost: 252 cells a city page).
    plain = not settings.USE_THOUSAND_SEPARATOR
    return mark_safe(  # noqa: S308 - each value is escaped
        "".join(
            f'<td class="num">{value if plain and type(value) is int else conditional_escape(localize(value))}</td>'
            for value in (row[name] for name in BREAKDOWN_MEASURES)
        )
    )
