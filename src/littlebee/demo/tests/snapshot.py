"""The Wuhan demo city's rows, kept aside once and copied back into the test database on demand
(see conftest.py for why).

Where the rows are kept: on PostgreSQL, schemas of the test database itself; on SQLite, database
files attached to the test database's connection. A file rather than an attached in-memory
database because SQLite attaches per connection, and a test that drives Playwright talks to the
in-memory test database through a connection of its own (Django's connections are per context,
and Playwright's sync API runs in a greenlet); such a connection attaches the files again."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

from littlebee.demo.tests.prebuilt import fill_from_dump, prebuilt_directory, tables_empty
from littlebee.demo.wuhan import LoadResult, demo_clock, load_wuhan

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The database as it was before the load, and the city.
BEFORE, CITY = "wuhan_before", "wuhan_city"


@dataclass(frozen=True)
class CitySnapshot:
    """What the one load returned, the tables whose rows were kept, and (SQLite) where."""

    result: LoadResult
    tables: tuple[str, ...]
    directory: Path

    def attach(self) -> None:
        """Make the kept rows reachable from this connection; outside a transaction (SQLite's rule)."""
        _attach(self.directory)

    def restore(self) -> None:
        """Make the test database's content the city's: every table emptied and refilled in one
        transaction (constraints are deferred to its end, so the order of the tables is free)."""
        _attach(self.directory)
        _copy_in(CITY, self.tables)


def build_snapshot(directory: Path) -> CitySnapshot:
    """Load the city (or read the one `make test` built, prebuilt.py), keep every table's rows
    aside, and put the database back as it was."""
    assert not connection.in_atomic_block, "the demo city is built outside any test's transaction"
    _attach(directory)
    tables = _tables()
    _copy_out(BEFORE, tables)
    prebuilt = prebuilt_directory()
    try:
        if prebuilt is not None:
            result = fill_from_dump(prebuilt, tables)
        else:
            with override_settings(PASSWORD_HASHERS=MD5):
                result = load_wuhan(now=demo_clock())
        _copy_out(CITY, tables)
    finally:
        _copy_in(BEFORE, tables)
    return CitySnapshot(result=result, tables=tables, directory=directory)


def _attach(directory: Path) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for where in (BEFORE, CITY):
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {where}")
            return
        cursor.execute("PRAGMA database_list")
        attached = {row[1] for row in cursor.fetchall()}
        for where in (BEFORE, CITY):
            if where not in attached:
                assert not connection.in_atomic_block, "SQLite attaches a database only outside a transaction"
                cursor.execute(f"ATTACH DATABASE %s AS {where}", [str(directory / f"{where}.sqlite3")])
                # Scratch files, rebuilt by every run: no waiting for the disk at each table copied.
                cursor.execute(f"PRAGMA {where}.synchronous = OFF")


def _tables() -> tuple[str, ...]:
    return tuple(sorted(connection.introspection.django_table_names(only_existing=True, include_views=False)))


def _kept(where: str, table: str) -> str:
    return f"{where}.{connection.ops.quote_name(table)}"


def _columns(table: str) -> str:
    """The table's model columns, named: not `*`, which holds columns the database computes
    (reports.phash_scan's generated phash_bits on PostgreSQL), that an INSERT may not give."""
    fields = _model_columns()[table]
    return ", ".join(connection.ops.quote_name(column) for column in fields)


@cache
def _model_columns() -> dict[str, list[str]]:
    return {
        model._meta.db_table: [f.column for f in model._meta.local_concrete_fields]
        for model in apps.get_models(include_auto_created=True)
    }


def _copy_out(where: str, tables: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {_kept(where, table)}")
            name = connection.ops.quote_name(table)
            cursor.execute(f"CREATE TABLE {_kept(where, table)} AS SELECT {_columns(table)} FROM {name}")


def _copy_in(where: str, tables: tuple[str, ...]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        tables_empty(cursor, tables)
        for table in tables:
            name, columns = connection.ops.quote_name(table), _columns(table)
            cursor.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {_kept(where, table)}")
        # The copied ids are explicit; PostgreSQL's sequences must be told where they stand.
        models = apps.get_models(include_auto_created=True)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    # Content type ids are whatever the copied rows say; the cache must not remember others.
    ContentType.objects.clear_cache()
