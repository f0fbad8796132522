"""GeoReport v2 answers in JSON and XML, as the specification writes them: dates in UTC with
"Z" and no fractions, ids as strings, JSON booleans (XML "true"/"false"), errors as a list of
{code, description}.

Each answer is built once as plain data (dicts, lists, strings, numbers, booleans, None) and
written out in the format asked for; the XML names the list and its items as the spec does
(<services><service>…, <service_requests><request>…, <errors><error>…).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The XML element of each item of a list, by the list's element name.
ITEM_OF = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def spec_datetime(value: datetime | None) -> str | None:
    """2010-04-14T06:37:38Z: UTC, whole seconds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# Characters XML 1.0 cannot carry at all (a control character pasted into a note): left out, or
# the whole answer would fail to parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_XML.sub("", str(value))


def _xml_fill(parent: Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _xml_fill(SubElement(parent, name), child)
    elif isinstance(value, list):
        item_name = ITEM_OF.get(parent.tag, "item")
        for child in value:
            _xml_fill(SubElement(parent, item_name), child)
    else:
        parent.text = _xml_text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = Element(root)
    _xml_fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="unicode").encode()


def answer(data: Any, fmt: str, *, xml_root: str, status: int = 200) -> HttpResponse:
    """`data` in the format asked for: JSON as it is, XML under `xml_root` (a list's items
    named by ITEM_OF)."""
    if fmt == "xml":
        body = to_xml(xml_root, data)
    else:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))


def errors_answer(errors: list[tuple[int, str]], fmt: str, status: int) -> HttpResponse:
    return answer(
        [{"code": code, "description": description} for code, description in errors],
        fmt,
        xml_root="errors",
        status=status,
    )
