from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.learning.tests.factories import LearningCity, learning_city


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def c(db: Any, media_root: Path) -> LearningCity:
    return learning_city()
