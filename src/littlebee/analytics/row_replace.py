"""Replacing a rollup's stored rows by the rows computed again, writing only what differs.

The statistics' refresh computes a whole day again (and its week and month) every minute while
anything is counted (rollups.rollups_refresh_stale). Deleting the day's rows and inserting them
all again rewrote the city's panel rows of that day each minute, most of them unchanged: on the
A/B bench's city (a day of 1,400 reports) 6,556 rows, a model instance and 25 prepared values
each, ~1 s of CPU a minute, growing with the day's activity, and as many dead rows a minute
left to PostgreSQL's vacuum. Compared with the stored rows (one read of tuples), only the rows
whose counts changed are replaced (deleted and inserted again: Django's bulk_update writes a
CASE per row and column, whose compiling cost 140 s of CPU for a busy minute's ~6,000 changed
rows), the new ones inserted and the ones gone deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import models

Key = tuple[Any, ...]
# Primary keys per DELETE: a day's thousands of changed rows in statements of bounded size.
DELETE_BATCH = 2000


def rows_replace(
    stored: models.QuerySet[Any],
    wanted: Mapping[Key, Mapping[str, int]],
    *,
    keys: Sequence[str],
    counts: Sequence[str],
    build: Callable[[Key, Mapping[str, int]], models.Model],
) -> int:
    """Make the rows of `stored` equal `wanted` (each row's key values, in the order of `keys`,
    to its counts); `build` makes the model instance of a row to insert. Afterwards the rows of
    `stored` are exactly those of `wanted`, as after deleting them all and inserting `wanted`,
    but for the primary keys of the unchanged rows, which stay. Returns the rows written (those
    gone, those whose counts changed, which are deleted and inserted again, and the new ones).

    A count missing from a row of `wanted` is 0. A stored row whose key appears twice (which
    the delete-and-insert never made, but a crash between writers could have) keeps one."""
    model = stored.model
    remaining = dict(wanted)
    gone: list[Any] = []
    inserted: list[models.Model] = []
    width = len(keys)
    for pk, *values in stored.values_list("pk", *keys, *counts).order_by():
        key = tuple(values[:width])
        new = remaining.pop(key, None)
        if new is None:
            gone.append(pk)
        elif any(new.get(name, 0) != have for name, have in zip(counts, values[width:], strict=True)):
            gone.append(pk)
            inserted.append(build(key, new))
    inserted += [build(k, v) for k, v in remaining.items()]
    for start in range(0, len(gone), DELETE_BATCH):
        model._default_manager.filter(pk__in=gone[start : start + DELETE_BATCH]).delete()
    if inserted:
        model._default_manager.bulk_create(inserted, batch_size=2000)
    return len(gone) + len(remaining)


def instances_replace(stored: models.QuerySet[Any], objects: Sequence[models.Model], counts: Sequence[str]) -> int:
    """rows_replace for rows already built as model instances (a daily rollup's): a row's key is
    every column of it but its primary key and its `counts`. Instances that share a key (two
    rows the delete-and-insert would both have kept) are written that way: all rows deleted,
    all inserted."""
    model = stored.model
    keys = [f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname not in counts]
    by_key: dict[Key, models.Model] = {}
    for instance in objects:
        by_key[tuple(getattr(instance, k) for k in keys)] = instance
    if len(by_key) < len(objects):
        deleted, _ = stored.delete()
        model._default_manager.bulk_create(list(objects), batch_size=1000)
        return deleted + len(objects)

    def build(key: Key, _counts: Mapping[str, int]) -> models.Model:
        return by_key[key]

    wanted = {key: {c: getattr(instance, c) for c in counts} for key, instance in by_key.items()}
    return rows_replace(stored, wanted, keys=keys, counts=counts, build=build)
