"""Fixtures for the appeals' tests: a small city with its enterprises, media in a temp dir,
case notices captured instead of delivered (for the files that ask for `sent`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.appeals.tests.factories import AppealCity, appeal_city
from littlebee.cases.tests.factories import sent_fixture

# The case notices sent during a test, instead of delivered (cases/tests/factories.py).
sent = sent_fixture(autouse=False)


@pytest.fixture
def c(db: Any, media_root: Path) -> AppealCity:
    return appeal_city()
