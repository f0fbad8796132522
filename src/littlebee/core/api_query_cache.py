"""A query string's validated parameters, kept per endpoint and query string.

django-ninja validates an endpoint's query parameters on every call: it builds the request's
QueryDict (parsing and decoding the query string), copies it into a dict through the API's parser
(core.api_parser's check for unstorable text) and validates that against the endpoint's pydantic
model. Phones send the same few query strings again and again ("queue=mine", "mine=true",
"limit=20"), and the result depends on nothing but the query string: the parser reads only
request.GET, and no query schema of the API reads the validation's context (the request). So
the validated parameters are kept per (endpoint's query model, query string), in a bounded
table per process, and a call with a query string seen before takes them from there: the same
values, without the parse and the validation (some 6 % of GET /cases?queue=mine).

Only what validated is kept: a query string that fails (400 invalid_input) is validated, and
refused, every time. Each call gets its own copy of any model among the values (a Query[Schema]
parameter), so a view that changed its parameters would change nothing for the next call.
Long query strings (over MAX_QUERY) are not kept, and the table is emptied when full (MAX_KEPT),
so an endless stream of new query strings costs memory for at most MAX_KEPT short ones.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.params.models import QueryModel
from pydantic import BaseModel

MAX_QUERY = 256
MAX_KEPT = 2048

_kept: dict[tuple[type[QueryModel], str], QueryModel] = {}
_resolve = QueryModel.resolve.__func__  # type: ignore[attr-defined]


def _copied(model: QueryModel) -> QueryModel:
    """The endpoint's query model with a copy of each model among its values (what the view gets)."""
    values = {name: value.model_copy() if isinstance(value, BaseModel) else value for name, value in model}
    return model.model_construct(_fields_set=model.model_fields_set, **values)


def _kept_resolve(cls: type[QueryModel], request: HttpRequest, api: Any, path_params: Any) -> QueryModel:
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY:
        return _resolve(cls, request, api, path_params)
    key = (cls, query)
    found = _kept.get(key)
    if found is None:
        found = _resolve(cls, request, api, path_params)  # a ValidationError leaves nothing kept
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = found
    return _copied(found)


def install() -> None:
    """Make every endpoint's query model resolve through the table (littlebee.api, at import)."""
    if getattr(QueryModel.__dict__.get("resolve"), "__func__", None) is not _kept_resolve:
        QueryModel.resolve = classmethod(_kept_resolve)  # type: ignore[assignment,method-assign]


def forget() -> None:
    """Empty the table (tests)."""
    _kept.clear()
