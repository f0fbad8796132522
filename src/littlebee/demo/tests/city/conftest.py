"""The Wuhan demo city for every module of this package, copied in once (../conftest.py builds
it once per run) inside a transaction rolled back at the end. Each test runs in its own
savepoint, so what one test changes the next does not see.

A second load of a loaded city is what every `make run` after the first does: it must add
nothing. Each area's test of it reads the one second load of `second_load` (rolled back after
it) instead of loading the city again itself, each of which cost seconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Model
from django.test import override_settings

from littlebee.demo.tests.snapshot import CitySnapshot
from littlebee.demo.wuhan import LoadResult, load_wuhan
from littlebee.points.selectors import points_mismatches


@pytest.fixture(scope="package", autouse=True)
def wuhan(wuhan_snapshot: CitySnapshot, django_db_blocker: Any) -> Iterator[LoadResult]:
    with django_db_blocker.unblock():
        wuhan_snapshot.attach()
    with django_db_blocker.unblock(), transaction.atomic():
        wuhan_snapshot.restore()
        yield wuhan_snapshot.result
        transaction.set_rollback(True)
    # The rolled-back rows took their content type ids with them.
    ContentType.objects.clear_cache()


@dataclass(frozen=True)
class SecondLoad:
    """The city loaded again on top of itself: what it said, every table's row count before and
    after, and the points ledgers' mismatches after it."""

    result: LoadResult
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    points_mismatches: list[Any]

    def added(self, *models: type[Model]) -> dict[str, int]:
        """Rows the second load added to (or took from) each model's table, where it did."""
        tables = [m._meta.db_table for m in models]
        return {
            t: self.rows_after[t] - self.rows_before[t] for t in tables if self.rows_after[t] != self.rows_before[t]
        }


def _row_counts() -> dict[str, int]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture(scope="package")
def second_load(wuhan: LoadResult, django_db_blocker: Any) -> SecondLoad:
    with django_db_blocker.unblock(), transaction.atomic():
        before = _row_counts()
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            result = load_wuhan()
        loaded = SecondLoad(
            result=result, rows_before=before, rows_after=_row_counts(), points_mismatches=points_mismatches()
        )
        transaction.set_rollback(True)
    return loaded


@pytest.fixture(scope="package")
def demo_load_printed(wuhan: LoadResult, django_db_blocker: Any) -> str:
    """What `littlebee demo_load --print-accounts` prints over the loaded city (as at every `make
    run` after the first), run once for the package's tests of its lines and rolled back."""
    out = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("demo_load", "--print-accounts", stdout=out)
        transaction.set_rollback(True)
    return out.getvalue()
