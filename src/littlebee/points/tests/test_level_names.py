"""A worker's level (points.badges.title_for) is named in the reader's language, each language's
names translated once per process rather than twice a request (GET /me, /points, /rewards)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from littlebee.points import badges
from littlebee.points.badges import LEVELS, title_for


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_level_and_the_next_are_named_in_the_readers_language(language: str) -> None:
    # given / when
    with translation.override(language):
        title = title_for(150)
        expected = (str(LEVELS[1][1]), str(LEVELS[2][1]))

    # then
    assert (title.name, title.next_name) == expected
    assert (title.level, title.next_at) == (2, 500)


def test_the_top_level_has_no_next() -> None:
    with translation.override("en"):
        title = title_for(10**6)
        expected = str(LEVELS[-1][1])
    assert title.name == expected and title.next_name is None and title.next_at is None


def test_a_languages_names_are_translated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # given no names kept yet, and str() of the lazy names counted
    monkeypatch.setattr(badges, "_LEVEL_NAMES", {})
    calls: list[Any] = []
    translation.gettext("")  # Django binds its implementation on first use
    trans: Any = translation._trans  # type: ignore[attr-defined]
    real = trans.gettext

    def counting(message: str) -> str:
        calls.append(message)
        return real(message)

    monkeypatch.setattr(trans, "gettext", counting)

    # when many titles are named in two languages
    with translation.override("en"):
        english = [title_for(points).name for points in range(0, 6000, 100)]
    with translation.override("zh-hans"):
        chinese = [title_for(points).name for points in range(0, 6000, 100)]

    # then each language's names were translated once, and differ between the languages
    assert len(calls) <= 2 * len(LEVELS)
    assert english[0] != chinese[0]
