"""Schemas every router of the REST API shares: the error body, a reference to a named object,
the page query.

django-ninja names an OpenAPI component after its class, and two classes of one name overwrite
each other in /api/docs. So a shape several apps answer with is defined once, here, and every
other schema has a name of its own (core/tests/test_openapi_contract.py keeps it so).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator


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


class QuerySchema(Schema):
    """A query string's schema (Query[...]): validated from the query's dict as it is. ninja's
    Schema wraps whatever it validates in a DjangoGetter, so that a model instance's attributes,
    managers and resolve_* methods can fill the fields: for a query's plain strings that changes
    nothing but costs 50-90 us a request (a missing field is an AttributeError raised and caught),
    several times what validating the dict does. A subclass with resolve_* methods, or anything
    but a dict, still goes through ninja's way."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]


class PageQuery(QuerySchema):
    limit: int | None = None
    offset: int | None = None
