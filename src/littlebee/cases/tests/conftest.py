from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from littlebee.cases import notify
from littlebee.cases.tests.factories import rendered_notice


@pytest.fixture(autouse=True)
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every notification the engine hands over, instead of the inbox."""
    outbox: list[dict[str, Any]] = []
    # Title and body are stored texts (core.texts): kept as sent, and rendered as a Chinese reader reads them.
    monkeypatch.setattr(notify, "deliver", lambda **kwargs: outbox.append(rendered_notice(kwargs)))
    yield outbox
