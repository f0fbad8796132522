"""The Wuhan demo city, loaded once for every module of this package (about 20 s on SQLite and
twice that on PostgreSQL, so once rather than per module) inside a transaction rolled back at
the end. Each test runs in its own savepoint, so what one test changes the next does not see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from littlebee.demo.wuhan import LoadResult, demo_clock, load_wuhan

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="package", autouse=True)
def wuhan(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LoadResult]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5), transaction.atomic():
        yield load_wuhan(now=demo_clock())
        transaction.set_rollback(True)
