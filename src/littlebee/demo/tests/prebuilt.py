"""The demo city built once for a whole `make test`, before its two passes, and read by both.

Each pass used to build the city itself (snapshot.py): 70-100 s of CPU on SQLite and more on
PostgreSQL, where every one of its ~75,000 statements is a round trip, on a machine whose two
cores the two passes share. Now `make test` builds it once, the way the suite would (tables
made from the models, no migrations, the tests' password hasher), and dumps its rows to JSON;
each pass's first city test reads them into its own database in a few seconds and keeps them
aside as before. The passes start beside the build (their other tests need no city); only the
first city test waits for it. A pass run by hand (`pytest` without LITTLEBEE_TEST_CITY) builds the city as
it always did.

The PostgreSQL pass thus tests a city built on SQLite; the loader's second run (`second_load`)
and every service it calls still run on PostgreSQL."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import datetime, time
from itertools import chain
from pathlib import Path
from time import monotonic, sleep
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.sql import InsertQuery
from django.test import override_settings

from littlebee.demo.wuhan import LoadResult, demo_clock, load_wuhan

# Where `make test` left the built city; unset, each pass builds its own.
PREBUILT_ENV = "LITTLEBEE_TEST_CITY"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROWS, RESULT, FAILED = "city.json", "result.json", "failed.txt"
# How long a pass's first city test waits for the city `make test-city` is building beside it.
WAIT_SECONDS = 20 * 60


def prebuilt_directory() -> Path | None:
    value = os.environ.get(PREBUILT_ENV, "")
    return Path(value) if value else None


def build_and_dump(directory: Path) -> LoadResult:
    """In a process whose default database is a new, empty SQLite file: make the tables as the
    tests do, load the city, and write its rows and the load's result into `directory`."""
    # The tests make their tables from the models (--no-migrations), so this does too.
    with override_settings(MIGRATION_MODULES={app.label: None for app in apps.get_app_configs()}):
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    with override_settings(PASSWORD_HASHERS=MD5):
        result = load_wuhan(now=demo_clock())
    rows_dump(directory / ROWS)
    # Written last, and whole (a rename): the passes take its presence for "the city is ready".
    partial = directory / f"{RESULT}.partial"
    partial.write_text(json.dumps({"created": dict(result.created), "seconds": result.seconds}))
    partial.rename(directory / RESULT)
    return result


def city_wait(directory: Path, *, seconds: float = WAIT_SECONDS) -> None:
    """Wait until `make test-city`, started beside this pass, has written the city (or failed)."""
    deadline = monotonic() + seconds
    while not (directory / RESULT).exists():
        if (directory / FAILED).exists():
            raise RuntimeError(f"make test-city failed:\n{(directory / FAILED).read_text()}")
        if monotonic() > deadline:
            raise RuntimeError(
                f"no demo city in {directory} after {seconds:.0f} s: {PREBUILT_ENV} is set but `make test-city` "
                "did not write it (run the passes through `make test`, or unset the variable)"
            )
        sleep(1)


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder (dumpdata's) cuts times to the millisecond; the city's must read back exact."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def rows_dump(path: Path) -> None:
    """Every row of every table (dumpdata's models, read through their base managers), many-to-many
    rows with their owner, times to the microsecond."""
    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    with path.open("w", encoding="utf-8") as out:
        serializers.serialize(
            "json",
            chain.from_iterable(m._base_manager.order_by("pk") for m in models),
            stream=out,
            cls=ExactJSONEncoder,
        )


def fill_from_dump(directory: Path, tables: tuple[str, ...]) -> LoadResult:
    """Make the test database's content the dumped city's (every table emptied first), in one
    transaction; constraints are checked at its end, so the order of the rows is free."""
    city_wait(directory)
    by_model: defaultdict[type[Model], list[Model]] = defaultdict(list)
    through_rows: defaultdict[type[Model], list[Model]] = defaultdict(list)
    with (directory / ROWS).open(encoding="utf-8") as rows:
        for item in serializers.deserialize("json", rows):
            instance = item.object
            by_model[type(instance)].append(instance)
            for name, targets in (item.m2m_data or {}).items():
                field: Any = instance._meta.get_field(name)
                through = field.remote_field.through
                source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
                through_rows[through].extend(
                    through(**{f"{source}_id": instance.pk, f"{target}_id": pk}) for pk in targets
                )
    with transaction.atomic(), connection.cursor() as cursor:
        tables_empty(cursor, tables)
        for model, instances in [*by_model.items(), *through_rows.items()]:
            _insert_as_given(model, instances)
    ContentType.objects.clear_cache()
    saved = json.loads((directory / RESULT).read_text())
    return LoadResult(created=Counter(saved["created"]), seconds=saved["seconds"])


def tables_empty(cursor: Any, tables: tuple[str, ...]) -> None:
    """Delete every row of the tables (inside the caller's transaction)."""
    quoted = [connection.ops.quote_name(table) for table in tables]
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(quoted)}")
    else:
        for name in quoted:
            cursor.execute(f"DELETE FROM {name}")


def _insert_as_given(model: type[Model], instances: list[Model]) -> None:
    """INSERT the instances' values as they are: bulk_create would set auto_now fields to now."""
    if not instances:
        return
    fields = list(model._meta.local_concrete_fields)
    if instances[0].pk is None:  # a many-to-many row: the dump names its two ends, not its id
        fields = [f for f in fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, instances) or len(instances)
    for start in range(0, len(instances), size):
        query = InsertQuery(model)
        query.insert_values(fields, instances[start : start + size], raw=True)
        query.get_compiler(connection=connection).execute_sql()
