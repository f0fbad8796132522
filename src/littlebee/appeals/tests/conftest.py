"""Fixtures for the appeals' tests: a small city with its enterprises, media in a temp dir,
case notices captured instead of delivered (for the files that ask for `sent`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from littlebee.appeals.tests.factories import AppealCity, appeal_city
from littlebee.cases import notify
from littlebee.cases.tests.factories import rendered_notice


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The case notices (cases.notify.deliver) sent during the test, instead of delivering them."""
    outbox: list[dict[str, Any]] = []
    # Title and body are stored texts (core.texts): kept as sent, and rendered as a Chinese reader reads them.
    monkeypatch.setattr(notify, "deliver", lambda **kwargs: outbox.append(rendered_notice(kwargs)))
    yield outbox


@pytest.fixture
def c(db: Any, media_root: Path) -> AppealCity:
    return appeal_city()
