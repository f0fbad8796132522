"""Voucher codes: ten characters people can read out at a counter and type on a phone.

31 symbols (no 0/O, 1/I/L) to the power of 10 is about 8 × 10^14 codes, drawn with `secrets`, so a
code can be neither guessed nor mistyped into another worker's voucher. Stored without the dash;
shown as two groups of five (Voucher.code_display).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from urllib.parse import parse_qs, urlsplit

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
_CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# Whatever people put between the groups, or a scanner types around the code.
_SEPARATORS = re.compile(r"[\s\-_·.。,，/]+")


_CODES = len(CODE_ALPHABET) ** CODE_LENGTH


def voucher_code_new() -> str:
    """A random code, every one of the alphabet's 31^10 equally likely: one draw from the system's
    randomness written in base 31 (ten secrets.choice calls read it ten times)."""
    n = secrets.randbelow(_CODES)
    digits = []
    for _ in range(CODE_LENGTH):
        n, d = divmod(n, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[d])
    return "".join(digits)


def voucher_code_normalise(raw: str | None) -> str:
    """The stored form of a typed or scanned code: "abcde fghjk", "ABCDE-FGHJK", full-width
    characters, or the pickup URL the voucher's QR carries. "" when it cannot be a code."""
    text = unicodedata.normalize("NFKC", (raw or "")[:500]).strip()
    if "code=" in text:  # the QR's pickup URL (…/pickup/#code=…), scanned into the input by a scanner gun
        url = urlsplit(text)
        text = (parse_qs(url.fragment).get("code") or parse_qs(url.query).get("code") or [""])[0]
    code = _SEPARATORS.sub("", text).upper()
    return code if _CODE_RE.fullmatch(code) else ""
