"""Whether text a client sent is a plain decimal number.

`str.isdigit()` is true for superscripts and other Unicode digits ('¹', '²', '⑴') that `int()`
refuses, so a check written as `text.isdigit()` followed by `int(text)` turns `?page=¹` into a
500. Use these instead; a test keeps `.isdigit()` out of the code that reads requests."""

from __future__ import annotations

__all__ = ["is_number", "number_or_none"]


def is_number(text: str) -> bool:
    """True for one or more ASCII digits, nothing else (no sign, no spaces)."""
    return text.isascii() and text.isdigit()


def number_or_none(text: str, *, max_digits: int = 10) -> int | None:
    """The number `text` spells in at most `max_digits` ASCII digits, else None."""
    return int(text) if is_number(text) and len(text) <= max_digits else None
