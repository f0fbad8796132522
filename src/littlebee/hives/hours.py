"""Opening hours: pure functions over a station's weekly schedule and dated exceptions.

Rules (decided here, tested in tests/test_hours.py):

- A weekly interval belongs to the day it opens. ``closes <= opens`` runs past midnight:
  Fri 22:00–02:00 means the station is open on Saturday at 01:00. ``closes == 00:00`` means
  "until midnight".
- A 24-hour station (``always_open``) is open 00:00–24:00 every day; its weekly intervals are
  ignored, exceptions still apply.
- An exception with special hours replaces the intervals that *open* on that date. The tail of
  an overnight interval that opened the day before still counts (the night shift finishes).
- A "closed all day" exception closes the whole calendar day, including the tail of the
  previous night's interval.
- Everything is computed in the station's time zone (zoneinfo); boundaries are compared as
  aware instants, so DST gaps and folds cannot confuse the comparison.
- ``next_change`` looks one week ahead: a station that stays open beyond that (24 hours, no
  closure coming) has no closing time; a station with no opening in the next week has no
  opening time.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_lazy as _

from littlebee.core.errors import FieldError, InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 6
LOOKAHEAD_DAYS = 7
_MIDNIGHT = time(0, 0)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class IntervalLike(Protocol):
    @property
    def weekday(self) -> int: ...
    @property
    def opens(self) -> time: ...
    @property
    def closes(self) -> time: ...


class ExceptionLike(Protocol):
    @property
    def date(self) -> date: ...
    @property
    def closed(self) -> bool: ...
    @property
    def opens(self) -> time | None: ...
    @property
    def closes(self) -> time | None: ...


@dataclass(frozen=True, slots=True)
class WeeklyInterval:
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class DatedException:
    date: date
    closed: bool
    opens: time | None
    closes: time | None


@dataclass(frozen=True)
class Status:
    open_now: bool
    closes_at: datetime | None  # when open: the next closing (None: not within a week)
    opens_at: datetime | None  # when closed: the next opening (None: not within a week)


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _span(day: date, opens: time, closes: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, opens, tzinfo=tz)
    end_day = day + timedelta(days=1) if closes <= opens else day
    end = datetime.combine(end_day, closes, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return _span(day, _MIDNIGHT, _MIDNIGHT, tz)


def _spans(
    first: date,
    last: date,
    intervals: Iterable[IntervalLike],
    exceptions: Iterable[ExceptionLike],
    always_open: bool,
    tz: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """Open spans (UTC, merged, sorted) of the intervals that open between first and last (local dates)."""
    by_weekday: dict[int, list[IntervalLike]] = {}
    for interval in intervals:
        by_weekday.setdefault(interval.weekday, []).append(interval)
    by_date = {e.date: e for e in exceptions if first <= e.date <= last + timedelta(days=1)}
    raw: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        exception = by_date.get(day)
        if exception is not None:
            if not exception.closed and exception.opens is not None and exception.closes is not None:
                raw.append(_span(day, exception.opens, exception.closes, tz))
        elif always_open:
            raw.append(_day_bounds(day, tz))
        else:
            raw.extend(_span(day, i.opens, i.closes, tz) for i in by_weekday.get(day.weekday(), ()))
        day += timedelta(days=1)
    closed_days = [_day_bounds(d, tz) for d, e in by_date.items() if e.closed]
    for c_start, c_end in closed_days:
        clipped: list[tuple[datetime, datetime]] = []
        for start, end in raw:
            if end <= c_start or start >= c_end:
                clipped.append((start, end))
                continue
            if start < c_start:
                clipped.append((start, c_start))
            if end > c_end:
                clipped.append((c_end, end))
        raw = clipped
    raw.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def is_open(
    at: datetime,
    intervals: Iterable[IntervalLike],
    exceptions: Iterable[ExceptionLike],
    always_open: bool,
    tz: str | ZoneInfo,
) -> bool:
    """Whether the station is open at the aware instant ``at``."""
    tzinfo = zone(tz)
    local = at.astimezone(tzinfo)
    today = local.date()
    yesterday = today - timedelta(days=1)
    exceptions = [e for e in exceptions if yesterday <= e.date <= today]
    if not exceptions:
        # The common case, on the search's hot path: compare wall-clock times, no spans built.
        if always_open:
            return True
        now, weekday, before = local.time().replace(tzinfo=None), today.weekday(), yesterday.weekday()
        for interval in intervals:
            overnight = interval.closes <= interval.opens
            if interval.weekday == weekday and interval.opens <= now and (overnight or now < interval.closes):
                return True
            if interval.weekday == before and overnight and now < interval.closes:
                return True
        return False
    # No interval lasts 24 hours or more, so only yesterday's and today's can cover `at`.
    spans = _spans(yesterday, today, intervals, exceptions, always_open, tzinfo)
    return any(start <= at < end for start, end in spans)


def status(
    at: datetime,
    intervals: Iterable[IntervalLike],
    exceptions: Iterable[ExceptionLike],
    always_open: bool,
    tz: str | ZoneInfo,
) -> Status:
    """Open or closed at ``at``, and the next change (closing time, or next opening), in the station's zone."""
    return status_plain(
        at,
        tuple((i.weekday, i.opens, i.closes) for i in intervals),
        tuple((e.date, e.closed, e.opens, e.closes) for e in exceptions),
        always_open,
        zone(tz),
    )


