"""The demo's history is dated back from the day it is loaded: its events are named for the
season they fell in (no Dragon Boat Festival dumplings in October)."""

from __future__ import annotations

from datetime import date

from littlebee.demo.points import FEAST, PAST_EVENTS, _feast_title


def test_the_feast_is_named_for_its_season() -> None:
    assert _feast_title(date(2026, 6, 10)) == "端午节包粽子"
    assert "端午" not in _feast_title(date(2026, 10, 27))
    assert "端午" not in _feast_title(date(2026, 1, 15))


def test_no_past_event_carries_a_festival_in_its_fixed_title() -> None:
    fixed = [title for title, *_rest in PAST_EVENTS if title != FEAST]
    assert not [t for t in fixed if any(f in t for f in ("端午", "中秋", "春节", "元宵", "国庆", "冬至"))]
