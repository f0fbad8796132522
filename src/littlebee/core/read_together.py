"""Several small reads in one round trip: querysets of different tables combined with UNION ALL,
each row carried as one JSON object, and given back as model instances.

A request that needs a handful of configuration rows (a category, its routing rules, the offices
along a region's path, a deadline rule) pays a round trip and a statement for each when it reads
them one by one; read together they cost one. Django's JSONObject is JSON_OBJECT on SQLite and
JSONB_BUILD_OBJECT on PostgreSQL, so the same querysets serve both.

Only plain columns are read (no timestamps: JSON carries them as text that differs by backend);
instances come back with the other fields deferred, as from .only(), so reading one of those
later costs a query rather than giving a wrong value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, F, Model, QuerySet, Value
from django.db.models.functions import JSONObject


@dataclass(frozen=True)
class Part:
    """One queryset of the read, the attnames of its model's columns to read and, per foreign key
    (joined, LEFT for a nullable one), the columns of the related row to read with it."""

    queryset: QuerySet[Any]
    fields: tuple[str, ...]
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)


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


def read_together(parts: dict[str, Part]) -> dict[str, list[Any]]:
    """Every part's rows, read in one statement, as instances of its model (related rows set on
    them), in no particular order: sort them where order matters."""
    queries = []
    for tag, part in parts.items():
        columns: dict[str, Any] = {name: F(name) for name in part.fields}
        for relation, names in part.related.items():
            columns.update({f"{relation}__{name}": F(f"{relation}__{name}") for name in names})
        queries.append(
            part.queryset.order_by().values(tag=Value(tag, output_field=CharField()), row=JSONObject(**columns))
        )
    combined = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    found: dict[str, list[Any]] = {tag: [] for tag in parts}
    for item in combined:
        tag, row = item["tag"], item["row"]
        part = parts[tag]
        model = part.queryset.model
        instance = _instance(model, row, part.fields)
        for relation, names in part.related.items():
            related_model = model._meta.get_field(relation).related_model
            assert isinstance(related_model, type) and issubclass(related_model, Model)
            related = _instance(related_model, row, names, prefix=f"{relation}__")
            if related is not None:
                setattr(instance, relation, related)
        found[tag].append(instance)
    return found
