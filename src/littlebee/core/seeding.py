"""Default rows a command or a start-up writes when missing ("ensure" services): read what exists
once, insert what is missing in one statement.

Each default through get_or_create cost a SELECT, a savepoint, an INSERT and its release: the
report catalogue and the points defaults took 55 such round trips, ~90 ms on SQLite, every time a
fresh database (each test that needs the catalogue; the demo city) asked for them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def seed_missing(existing: QuerySet[M], defaults: Iterable[M], key: Callable[[M], Hashable]) -> int:
    """Insert each row of `defaults` whose key no row of `existing` has; rows already there are left
    as they are. Returns how many were inserted.

    `key` maps a row to what makes it the same default (a code; a source and category); `existing`
    is the queryset of rows it is compared with. When another writer inserts one of the same
    defaults meanwhile (a unique constraint refuses the batch), the missing rows are written one by
    one and those the constraint refuses are left to the other writer."""
    candidates = list(defaults)
    have = {key(row) for row in existing}
    missing = [row for row in candidates if key(row) not in have]
    if not missing:
        return 0
    try:
        with transaction.atomic():
            existing.model._default_manager.bulk_create(missing)
    except IntegrityError:
        created = 0
        for row in missing:
            row.pk = None
            row._state.adding = True
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue  # the other writer's row is the default now
            created += 1
        return created
    return len(missing)
