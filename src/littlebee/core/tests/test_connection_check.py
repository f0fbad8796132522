"""The first statement of a bearer request doubles as the connection's health check (PostgreSQL,
where CONN_HEALTH_CHECKS is on): no `SELECT 1` round trip on a healthy connection, and a
connection the server dropped is still replaced without failing the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import OperationalError
from django.db import connection as default_connection

from littlebee.accounts.tests.factories import WorkerProfileFactory
from littlebee.core.connection_check import first_statement_checks
from littlebee.hives.tests.factories import HiveFactory

# Any: django-stubs does not know the health-check attributes (Django 4.1+).
connection: Any = default_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def health_checks() -> Iterator[list[int]]:
    """Django's health check on, counting its `SELECT 1`s; the test client never starts a request
    the way a server does, so each test marks the request's start itself (`_request_starts`)."""
    calls: list[int] = []
    original_enabled, original_usable = connection.health_check_enabled, connection.is_usable

    def counting_is_usable() -> bool:
        calls.append(1)
        return original_usable()

    connection.health_check_enabled = True
    connection.is_usable = counting_is_usable
    yield calls
    connection.health_check_enabled = original_enabled
    connection.is_usable = original_usable


def _request_starts() -> None:
    # What close_old_connections does at request_started on a kept connection.
    connection.health_check_done = False


def _server_drops_the_connection() -> None:
    pid = connection.connection.info.backend_pid
    settings = connection.get_connection_params()
    with psycopg.connect(
        host=settings.get("host"),
        port=settings.get("port"),
        user=settings.get("user"),
        dbname=settings["dbname"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_bearer_request_on_a_healthy_connection_sends_no_select_1(health_checks: list[int], api_as: Any) -> None:
    # given a worker's client whose connection is open and healthy
    client = api_as(WorkerProfileFactory().user)
    assert client.get("/me").status_code == 200
    health_checks.clear()

    # when the next request starts on the kept connection
    _request_starts()
    response = client.get("/me")

    # then it is answered without Django's separate health check
    assert response.status_code == 200
    assert response.json()["phone"]
    assert health_checks == []


def test_a_bearer_request_on_a_dropped_connection_reconnects_and_answers(api_as: Any) -> None:
    # given a worker's client whose kept connection the server has since dropped
    connection.health_check_enabled = True
    client = api_as(WorkerProfileFactory().user)
    assert client.get("/me").status_code == 200
    _server_drops_the_connection()

    # when the next request starts
    _request_starts()
    response = client.get("/me")

    # then the token lookup found the connection dead, reconnected and the answer is whole
    assert response.status_code == 200
    assert response.json()["phone"]


def test_a_failing_statement_on_a_healthy_connection_is_not_run_twice(health_checks: list[int]) -> None:
    # given a kept, healthy connection at the start of a request
    connection.ensure_connection()
    _request_starts()
    runs: list[int] = []

    def broken_read() -> Any:
        runs.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    # when the first statement fails for a reason of its own
    with pytest.raises(Exception) as raised:
        first_statement_checks(broken_read)

    # then its error stands and it ran once: a statement's own error is no sign of a dead connection
    assert not isinstance(raised.value, OperationalError)
    assert runs == [1]
    assert health_checks == []


def test_the_station_finder_on_a_healthy_connection_sends_no_select_1(health_checks: list[int], api: Any) -> None:
    # given the public station finder, once answered on this connection
    HiveFactory(lat=30.55, lng=114.30)
    assert api.get("/hives", {"lat": 30.55, "lng": 114.30}).status_code == 200
    health_checks.clear()

    # when an anonymous search starts a request on the kept connection
    _request_starts()
    response = api.get("/hives", {"lat": 30.55, "lng": 114.30})

    # then its one statement was the connection's check too
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert health_checks == []
