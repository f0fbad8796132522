"""Fixtures for the stations' tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a temporary directory, not var/media."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root
