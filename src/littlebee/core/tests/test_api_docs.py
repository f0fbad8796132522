"""The API describes itself: OpenAPI at /api/docs with every path of API.md's Accounts section."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_docs_page_is_served_at_api_docs() -> None:
    # when
    response = Client().get("/api/docs")

    # then
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_openapi_schema_lists_the_accounts_contract() -> None:
    # when
    schema = Client().get("/api/v1/openapi.json").json()

    # then every Accounts path of API.md is described, with the bearer scheme
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/sms-code", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/regions", "get"),
        ("/api/v1/enterprises", "get"),
    ]:
        assert method in paths[path], path
    assert "201" in paths["/api/v1/auth/register"]["post"]["responses"]
    assert "409" in paths["/api/v1/auth/register"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())
