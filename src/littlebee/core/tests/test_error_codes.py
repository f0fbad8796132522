"""Error codes live in one catalogue (core.errors.ERROR_CODES), which the API documents."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client

from littlebee.core.errors import ERROR_CODES, Conflict, DomainError, InvalidInput, NotFound

PACKAGE = Path(__file__).resolve().parents[2]
# Calls whose code is their first argument, or `code=`; the API's own `_error(request, status, code, …)`.
RAISERS = {"Conflict": 0, "DomainError": 0, "_error": 2}


def codes_in_source() -> dict[str, set[str]]:
    """Every literal error code the package's code (not its tests) raises or answers, by file."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in RAISERS:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "code"]
            if len(node.args) > RAISERS[name]:
                values.append(node.args[RAISERS[name]])
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_every_code_raised_anywhere_is_in_the_catalogue() -> None:
    # given the catalogue
    catalogue = {e.code for e in ERROR_CODES}
    # when the package's code is read for the codes it raises
    used = codes_in_source()
    # then it found the familiar ones, and none is missing from the catalogue
    assert {"invalid_transition", "out_of_stock", "no_receiving_office"} <= set(used)
    missing = {code: sorted(files) for code, files in used.items() if code not in catalogue}
    assert missing == {}


def test_the_catalogue_names_each_code_once_and_agrees_with_the_error_classes() -> None:
    codes = [e.code for e in ERROR_CODES]
    assert len(codes) == len(set(codes))
    status = {e.code: e.status for e in ERROR_CODES}
    for error in (InvalidInput.one("x", "y"), NotFound(), Conflict("invalid_transition", "z")):
        assert status[error.code] == error.status
    assert status[DomainError("too_large", "").code] == 413


@pytest.mark.django_db
def test_the_api_documents_every_code() -> None:
    # when the OpenAPI schema is read
    description = Client().get("/api/v1/openapi.json").json()["info"]["description"]
    # then it lists every code of the catalogue with its status
    for error in ERROR_CODES:
        assert f"| `{error.code}` | {error.status} |" in description
