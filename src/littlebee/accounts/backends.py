from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from littlebee.core.errors import InvalidInput

from .phones import normalise_phone


class PhonePasswordBackend(ModelBackend):
    """Django's model backend, accepting the phone in any common spelling (+86, spaces)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        phone = kwargs.get("phone", username)
        if phone is None or password is None:
            return None
        try:
            phone = normalise_phone(phone)
        except InvalidInput:
            return None
        return super().authenticate(request, username=phone, password=password)
