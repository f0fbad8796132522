from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.learning.tests.factories import LearningCity, learning_city


@pytest.fixture
def c(db: Any, media_root: Path) -> LearningCity:
    return learning_city()
