"""Voucher codes: ten characters of the alphabet, drawn with one read of the system's randomness."""

from __future__ import annotations

import secrets
from typing import Any
from unittest import mock

from littlebee.rewards.codes import CODE_ALPHABET, CODE_LENGTH, voucher_code_new, voucher_code_normalise


def test_a_new_code_is_one_draw_written_in_the_alphabet() -> None:
    # given the system's randomness counted (secrets.choice would read it once per character)
    draws: list[int] = []
    real = secrets.randbelow

    def counting(n: int) -> int:
        draws.append(n)
        return real(n)

    # when
    with mock.patch.object(secrets, "randbelow", counting), mock.patch.object(secrets, "choice", None):
        code = voucher_code_new()

    # then one draw over every code there is, and the code reads back as a code
    assert draws == [len(CODE_ALPHABET) ** CODE_LENGTH]
    assert len(code) == CODE_LENGTH and voucher_code_normalise(code) == code


def test_the_first_and_last_codes_and_every_character_in_every_place(monkeypatch: Any) -> None:
    # given the draw's two ends
    monkeypatch.setattr(secrets, "randbelow", lambda n: 0)
    first = voucher_code_new()
    monkeypatch.setattr(secrets, "randbelow", lambda n: n - 1)
    last = voucher_code_new()
    monkeypatch.undo()

    # when 3,000 codes are drawn
    codes = [voucher_code_new() for _ in range(3000)]

    # then the ends are the alphabet's first and last characters, and each place takes every
    # character (a missing one here is about 1 in 10^40)
    assert (first, last) == (CODE_ALPHABET[0] * CODE_LENGTH, CODE_ALPHABET[-1] * CODE_LENGTH)
    for place in range(CODE_LENGTH):
        assert {c[place] for c in codes} == set(CODE_ALPHABET)
