"""The API's indexed URL resolution finds what Django's scan of every route finds."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import Resolver404, URLResolver, get_resolver, path
from django.urls.resolvers import RoutePattern

from littlebee.api import api
from littlebee.core.routing import IndexedResolver, first_segment, fixed_route, indexed_path

# A value for each converter a route of ours may hold.
SAMPLES = {"int": "7", "str": "abc", "slug": "a-b", "path": "a/b", "uuid": "12345678-1234-5678-1234-567812345678"}


def _concrete(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "abc"), route)


def _both() -> tuple[IndexedResolver, URLResolver]:
    urls = api.urls  # each call makes new view objects: both resolvers get the same ones
    indexed = indexed_path("api/v1/", urls)
    plain = path("api/v1/", urls)
    assert isinstance(plain, URLResolver)
    return indexed, plain


def _outcome(resolver: URLResolver, url: str) -> Any:
    try:
        m = resolver.resolve(url)
    except Resolver404 as e:
        return ("404", len(e.args[0].get("tried", [])))
    return (m.func, m.args, m.kwargs, m.url_name, m.route, m.namespaces)


def test_every_api_route_resolves_as_djangos_scan_resolves_it() -> None:
    # given the API's routes, each made into a path (and the same path with odd endings)
    indexed, plain = _both()
    routes = [str(p.pattern) for p in plain.url_patterns]
    assert len(routes) > 100
    urls = []
    for route in routes:
        concrete = "api/v1/" + _concrete(route)
        urls += [concrete, concrete + "/", concrete + "/x", concrete.rstrip("/") + "x"]
    # and paths no route names
    urls += ["api/v1/", "api/v1/nothing", "api/v1/me/nothing", "api/v1/hives/map", "api/v1//me", "api/v2/me", "x"]

    # when each is resolved both ways, then the same view, arguments and route are found (or
    # none, after trying the same routes)
    for url in urls:
        assert _outcome(indexed, url) == _outcome(plain, url), url


def test_a_route_of_a_converter_first_is_tried_for_every_path_in_its_order() -> None:
    # given routes where one with a converter first comes before a fixed one it also matches
    def first(request: Any) -> HttpResponse:
        return HttpResponse()

    def second(request: Any) -> HttpResponse:
        return HttpResponse()

    def third(request: Any) -> HttpResponse:
        return HttpResponse()

    patterns = [path("me/<str:x>", first), path("<str:a>/b", second), path("me/b", third), path("me", third)]
    indexed = IndexedResolver(RoutePattern("api/", is_endpoint=False), patterns)

    # when paths are resolved, then the first route in order wins, as in Django's scan
    assert indexed.resolve("api/me/b").func is first
    assert indexed.resolve("api/zz/b").func is second
    assert indexed.resolve("api/me").func is third
    assert [first_segment(p) for p in patterns] == ["me", None, "me", "me"]
    assert [fixed_route(p) for p in patterns] == [None, None, "me/b", "me"]
    with pytest.raises(Resolver404):
        indexed.resolve("api/zz/c")


def test_the_site_resolves_the_api_through_the_index_and_a_late_route_is_cheap() -> None:
    # given the site's URLs
    resolver = get_resolver()
    api_resolver = resolver.url_patterns[0]
    assert isinstance(api_resolver, IndexedResolver)
    plain = path("api/v1/", api.urls)
    assert isinstance(plain, URLResolver)

    # when a route registered late is resolved many times each way
    def cost(r: URLResolver) -> float:
        r.resolve("api/v1/me/notifications")
        started = time.process_time()
        for _ in range(2000):
            r.resolve("api/v1/me/notifications")
        return time.process_time() - started

    # then the index tries a short list, not every route before it (a generous margin: CI is noisy)
    assert cost(api_resolver) * 1.5 < cost(plain)
