"""Fixtures for the statistics tests: the appeals' small city (two food-delivery enterprises, their
party organisations and committee, a community with its handler), rollups kept up as things
happen (every on_commit callback run), exports built in the request, media in a temp dir, a cache of each test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase, override_settings

from littlebee.appeals.tests.factories import AppealCity, appeal_city
from littlebee.cases import notify
from littlebee.conftest import module_transaction

from .. import tracking
from ..measures import _statements as measures_statements
from ..selectors import forget_map_places
from ..tracking import refresh_deferred
from .history import Committed, History, build


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(notify, "deliver", lambda **kwargs: None)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYTICS_TRACK = True
    settings.ANALYTICS_REFRESH_INLINE = True
    settings.ANALYTICS_EXPORT_INLINE = True
    settings.ANALYTICS_MIN_SAMPLE = 5
    # A cache of this test's own, in memory: the rate tables kept in it (measures.office_rows)
    # must not be another test's (the database's cache table outlives a transactional test's
    # flush), and the statements a test counts are the figures' own.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"test-{uuid.uuid4().hex}"}
    }
    # The map's regions kept in the process: a rolled-back test's regions may come back with the
    # same count, ids and (frozen) time, other names.
    forget_map_places()
    # And the panels' statements kept in the process (measures._kept): each test builds its own.
    measures_statements.clear()


@pytest.fixture
def c(transactional_db: Any) -> AppealCity:
    """The city, in a test whose transactions really commit: after-commit work (the rollups'
    refresh, an export's build) runs as it would in production, as things happen; the city's
    own rows are computed once, when it stands (each of its commits would compute them again)."""
    with refresh_deferred():
        return appeal_city()


@pytest.fixture
def city_in_transaction(db: Any) -> Iterator[AppealCity]:
    """The city, in a test run inside a transaction rolled back at its end (no table emptied
    after it): nothing commits, so the test runs the after-commit work itself where it writes
    (`django_capture_on_commit_callbacks(execute=True)`, history.build), as a commit would. For
    the tests about the figures, not about when the commit runs them."""
    with refresh_deferred(), TestCase.captureOnCommitCallbacks(execute=True):
        city = appeal_city()
    yield city
    # A counted write whose after-commit work the test did not run (outside `committed()`) would
    # leave its figures stale, and its days to the next test: say so.
    left = getattr(tracking._pending, "items", [])
    tracking._pending.items = []
    assert not left, f"written without their after-commit work (use committed()): {left}"


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Committed:
    """`with committed():` runs the after-commit work of the writes in its block as it ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(scope="module")
def history_once(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppealCity, History]]:
    """The city and the known history (history.build), built once for a module whose tests only
    read them or change them inside their own transaction (conftest.module_transaction), with the
    settings _quiet gives each test."""
    with module_transaction(django_db_blocker):
        with (
            django_db_blocker.unblock(),
            pytest.MonkeyPatch.context() as patch,
            override_settings(
                MEDIA_ROOT=tmp_path_factory.mktemp("media"),
                ANALYTICS_TRACK=True,
                ANALYTICS_REFRESH_INLINE=True,
                CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "once"}},
            ),
        ):
            patch.setattr(notify, "deliver", lambda **kwargs: None)
            with refresh_deferred(), TestCase.captureOnCommitCallbacks(execute=True):
                city = appeal_city()
            history = build(city)
        yield city, history
