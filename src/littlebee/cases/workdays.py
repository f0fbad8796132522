"""Working hours and working days on the Chinese calendar.

`chinese_calendar` knows the State Council's public holidays and the make-up working days
(调休, e.g. a Saturday worked to bridge a holiday). For a year it does not know yet it raises
NotImplementedError; then Monday to Friday count, so deadlines never fail to compute.

Office hours are 9:00–17:00 in Asia/Shanghai unless the caller says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_START = time(9, 0)
DAY_END = time(17, 0)


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar does not cover yet
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_hours(
    start: datetime,
    hours: float,
    *,
    tz: tzinfo = SHANGHAI,
    day_start: time = DAY_START,
    day_end: time = DAY_END,
) -> datetime:
    """`start` plus `hours` of office time: only working days, only between day_start and day_end.

    A start outside office hours counts from the next opening. The answer is aware, in `tz`.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if day_end <= day_start:
        raise ValueError("day_end must be after day_start")
    remaining = timedelta(hours=hours)
    current = start.astimezone(tz)
    if remaining <= timedelta(0):
        return current
    while True:
        day = current.date()
        opens = datetime.combine(day, day_start, tzinfo=tz)
        closes = datetime.combine(day, day_end, tzinfo=tz)
        if not is_working_day(day) or current >= closes:
            current = datetime.combine(next_working_day(day), day_start, tzinfo=tz)
            continue
        current = max(current, opens)
        available = closes - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = datetime.combine(next_working_day(day), day_start, tzinfo=tz)


def add_working_days(start: datetime, days: int, *, tz: tzinfo = SHANGHAI, day_end: time = DAY_END) -> datetime:
    """The close of office on the `days`-th working day after the day of `start`.

    "Within 3 working days" of a report on Wednesday 30 September 2026 is Saturday 10 October
    17:00: 1–7 October are the National Day holiday, then Thursday 8, Friday 9 and the make-up
    working Saturday 10 count.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    day = start.astimezone(tz).date()
    for _ in range(max(days, 0)):
        day = next_working_day(day)
    return datetime.combine(day, day_end, tzinfo=tz)
