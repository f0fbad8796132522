"""A new row inserted as Model.save() inserts it, with its SQL built once per model and database.

A hot write (a redemption: the voucher, its ledger entry, its timeline row) spent more CPU building
and compiling each INSERT through the ORM (about 0.6 ms) than the database spent running it. Here
the statement is made once per model and database, and each call only prepares the values as the
ORM's insert compiler does (every concrete field's pre_save and get_db_prep_save: an aware
datetime as SQLite's text, a JSON value as PostgreSQL's jsonb; None as NULL) and reads the new primary key back
(RETURNING where the backend has it). Model signals are not sent: nothing in the project listens
to them (DESIGN.md, "no logic in signals").
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

from .hot_cursor import hot_cursor

M = TypeVar("M", bound=Model)

_STATEMENTS: dict[tuple[type[Model], str], tuple[str, list[Field[Any, Any]], bool]] = {}


def _statement(model: type[Model], using: str) -> tuple[str, list[Field[Any, Any]], bool]:
    key = (model, using)
    found = _STATEMENTS.get(key)
    if found is None:
        connection = connections[using]
        meta = model._meta
        auto = meta.auto_field
        fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if f is not auto]
        # A field that asks for its own placeholder (binary, array, range, geometry) is not plain %s.
        if any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(f"raw_insert: {model.__name__} has a field with its own SQL placeholder")
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
        returning = auto is not None and connection.features.can_return_columns_from_insert
        if returning:
            assert auto is not None
            sql += f" RETURNING {qn(auto.column)}"
        found = _STATEMENTS[key] = (sql, fields, returning)
    return found


def insert_instance(obj: M, using: str = DEFAULT_DB_ALIAS) -> M:
    """INSERT `obj` (a new, unsaved instance) as obj.save() would, in one statement; sets its primary
    key (an auto field's value read back) and marks it saved. IntegrityError as the ORM raises it."""
    model = type(obj)
    sql, fields, returning = _statement(model, using)
    connection = connections[using]
    params = _params(obj, fields, connection)
    auto = model._meta.auto_field
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if auto is not None:
            if returning:
                pk = cursor.fetchone()[0]
            else:
                pk = connection.ops.last_insert_id(cursor, model._meta.db_table, auto.column)
            setattr(obj, auto.attname, pk)
    obj._state.adding = False
    obj._state.db = using
    return obj


def _params(obj: Model, fields: list[Field[Any, Any]], connection: Any) -> list[Any]:
    # None is NULL without asking the field, as every field of Django's own prepares it (a JSON
    # field too: None is SQL NULL); half a voucher's columns are None, each ~10 µs to prepare.
    return [None if (v := f.pre_save(obj, True)) is None else f.get_db_prep_save(v, connection) for f in fields]


_GUARDED: dict[tuple[type[Model], str, str], str] = {}


def insert_instance_if(obj: M, guard: str, guard_params: list[Any], using: str = DEFAULT_DB_ALIAS) -> bool:
    """INSERT `obj` as insert_instance does, but in one statement with `guard` (an UPDATE … RETURNING,
    run first) and only when the guard returns a row: a conditional UPDATE and the INSERT it allows
    in one round trip instead of two. PostgreSQL (data-modifying WITH) with an auto primary key
    only. True: the row is in and `obj` saved, its key set; False: the guard changed nothing and
    nothing was written. An IntegrityError of the INSERT undoes the guard's UPDATE with it."""
    model = type(obj)
    connection = connections[using]
    auto = model._meta.auto_field
    if connection.vendor != "postgresql" or auto is None:
        raise TypeError("insert_instance_if: PostgreSQL and a model with an auto primary key only")
    _sql, fields, _returning = _statement(model, using)
    key = (model, using, guard)
    sql = _GUARDED.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = _GUARDED[key] = (
            f"WITH guard AS ({guard}) INSERT INTO {qn(model._meta.db_table)} ({columns})"  # noqa: S608 - names from the model
            f" SELECT {marks} FROM guard RETURNING {qn(auto.column)}"
        )
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, [*guard_params, *_params(obj, fields, connection)])
        row = cursor.fetchone()
    if row is None:
        return False
    setattr(obj, auto.attname, row[0])
    obj._state.adding = False
    obj._state.db = using
    return True


# (model, database, rows, ignoring conflicts) -> the multi-row INSERT
_MANY: dict[tuple[type[Model], str, int, bool], str] = {}


