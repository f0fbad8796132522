"""The GeoReport v2 server at /open311/v2/: each call in JSON or XML by its suffix.

Parameters are read as the spec's clients send them: a query string for reads; for POST
requests a form body (urlencoded or multipart, with a `media` file), the query string filling
in what the body leaves out (clients send api_key in either). An empty parameter is absent.
Every refusal is the spec's error list with its HTTP status, never a page and never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from functools import wraps
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from littlebee.core.digits import is_number
from littlebee.core.errors import DomainError, InvalidInput, TooManyRequests

from . import selectors, services
from .formats import answer, errors_answer, spec_datetime
from .selectors import MAX_PAGE_SIZE, SPEC_STATUSES, PublicRequest, RequestFilter

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00Z"
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
MAX_LISTED = 1000

View = Callable[..., HttpResponse]


def _refusal(exc: DomainError) -> list[tuple[int, str]]:
    if exc.errors:
        return [(exc.status, f"{e.field}: {e.detail}") for e in exc.errors]
    return [(exc.status, str(exc.detail))]


def open311_view(*methods: str) -> Callable[[View], View]:
    """A GeoReport v2 call: the methods it answers; every DomainError as the spec's error list."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = errors_answer([(405, _("不支持此请求方法。"))], fmt, 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, BadRequest, SuspiciousOperation):
                return errors_answer([(400, _("无法读取请求内容。"))], fmt, 400)
            except DomainError as exc:
                response = errors_answer(_refusal(exc), fmt, exc.status)
                if isinstance(exc, TooManyRequests) and exc.retry_after:
                    response["Retry-After"] = str(exc.retry_after)
                return response

        return csrf_exempt(wrapped)

    return decorate


def _params(query: QueryDict, body: QueryDict | None = None) -> dict[str, list[str]]:
    """Each parameter's non-empty values, the body's over the query's. InvalidInput for a value
    with a NUL."""
    found: dict[str, list[str]] = {}
    for source in (query, body):
        if source is None:
            continue
        for name in source:
            values = [v for v in source.getlist(name) if v.strip()]
            if any("\x00" in v for v in values) or "\x00" in name:
                # No text with a NUL is any parameter's value (and PostgreSQL cannot compare one).
                raise InvalidInput.one(name.replace("\x00", ""), _("含有无效字符。"))
            if values:
                found[name] = values
    return found


def _one(params: dict[str, list[str]], name: str) -> str:
    return params.get(name, [""])[0].strip()


# --- discovery and services ---------------------------------------------------------------------
@open311_view("GET", "HEAD")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri("/open311/v2/")
    formats = ["text/xml", "application/json"]
    endpoints = [
        {"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": kind, "formats": formats}
        # The demo city is the place to try a client first: one deployment answers as both.
        for kind in ("production", "test")
    ]
    data = {
        "changeset": CHANGESET,
        "contact": _("请联系市委组织部小蜜蜂平台管理员。"),
        "key_service": _("API 密钥由市级管理员在工作台“接口合作方”页面签发。"),
        "endpoints": endpoints,
    }
    return answer(data, fmt, xml_root="discovery")


@open311_view("GET", "HEAD")
def services_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    data = [
        {
            "service_code": c.code,
            "service_name": c.local_name,
            "description": c.local_name,
            "metadata": bool(selectors.service_attributes(c)),
            "type": "realtime",
            "keywords": c.code.replace("_", ","),
            "group": _("随手拍"),
        }
        for c in selectors.services_offered()
    ]
    return answer(data, fmt, xml_root="services")


@open311_view("GET", "HEAD")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    category = selectors.service_offered(code)
    attributes = [
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.get_datatype_display(),
            "order": a.order,
            "description": a.local_description,
            "values": [{"key": str(v.get("key")), "name": str(v.get("name", ""))} for v in a.values],
        }
        for a in selectors.service_attributes(category)
    ]
    return answer({"service_code": category.code, "attributes": attributes}, fmt, xml_root="service_definition")


