"""The OpenAPI description is true.

1. Every schema has a name of its own. django-ninja names a component after its class, and two
   classes of one name overwrite each other, so /api/docs would show one body for both.
2. Each operation's answers and body point at the component of their own class, and each
   component describes the fields of the class it is named after.
3. Every call of the contract, ../shared/API.md, exists with its documented fields: the
   method and path, the answer's status, the error statuses it names, the answer's fields and
   the body's and query's fields. Sections of modules not built yet are skipped by name.
4. A section served outside django-ninja (Open311 GeoReport v2, whose format is the
   specification's, not ours) has no table: each call its prose names, in each format it names,
   resolves to a view of its own under the prefix it names.
"""

from __future__ import annotations

import enum
import os
import re
import types
import typing
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ninja import NinjaAPI, Router, Schema
from ninja.constants import NOT_SET
from pydantic import BaseModel

from littlebee.api import api

PREFIX = "/api/v1"
REPO_ROOT = Path(__file__).resolve().parents[4]
# Beside the clone, as in CI; /work/main/../shared/API.md on the development machine.
API_MD = REPO_ROOT.parent / "shared" / "API.md"
REQUIRE_SERVICES = bool(os.environ.get("LITTLEBEE_REQUIRE_SERVICES"))

# API.md sections whose modules are not built yet, with the issue that builds each.
NOT_BUILT: dict[str, str] = {}
# API.md sections served by plain Django views rather than the NinjaAPI: not in the OpenAPI
# description, so checked against the URLconf (test_section_outside_ninja_is_served).
OUTSIDE_NINJA = ("Open311",)


# --- 1 and 2: names and references ---------------------------------------------------------------
def _models_in(annotation: Any, found: set[type]) -> None:
    """Every pydantic model and enum an annotation names, however deeply nested."""
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            _models_in(arg, found)
        return
    if not isinstance(annotation, type) or annotation in found:
        return
    if issubclass(annotation, BaseModel):
        found.add(annotation)
        for model_field in annotation.model_fields.values():
            _models_in(model_field.annotation, found)
    elif issubclass(annotation, enum.Enum):
        found.add(annotation)


def _operations(ninja_api: NinjaAPI) -> Iterator[Any]:
    for router in ninja_api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


def _roots(operation: Any) -> Iterator[tuple[str, Any]]:
    """(where, annotation) of what an operation answers and takes, as its view declares them.

    Ninja wraps each in a model of its own (never a component): an answer in a `response`
    field, the parameters of one source (body, query, path) as the fields of one model."""
    for status, wrapper in operation.response_models.items():
        if wrapper not in (None, NOT_SET):
            yield str(status), wrapper.model_fields["response"].annotation
    for params in operation.models:
        for name, model_field in params.model_fields.items():
            yield f"{params.__ninja_param_source__}:{name}", model_field.annotation


def schema_classes(ninja_api: NinjaAPI) -> dict[str, set[type]]:
    """Component name → the classes that would be described under it."""
    by_name: dict[str, set[type]] = defaultdict(set)
    for operation in _operations(ninja_api):
        found: set[type] = set()
        for _where, annotation in _roots(operation):
            _models_in(annotation, found)
        for cls in found:
            by_name[cls.__name__].add(cls)
    return by_name


def _collisions(ninja_api: NinjaAPI) -> dict[str, list[str]]:
    return {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in schema_classes(ninja_api).items()
        if len(classes) > 1
    }


def test_every_schema_has_a_name_of_its_own() -> None:
    # when
    collisions = _collisions(api)

    # then
    assert collisions == {}, "rename one of each: " + "; ".join(f"{n}: {', '.join(c)}" for n, c in collisions.items())


def test_two_schemas_of_one_name_are_caught() -> None:
    # given two routers, each answering with its own class named EventOut
    first = type("EventOut", (Schema,), {"__annotations__": {"at": str}})
    second = type("EventOut", (Schema,), {"__annotations__": {"title": str}})
    sample = NinjaAPI(urls_namespace="collision-sample")
    router = Router()

    @router.get("/a", response={200: first})
    def a(request: Any) -> Any:
        return {}

    @router.get("/b", response={200: second})
    def b(request: Any) -> Any:
        return {}

    sample.add_router("", router)

    # when
    collisions = _collisions(sample)

    # then
    assert list(collisions) == ["EventOut"]
    assert len(collisions["EventOut"]) == 2


@cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix=f"{PREFIX}/")


