"""Numbers a client sends: superscripts and other Unicode digits are not numbers.

`'¹'.isdigit()` is true and `int('¹')` raises, so every `text.isdigit()` guard in front of an
`int(text)` let `?page=¹` through to a 500 (found by the Open311 fuzz test)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from littlebee.conftest import client_for
from littlebee.core.digits import is_number, number_or_none
from littlebee.points.tests.factories import Town, city_admin, make_town

SRC = Path(__file__).resolve().parents[2]


@pytest.fixture
def town(db: Any) -> Town:
    return make_town()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", True), ("007", True), ("", False), ("¹", False), ("1²", False), ("٣", False), ("-1", False), (" 1", False)],
)
def test_only_ascii_digits_are_a_number(text: str, expected: bool) -> None:
    # when / then
    assert is_number(text) is expected


def test_number_or_none_bounds_the_digits() -> None:
    # when / then
    assert number_or_none("42") == 42
    assert number_or_none("¹") is None
    assert number_or_none("1" * 11) is None
    assert number_or_none("1" * 11, max_digits=11) == 11_111_111_111


def test_no_code_reading_input_checks_with_isdigit() -> None:
    # given the product's code, its tests aside
    allowed = {SRC / "core" / "digits.py", SRC / "accounts" / "passwords.py"}  # a password's characters
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.isdigit\(\)", line)
    ]

    # then
    assert offenders == [], "use littlebee.core.digits.is_number: '¹'.isdigit() is true and int('¹') fails"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/staff/cases/", {"q": "¹"}),
        ("/staff/stats/", {"region": "²"}),
        ("/appeals/supervision/", {"enterprise": "³"}),
    ],
)
def test_a_superscript_in_a_staff_page_query_is_no_500(town: Town, path: str, params: dict[str, str]) -> None:
    # given
    web = client_for(city_admin(town))

    # when
    response = web.get(path, params)

    # then the page refuses or ignores it as any other non-number
    assert response.status_code in {200, 400}, response.status_code


@pytest.mark.parametrize("param", ["page", "page_size", "service_request_id"])
def test_a_superscript_in_an_open311_query_is_a_400(db: Any, param: str) -> None:
    # when
    response = Client().get("/open311/v2/requests.json", {param: "¹"})

    # then
    assert response.status_code == 400
    assert param in response.content.decode()