# --- requests -----------------------------------------------------------------------------------
def _request_data(r: PublicRequest) -> dict[str, Any]:
    data = {
        "service_request_id": str(r.id),
        "status": r.status,
        "status_notes": r.status_notes,
        "service_name": r.service_name,
        "service_code": r.service_code,
        # The reporter's words are not published: they may name people and doors.
        "description": "",
        "agency_responsible": r.agency_responsible,
        "service_notice": "",
        "requested_datetime": spec_datetime(r.requested_at),
        "updated_datetime": spec_datetime(r.updated_at),
        "expected_datetime": spec_datetime(r.expected_at),
        "address": r.address,
        "address_id": "",
        "zipcode": "",
        "lat": r.lat,
        "long": r.lng,
        "media_url": r.media_url,
    }
    if r.approximate:
        # A client would pin lat/long as the place; the spec lets the address locate it alone.
        del data["lat"], data["long"]
    return data


def _absolute(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data["media_url"].startswith("/"):
        data["media_url"] = request.build_absolute_uri(data["media_url"])
    return data


def _date(value: str, name: str, *, end: bool = False) -> datetime | None:
    """A w3c date or datetime, with or without an offset and fractions; UTC when it has none."""
    if not value:
        return None
    parsed: datetime | None = None
    try:
        # A date alone is a whole day (parse_datetime would read it as its midnight).
        day = parse_date(value) if len(value) == 10 else None
        parsed = datetime.combine(day, time.max if end else time.min) if day is not None else parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput.one(name, _("日期格式无效，应如 2026-01-01T00:00:00Z。"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _listed(value: str, name: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > MAX_LISTED:
        raise InvalidInput.one(name, _("最多列出 %(n)d 项。") % {"n": MAX_LISTED})
    return items


def _positive(value: str, name: str, default: int, maximum: int) -> int:
    if not value:
        return default
    if not is_number(value) or not 1 <= int(value) <= maximum:
        raise InvalidInput.one(name, _("%(name)s 应为 1 到 %(max)d 之间的整数。") % {"name": name, "max": maximum})
    return int(value)


def _request_filter(params: dict[str, list[str]]) -> RequestFilter:
    ids = _listed(_one(params, "service_request_id"), "service_request_id")
    if any(not is_number(i) or len(i) > 18 for i in ids):
        raise InvalidInput.one("service_request_id", _("service_request_id 应为数字。"))
    statuses = _listed(_one(params, "status"), "status")
    if any(s not in SPEC_STATUSES for s in statuses):
        raise InvalidInput.one("status", _("status 只能是 open 或 closed。"))
    return RequestFilter(
        ids=tuple(int(i) for i in ids),
        service_codes=tuple(_listed(_one(params, "service_code"), "service_code")),
        start=_date(_one(params, "start_date"), "start_date"),
        end=_date(_one(params, "end_date"), "end_date", end=True),
        statuses=tuple(statuses),
        page=_positive(_one(params, "page"), "page", 1, 1_000_000),
        page_size=_positive(_one(params, "page_size"), "page_size", selectors.DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


@open311_view("GET", "HEAD", "POST")
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    found = selectors.requests_public(_request_filter(_params(request.GET)))
    return answer([_absolute(request, _request_data(r)) for r in found], fmt, xml_root="service_requests")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = _params(request.GET, request.POST)
    key = services.api_key_check(_one(params, "api_key"))
    attributes: dict[str, list[str]] = {}
    for name, values in params.items():
        match = ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(values)
    fields = services.PostedFields(
        **{name: _one(params, name) for name in services.PostedFields.__dataclass_fields__ if name != "attributes"},
        attributes=attributes,
    )
    posted = services.request_post(key=key, fields=fields, media=request.FILES.getlist("media"))
    data = [
        {
            "service_request_id": str(posted.report_id),
            "token": posted.token,
            "service_notice": "",
            "account_id": posted.account_id or None,
        }
    ]
    return answer(data, fmt, xml_root="service_requests", status=201)


@open311_view("GET", "HEAD")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    if not is_number(request_id) or len(request_id) > 18:
        return errors_answer([(404, _("找不到该请求，或它不公开。"))], fmt, 404)
    found = selectors.request_public(int(request_id))
    return answer([_absolute(request, _request_data(found))], fmt, xml_root="service_requests")


@open311_view("GET", "HEAD")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    if not token.isalnum() or not token.isascii() or len(token) > 64:
        return errors_answer([(404, _("找不到该令牌。"))], fmt, 404)
    posted = selectors.request_of_token(token)
    data = [{"service_request_id": str(posted.report_id), "token": posted.token}]
    return answer(data, fmt, xml_root="service_requests")


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under /open311/v2/: the spec's error, in XML when the path asks for it."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return errors_answer([(404, _("没有这个接口。"))], fmt, 404)
