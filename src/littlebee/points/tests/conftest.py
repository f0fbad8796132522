"""Fixtures for the points pages, API and wiring tests."""

from __future__ import annotations

from typing import Any

import pytest

from .factories import Town, make_town


@pytest.fixture
def town(db: Any) -> Town:
    """A small city with party organisations at community and district level, and an enterprise."""
    return make_town()
