"""The Wuhan demo city, built once per test process and copied into the test database wherever
a test needs it.

Loading the city takes about 30 s on SQLite and twice that on PostgreSQL; the `city` package
and the three browser journeys used to load it four times, 40 % of the SQLite pass. Now the
first test that needs it loads it once, the rows of every table are copied aside inside the
test database itself (attached database files on SQLite, schemas of their own on
PostgreSQL; snapshot.py) and the database is put back as it was. A test then gets the city by copying the
rows back in with INSERT ... SELECT, in one transaction, in well under a second. The copy is
the whole database's content, so a test sees exactly what a fresh load leaves, nothing more.

Under `pytest -n N` every test of this package runs on one worker (the root conftest's xdist
scheduler groups them; xdist's own `--dist loadgroup` does not work with pytest 9.2), so the
city is built once per pass while the other workers run the rest of the suite. Under `make
test` it is not built here at all: both passes read the one city `make test-city` built
(prebuilt.py)."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.demo.tests.snapshot import CitySnapshot, build_snapshot
from littlebee.demo.wuhan import LoadResult


@pytest.fixture(scope="session")
def wuhan_snapshot(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> CitySnapshot:
    """The city, loaded once for this run (on the one xdist worker that runs this package), its rows kept aside."""
    with django_db_blocker.unblock():
        return build_snapshot(tmp_path_factory.mktemp("wuhan"))


@pytest.fixture
def wuhan_city(wuhan_snapshot: CitySnapshot, transactional_db: None) -> LoadResult:
    """The demo city in this (transactional) test's database; pytest-django empties it afterwards."""
    wuhan_snapshot.restore()
    return wuhan_snapshot.result
