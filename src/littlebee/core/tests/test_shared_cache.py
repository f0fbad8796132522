"""The cache is shared by every process (issue 18's leftovers): in the embedded default (no Redis)
it is a table in the database, so `make run`'s two gunicorn workers see the same entries, and a
restart keeps them; a per-process memory cache did neither. The hot read paths never touch it,
and the sign-in limits do not live in it: they count rows in the database."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from littlebee.accounts.tests.factories import PASSWORD, worker
from littlebee.conftest import ApiClient

pytestmark = pytest.mark.django_db

REFUSING = {"default": {"BACKEND": "littlebee.core.tests.test_shared_cache.RefusingCache"}}


class RefusingCache(BaseCache):
    """A cache that fails the test on any use: what runs under it never needs a cache."""

    def __init__(self, location: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(params or {})

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the cache was used: {args!r}")

    add = get = set = touch = delete = has_key = clear = incr = decr = get_many = set_many = delete_many = _refuse


def _embedded_caches(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """CACHES as settings.py builds them without REDIS_URL (the embedded default)."""
    monkeypatch.setenv("REDIS_URL", "")
    import littlebee.settings as module

    try:
        return dict(importlib.reload(module).CACHES)
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_without_redis_the_cache_is_the_databases_not_a_processs_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    # when settings are built for the embedded default
    configured = _embedded_caches(monkeypatch)

    # then the cache lives in the database, where every process finds it
    assert configured["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_two_processes_see_the_same_counter_and_a_restart_keeps_it(settings: Any) -> None:
    # given the embedded default's cache, and two clients of it as two gunicorn workers hold them
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "littlebee_cache"}
    }
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second

    # when each counts a try
    first.add("tries:13800000001", 0, 600)
    first.incr("tries:13800000001")
    second.add("tries:13800000001", 0, 600)  # already there: counts on from the first's
    second.incr("tries:13800000001")

    # then both see two, and so does a client made after a restart
    assert first.get("tries:13800000001") == 2
    assert second.get("tries:13800000001") == 2
    caches.close_all()
    assert caches.create_connection("default").get("tries:13800000001") == 2


def test_the_hot_read_paths_never_touch_the_cache(settings: Any, api_as: Any) -> None:
    # given a worker with a token, and a cache that fails on any use
    me = worker()
    client = api_as(me)
    settings.CACHES = REFUSING

    # when the phone reads /me and /points
    mine, points = client.get("/me"), client.get("/points")

    # then both answer in full without it
    assert mine.status_code == 200 and mine.json()["id"] == me.pk
    assert points.status_code == 200 and points.json()["balance"] == 0


def test_the_sign_in_lockout_counts_in_the_database_not_in_a_cache(settings: Any) -> None:
    # given a worker, and a cache that fails on any use (so nothing can be counted in one)
    me = worker()
    settings.CACHES = REFUSING
    stranger = ApiClient()

    # when a stranger tries wrong passwords past the free tries
    answers = [
        stranger.post("/auth/token", {"phone": me.phone, "password": "Wrong-pass-1"}).status_code
        for _ in range(settings.LOGIN_MAX_FAILURES + 1)
    ]

    # then the last is refused for a while, and so is the right password from another client
    assert answers[-1] == 429
    again = ApiClient().post("/auth/token", {"phone": me.phone, "password": PASSWORD})
    assert again.status_code == 429
    assert again.json()["code"] == "too_many_requests"