def _refs(fragment: Any) -> set[str]:
    if isinstance(fragment, dict):
        found = {fragment["$ref"].rsplit("/", 1)[-1]} if "$ref" in fragment else set()
        for value in fragment.values():
            found |= _refs(value)
        return found
    if isinstance(fragment, list):
        return set().union(*(_refs(v) for v in fragment)) if fragment else set()
    return set()


def _top_models(annotation: Any) -> set[type]:
    """The models an annotation names at its top (X, list[X], X | None): the ones it refers to."""
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        return set().union(*(_top_models(a) for a in typing.get_args(annotation)))
    return {annotation} if isinstance(annotation, type) and issubclass(annotation, BaseModel) else set()


def test_each_operation_refers_to_the_schemas_of_its_own_classes() -> None:
    # given
    paths = openapi()["paths"]
    by_id = {op["operationId"]: op for methods in paths.values() for op in methods.values()}
    wrong: list[str] = []

    # when every declared answer and body is looked up in the generated description
    for operation in _operations(api):
        described = by_id[api.get_openapi_operation_id(operation)]
        for where, annotation in _roots(operation):
            if where[0].isdigit():
                fragment = described["responses"][int(where)].get("content", {})
            elif where.startswith(("body:", "form:", "file:")):
                fragment = described.get("requestBody", {})
            else:
                continue  # query and path parameters are flattened into the parameter list
            for model in _top_models(annotation):
                if model.__name__ not in _refs(fragment):
                    wrong.append(f"{described['operationId']} {where}: expected a $ref to {model.__name__}")

    # then
    assert wrong == []


def _field_names(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()} | set(model.model_computed_fields)


def test_each_component_describes_the_class_it_is_named_after() -> None:
    # given
    components = openapi()["components"]["schemas"]
    wrong: list[str] = []

    # when
    for name, classes in schema_classes(api).items():
        (cls,) = classes
        if not issubclass(cls, BaseModel):
            assert "enum" in components[name], name
            continue
        if name not in components:
            continue  # a query model flattened into parameters with nothing nested to describe
        described = set(components[name].get("properties", {}))
        if described != _field_names(cls):
            wrong.append(f"{name}: described {sorted(described)}, class has {sorted(_field_names(cls))}")

    # then
    assert wrong == []


