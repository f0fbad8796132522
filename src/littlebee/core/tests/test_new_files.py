"""A file stored under a fresh uuid name lands where Django's FieldFile.save puts it, as it puts
it, without Django's name search; anything unusual goes Django's way."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from littlebee.core.new_files import file_store_new
from littlebee.reports.models import ReportPhoto


def _name() -> str:
    return f"{uuid.uuid4().hex}.jpg"


def test_a_new_file_is_stored_as_django_stores_it_without_its_name_search(monkeypatch: Any) -> None:
    # given two photos and Django's name search watched
    searched: list[str] = []
    search = FileSystemStorage.get_available_name

    def watched(self: FileSystemStorage, name: str, max_length: int | None = None) -> str:
        searched.append(name)
        return search(self, name, max_length)

    monkeypatch.setattr(FileSystemStorage, "get_available_name", watched)
    ours, django_s = ReportPhoto(), ReportPhoto()
    name = _name()

    # when one is stored directly and the other by FieldFile.save
    stored = file_store_new(ours.image, name, b"photo bytes")
    django_s.image.save(name.replace(".jpg", "_t.jpg"), ContentFile(b"photo bytes"), save=False)

    # then both are in the same folder with the same bytes and mode, named on their instance,
    # and only Django's searched for a free name
    assert searched == [django_s.image.name]
    assert stored == ours.image.name
    assert os.path.dirname(stored) == os.path.dirname(django_s.image.name)
    assert ours.image._committed is True
    assert ours.__dict__["image"] is ours.image
    ours_path, django_path = Path(default_storage.path(stored)), Path(default_storage.path(django_s.image.name))
    assert ours_path.read_bytes() == django_path.read_bytes() == b"photo bytes"
    assert stat.S_IMODE(ours_path.stat().st_mode) == stat.S_IMODE(django_path.stat().st_mode)
    assert ours_path.stat().st_gid == django_path.stat().st_gid


def test_a_new_month_folder_is_made(settings: Any, tmp_path: Path) -> None:
    # given an empty media folder
    settings.MEDIA_ROOT = tmp_path / "fresh"

    # when a file is stored
    photo = ReportPhoto()
    stored = file_store_new(photo.thumbnail, _name(), b"x")

    # then its folder was made
    assert (tmp_path / "fresh" / stored).read_bytes() == b"x"


def test_a_taken_name_goes_djangos_way_to_another() -> None:
    # given a file already stored under the name
    name = _name()
    first = ReportPhoto()
    taken = file_store_new(first.original, name, b"first")

    # when another is stored under it
    second = ReportPhoto()
    stored = file_store_new(second.original, name, b"second")

    # then the second got another name and the first is untouched
    assert stored != taken
    assert default_storage.open(taken).read() == b"first"
    assert default_storage.open(stored).read() == b"second"


def test_a_name_that_is_not_plain_goes_djangos_way() -> None:
    # given names Django changes or refuses
    photo = ReportPhoto()

    # when they are stored
    stored = file_store_new(photo.image, "Not a uuid.jpg", b"x")
    with pytest.raises(SuspiciousFileOperation):
        file_store_new(ReportPhoto().image, "../escape.jpg", b"x")

    # then Django changed the one and refused the other
    assert os.path.basename(stored).startswith("Not_a_uuid")
