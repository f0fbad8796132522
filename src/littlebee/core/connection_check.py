"""The first statement of a request as the database connection's health check.

With CONN_HEALTH_CHECKS (set for every DATABASE_URL) Django sends `SELECT 1` before the first
statement of each request on a reused connection, so that a connection the server dropped
(a restart, a failover, an idle timeout) is replaced instead of failing the request. On an API
hot path that check is one round trip of three: /me is the token lookup, the answer and the
check. `first_statement_checks` lets a read-only first statement do the check's job: it runs
on the reused connection unchecked and, if the connection turns out dead, on a fresh one, which
is what the check would have done. The answer is the same; a healthy connection saves a trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

T = TypeVar("T")


def first_statement_checks(read: Callable[[], T], using: str = DEFAULT_DB_ALIAS) -> T:
    """`read()`, standing in for the connection's health check when it is the request's first
    statement. `read` must only read: it may run twice."""
    # Any: django-stubs does not know the health-check attributes (Django 4.1+).
    conn: Any = connections[using]
    if conn.connection is None or not conn.health_check_enabled or conn.health_check_done or conn.in_atomic_block:
        # A new connection needs no check, a checked one no second; inside a transaction a
        # dead connection fails the transaction whatever we do.
        return read()
    conn.health_check_done = True
    try:
        return read()
    except (OperationalError, InterfaceError):
        if conn.is_usable():
            raise  # the statement failed, not the connection
        conn.close()
        return read()
