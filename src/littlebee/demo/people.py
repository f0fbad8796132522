"""Believable Chinese personal names from a seeded random generator."""

from __future__ import annotations

import random

from .wuhan_data import FEMALE_GIVEN, FEMALE_GIVEN_NAMES, MALE_GIVEN, MALE_GIVEN_NAMES, SURNAMES

_SURNAMES = [s for s, _w in SURNAMES]
_WEIGHTS = [w for _s, w in SURNAMES]


def person_name(rng: random.Random, *, female_share: float = 0.1) -> str:
    """A surname and a one- or two-character given name (two in about seven cases of ten)."""
    surname = rng.choices(_SURNAMES, weights=_WEIGHTS)[0]
    female = rng.random() < female_share
    if rng.random() < 0.3:
        return surname + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    return surname + rng.choice(FEMALE_GIVEN_NAMES if female else MALE_GIVEN_NAMES)