# --- 3: the contract of API.md --------------------------------------------------------------------
CALL = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`")
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass
class Call:
    section: str
    method: str
    path: str  # as written, without the query string
    query: list[str]  # names in the written query string (?mine=true)
    inputs: list[str]  # body / query column
    answer: str  # the answer column, verbatim
    row: str = field(repr=False, default="")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _strip_parentheses(text: str) -> str:
    while True:
        stripped = re.sub(r"\([^()]*\)", "", text)
        if stripped == text:
            return text
        text = stripped


def _backticked_names(text: str) -> list[str]:
    """Names in `a, b, c` spans, ignoring what a span's parentheses say about a name."""
    names = []
    for span in re.findall(r"`([^`]*)`", text):
        if span.startswith("{"):
            continue  # a JSON example: its keys are read as such
        for part in _strip_parentheses(span).split(","):
            part = part.strip().removesuffix("[]")
            if IDENT.match(part):
                names.append(part)
    return names


def answer_fields(answer: str) -> list[str]:
    """The field names an answer cell lists: `a, b[]`, `{"key": …}` and [what: a, b] forms,
    from its success part only (an error part's `codes` are error codes, not fields)."""
    success = [part for part in answer.split(";") if not re.match(r"\s*4\d\d\b", part)]
    text = ";".join(success)
    names = _backticked_names(text)
    names += re.findall(r'"([a-z_][a-z0-9_]*)"\s*:', text)
    for listed in re.findall(r"\[[^\]:`]*:\s*([^\]]+)\]", text):
        names += [n.strip() for n in listed.split(",") if IDENT.match(n.strip())]
    if re.search(r"\bwith (its )?timeline\b", text):
        names.append("timeline")
    # Values quoted as answers ({"status": "reserved"}) are not names.
    return list(dict.fromkeys(n for n in names if not re.search(rf'":\s*"{n}"', text)))


def answer_statuses(answer: str) -> tuple[int | None, list[int]]:
    """The success status an answer cell names first, and the error statuses it names."""
    success = re.match(r"\s*(2\d\d)\b", answer)
    errors = [int(s) for s in re.findall(r"(?:^|;|·)\s*(4\d\d)\b", answer)]
    errors += [int(s) for s in re.findall(r"\b(4\d\d) `", answer)]
    return (int(success.group(1)) if success else None), sorted(set(errors))


def input_fields(cell: str) -> list[str]:
    """Body and query names: backticked, leaving out what parentheses say about them (values,
    where a code comes from) and `{…}` examples."""
    return [n for n in _backticked_names(_strip_parentheses(cell)) if not n.startswith("{")]


def parse_api_md(text: str) -> list[Call | str]:
    """The calls of the contract, and (as plain strings) the names of sections without a table."""
    items: list[Call | str] = []
    section = ""
    has_table = False
    for line in [*text.splitlines(), "## end"]:
        if line.startswith("## "):
            if section and section != "Conventions" and not has_table:
                items.append(section)
            section = line[3:].split("(")[0].strip()
            has_table = False
            continue
        if not line.startswith("|") or line.startswith("|---") or line.startswith("| call"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        has_table = True
        for method, target in CALL.findall(cells[0]):
            path, _q, query = target.partition("?")
            items.append(
                Call(
                    section=section,
                    method=method,
                    path=path,
                    query=[kv.split("=")[0] for kv in query.split("&") if kv],
                    inputs=input_fields(cells[1]),
                    answer=cells[2],
                    row=line,
                )
            )
    return items


def _params() -> list[Any]:
    if not API_MD.exists():
        return [pytest.param(None, id="API.md")]
    params: list[Any] = []
    skipped: set[str] = set()
    for item in parse_api_md(API_MD.read_text(encoding="utf-8")):
        section = item if isinstance(item, str) else item.section
        if section.startswith(OUTSIDE_NINJA):
            continue  # test_section_outside_ninja_is_served
        key = next((k for k in NOT_BUILT if section.startswith(k)), None)
        if key is not None:
            if key not in skipped:
                skipped.add(key)
                reason = f"{section}: not built yet, {NOT_BUILT[key]}"
                params.append(pytest.param(None, id=section, marks=pytest.mark.skip(reason=reason)))
            continue
        if isinstance(item, str):
            params.append(pytest.param(item, id=item))
            continue
        params.append(pytest.param(item, id=f"{section}: {item.label}"))
    return params


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def _operation(call: Call) -> dict[str, Any] | None:
    wanted = _normalise(PREFIX + call.path)
    for path, methods in openapi()["paths"].items():
        if _normalise(path) == wanted:
            return methods.get(call.method.lower())
    return None


def _resolve(fragment: Any, components: dict[str, Any]) -> Any:
    if isinstance(fragment, dict) and "$ref" in fragment:
        return _resolve(components[fragment["$ref"].rsplit("/", 1)[-1]], components)
    return fragment


def _all_property_names(fragment: Any, components: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """Every property name anywhere in a schema: the answer's fields and those of what it nests."""
    seen = seen if seen is not None else set()
    if isinstance(fragment, dict):
        if "$ref" in fragment:
            name = fragment["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return set()
            seen.add(name)
            return _all_property_names(components[name], components, seen)
        names = set(fragment.get("properties", {}))
        for value in fragment.values():
            names |= _all_property_names(value, components, seen)
        return names
    if isinstance(fragment, list):
        return set().union(*(_all_property_names(v, components, seen) for v in fragment)) if fragment else set()
    return set()


@pytest.mark.parametrize("call", _params())
def test_api_md_call_exists_with_its_fields(call: Call | str | None) -> None:
    if call is None:
        reason = f"the contract {API_MD} is not there (a copy of shared/ belongs beside the clone)"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason}; LITTLEBEE_REQUIRE_SERVICES is set, so this is a failure")
        pytest.skip(reason)
    assert not isinstance(call, str), f"API.md section {call!r} has no table of calls, and no issue builds it"

    # when the call is looked up in the generated description
    operation = _operation(call)

    # then it is there
    assert operation is not None, f"{call.label} is in API.md ({call.section}) but not in the OpenAPI description"
    components = openapi()["components"]["schemas"]
    responses = {int(k): v for k, v in operation["responses"].items()}

    # and answers with the statuses API.md names
    success, errors = answer_statuses(call.answer)
    if success is not None:
        assert success in responses, f"{call.label} answers {success} in API.md, documents {sorted(responses)}"
    missing_errors = [s for s in errors if s not in responses]
    assert missing_errors == [], f"{call.label}: API.md names {missing_errors}, documented {sorted(responses)}"

    # and its answer carries the fields API.md lists
    status = success or min(s for s in responses if 200 <= s < 300)
    answer = responses[status].get("content", {})
    described = _all_property_names(answer, components)
    missing = [name for name in answer_fields(call.answer) if name not in described]
    assert missing == [], f"{call.label} answer lacks {missing} (API.md: {call.answer})"

    # and takes the body and query fields API.md lists
    taken = {p["name"] for p in operation.get("parameters", [])}
    taken |= _all_property_names(operation.get("requestBody", {}), components)
    missing_inputs = [name for name in [*call.query, *call.inputs] if name not in taken]
    assert missing_inputs == [], f"{call.label} does not take {missing_inputs}"


def test_the_contract_parser_reads_every_form_of_answer() -> None:
    # given answer cells as API.md writes them
    # then
    assert answer_fields('201 `{"user": {…me…}, "token": "…"}`; 400 `invalid_code`; 409 `already_registered`') == [
        "user",
        "token",
    ]
    assert answer_fields('`{"balance": n, "title": …, "items": [ledger entries: amount, reason, source]}`') == [
        "balance",
        "title",
        "items",
        "amount",
        "reason",
        "source",
    ]
    assert answer_fields("report with `status`, `timeline[]` (`at, actor_role`), `points_awarded`") == [
        "status",
        "timeline",
        "at",
        "actor_role",
        "points_awarded",
    ]
    assert answer_fields("`code, name, sensitivity (public / internal / confidential)`") == [
        "code",
        "name",
        "sensitivity",
    ]
    assert answer_fields('201 `{"status": "registered" or "waitlisted"}`; 409 `already_registered`') == ["status"]
    assert answer_fields("with timeline") == ["timeline"]
    assert answer_statuses("200 the case; 409 `invalid_transition`; 403 if the case is not the caller's") == (
        200,
        [403, 409],
    )
    assert answer_statuses("201; 400 `invalid_token`") == (201, [400])
    assert input_fields(
        "`phone`, `code` (from `POST /auth/sms-code` with `purpose=register`), `worker_type` (`courier`)"
    ) == [
        "phone",
        "code",
        "worker_type",
    ]


# --- 4: sections served outside django-ninja ------------------------------------------------------
def section_text(text: str, name: str) -> str:
    """The prose of the API.md section whose title starts with `name`."""
    found = re.search(rf"^## {re.escape(name)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return found.group(1) if found else ""


def outside_ninja_calls(prose: str) -> tuple[str, list[str], list[str]]:
    """(prefix, calls, formats) a section's prose names: the first backticked /path/, the
    backticked call names (`discovery`, `services/{code}`) and the formats (`.json`)."""
    spans = re.findall(r"`([^`]*)`", prose)
    prefix = next((s for s in spans if s.startswith("/") and s.endswith("/")), "")
    calls = [s for s in spans if re.fullmatch(r"[a-z]+(/\{[a-z_]+\})?", s)]
    formats = [s for s in spans if re.fullmatch(r"\.[a-z]+", s)]
    return prefix, calls, formats


def _outside_params() -> list[Any]:
    if not API_MD.exists():
        return [pytest.param(None, id="API.md")]
    text = API_MD.read_text(encoding="utf-8")
    return [pytest.param(name, id=name) for name in OUTSIDE_NINJA if section_text(text, name)]


@pytest.mark.parametrize("name", _outside_params())
def test_section_outside_ninja_is_served(name: str | None) -> None:
    from django.urls import Resolver404, resolve

    if name is None:
        pytest.skip(f"the contract {API_MD} is not there")
    # given the calls the section names
    prefix, calls, formats = outside_ninja_calls(section_text(API_MD.read_text(encoding="utf-8"), name))
    assert prefix and calls and formats, f"API.md section {name!r} names no prefix, calls or formats"

    # when each is looked up in the URLconf, an id or code in the path given as "1"
    unserved = []
    for call in calls:
        for fmt in formats:
            path = prefix + re.sub(r"\{[^}]*\}", "1", call) + fmt
            try:
                match = resolve(path)
            except Resolver404:
                match = None
            # A catch-all that answers "no such call" has no name of its own.
            if match is None or not match.url_name:
                unserved.append(path)

    # then every one has a view of its own
    assert unserved == []


def test_the_prose_of_a_section_outside_ninja_is_read() -> None:
    # given a section written as API.md writes Open311's
    prose = (
        "Served at `/open311/v2/` exactly as the specification says (`discovery`, `services`,"
        " `services/{code}`, `tokens/{id}`, each in `.json` and `.xml`); `POST requests` needs an `api_key`."
    )

    # then
    assert outside_ninja_calls(prose) == (
        "/open311/v2/",
        ["discovery", "services", "services/{code}", "tokens/{id}"],
        [".json", ".xml"],
    )
