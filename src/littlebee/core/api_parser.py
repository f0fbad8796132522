"""The API's request parser: JSON as usual, but no text that cannot be stored.

PostgreSQL cannot store U+0000 in a text column, and a lone surrogate ("\\ud800" is valid JSON)
cannot even be encoded as UTF-8 for a query or a password hash: either would answer 500. Django's
forms refuse NUL (ProhibitNullCharactersValidator); this refuses both in every JSON body and
query string of the REST API. And a body must be a JSON object.

A call that reads form fields (an upload) is sent a form: anything else, JSON above all, would
be read as a form with every field missing and answered "this field is required" for each;
it is answered 415 instead.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser

from littlebee.core.errors import UnsupportedMediaType

FORM_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class UnstorableTextError(ValueError):
    pass


class NotAnObjectError(ValueError):
    pass


def _unstorable_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _contains_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _unstorable_text(value)
    if isinstance(value, dict):
        return any(_contains_unstorable(k) or _contains_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_unstorable(v) for v in value)
    return False


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            # Every body of the API is an object. Ninja's schemas read attributes, so an array or
            # a string would otherwise pass as an empty object wherever all fields are optional.
            raise NotAnObjectError("the request body is not a JSON object")
        if _contains_unstorable(data):
            # Ninja turns any parse failure into a 400 "cannot parse the body".
            raise UnstorableTextError("NUL or lone surrogate in the request body")
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        # Ninja hands form and file parameters the request's own POST and FILES; a query string
        # is its GET, told first: asking for POST reads the body, or makes an empty form for a
        # GET (every API read paid for one it never looked at).
        reads_form = data is not request.GET and (data is request.POST or data is request.FILES)
        if reads_form and request.content_type not in FORM_CONTENT_TYPES:
            raise UnsupportedMediaType()
        errors = [
            {"loc": (key,), "type": "null_character", "msg": "NUL character"}
            for key, values in data.lists()
            if _contains_unstorable(key) or _contains_unstorable(values)
        ]
        if errors:
            raise ValidationError(errors)
        return super().parse_querydict(data, list_fields, request)
