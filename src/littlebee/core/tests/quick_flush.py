"""Emptying the database after a transactional test (browser journeys, races, the statistics'
commit-time tests) by deleting the rows of the tables that have any.

Django's TransactionTestCase empties every table (TRUNCATE of ~180 tables on PostgreSQL, a
DELETE of each on SQLite) and then sends post_migrate, which writes every content type and
permission again: 1.2-1.6 s per test on PostgreSQL on a quiet machine, 3-4.5 s inside the
PostgreSQL pass, for ~60 tests. After a test most tables are empty: one statement finds those
that are not, and they are emptied in one transaction (foreign keys are checked at its end). The
content types and permissions that post_migrate would write again are left as they are, as long
as they are what the last full flush left (their number and highest id); otherwise, and for
tests that ask for Django's own variants (available_apps, serialized rollback), the full flush.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, transaction

# The rows post_migrate writes after a full flush (create_contenttypes, create_permissions).
KEPT = ("django_content_type", "auth_permission")

_tables: dict[str, list[str]] = {}
_kept_after_full_flush: dict[str, tuple[Any, ...]] = {}


def _kept_state(using: str) -> tuple[Any, ...]:
    connection = connections[using]
    quote = connection.ops.quote_name
    parts = ", ".join(f"(SELECT count(*) FROM {quote(t)}), (SELECT max(id) FROM {quote(t)})" for t in KEPT)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return tuple(cursor.fetchone() or ())


def _emptied_quickly(using: str) -> bool:
    """Empty every table with rows but the kept ones; False (nothing done) when the kept ones are
    not as the last full flush left them."""
    if using not in _kept_after_full_flush or _kept_state(using) != _kept_after_full_flush[using]:
        return False
    connection = connections[using]
    quote = connection.ops.quote_name
    if using not in _tables:
        names = connection.introspection.django_table_names(only_existing=True, include_views=False)
        _tables[using] = [name for name in names if name not in KEPT]
    tables = _tables[using]
    probe = " UNION ALL ".join(f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(t)})" for i, t in enumerate(tables))
    with connection.cursor() as cursor:
        cursor.execute(probe)
        with_rows = [tables[row[0]] for row in cursor.fetchall()]
    if with_rows:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in with_rows:
                cursor.execute(f"DELETE FROM {quote(table)}")
    return True


def quick_fixture_teardown(full: Callable[[Any], None]) -> Callable[[Any], None]:
    """TransactionTestCase._fixture_teardown, emptying only the tables with rows where it can."""

    def teardown(test: Any) -> None:
        if test.available_apps is not None or test.serialized_rollback:
            full(test)
            return
        names = list(test._databases_names(include_mirrors=False))
        if all(_emptied_quickly(using) for using in names):
            return
        full(test)
        for using in names:
            _kept_after_full_flush[using] = _kept_state(using)

    return teardown