PlainInterval = tuple[int, time, time]
PlainException = tuple[date, bool, time | None, time | None]


def status_plain(
    at: datetime,
    intervals: tuple[PlainInterval, ...],
    exceptions: tuple[PlainException, ...],
    always_open: bool,
    tzinfo: ZoneInfo,
) -> Status:
    """status() of plain values (weekday, opens, closes) and (date, closed, opens, closes): for a
    caller that keeps them (selectors.nearby), which then does not make them again each time."""
    today = at.astimezone(tzinfo).date()
    first, last = today - timedelta(days=1), today + timedelta(days=LOOKAHEAD_DAYS)
    after = last + timedelta(days=1)
    spans, horizon = _week_spans(
        first,
        last,
        intervals,
        tuple(e for e in exceptions if first <= e[0] <= after) if exceptions else (),
        always_open,
        tzinfo,
    )
    for start, end in spans:
        if start <= at < end:
            return Status(True, None if end >= horizon else end.astimezone(tzinfo), None)
        if start > at:
            return Status(False, None, start.astimezone(tzinfo))
    return Status(False, None, None)


@functools.lru_cache(maxsize=4096)
def _week_spans(
    first: date,
    last: date,
    intervals: tuple[tuple[int, time, time], ...],
    exceptions: tuple[tuple[date, bool, time | None, time | None], ...],
    always_open: bool,
    tz: ZoneInfo,
) -> tuple[tuple[tuple[datetime, datetime], ...], datetime]:
    """status()'s spans and horizon, kept per schedule and week: stations share schedules, and a
    search asks for the same week of each station again until the day changes (a station search
    built them twenty times a request, a third of its time). Plain values in, immutable out."""
    spans = _spans(
        first,
        last,
        [WeeklyInterval(*i) for i in intervals],
        [DatedException(*e) for e in exceptions],
        always_open,
        tz,
    )
    return tuple(spans), _day_bounds(last, tz)[0]


def next_change(
    at: datetime,
    intervals: Iterable[IntervalLike],
    exceptions: Iterable[ExceptionLike],
    always_open: bool,
    tz: str | ZoneInfo,
) -> datetime | None:
    """When open: the closing time; when closed: the next opening. None if nothing changes within a week."""
    result = status(at, intervals, exceptions, always_open, tz)
    return result.closes_at if result.open_now else result.opens_at


# --- Structured schedule input and output ----------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    always_open: bool
    intervals: tuple[WeeklyInterval, ...]


