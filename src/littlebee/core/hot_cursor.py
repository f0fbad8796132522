"""One database cursor per connection for the hot paths' plain statements, instead of a new one
for every statement.

`with connection.cursor() as cursor` builds a psycopg cursor (and Django's wrapper around it),
checks the thread, the connection and its health check, and closes it all again: on PostgreSQL
about 50 µs of CPU per statement beyond what psycopg needs to send a prepared statement and read
its rows on a cursor it already has (token lookup, timed at load ~16: 115-136 µs a statement
through Django's cursor, 64-71 µs on a reused one). Every API request makes one to six such
statements (the bearer token, a station search, a redemption's four).

`hot_cursor(connection)` gives the connection's own cursor, made once by Django's create_cursor
(its time zone loader included) and kept while the connection and its time zone are the same,
with what Django's cursor wrapper does around a statement: the thread check, the refusal inside
a broken transaction, and database errors raised as Django's (IntegrityError, OperationalError…,
marking the connection as Django does). Wherever Django would do more, Django's cursor is used
as before: a connection not open yet or not health-checked yet this request (Django checks it on
its first cursor; see core.connection_check), statements being logged (DEBUG, the tests'
CaptureQueriesContext and query counts), execute wrappers installed, and SQLite (whose cursor
Django makes cheaply).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

_KEPT = "_littlebee_hot_cursor"


@contextmanager
def hot_cursor(connection: BaseDatabaseWrapper) -> Iterator[Any]:
    """A cursor for plain statements on `connection` (execute, fetchone, fetchall, rowcount):
    its kept one where nothing but the statement is asked of Django's, Django's otherwise."""
    # The thread's own wrapper, never django.db.connection (a proxy shared by every thread, whose
    # __dict__ would keep one cursor for all of them). Any: django-stubs does not know the
    # health-check attributes (Django 4.1+).
    conn: Any = connections[connection.alias]
    raw = conn.connection
    if (
        raw is None
        or conn.vendor != "postgresql"
        or conn.queries_logged
        or conn.execute_wrappers
        or (conn.health_check_enabled and not conn.health_check_done)
    ):
        with connection.cursor() as cursor:
            yield cursor
        return
    conn.validate_thread_sharing()
    conn.validate_no_broken_transaction()
    zone = conn.timezone
    kept = conn.__dict__.get(_KEPT)
    if kept is None or kept[0] is not raw or kept[1] is not zone:
        with conn.wrap_database_errors:
            kept = conn.__dict__[_KEPT] = (raw, zone, conn.create_cursor())
    with conn.wrap_database_errors:
        yield kept[2]
