from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from littlebee.cases import notify


@pytest.fixture(autouse=True)
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every notification the engine hands over, instead of the inbox."""
    outbox: list[dict[str, Any]] = []
    monkeypatch.setattr(notify, "deliver", lambda **kwargs: outbox.append(kwargs))
    yield outbox
