"""Fixtures for the reports' tests: a small city with its categories, media in a temp dir,
notifications captured instead of delivered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from littlebee.cases.tests.factories import World, sent_fixture, world
from littlebee.reports.services import report_categories_ensure

# The case notices sent during a test, instead of delivered (cases/tests/factories.py).
sent = sent_fixture(autouse=True)


@pytest.fixture
def w(db: Any, media_root: Path) -> World:
    """The case engine's test city, its two communities placed apart, and the catalogue. SQLite's
    one question per connection, whether it has JSON functions (core.read_together uses them), is
    asked before any test counts statements, as a server's long-lived connection has long since."""
    assert connection.features.supports_json_field
    city = world()
    city.community.lat, city.community.lng = 30.55, 114.30
    city.community.save(update_fields=["lat", "lng"])
    city.other_community.lat, city.other_community.lng = 30.60, 114.35
    city.other_community.save(update_fields=["lat", "lng"])
    report_categories_ensure()
    return city


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
