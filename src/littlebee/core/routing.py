"""URL resolution of the REST API without trying every route in turn.

Django resolves a path by trying each pattern of a resolver in order, a regular expression each.
The API's resolver holds some 300 routes, one per path of every router, so GET /me/notifications
(its router registered late) cost 65 µs of routing before anything else ran, more than a bare
Django app's whole view. `IndexedResolver` tries only the routes that can match: a route without
converters ("me/notifications") matches only its own path; a route whose first segment is fixed
text ("hives/<hive_id>") only paths with that first segment; routes whose first segment has a
converter, and anything that is not a plain route, are tried for every path. The candidates keep
their order, so the first route that matches is the one Django's scan would find. A path none of
them matches goes through Django's own scan, so a 404 lists every route tried, as before.
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import Any

from django.urls import Resolver404, URLPattern, URLResolver
from django.urls.resolvers import ResolverMatch, RoutePattern

# A path whose first segment no route names (a typo, a probe) tries only the routes that match any.
_ANY = "\x00any"


def _route(pattern: URLPattern) -> str:
    # RoutePattern keeps its route text in _route (django-stubs does not declare it).
    return str(getattr(pattern.pattern, "_route"))  # noqa: B009


def first_segment(pattern: Any) -> str | None:
    """The fixed first segment every path `pattern` matches starts with, or None if it has none:
    a converter in the first segment, a regular expression, or an include."""
    if not isinstance(pattern, URLPattern) or not isinstance(pattern.pattern, RoutePattern):
        return None
    route = _route(pattern)
    fixed = route.split("<", 1)[0]
    if "/" in fixed:
        return fixed.split("/", 1)[0]
    return route if "<" not in route else None


def fixed_route(pattern: Any) -> str | None:
    """The one path `pattern` matches when it is a route with no converter ("me/notifications"),
    else None."""
    if not isinstance(pattern, URLPattern) or not isinstance(pattern.pattern, RoutePattern):
        return None
    route = _route(pattern)
    return route if "<" not in route else None


class IndexedResolver(URLResolver):
    @cached_property
    def _narrowed(self) -> tuple[dict[str, URLResolver], dict[str, URLResolver]]:
        """Copies of this resolver holding only the routes that can match a path (Django's own
        resolve then runs on the short list): per path that a route without converters names, and
        per first segment for the other paths. A route without converters matches only its own
        path, so it is left out of every list but its path's."""
        patterns = list(self.url_patterns)
        segments = [first_segment(p) for p in patterns]
        fixed = [fixed_route(p) for p in patterns]

        def narrowed(keep: list[bool]) -> URLResolver:
            resolver = copy.copy(self)
            # url_patterns is a cached_property: the copy's own value shadows it.
            resolver.__dict__["url_patterns"] = [p for p, kept in zip(patterns, keep, strict=True) if kept]
            return resolver

        def can_match(i: int, segment: str, path: str | None) -> bool:
            if segments[i] is not None and segments[i] != segment:
                return False
            return fixed[i] is None or fixed[i] == path

        by_segment = {
            name: narrowed([can_match(i, name, None) for i in range(len(patterns))])
            for name in {s for s in segments if s is not None} | {_ANY}
        }
        by_path = {
            path: narrowed([can_match(i, path.split("/", 1)[0], path) for i in range(len(patterns))])
            for path in {f for f in fixed if f is not None}
        }
        return by_path, by_segment

    def resolve(self, path: Any) -> ResolverMatch:
        path = str(path)
        match = self.pattern.match(path)
        if match:
            rest = str(match[0])
            by_path, by_segment = self._narrowed
            narrowed = by_path.get(rest) or by_segment.get(rest.split("/", 1)[0]) or by_segment[_ANY]
            try:
                # Django's own resolve on the copy (not this class's again).
                return URLResolver.resolve(narrowed, path)
            except Resolver404:
                pass
        return super().resolve(path)


def indexed_path(route: str, urls: tuple[list[Any], str, str]) -> IndexedResolver:
    """`path(route, include(...))` for a list of URL patterns (as NinjaAPI.urls gives), resolved
    through the index."""
    patterns, app_name, namespace = urls
    return IndexedResolver(RoutePattern(route, is_endpoint=False), patterns, app_name=app_name, namespace=namespace)
