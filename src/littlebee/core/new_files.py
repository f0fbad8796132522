"""Files stored under a name nobody has used: a fresh uuid4 hex the caller made.

FieldFile.save on a local FileSystemStorage validates the name three times (each a pathlib
parse), searches for a free name (an lstat), locks the new file, stats it and the storage root
for their group and normalises the path back to a relative one: about a millisecond of CPU per
file, where a report stores three (its original, then the photo and its thumbnail). A name
made of a uuid4 cannot collide in practice and is built from characters that need no
validation, so file_store_new writes it directly: the folder Django's upload_to gives, the file
created exclusively (O_EXCL: were the name taken after all, Django's own save picks another),
the storage's file permissions and the storage root's group, as Django applies them.

Any other storage (S3), an upload_to that is a function, directory permissions or a name that
is not plain goes Django's way.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re

from django.conf import DEFAULT_STORAGE_ALIAS
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db.models.fields.files import FieldFile
from django.utils.functional import LazyObject

# A uuid hex with an extension: nothing a storage would change or refuse.
_PLAIN_NAME = re.compile(r"[0-9a-f]{32}(?:_[a-z])?\.[a-z0-9]{1,5}\Z")
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _direct(field_file: FieldFile) -> tuple[FileSystemStorage, str] | None:
    storage = field_file.storage
    if isinstance(storage, LazyObject):  # default_storage: the storage it stands for
        storage = storages[DEFAULT_STORAGE_ALIAS]
    if type(storage) is not FileSystemStorage or storage.directory_permissions_mode is not None:
        return None
    if storage.OS_OPEN_FLAGS != _FLAGS or storage._allow_overwrite:  # type: ignore[attr-defined]
        return None
    upload_to = field_file.field.upload_to
    if not isinstance(upload_to, str) or ".." in upload_to or upload_to.startswith("/"):
        return None
    return storage, upload_to


def file_store_new(field_file: FieldFile, name: str, data: bytes) -> str:
    """`data` stored as `name` (a uuid4 hex and an extension) under the field's upload_to, and set
    on the instance as FieldFile.save(name, ContentFile(data), save=False) sets it; the stored
    name (relative to the storage)."""
    direct = _direct(field_file)
    if direct is None or not _PLAIN_NAME.match(name):
        field_file.save(name, ContentFile(data), save=False)
        return str(field_file.name)
    # As FileField.generate_filename: the process's clock fills %Y/%m.
    storage, upload_to = direct
    folder = datetime.datetime.now().strftime(upload_to)  # noqa: DTZ005
    relative = f"{folder.rstrip('/')}/{name}" if folder else name
    location = storage.location
    full_path = os.path.join(location, relative)
    try:
        fd = os.open(full_path, _FLAGS, 0o666)
    except FileNotFoundError:  # the month's folder is new
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        fd = os.open(full_path, _FLAGS, 0o666)
    except FileExistsError:
        field_file.save(name, ContentFile(data), save=False)
        return str(field_file.name)
    try:
        with os.fdopen(fd, "wb") as file:
            fd = -1
            file.write(data)
            mode = storage.file_permissions_mode
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            root_gid = os.stat(location).st_gid
            if os.fstat(file.fileno()).st_gid != root_gid:
                with contextlib.suppress(PermissionError):
                    os.fchown(file.fileno(), -1, root_gid)
    except BaseException:
        if fd != -1:
            os.close(fd)
        # A partly written file must not be taken for a stored one.
        with contextlib.suppress(OSError):
            os.remove(full_path)
        raise
    instance, attname = field_file.instance, field_file.field.attname
    field_file.name = relative
    # As FieldFile.save: the instance's attribute is this file, now committed under its name.
    instance.__dict__[attname] = field_file
    field_file._committed = True  # type: ignore[attr-defined]
    return relative
