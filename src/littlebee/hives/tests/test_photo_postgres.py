"""Simultaneous uploads to a station with eight photos: only a real multi-connection database shows the race."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.core.errors import Conflict
from littlebee.core.tests.races import run_together
from littlebee.hives import services
from littlebee.hives.models import HivePhoto

from .factories import HiveFactory
from .photo_files import jpeg_bytes, upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_four_uploads_at_once_to_a_station_with_eight_photos_add_one(media_root: Path) -> None:
    # given a station with eight photos, and its keeper
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    for _n in range(8):
        services.hive_add_photo(hive_id=hive.pk, actor=keeper, upload=upload(jpeg_bytes()))

    # when four more arrive at the same instant
    results = run_together(
        [lambda: services.hive_add_photo(hive_id=hive.pk, actor=keeper, upload=upload(jpeg_bytes())) for _ in range(4)]
    )

    # then one is added, the others are refused, and no file is left behind for them
    added = [r for r in results if isinstance(r, HivePhoto)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(added), len(refused)) == (1, 3), results
    assert HivePhoto.objects.filter(hive=hive).count() == 9
    assert sorted(HivePhoto.objects.filter(hive=hive).values_list("order", flat=True)) == list(range(9))
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 9