def insert_instances_ignoring_conflicts(objs: list[M], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT new instances of one model in one statement, skipping any that would break a unique
    constraint: what bulk_create(objs, ignore_conflicts=True) writes, without its transaction
    (one statement is atomic by itself: BEGIN and COMMIT were two round trips more) nor its
    compiling. Primary keys are not read back (bulk_create reads none when ignoring conflicts)."""
    _insert_many(objs, using, ignoring=True)


def insert_instances(objs: list[M], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT new instances of one model in one statement, as bulk_create(objs) writes them (any
    constraint broken fails the whole statement), without compiling it again. Primary keys are
    not read back."""
    _insert_many(objs, using, ignoring=False)


def _insert_many(objs: list[M], using: str, *, ignoring: bool) -> None:
    if not objs:
        return
    model = type(objs[0])
    _sql, fields, _returning = _statement(model, using)
    connection = connections[using]
    key = (model, using, len(objs), ignoring)
    sql = _MANY.get(key)
    if sql is None:
        from django.db.models.constants import OnConflict

        ops = connection.ops
        qn = ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        on_conflict = OnConflict.IGNORE if ignoring else None
        sql = (
            f"{ops.insert_statement(on_conflict=on_conflict)} {qn(model._meta.db_table)} ({columns})"
            f" VALUES {', '.join([row] * len(objs))} {ops.on_conflict_suffix_sql(fields, on_conflict, [], [])}"
        ).rstrip()
        _MANY[key] = sql
    params = [
        None if (v := f.pre_save(obj, True)) is None else f.get_db_prep_save(v, connection)
        for obj in objs
        for f in fields
    ]
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)


# (head model, ((model, foreign key attname, ignoring conflicts), …), database) -> the statement
_CHAINED: dict[tuple[type[Model], tuple[tuple[type[Model], str, bool], ...], str], str] = {}


def insert_chain(head: Model, tail: list[tuple[Model, str, bool]], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT `head`, then each `(obj, fk, ignore_conflicts)` of `tail` with its foreign key
    attribute `fk` set to head's new primary key, as insert_instance would one after the other,
    but in one statement on PostgreSQL (data-modifying WITH: the head's INSERT … RETURNING feeds
    the others' INSERT … SELECT): one round trip instead of one per row. Elsewhere, one
    insert_instance each (an ignoring one as insert_instances_ignoring_conflicts). Sets head's and
    each returning row's primary key and marks them saved; a row inserted ignoring conflicts
    gets no key read back (bulk_create's rule). An IntegrityError fails the whole statement."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        insert_instance(head, using=using)
        for obj, fk, ignore in tail:
            setattr(obj, fk, head.pk)
            if ignore:
                insert_instances_ignoring_conflicts([obj], using=using)
            else:
                insert_instance(obj, using=using)
        return
    head_model = type(head)
    shape = tuple((type(obj), fk, ignore) for obj, fk, ignore in tail)
    key = (head_model, shape, using)
    sql = _CHAINED.get(key)
    qn = connection.ops.quote_name
    head_fields = _statement(head_model, using)[1]
    fields_of = [_statement(model, using)[1] for model, _fk, _ignore in shape]
    if sql is None:
        pk_column = qn(head_model._meta.pk.column)
        columns = ", ".join(qn(f.column) for f in head_fields)
        marks = ", ".join(["%s"] * len(head_fields))
        table = qn(head_model._meta.db_table)
        parts = [f"h AS (INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {pk_column})"]  # noqa: S608
        returned = [f"h.{pk_column}"]
        joined = ["h"]
        for i, ((model, fk, ignore), fields) in enumerate(zip(shape, fields_of, strict=True)):
            if not any(f.attname == fk for f in fields):
                raise TypeError(f"insert_chain: {model.__name__} has no field {fk}")
            picks = ", ".join(f"h.{pk_column}" if f.attname == fk else "%s" for f in fields)
            columns = ", ".join(qn(f.column) for f in fields)
            part = f"t{i} AS (INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {picks} FROM h"  # noqa: S608
            auto = model._meta.auto_field
            if ignore:
                part += " ON CONFLICT DO NOTHING)"
            else:
                if auto is None:
                    raise TypeError(f"insert_chain: {model.__name__} has no auto primary key to read back")
                part += f" RETURNING {qn(auto.column)})"
                returned.append(f"t{i}.{qn(auto.column)}")
                joined.append(f"t{i}")
            parts.append(part)
        sql = _CHAINED[key] = f"WITH {', '.join(parts)} SELECT {', '.join(returned)} FROM {', '.join(joined)}"  # noqa: S608
    params = _params(head, head_fields, connection)
    for (obj, fk, _ignore), fields in zip(tail, fields_of, strict=True):
        params += _params(obj, [f for f in fields if f.attname != fk], connection)
    with hot_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    head.pk = row[0]
    head._state.adding = False
    head._state.db = using
    keys = iter(row[1:])
    for obj, fk, ignore in tail:
        setattr(obj, fk, head.pk)
        if not ignore:
            setattr(obj, type(obj)._meta.auto_field.attname, next(keys))  # type: ignore[union-attr]
            obj._state.adding = False
            obj._state.db = using
