"""The demo tests replay the city at a fixed hour, whatever the hour they run."""

from __future__ import annotations

from datetime import datetime

from littlebee.cases.workdays import SHANGHAI
from littlebee.demo.wuhan import DEMO_TEST_HOUR, demo_clock


def test_the_replay_clock_is_the_latest_fixed_hour_not_after_now() -> None:
    # given runs late at night, early in the morning and exactly at the hour
    late = datetime(2026, 12, 6, 23, 40, tzinfo=SHANGHAI)
    early = datetime(2026, 12, 7, 3, 15, tzinfo=SHANGHAI)
    exact = datetime(2026, 12, 7, DEMO_TEST_HOUR, 0, tzinfo=SHANGHAI)

    # then each replays the city at the same hour, never in the future, at most a day back
    assert demo_clock(late) == datetime(2026, 12, 6, DEMO_TEST_HOUR, 0, tzinfo=SHANGHAI)
    assert demo_clock(early) == datetime(2026, 12, 6, DEMO_TEST_HOUR, 0, tzinfo=SHANGHAI)
    assert demo_clock(exact) == exact
