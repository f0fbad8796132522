"""Schemas every router of the REST API shares: the error body, a reference to a named object,
the page query.

django-ninja names an OpenAPI component after its class, and two classes of one name overwrite
each other in /api/docs. So a shape several apps answer with is defined once, here, and every
other schema has a name of its own (core/tests/test_openapi_contract.py keeps it so).
"""

from __future__ import annotations

from ninja import Schema


class FieldErrorOut(Schema):
    field: str
    detail: str


class ErrorOut(Schema):
    """API.md's error body: {code, detail[, errors]}."""

    code: str
    detail: str
    errors: list[FieldErrorOut] | None = None


class Ref(Schema):
    """A named object: an organisation, a region, a station, a person."""

    id: int
    name: str


class PageQuery(Schema):
    limit: int | None = None
    offset: int | None = None
