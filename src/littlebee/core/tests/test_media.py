"""Uploaded files on local disk are served in the embedded mode, and nothing outside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client


def test_a_stored_file_is_served_and_paths_outside_media_are_not(settings: Any, tmp_path: Path) -> None:
    # given a file in the media folder
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "hives").mkdir()
    (tmp_path / "hives" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    (tmp_path.parent / "secret.txt").write_text("no")

    # when it and a path escaping the folder are asked for
    found = Client().get("/media/hives/a.jpg")
    escaped = Client().get("/media/../secret.txt")
    missing = Client().get("/media/hives/none.jpg")

    # then only the file inside is served
    assert found.status_code == 200
    assert found["Content-Type"] == "image/jpeg"
    assert found["X-Content-Type-Options"] == "nosniff"
    assert escaped.status_code in (400, 404)
    assert missing.status_code == 404
