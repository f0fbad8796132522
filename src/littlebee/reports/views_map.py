"""The public map of public reports: what riders found and whether the city fixed it.

Open to everyone, no login. Only public categories and non-confidential cases, points rounded
to about 100 m, no description, address, photo or reporter (selectors.reports_public_map).
The list under the map is rendered here, so the page works without JavaScript and when the
map tiles cannot be reached; filters are links for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from littlebee.core.geo import map_config

from . import selectors

LIST_LIMIT = 50


@dataclass(frozen=True)
class Chip:
    label: str
    url: str
    active: bool


def _chips(categories: list[Any], category: str | None, status: str | None) -> tuple[list[Chip], list[Chip]]:
    def url(**changes: str | None) -> str:
        params: dict[str, str | None] = {"category": category, "status": status, **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        return f"?{query}" if query else "?"

    statuses = [Chip(_("全部"), url(status=None), status is None)]
    for code, label in selectors.PUBLIC_STATUS_LABELS.items():
        statuses.append(Chip(str(label), url(status=code), status == code))
    kinds = [Chip(_("全部类别"), url(category=None), category is None)]
    for c in categories:
        kinds.append(Chip(c.local_name, url(category=None if c.code == category else c.code), c.code == category))
    return statuses, kinds


@require_safe
def public_map(request: HttpRequest) -> HttpResponse:
    categories = selectors.public_map_categories()
    # Unknown filters (an old link, a category no longer public) are dropped, not an error page.
    category = request.GET.get("category") or None
    if category not in {c.code for c in categories}:
        category = None
    status = request.GET.get("status") or None
    if status not in selectors.MAP_STATUSES:
        status = None
    # The list shows the newest only; the map fetches its own points for the box in view.
    points, more = selectors.reports_public_map(category=category, status=status, limit=LIST_LIMIT)
    status_chips, category_chips = _chips(categories, category, status)
    context = {
        "items": points,
        "more": more,
        "category": category or "",
        "status": status or "",
        "status_chips": status_chips,
        "category_chips": category_chips,
        "map_config": map_config(),
    }
    return render(request, "reports/map.html", context)
