"""Working hours and days on the 2026 Chinese calendar (chinese_calendar 1.11 knows 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from littlebee.cases.workdays import SHANGHAI, add_working_days, add_working_hours, is_working_day


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_public_holidays_and_make_up_days_of_2026() -> None:
    # National Day 1–7 October is off; Saturday 10 October is a make-up working day
    assert not is_working_day(sh(2026, 10, 1).date())
    assert not is_working_day(sh(2026, 10, 7).date())
    assert is_working_day(sh(2026, 10, 10).date())
    # Spring Festival: Saturday 14 February worked, Monday 16 February off
    assert is_working_day(sh(2026, 2, 14).date())
    assert not is_working_day(sh(2026, 2, 16).date())
    # an ordinary Sunday
    assert not is_working_day(sh(2026, 3, 15).date())


def test_a_year_the_calendar_does_not_know_counts_monday_to_friday() -> None:
    assert is_working_day(sh(2099, 6, 1).date())  # a Monday
    assert not is_working_day(sh(2099, 6, 6).date())  # a Saturday


def test_working_hours_within_one_day() -> None:
    assert add_working_hours(sh(2026, 3, 10, 10, 0), 4) == sh(2026, 3, 10, 14, 0)
    assert add_working_hours(sh(2026, 3, 10, 9, 0), 8) == sh(2026, 3, 10, 17, 0)


def test_working_hours_roll_over_the_night_and_the_weekend() -> None:
    # Friday 13 March 15:00 + 4 working hours: 2 on Friday, 2 on Monday
    assert add_working_hours(sh(2026, 3, 13, 15, 0), 4) == sh(2026, 3, 16, 11, 0)


def test_working_hours_start_counting_at_the_next_opening() -> None:
    # reported on Saturday night, counted from Monday 9:00
    assert add_working_hours(sh(2026, 3, 14, 22, 30), 2) == sh(2026, 3, 16, 11, 0)
    # before opening
    assert add_working_hours(sh(2026, 3, 10, 7, 0), 1) == sh(2026, 3, 10, 10, 0)


def test_working_hours_skip_national_day_and_use_the_make_up_saturday() -> None:
    # Wednesday 30 September 16:00 + 8 working hours: 1 that day, then 1–7 October off,
    # Thursday 8 October a full 7
    assert add_working_hours(sh(2026, 9, 30, 16, 0), 8) == sh(2026, 10, 8, 16, 0)
    # Friday 9 October 16:00 + 2: the make-up Saturday 10 October counts
    assert add_working_hours(sh(2026, 10, 9, 16, 0), 2) == sh(2026, 10, 10, 10, 0)


def test_working_hours_accept_utc_and_custom_office_hours() -> None:
    start = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Wuhan
    assert add_working_hours(start, 1) == sh(2026, 3, 10, 11, 0)
    assert add_working_hours(start, 1, day_start=time(8, 30), day_end=time(10, 30)) == sh(2026, 3, 11, 9, 0)


def test_working_days_end_at_the_close_of_the_last_day() -> None:
    # Tuesday + 3 working days: Friday 17:00
    assert add_working_days(sh(2026, 3, 10, 10, 0), 3) == sh(2026, 3, 13, 17, 0)
    # Thursday + 3: Friday, Monday, Tuesday
    assert add_working_days(sh(2026, 3, 12, 10, 0), 3) == sh(2026, 3, 17, 17, 0)


def test_working_days_across_national_day_count_the_make_up_saturday() -> None:
    assert add_working_days(sh(2026, 9, 30, 10, 0), 3) == sh(2026, 10, 10, 17, 0)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 3, 10, 10, 0), 1)
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 3, 10, 10, 0), 1)
