"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from littlebee.notifications.sms import LocmemSmsBackend


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.SMS_BACKEND = "littlebee.notifications.sms.LocmemSmsBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def sms_outbox() -> Iterator[list[Any]]:
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


class ApiClient:
    """Calls /api/v1/ with JSON and, when given, a bearer token."""

    def __init__(self, token: str | None = None, language: str = "zh-hans") -> None:
        self.client = Client()
        self.token = token
        self.language = language

    def _headers(self) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers())

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers())

    def patch(self, path: str, data: Any = None) -> Any:
        return self.client.patch(f"/api/v1{path}", data or {}, content_type="application/json", headers=self._headers())

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def api_as() -> Any:
    """api_as(user) → an ApiClient carrying a fresh token for that user."""
    from littlebee.accounts.services import token_issue

    def make(user: Any, language: str = "zh-hans") -> ApiClient:
        _token, raw = token_issue(user=user, name="test")
        return ApiClient(token=raw, language=language)

    return make
