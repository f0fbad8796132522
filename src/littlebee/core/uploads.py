"""Files written by an upload whose transaction then rolled back.

A service stores a file through Django's storage before its row commits (the row must name the
file). When the transaction rolls back, the row is gone and the file stays, with nothing pointing
at it. The owning app's periodic job lists the upload folders of the last two months (files are
filed by `upload_to` under %Y/%m/) and deletes the files no row names, once they are older than a
grace period, so an upload still inside its transaction is never taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)

BATCH = 500


def upload_folder(model: type[models.Model], field_name: str) -> str:
    """The `upload_to` pattern of a model's file field, e.g. "reports/photos/%Y/%m/"."""
    return str(getattr(model._meta.get_field(field_name), "upload_to", ""))


def _month_folders(upload_to: str, at: datetime) -> list[str]:
    """The folders `upload_to` gives for this month and the previous one, in the city's time and
    in UTC (Django fills %Y/%m from the process's clock)."""
    moments = [timezone.localtime(at), at.astimezone(UTC)]
    moments += [m - timedelta(days=31) for m in moments]
    folders: list[str] = []
    for moment in moments:
        folder = moment.strftime(upload_to)
        if folder not in folders:
            folders.append(folder)
    return folders


def _files_in(folder: str) -> list[str]:
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    prefix = folder if folder.endswith("/") else folder + "/"
    return [prefix + name for name in files]


def orphan_files_delete(
    *, upload_to: Iterable[str], known: Callable[[list[str]], set[str]], grace: timedelta, at: datetime | None = None
) -> int:
    """Delete the files under these `upload_to` folders (last two months) that `known` (given a
    batch of storage names, returns those some row still names) does not claim and that were last
    written more than `grace` ago. Returns how many were deleted. Safe to run again."""
    at = at or timezone.now()
    cutoff = at - grace
    deleted = 0
    for pattern in upload_to:
        for folder in _month_folders(pattern, at):
            names = _files_in(folder)
            for start in range(0, len(names), BATCH):
                batch = names[start : start + BATCH]
                claimed = known(batch)
                for name in batch:
                    if name in claimed:
                        continue
                    try:
                        if default_storage.get_modified_time(name) > cutoff:
                            continue
                        default_storage.delete(name)
                    except FileNotFoundError:
                        continue
                    except Exception:
                        logger.warning("orphan upload %s could not be deleted", name, exc_info=True)
                        continue
                    deleted += 1
    if deleted:
        logger.info("deleted %d orphan upload(s)", deleted)
    return deleted
