"""The Wuhan demo city for every module of this package, copied in once (../conftest.py builds
it once per run) inside a transaction rolled back at the end. Each test runs in its own
savepoint, so what one test changes the next does not see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from littlebee.demo.tests.snapshot import CitySnapshot
from littlebee.demo.wuhan import LoadResult


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