def _parse_time(value: Any, *, closing: bool) -> time | None:
    if not isinstance(value, str):
        return None
    if closing and value == "24:00":
        return _MIDNIGHT
    match = _HHMM.match(value)
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def schedule_parse(data: Any) -> Schedule:
    """{"mon": [["08:00", "20:00"]], …, "always_open": false} → a Schedule, or InvalidInput with field errors.

    A missing day is closed. "24:00" is accepted as a closing time (midnight).
    """
    if not isinstance(data, Mapping):
        raise InvalidInput.one("schedule", _("营业时间格式不正确。"))
    errors: list[FieldError] = []
    always_open = data.get("always_open", False)
    if not isinstance(always_open, bool):
        errors.append(FieldError("always_open", _("请输入 true 或 false。")))
    for key in data:
        if key != "always_open" and key not in DAYS:
            errors.append(FieldError(str(key), _("未知的星期，应为 mon、tue、wed、thu、fri、sat 或 sun。")))
    intervals: list[WeeklyInterval] = []
    for weekday, day in enumerate(DAYS):
        value = data.get(day)
        if value is None:
            continue
        if not isinstance(value, Sequence) or isinstance(value, str):
            errors.append(FieldError(day, _("营业时间格式不正确。")))
            continue
        if len(value) > MAX_INTERVALS_PER_DAY:
            errors.append(FieldError(day, _("每天最多 6 个营业时段。")))
            continue
        for index, pair in enumerate(value):
            field = f"{day}.{index}"
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                errors.append(FieldError(field, _("每个时段应为 [开门, 关门] 两个时间。")))
                continue
            opens, closes = _parse_time(pair[0], closing=False), _parse_time(pair[1], closing=True)
            if opens is None or closes is None:
                errors.append(FieldError(field, _("时间格式应为 HH:MM，例如 08:00。")))
            elif opens == closes:
                errors.append(FieldError(field, _("开门和关门时间不能相同（全天开放请选择 24 小时）。")))
            else:
                intervals.append(WeeklyInterval(weekday, opens, closes))
    if not errors:
        errors.extend(_overlaps(intervals))
    if errors:
        raise InvalidInput(errors)
    return Schedule(always_open=bool(always_open), intervals=tuple(intervals))


def _overlaps(intervals: list[WeeklyInterval]) -> list[FieldError]:
    """Intervals may touch but not overlap, across midnight and from Sunday night into Monday."""
    week = 7 * 24 * 60
    spans = []
    for interval in intervals:
        start = interval.weekday * 1440 + _minutes(interval.opens)
        length = (_minutes(interval.closes) - _minutes(interval.opens)) % 1440
        spans.append((start, start + length, interval.weekday))
    spans.sort()
    errors: list[FieldError] = []
    for i, (_start, end, _weekday) in enumerate(spans):
        following = spans[(i + 1) % len(spans)]
        next_start = following[0] + (week if i + 1 == len(spans) else 0)
        if len(spans) > 1 and end > next_start:
            errors.append(FieldError(DAYS[following[2]], _("营业时段不能重叠。")))
    return errors


def schedule_as_dict(intervals: Iterable[IntervalLike], always_open: bool) -> dict[str, Any]:
    """The same shape schedule_parse accepts: {"always_open": …, "mon": [["08:00", "20:00"]], …}."""
    result: dict[str, Any] = {"always_open": always_open, **{day: [] for day in DAYS}}
    for interval in sorted(intervals, key=lambda i: (i.weekday, i.opens)):
        closes = "24:00" if interval.closes == _MIDNIGHT else _hhmm(interval.closes)
        result[DAYS[interval.weekday]].append([_hhmm(interval.opens), closes])
    return result


def schedule_json(intervals: Iterable[IntervalLike], always_open: bool) -> str:
    """schedule_as_dict as the answers' JSON writes it (json.dumps): one text per schedule and
    process, for a station search's twenty stations."""
    return _schedule_json_of(tuple((i.weekday, i.opens, i.closes) for i in intervals), always_open)


@functools.lru_cache(maxsize=4096)
def _schedule_json_of(intervals: tuple[tuple[int, time, time], ...], always_open: bool) -> str:
    return json.dumps(schedule_as_dict([WeeklyInterval(*i) for i in intervals], always_open))


@functools.lru_cache(maxsize=1440)
def _hhmm(value: time) -> str:
    # strftime per interval was most of a station search's schedules: there are 1440 minutes.
    return f"{value.hour:02d}:{value.minute:02d}"


def valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
