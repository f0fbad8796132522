"""The city `make test` builds once and each pass reads back (prebuilt.py): what is read back is
what was dumped, to the microsecond of an `auto_now` field and every many-to-many row."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from littlebee.demo.tests.prebuilt import FAILED, RESULT, ROWS, city_wait, fill_from_dump, rows_dump
from littlebee.hives.models import Hive
from littlebee.hives.tests.factories import HiveFactory, ServiceFactory


def test_a_dumped_database_reads_back_as_it_was(transactional_db: Any, tmp_path: Path) -> None:
    # Committed rows: the fill empties tables with TRUNCATE, which PostgreSQL refuses while a
    # transaction still has foreign-key checks pending, as a test transaction would.
    # given a station with two services, last changed a week ago, dumped
    services: list[Any] = [ServiceFactory(), ServiceFactory()]
    hive: Any = HiveFactory()
    hive.services.set(services)
    week_ago = timezone.now() - timedelta(days=7)
    Hive.objects.filter(pk=hive.pk).update(updated_at=week_ago)
    rows_dump(tmp_path / ROWS)
    (tmp_path / RESULT).write_text(json.dumps({"created": {"hives": 1}, "seconds": 2.5}))
    tables = tuple(connection.introspection.django_table_names(only_existing=True, include_views=False))
    Hive.objects.all().delete()

    # when
    result = fill_from_dump(tmp_path, tables)

    # then the row, its time and its services are back, and so is the load's result
    again = Hive.objects.get(pk=hive.pk)
    assert again.updated_at == week_ago
    assert again.name == hive.name
    assert sorted(again.services.values_list("pk", flat=True)) == sorted(s.pk for s in services)
    assert result.created == {"hives": 1}
    assert result.seconds == 2.5


def test_a_pass_waits_for_the_city_being_built_beside_it(tmp_path: Path) -> None:
    # given a city whose result appears a moment later, as `make test-city` writes it last
    writer = threading.Timer(0.3, lambda: (tmp_path / RESULT).write_text("{}"))
    writer.start()

    # when / then the wait returns once it is there
    city_wait(tmp_path, seconds=10)
    writer.join()


def test_a_failed_build_fails_the_waiting_pass_with_its_error(tmp_path: Path) -> None:
    # given
    (tmp_path / FAILED).write_text("Traceback: the loader broke")

    # when / then
    with pytest.raises(RuntimeError, match="the loader broke"):
        city_wait(tmp_path, seconds=10)


def test_no_build_at_all_fails_the_pass_instead_of_waiting_forever(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(RuntimeError, match="make test-city"):
        city_wait(tmp_path, seconds=0.1)
