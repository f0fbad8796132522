"""The station's rotating QR token and the worker's member code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import signing

from littlebee.hives.visit_tokens import (
    TOKEN_SALT,
    InvalidMemberCode,
    InvalidVisitToken,
    hive_id_from_token,
    member_code_for,
    seconds_to_next_window,
    token_check,
    token_for,
    user_id_from_member_code,
)

AT = datetime(2026, 12, 1, 2, 3, 4, tzinfo=UTC)
WINDOW = timedelta(seconds=600)


@pytest.fixture(autouse=True)
def _window(settings: Any) -> None:
    settings.VISIT_TOKEN_WINDOW_SECONDS = 600


def test_a_fresh_token_names_its_station() -> None:
    assert hive_id_from_token(token_for(7, AT), AT) == 7


def test_a_token_of_the_previous_window_still_works() -> None:
    token = token_for(7, AT)
    assert hive_id_from_token(token, AT + WINDOW) == 7


def test_a_token_two_windows_old_is_refused() -> None:
    token = token_for(7, AT)
    with pytest.raises(InvalidVisitToken) as caught:
        hive_id_from_token(token, AT + 2 * WINDOW)
    assert caught.value.code == "invalid_token"
    assert caught.value.status == 400


def test_a_token_from_a_future_window_is_refused() -> None:
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(token_for(7, AT + WINDOW), AT)


def test_the_token_rotates_with_the_window() -> None:
    assert token_for(7, AT) != token_for(7, AT + WINDOW)
    assert 0 < seconds_to_next_window(AT) <= 600


def test_a_forged_signature_is_refused() -> None:
    value, _sep, signature = token_for(7, AT).rpartition(":")
    forged = f"{value}:{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(forged, AT)


def test_a_token_edited_to_name_another_station_is_refused() -> None:
    value, _sep, signature = token_for(7, AT).rpartition(":")
    window = value.partition(".")[2]
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(f"8.{window}:{signature}", AT)


def test_a_token_signed_for_another_purpose_or_key_is_refused(settings: Any) -> None:
    window = int(AT.timestamp()) // 600
    other_salt = signing.Signer(salt="something-else", algorithm="sha256").sign(f"7.{window}")
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(other_salt, AT)
    other_key = signing.Signer(key="another-secret-key-" * 3, salt=TOKEN_SALT, algorithm="sha256").sign(f"7.{window}")
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(other_key, AT)


def test_another_stations_token_is_refused_for_this_station() -> None:
    token = token_for(7, AT)
    token_check(token, hive_id=7, at=AT)
    with pytest.raises(InvalidVisitToken):
        token_check(token, hive_id=8, at=AT)


@pytest.mark.parametrize(
    "garbage",
    ["", " ", "abc", "7.123", "7.123:", ":abc", "a.b:c", "x" * 5000, "7:" + "A" * 43, "\x00", "７.１:abc"],
)
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(garbage, AT)


def test_a_genuinely_signed_but_malformed_value_is_refused() -> None:
    signed = signing.Signer(salt=TOKEN_SALT, algorithm="sha256").sign("seven.now")
    with pytest.raises(InvalidVisitToken):
        hive_id_from_token(signed, AT)


# --- Member codes ---------------------------------------------------------------------------
def test_a_member_code_names_its_user_however_it_is_typed() -> None:
    code = member_code_for(SimpleNamespace(pk=42))  # type: ignore[arg-type]
    assert code.startswith("42-")
    assert user_id_from_member_code(code) == 42
    assert user_id_from_member_code(f"  {code.lower()} ") == 42
    assert user_id_from_member_code(code.replace("-", " ").replace(" ", "-", 1)) == 42


@pytest.mark.parametrize("garbage", ["", "42", "42-", "abc-ABCD", "x" * 500, "-ABCDEFGHIJKLMNOP"])
def test_a_garbage_member_code_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidMemberCode) as caught:
        user_id_from_member_code(garbage)
    assert caught.value.code == "invalid_member_code"


def test_a_member_code_with_another_users_id_is_refused() -> None:
    code = member_code_for(SimpleNamespace(pk=42))  # type: ignore[arg-type]
    with pytest.raises(InvalidMemberCode):
        user_id_from_member_code("43" + code[2:])
