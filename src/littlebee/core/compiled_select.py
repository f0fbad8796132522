"""One SELECT of a hot list, compiled once per shape and process and bound with each call's values.

Building a queryset and compiling it to SQL costs more than running a small indexed read: a staff
queue's page spent about 60 % of its request's CPU in the ORM's compiler, the same columns, joins
and filters compiled again on every request. Here the queryset is built once per shape with
stand-ins for the values (compiled_rows' keyword arguments), compiled, and kept; each call puts
its own values in the stand-ins' places, adds LIMIT and OFFSET as parameters, and converts the
rows as the queryset itself would (each backend's and field's converters: SQLite's text
timestamps become aware datetimes), so the rows are exactly those of `list(queryset[offset:…])`.

The shape is the builder, the `key` the caller gives (whatever else changes the SQL: which
filters are present, the reader's language, a rule that adds a clause), and the type and the
length of each value. The builder is called as build(key, **stand_ins): it may decide anything
on the key, but only compare the values (filters), never decide on them (an `if value:` would
be decided by the stand-in, once for every later call).

core.read_together is the same idea for several small reads of different tables in one
statement (rows as JSON objects, given back as model instances); this module serves one list
query of one table with its joins, with plain rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from .hot_cursor import hot_cursor

Value = int | float | str | list[int] | list[str] | None
Builder = Callable[..., QuerySet[Any]]

# Stand-ins no real value is: ids are positive, PostgreSQL refuses NUL in text.
_INT_BASE = -1_000_000_000
_SLOT_WIDTH = 1000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Per parameter position: (value name, index in a list value or -1) where a stand-in stood.
    slots: tuple[tuple[int, str, int], ...]
    names: tuple[str, ...]
    # Column position → (converters, expression), as the compiler's get_converters gives them.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    using: str


_compiled: dict[Hashable, _Compiled] = {}
_lock = threading.Lock()
_MAX_SHAPES = 512


def _stand_in(slot: int, name: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_one_stand_in(slot, name, item, i) for i, item in enumerate(value)]
    return None if value is None else _one_stand_in(slot, name, value, -1)


def _one_stand_in(slot: int, name: str, value: Any, index: int) -> int | float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"compiled_select: {name} must be an int, a float, a str, a list of them or None")
    if isinstance(value, float):
        # A float stand-in is told from an int one by its type, and from any real value (a
        # coordinate, a distance) by its size.
        return float(_INT_BASE - slot * _SLOT_WIDTH - (index + 1)) - 0.5
    if isinstance(value, int):
        return _INT_BASE - slot * _SLOT_WIDTH - (index + 1)
    return f"\x00{name}\x00{index}\x00"


def _shape(value: Value) -> Hashable:
    if isinstance(value, list):
        if len(value) >= _SLOT_WIDTH - 1:
            raise ValueError("compiled_select: a list value of at most 998 items")
        return ("list", len(value), type(value[0]).__name__ if value else "")
    return None if value is None else type(value).__name__


def _compile(build: Builder, key: Hashable, values: dict[str, Value], count_cap: int | None) -> _Compiled:
    stand_ins = {name: _stand_in(slot, name, values[name]) for slot, name in enumerate(sorted(values))}
    queryset = build(key, **stand_ins)
    query = queryset.query
    if query.low_mark or query.high_mark is not None:
        raise ValueError("compiled_select: the builder's queryset must not be sliced (give limit and offset)")
    if count_cap is not None:
        queryset = queryset.order_by().values("pk")[: count_cap + 1]
        query = queryset.query
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # A filter no row can pass (an empty list of ids): no statement, as the queryset runs none.
        return _Compiled(sql="", params=(), slots=(), names=(), converters=(), using=queryset.db)
    where: dict[tuple[type, Any], tuple[str, int]] = {}
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, list):
            where.update({(type(s), s): (name, i) for i, s in enumerate(stand_in)})
        elif stand_in is not None:
            where[(type(stand_in), stand_in)] = (name, -1)
    slots = []
    for position, param in enumerate(params):
        found = where.get((type(param), param)) if isinstance(param, int | float | str) else None
        if found is not None:
            slots.append((position, *found))
    if count_cap is not None:
        return _Compiled(
            sql=f"SELECT COUNT(*) FROM ({sql}) bounded",  # noqa: S608 - the ORM's own SQL, values bound
            params=tuple(params),
            slots=tuple(slots),
            names=("n",),
            converters=(),
            using=queryset.db,
        )
    # As ValuesIterable names a row's columns.
    selected: Any = getattr(query, "selected", None)
    names = list(selected) if selected else [*query.extra_select, *query.values_select, *query.annotation_select]
    expressions = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = tuple(
        (i, tuple(convs), expression) for i, (convs, expression) in compiler.get_converters(expressions).items()
    )
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        names=tuple(names),
        converters=converters,
        using=queryset.db,
    )


def _compiled_for(build: Builder, key: Hashable, values: dict[str, Value], count_cap: int | None) -> _Compiled:
    shape = (
        build.__module__,
        build.__qualname__,
        key,
        count_cap,
        tuple((name, _shape(value)) for name, value in sorted(values.items())),
    )
    compiled = _compiled.get(shape)
    if compiled is None:
        compiled = _compile(build, key, values, count_cap)
        with _lock:
            if len(_compiled) >= _MAX_SHAPES:
                _compiled.clear()
            _compiled[shape] = compiled
    return compiled


def _run(compiled: _Compiled, values: dict[str, Value], limit: int | None, offset: int) -> tuple[Any, list[Any]]:
    if not compiled.sql:
        return connections[compiled.using], []
    params = list(compiled.params)
    for position, name, index in compiled.slots:
        value = values[name]
        params[position] = value[index] if isinstance(value, list) else value
    sql = compiled.sql
    if limit is not None:
        sql = f"{sql} LIMIT %s OFFSET %s"
        params += [limit, offset]
    connection = connections[compiled.using]
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return connection, cursor.fetchall()


def compiled_rows(
    build: Builder, /, *, key: Hashable = (), limit: int | None = None, offset: int = 0, **values: Value
) -> list[dict[str, Any]]:
    """The rows of build(key, **values) (a `.values(...)` queryset, ordered, not sliced) as dicts
    by column name, `limit` rows from `offset` when a limit is given: what
    `list(build(key, **values)[offset:offset + limit])` gives. `build` must be a module-level
    function; `key` (hashable) says what else shapes its SQL. Values: ints, floats, strs, lists
    of ints or strs, or None (None reaches the builder as None: a shape of its own)."""
    compiled = _compiled_for(build, key, values, None)
    connection, rows = _run(compiled, values, limit, offset)
    if compiled.converters:
        converted = []
        for row in rows:
            row = list(row)
            for i, convs, expression in compiled.converters:
                value = row[i]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[i] = value
            converted.append(row)
        rows = converted
    names = compiled.names
    return [dict(zip(names, row, strict=True)) for row in rows]


def compiled_count(build: Builder, /, *, cap: int, key: Hashable = (), **values: Value) -> int:
    """How many rows build(key, **values) has, counting at most cap + 1 of them (the database stops
    there): SELECT COUNT(*) FROM (… LIMIT cap + 1). Compiled once per shape, as compiled_rows."""
    compiled = _compiled_for(build, key, values, cap)
    _connection, rows = _run(compiled, values, None, 0)
    return int(rows[0][0]) if rows else 0
