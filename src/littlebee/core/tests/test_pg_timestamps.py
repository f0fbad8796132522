"""core.pg_timestamps: PostgreSQL timestamps read by psycopg's compiled loader where it gives
exactly what Django's loader gives, Django's everywhere else."""

from __future__ import annotations

from datetime import UTC
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader

from littlebee.accounts.services import token_issue, token_lookup
from littlebee.accounts.tests.factories import worker
from littlebee.core.pg_timestamps import compiled_timestamps_fit

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
on_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="psycopg's loaders: PostgreSQL only")

MOMENTS = (
    "'2026-12-07 10:11:12.345678+00'",
    "'2026-12-07 18:11:12+08'",
    "'2026-03-29 01:59:59.999999-05:30'",
    "'0001-01-01 00:00:00+00'",
    "'9999-12-31 23:59:59.999999+00'",
    "NULL",
)


def _read(sql: str, *, djangos: bool) -> list[Any]:
    db = connections["default"]
    db.ensure_connection()
    with db.cursor() as cursor:
        if djangos:
            # Django's own loader on this cursor, as Django's create_cursor registers it.
            register_tzloader(db.timezone, cursor.cursor)
        cursor.execute(sql)
        return list(cursor.fetchall()[0])


@on_postgresql
def test_timestamps_read_are_djangos_values_in_the_same_zone() -> None:
    # given timestamps of every kind a column holds (offsets, microseconds, the range's ends, NULL)
    sql = "SELECT " + ", ".join(f"{moment}::timestamptz" for moment in MOMENTS)

    # when read on the connection, and through Django's loader
    ours, djangos = _read(sql, djangos=False), _read(sql, djangos=True)

    # then the values are equal, each in the very zone object Django gives
    assert ours == djangos
    assert [v.tzinfo is w.tzinfo for v, w in zip(ours, djangos, strict=True) if v is not None] == [True] * 5
    assert djangos[0].tzinfo is UTC


@on_postgresql
def test_the_connection_reads_timestamps_with_the_compiled_loader() -> None:
    # given a connection made as every request's
    db = connections["default"]
    db.ensure_connection()
    from psycopg import postgres, pq

    # when its timestamptz loader is looked up
    loader = db.connection.adapters.get_loader(postgres.types["timestamptz"].oid, pq.Format.TEXT)

    # then it is ours (Django's cursor accepts it: the same zone), not Django's Python one
    assert loader.__name__ == "UtcTimestamptzLoader"
    assert loader.timezone is db.timezone
    with db.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(postgres.types["timestamptz"].oid, pq.Format.TEXT) is loader


@on_postgresql
def test_infinite_timestamps_are_refused_as_djangos_loader_refuses_them() -> None:
    # given an infinite timestamp, which no Python datetime holds
    errors = []
    for djangos in (False, True):
        # when read both ways
        try:
            _read("SELECT 'infinity'::timestamptz", djangos=djangos)
        except Exception as error:  # the same kind is the point
            errors.append(type(error))

    # then both refuse it the same way
    assert len(errors) == 2 and errors[0] is errors[1]


def test_a_token_lookup_reads_its_users_dates_as_before() -> None:
    # given a worker with a token
    user = worker()
    _token, raw = token_issue(user=user)

    # when the token is looked up
    found = token_lookup(raw)

    # then the user's dates are the stored ones, aware and in UTC
    assert found is not None
    assert found.user.date_joined == user.date_joined
    assert found.user.date_joined.utcoffset() is not None


def test_other_zones_and_databases_keep_djangos_loader() -> None:
    # given connections in another zone, with naive datetimes, or another vendor
    def made(vendor: str, zone: Any, session: str = "UTC") -> Any:
        info = SimpleNamespace(parameter_status=lambda name: session)
        return SimpleNamespace(vendor=vendor, timezone=zone, connection=SimpleNamespace(info=info))

    # then only a UTC connection in a UTC session takes the compiled loader
    assert compiled_timestamps_fit(made("postgresql", ZoneInfo("Asia/Shanghai"))) is False
    assert compiled_timestamps_fit(made("postgresql", None)) is False
    assert compiled_timestamps_fit(made("postgresql", UTC, session="Asia/Shanghai")) is False
    assert compiled_timestamps_fit(made("sqlite", UTC)) is False
    assert compiled_timestamps_fit(made("postgresql", UTC)) is True
