"""The embedded mode's job threads (core.background): a thread keeps its database connection
from one job to the next while there is work, and lets go of it when told to wait or idle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from littlebee.core.background import BackgroundJobs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The names of the threads that opened a database connection, in order."""
    names: list[str] = []

    def count(**kwargs: Any) -> None:
        names.append(threading.current_thread().name)

    connection_created.connect(count, weak=False, dispatch_uid="test_background.opened")
    yield names
    connection_created.disconnect(dispatch_uid="test_background.opened")


@pytest.fixture
def closable() -> None:
    """Django never closes an in-memory SQLite database (closing would destroy it): what a job
    thread does with its connections shows on PostgreSQL or a file."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip("an in-memory SQLite database is never closed")


def query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_jobs_queued_back_to_back_share_the_thread_s_connection(
    settings: Any, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given one job thread, and a job holding it while twenty more queue behind it
    settings.BACKGROUND_THREADS = 1
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    jobs = BackgroundJobs()
    release = threading.Event()
    jobs.submit("first", release.wait, 10)
    for n in range(20):
        jobs.submit(("query", n), query)

    # when they run
    release.set()
    assert jobs.wait(30)

    # then the thread opened one connection for all twenty, not one each
    assert len([name for name in opened if name.startswith("littlebee-jobs")]) == 1


def test_after_wait_no_job_thread_holds_a_connection(
    settings: Any, monkeypatch: pytest.MonkeyPatch, closable: None
) -> None:
    # given two job threads that have run queries
    settings.BACKGROUND_THREADS = 2
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    jobs = BackgroundJobs()
    held: list[Any] = []

    def query_and_keep() -> None:
        query()
        held.append(connections["default"])

    for n in range(6):
        jobs.submit(("query", n), query_and_keep)

    # when the test waits for them
    assert jobs.wait(30)

    # then every connection they used is closed (a test database can be flushed or dropped)
    assert held
    assert all(conn.connection is None for conn in held)
    # and the threads still take work afterwards
    assert jobs.submit("again", query_and_keep)
    assert jobs.wait(30)


def test_a_job_that_leaves_a_transaction_open_does_not_hand_it_to_the_next(
    settings: Any, opened: list[str], monkeypatch: pytest.MonkeyPatch, closable: None
) -> None:
    # given one job thread, and a job that turns autocommit off and never turns it back on
    settings.BACKGROUND_THREADS = 1
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    jobs = BackgroundJobs()
    release = threading.Event()
    seen: list[bool] = []

    def sloppy() -> None:
        connection.set_autocommit(False)
        query()

    def careful() -> None:
        query()
        seen.append(connection.get_autocommit())

    jobs.submit("first", release.wait, 10)
    jobs.submit("sloppy", sloppy)
    jobs.submit("careful", careful)

    # when both run on the same thread
    release.set()
    assert jobs.wait(30)

    # then the next job got a fresh connection in autocommit
    assert seen == [True]
    assert len([name for name in opened if name.startswith("littlebee-jobs")]) == 2


def test_a_delayed_job_runs_after_its_delay_or_at_once_when_waited_for() -> None:
    # given two delayed jobs: one due in a tenth of a second, one in an hour
    jobs = BackgroundJobs()
    soon, late = threading.Event(), threading.Event()
    assert jobs.submit_later("soon", 0.1, soon.set)
    assert jobs.submit_later("late", 3600, late.set)

    # when the first one's time comes
    # then it has run without anyone waiting, the second not yet, and its key is still held
    assert soon.wait(10)
    assert not late.is_set()
    assert jobs.submit_later("late", 3600, late.set) is False

    # when everything handed over is waited for
    assert jobs.wait(30)

    # then the hour-long one ran at once, and its key is free again
    assert late.is_set()
    assert jobs.submit("late", lambda: None)
    assert jobs.wait(30)
