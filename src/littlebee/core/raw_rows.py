"""Model instances from rows of plain SQL, as a RawQuerySet would make them, without working out
the columns and their converters again for every query.

Hot reads (the bearer token's user, a page of the mall) are plain SQL built once per process:
compiling the ORM's query cost more than running it. A RawQuerySet over such SQL still inspects
the cursor's columns, matches them to fields and looks up each field's converters on every
execution, which on GET /rewards cost more than the rows themselves. Here the converters of a
model's concrete fields (SQLite's booleans, decimals and datetimes; few or none on PostgreSQL)
are found once per model and database, and a row that starts with every concrete column of the
model, in field order, becomes an instance through Model.from_db, as the ORM loads one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

M = TypeVar("M", bound=Model)

Converters = list[list[tuple[Callable[..., Any], Any]]]
_COLUMNS: dict[tuple[type[Model], str], tuple[list[str], Converters]] = {}


def model_columns(model: type[Model], using: str = DEFAULT_DB_ALIAS) -> tuple[list[str], Converters]:
    """The attnames of `model`'s concrete fields, in field order (the columns a row must start
    with), and the converters (with the column each is called with) of each, on `using`."""
    key = (model, using)
    found = _COLUMNS.get(key)
    if found is None:
        connection = connections[using]
        attnames: list[str] = []
        converters: Converters = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            attnames.append(field.attname)
            own = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            converters.append([(converter, column) for converter in own])
        found = _COLUMNS[key] = (attnames, converters)
    return found


def instance_from_row(model: type[M], row: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of `model` from the first len(concrete fields) values of `row`, converted as
    the ORM converts them."""
    attnames, converters = model_columns(model, using)
    values = list(row[: len(attnames)])
    connection = connections[using]
    for i, column_converters in enumerate(converters):
        for converter, column in column_converters:
            values[i] = converter(values[i], column, connection)
    return loaded_instance(model, using, attnames, values)


# What Model.__init__ does with a loaded value, attribute by attribute, for these: it stores it in
# the instance's __dict__ (a foreign key's also drops a cached related object, which a new
# instance has none of; a file's wraps it when read).
_STORED_AS_IS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)
_PLAIN: dict[type[Model], bool] = {}


def _plain(model: type[Model]) -> bool:
    """Whether Model.from_db of `model` amounts to storing the values in a new instance's __dict__:
    Model's own __init__, and every concrete field's attribute one that stores its value as is."""
    plain = _PLAIN.get(model)
    if plain is None:
        plain = _PLAIN[model] = model.__init__ is Model.__init__ and all(
            isinstance(model.__dict__.get(f.attname), _STORED_AS_IS) for f in model._meta.concrete_fields
        )
    return plain


def loaded_instance(model: type[M], using: str, attnames: Sequence[str], values: Sequence[Any]) -> M:
    """model.from_db(using, attnames, values): an instance as the ORM loads one, the fields not
    named deferred. Without listeners of the model's pre_init and post_init signals, made without
    Model.__init__, which walks every concrete field and sends both signals: 2 us instead of
    ~17 for an API token of 3 of its 9 fields — and a token, its user, a page's cases and their
    related rows are made on every hot read."""
    # A signal without any receiver has none for this model either (asking costs ~2 µs a signal).
    listened = (signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    )
    if listened or not _plain(model):
        return model.from_db(using, list(attnames), list(values))
    new = model.__new__(model)
    state = new._state = ModelState()
    state.adding = False
    state.db = using
    new.__dict__.update(zip(attnames, values, strict=True))
    return new
