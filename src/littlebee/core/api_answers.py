"""Answers of the hottest API reads, rendered exactly as django-ninja renders a response (its JSON
encoder, its content type) but without ninja validating the answer field by field against its
schema on every request, which costs more than the reads behind it (a station search: half of
the request). The schema stays the endpoint's declared response, so the OpenAPI description is
unchanged; each such endpoint has a test that its answer is a fixed point of that schema (every
field present, nothing else, each of its type): `assert_answer_fits` below.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

CONTENT_TYPE = "application/json; charset=utf-8"


def answer(data: Any, *, status: int = 200) -> HttpResponse:
    """`data` (plain dicts, lists and values, shaped as the endpoint's response schema) as JSON."""
    return HttpResponse(json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type=CONTENT_TYPE)


def moment(value: datetime | None) -> str | None:
    """A moment as the answer's encoder writes it (Django's JSON encoder: ECMA-262's form, to the
    millisecond, UTC as Z), for a hot list's rows to carry as text: the encoder calls back into
    Python for every datetime it meets, through ninja's and Django's checks of what it is."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text.removesuffix("+00:00") + "Z"
    return text


def assert_answer_fits(schema: type[Schema], body: Any) -> None:
    """For tests: the decoded answer is what ninja would have answered after validating it."""
    validated = json.loads(json.dumps(schema.model_validate(body).model_dump(), cls=NinjaJSONEncoder))
    assert _moments(validated) == _moments(body), (validated, body)


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _moments(value: Any) -> Any:
    """Timestamps as moments: the encoder writes milliseconds, so a time 500 µs past a second is
    "…:04.000", which reads back as …:04 and is written "…:04" the second time: the same moment."""
    if isinstance(value, dict):
        return {k: _moments(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_moments(v) for v in value]
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        return datetime.fromisoformat(value)
    return value
