"""Django's message storage (a cookie first, the session for what does not fit), built only when
a request reads or adds a message.

Django's FallbackStorage builds its cookie and session storages for every request, and the
cookie storage builds a signer (an import and key derivation): 30 µs of every API call, none of
which ever shows a message. Here the two are built on first use; a request that neither reads nor
adds a message (every API call, most pages' POSTs) stores nothing, exactly as Django's would.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.fallback import FallbackStorage


class LazyFallbackStorage(FallbackStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # FallbackStorage.__init__ minus building the storages (see `storages`).
        BaseStorage.__init__(self, *args, **kwargs)
        self._storage_arguments = (args, kwargs)
        self._used_storages: set[BaseStorage] = set()

    @cached_property
    def storages(self) -> list[BaseStorage]:
        args, kwargs = self._storage_arguments
        return [storage_class(*args, **kwargs) for storage_class in self.storage_classes]
