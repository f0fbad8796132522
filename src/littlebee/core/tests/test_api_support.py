"""The small pieces under the API: pagination, client addresses, the parser, domain errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import RequestFactory
from ninja.errors import ValidationError as NinjaValidationError

from littlebee.core.api_parser import StrictJsonParser
from littlebee.core.errors import InvalidInput, PayloadTooLarge
from littlebee.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, clamp
from littlebee.core.requests import client_ip


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (None, None, (DEFAULT_LIMIT, 0)),
        (5, 10, (5, 10)),
        (0, -3, (1, 0)),
        (10**9, 10**30, (MAX_LIMIT, MAX_OFFSET)),
    ],
)
def test_clamp_keeps_limit_and_offset_in_range(limit, offset, expected):
    assert clamp(limit, offset) == expected


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.1.2.3"}, "10.1.2.3"),
        # No trusted proxy: the header is the client's word and is ignored.
        (0, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "10.1.2.3"),
        # One proxy: the rightmost entry is what our proxy saw; the left ones are forgeable.
        (1, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9"}, "203.0.113.9"),
        (2, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9, 10.0.0.1"}, "203.0.113.9"),
        # Fewer entries than proxies: the address that reached us.
        (2, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "127.0.0.1"),
        (1, {"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
        (1, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
        (1, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "fe80::1%eth0"}, "fe80::1"),
        (1, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "<script>"}, "10.1.2.3"),
        (1, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "1.2.3.4\x00"}, "10.1.2.3"),
        (0, {"REMOTE_ADDR": "unix-socket"}, ""),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies_and_well_formed_addresses(settings, proxies, meta, expected):
    # given
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)

    # when / then
    assert client_ip(request) == expected


def _json_request(body: bytes):
    return RequestFactory().post("/", body, content_type="application/json")


def test_the_parser_reads_a_json_object():
    assert StrictJsonParser().parse_body(_json_request(b'{"a": ["b", {"c": 1}]}')) == {"a": ["b", {"c": 1}]}


@pytest.mark.parametrize(
    "body",
    [
        b"[1]",
        b'"text"',
        b"3",
        b'{"a": "x\\u0000"}',
        b'{"a\\u0000": 1}',
        b'{"a": ["\\ud800"]}',
        b'{"a": {"b": "\\u0000"}}',
    ],
)
def test_the_parser_refuses_unstorable_or_non_object_bodies(body):
    with pytest.raises(ValueError):
        StrictJsonParser().parse_body(_json_request(body))


def test_the_parser_refuses_a_nul_in_the_query_string():
    # given
    request = RequestFactory().get("/", {"search": "a\x00b"})

    # when / then
    with pytest.raises(NinjaValidationError) as raised:
        StrictJsonParser().parse_querydict(request.GET, [], request)
    assert raised.value.errors[0]["loc"] == ("search",)


def test_the_parser_passes_an_ordinary_query_string():
    request = RequestFactory().get("/", {"search": "顺丰", "tag": ["a", "b"]})
    assert StrictJsonParser().parse_querydict(request.GET, ["tag"], request) == {"search": "顺丰", "tag": ["a", "b"]}


def test_the_parser_reads_a_query_string_without_loading_the_body():
    # given a GET with a query string, and a POST with a form and a query string
    get = RequestFactory().get("/", {"limit": "5"})
    post = RequestFactory().post("/?next=1", {"name": "张三"})

    # when their query strings are parsed
    parsed = StrictJsonParser().parse_querydict(get.GET, [], get)
    post_parsed = StrictJsonParser().parse_querydict(post.GET, [], post)

    # then the bodies were not read into forms (a GET's empty form was made before), and a form
    # is still told apart
    assert parsed == {"limit": "5"} and post_parsed == {"next": "1"}
    assert not hasattr(get, "_post") and not hasattr(post, "_post")
    assert StrictJsonParser().parse_querydict(post.POST, [], post) == {"name": "张三"}


def test_invalid_input_from_a_model_validation_error_keeps_the_fields():
    # given
    exc = ValidationError({"code": ["已存在。"], NON_FIELD_ERRORS: ["冲突。"]})

    # when
    error = InvalidInput.from_django(exc)

    # then
    assert error.code == "invalid_input"
    assert error.status == 400
    assert [(e.field, str(e.detail)) for e in error.errors] == [("code", "已存在。"), (NON_FIELD_ERRORS, "冲突。")]


def test_invalid_input_from_a_plain_validation_error():
    error = InvalidInput.from_django(ValidationError("不行。"))
    assert [(e.field, str(e.detail)) for e in error.errors] == [(NON_FIELD_ERRORS, "不行。")]
    assert str(error.detail) == "不行。"


def test_an_upload_too_large_answers_413_too_large():
    # given
    from littlebee.api import on_domain_error

    request = RequestFactory().post("/api/v1/anything")

    # when
    response = on_domain_error(request, PayloadTooLarge("照片不能超过 10 MB。"))

    # then
    assert response.status_code == 413
    assert json.loads(response.content) == {"code": "too_large", "detail": "照片不能超过 10 MB。"}
    assert str(PayloadTooLarge().detail) == "上传的内容过大。"


def _ninjas_way(schema: type[Any]) -> type[Any]:
    """The same fields as a plain ninja Schema (validated through its DjangoGetter)."""
    from ninja import Schema
    from pydantic import create_model

    fields: dict[str, Any] = {name: (f.annotation, f) for name, f in schema.model_fields.items()}
    return create_model(f"Ninja{schema.__name__}", __base__=Schema, **fields)


@pytest.mark.parametrize(
    ("schema_path", "query"),
    [
        ("littlebee.core.api_schemas.PageQuery", {}),
        ("littlebee.core.api_schemas.PageQuery", {"limit": "5", "offset": "20"}),
        ("littlebee.core.api_schemas.PageQuery", {"limit": "x"}),
        ("littlebee.hives.api.NearestQuery", {"lat": "30.5", "lng": "114.3", "limit": "20", "open_now": "true"}),
        ("littlebee.hives.api.NearestQuery", {"lat": "north"}),
        ("littlebee.cases.api.CasesQuery", {"queue": "mine", "kind": "report", "overdue": "false"}),
        ("littlebee.cases.api.CasesQuery", {"queue": "everything", "status": "nope"}),
    ],
)
def test_a_query_is_validated_from_its_dict_as_ninja_validates_it(
    schema_path: str, query: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a query schema of a hot read, and ninja's DjangoGetter counted
    import ninja.schema
    from django.utils.module_loading import import_string
    from pydantic import ValidationError as PydanticValidationError

    schema = import_string(schema_path)
    made: list[Any] = []
    getter_init = ninja.schema.DjangoGetter.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(args)
        getter_init(self, *args, **kwargs)

    def outcome(model: type[Any]) -> Any:
        try:
            return model.model_validate(dict(query)).model_dump()
        except PydanticValidationError as error:
            return [(e["loc"], e["type"]) for e in error.errors()]

    # when the query is validated
    monkeypatch.setattr(ninja.schema.DjangoGetter, "__init__", counted)
    mine = outcome(schema)
    wrapped = len(made)
    monkeypatch.setattr(ninja.schema.DjangoGetter, "__init__", getter_init)

    # then from the dict itself (through a DjangoGetter before), with ninja's outcome: the
    # values or the errors
    assert wrapped == 0
    assert mine == outcome(_ninjas_way(schema))
