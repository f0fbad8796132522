"""Several small reads in one round trip: querysets of different tables combined with UNION ALL,
each row carried as one JSON object, and given back as model instances.

A request that needs a handful of configuration rows (a category, its routing rules, the offices
along a region's path, a deadline rule) pays a round trip and a statement for each when it reads
them one by one; read together they cost one. A row is JSON_OBJECT on SQLite and
JSONB_BUILD_OBJECT on PostgreSQL (as Django's JSONObject, with the keys written into the
statement: _Row), so the same querysets serve both.

Compiling such a statement costs more than running it, so it is compiled once per shape and
process: the querysets are built with stand-ins for the values (read_together's keyword
arguments), and each call binds the real values in their place.
The shape is the builder and the length of each list value; values must only be compared by the
querysets (filters), never shape them otherwise.

Only plain columns are read (no timestamps: JSON carries them as text that differs by backend);
instances come back with the other fields deferred, as from .only(), so reading one of those
later costs a query rather than giving a wrong value.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, F, Func, JSONField, Model, QuerySet, Value
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Part:
    """One queryset of the read, the attnames of its model's columns to read and, per foreign key
    (joined, LEFT for a nullable one), the columns of the related row to read with it."""

    queryset: QuerySet[Any]
    fields: tuple[str, ...]
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)


ReadValue = str | list[str] | None
Builder = Callable[..., dict[str, Part]]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    using: str
    # tag → (model, fields, {relation: (related model, fields)})
    decode: dict[str, tuple[type[Model], tuple[str, ...], dict[str, tuple[type[Model], tuple[str, ...]]]]]


# A key written into the SQL as it is: an attname, or a relation's and an attname joined by "__".
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Row(Func):
    """A row as one JSON object, as JSONObject builds it (JSON_OBJECT on SQLite, JSONB_BUILD_OBJECT
    on PostgreSQL), but with its keys written into the statement rather than bound: they are
    column names, and as parameters (a cast each on PostgreSQL) they took the intake's read past
    psycopg's 50 parameters, above which psycopg parses the statement again on every call
    instead of keeping its parsed form (a millisecond of CPU per report submission)."""

    output_field = JSONField()

    def __init__(self, **fields: Any) -> None:
        if not all(_KEY.fullmatch(key) for key in fields):
            raise ValueError(f"read_together: a key that is not a plain name in {sorted(fields)}")
        self.keys = tuple(fields)
        super().__init__(*fields.values())

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        pieces: list[str] = []
        params: list[Any] = []
        for key, expression in zip(self.keys, self.get_source_expressions(), strict=True):
            sql, expression_params = compiler.compile(expression)
            pieces.append(f"'{key}', {sql}")
            params.extend(expression_params)
        function = "JSONB_BUILD_OBJECT" if connection.vendor == "postgresql" else "JSON_OBJECT"
        return f"{function}({', '.join(pieces)})", params


_compiled: dict[Hashable, _Compiled] = {}
_lock = threading.Lock()
_MAX_SHAPES = 256


def _stand_in(name: str, value: ReadValue) -> ReadValue:
    # NUL never occurs in a real value (PostgreSQL refuses it in text), so a stand-in cannot
    # collide with a constant of the querysets.
    if isinstance(value, list):
        return [f"\x00{name}\x00{i}" for i in range(len(value))]
    return None if value is None else f"\x00{name}\x00"


def _shape(value: ReadValue) -> Hashable:
    return len(value) if isinstance(value, list) else value is None


def _compile(build: Builder, values: dict[str, ReadValue]) -> _Compiled:
    parts = build(**{name: _stand_in(name, value) for name, value in values.items()})
    queries = []
    decode = {}
    for tag, part in parts.items():
        model = part.queryset.model
        columns: dict[str, Any] = {name: F(name) for name in part.fields}
        relations = {}
        for relation, names in part.related.items():
            related_model = model._meta.get_field(relation).related_model
            assert isinstance(related_model, type) and issubclass(related_model, Model)
            relations[relation] = (related_model, names)
            columns.update({f"{relation}__{name}": F(f"{relation}__{name}") for name in names})
        decode[tag] = (model, part.fields, relations)
        queries.append(part.queryset.order_by().values(tag=Value(tag, output_field=CharField()), row=_Row(**columns)))
    combined = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    sql, params = combined.query.sql_with_params()
    return _Compiled(sql=sql, params=tuple(params), using=combined.db, decode=decode)


def _instance(model: type[Model], row: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> Model | None:
    """A model instance from a row's JSON values, converted by each field; None when the row has
    no primary key (the empty side of a LEFT join)."""
    opts = model._meta
    assert opts.pk is not None
    if row.get(f"{prefix}{opts.pk.attname}") is None:
        return None
    attnames: list[str] = []
    values: list[Any] = []
    for model_field in opts.concrete_fields:
        if model_field.attname in names:
            value = row[f"{prefix}{model_field.attname}"]
            attnames.append(model_field.attname)
            # JSON gives SQLite's booleans as 0/1 and numbers as numbers: to_python makes them the field's.
            values.append(None if value is None else model_field.to_python(value))
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


def read_together(build: Builder, /, **values: ReadValue) -> dict[str, list[Any]]:
    """Every part of build(**values) read in one statement, as instances of its model (related
    rows set on them), in no particular order: sort them where order matters. `values` are
    strings, lists of strings or None; build must be a module-level function of them."""
    shape = (build.__module__, build.__qualname__, tuple((name, _shape(v)) for name, v in sorted(values.items())))
    compiled = _compiled.get(shape)
    if compiled is None:
        compiled = _compile(build, values)
        with _lock:
            if len(_compiled) >= _MAX_SHAPES:
                _compiled.clear()
            _compiled[shape] = compiled
    real: dict[str, str] = {}
    for name, value in values.items():
        stand_in = _stand_in(name, value)
        if isinstance(value, list) and isinstance(stand_in, list):
            real.update(zip(stand_in, value, strict=True))
        elif isinstance(value, str) and isinstance(stand_in, str):
            real[stand_in] = value
    params = [real.get(p, p) if isinstance(p, str) else p for p in compiled.params]
    with connections[compiled.using].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    found: dict[str, list[Any]] = {tag: [] for tag in compiled.decode}
    for tag, raw in rows:
        row = json.loads(raw) if isinstance(raw, str | bytes) else raw
        model, names, relations = compiled.decode[tag]
        instance = _instance(model, row, names)
        for relation, (related_model, related_names) in relations.items():
            related = _instance(related_model, row, related_names, prefix=f"{relation}__")
            if related is not None:
                setattr(instance, relation, related)
        found[tag].append(instance)
    return found
