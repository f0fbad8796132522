"""Opening hours: overnight intervals, 24-hour stations, exceptions, week wrap-around, time zones."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from littlebee.core.errors import InvalidInput
from littlebee.hives import hours
from littlebee.hives.hours import WeeklyInterval

SH = ZoneInfo("Asia/Shanghai")
# 2026-12-04 is a Friday, 2026-12-06 a Sunday, 2026-12-07 a Monday.
FRI, SAT, SUN, MON = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)


def at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


class Exc:
    def __init__(self, day: date, closed: bool = True, opens: time | None = None, closes: time | None = None):
        self.date, self.closed, self.opens, self.closes = day, closed, opens, closes


DAYTIME = [WeeklyInterval(d, time(8), time(20)) for d in range(7)]
FRIDAY_NIGHT = [WeeklyInterval(4, time(22), time(2))]
SUNDAY_NIGHT = [WeeklyInterval(6, time(20), time(6))]


def test_a_daytime_station_is_open_inside_its_hours_only():
    assert hours.is_open(at(FRI, 8), DAYTIME, [], False, SH)
    assert hours.is_open(at(FRI, 19, 59), DAYTIME, [], False, SH)
    assert not hours.is_open(at(FRI, 20), DAYTIME, [], False, SH)
    assert not hours.is_open(at(FRI, 7, 59), DAYTIME, [], False, SH)


def test_an_overnight_interval_is_open_after_midnight_on_the_next_day():
    assert hours.is_open(at(FRI, 23), FRIDAY_NIGHT, [], False, SH)
    assert hours.is_open(at(SAT, 1), FRIDAY_NIGHT, [], False, SH)
    assert not hours.is_open(at(SAT, 2), FRIDAY_NIGHT, [], False, SH)
    assert not hours.is_open(at(FRI, 1), FRIDAY_NIGHT, [], False, SH)  # Thursday had no night shift


def test_sunday_night_runs_into_monday_morning():
    assert hours.is_open(at(MON, 5, 30), SUNDAY_NIGHT, [], False, SH)
    assert hours.status(at(MON, 5, 30), SUNDAY_NIGHT, [], False, SH).closes_at == at(MON, 6)


def test_closing_at_midnight_means_until_the_end_of_the_day():
    schedule = [WeeklyInterval(4, time(18), time(0))]
    assert hours.is_open(at(FRI, 23, 59), schedule, [], False, SH)
    assert not hours.is_open(at(SAT, 0), schedule, [], False, SH)


def test_the_instant_is_read_in_the_station_time_zone():
    # 2026-12-04 01:00 UTC is 09:00 in Shanghai
    instant = datetime(2026, 12, 4, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert hours.is_open(instant, DAYTIME, [], False, "Asia/Shanghai")
    assert not hours.is_open(instant, DAYTIME, [], False, "Europe/London")


def test_a_24_hour_station_is_always_open_and_never_closes_within_the_week():
    result = hours.status(at(FRI, 3), [], [], True, SH)
    assert result == hours.Status(True, None, None)


def test_a_closed_day_closes_a_24_hour_station_for_that_calendar_day():
    closed = [Exc(SAT)]
    assert not hours.is_open(at(SAT, 12), [], closed, True, SH)
    assert hours.status(at(FRI, 12), [], closed, True, SH).closes_at == at(SAT, 0)
    assert hours.status(at(SAT, 12), [], closed, True, SH).opens_at == at(SUN, 0)


def test_a_closed_day_cuts_the_tail_of_the_previous_night():
    assert not hours.is_open(at(SAT, 1), FRIDAY_NIGHT, [Exc(SAT)], False, SH)
    assert hours.status(at(FRI, 23), FRIDAY_NIGHT, [Exc(SAT)], False, SH).closes_at == at(SAT, 0)


def test_special_hours_replace_that_day_but_keep_the_previous_night_tail():
    special = [Exc(SAT, closed=False, opens=time(10), closes=time(12))]
    assert hours.is_open(at(SAT, 1), FRIDAY_NIGHT, special, False, SH)  # Friday's night shift finishes
    assert hours.is_open(at(SAT, 11), FRIDAY_NIGHT, special, False, SH)
    assert not hours.is_open(at(SAT, 9), DAYTIME, special, False, SH)
    assert not hours.is_open(at(SAT, 13), DAYTIME, special, False, SH)


def test_special_hours_on_a_24_hour_station_limit_that_day():
    special = [Exc(SAT, closed=False, opens=time(9), closes=time(17))]
    assert not hours.is_open(at(SAT, 8), [], special, True, SH)
    assert hours.status(at(SAT, 10), [], special, True, SH).closes_at == at(SAT, 17)


def test_next_change_when_closed_is_the_next_opening_across_the_week_end():
    # given a station open only on Monday mornings
    schedule = [WeeklyInterval(0, time(9), time(12))]

    # then on Saturday the next change is Monday 09:00
    assert hours.next_change(at(SAT, 15), schedule, [], False, SH) == at(MON, 9)
    assert hours.next_change(at(MON, 10), schedule, [], False, SH) == at(MON, 12)


def test_adjacent_intervals_merge_into_one_opening():
    schedule = [WeeklyInterval(4, time(8), time(12)), WeeklyInterval(4, time(12), time(18))]
    assert hours.next_change(at(FRI, 9), schedule, [], False, SH) == at(FRI, 18)


def test_a_station_with_no_schedule_never_opens():
    assert hours.status(at(FRI, 9), [], [], False, SH) == hours.Status(False, None, None)


def test_times_are_right_across_a_dst_change():
    # given a New York station open 01:00-04:00 on the Sunday clocks go forward (2026-03-08)
    ny = ZoneInfo("America/New_York")
    schedule = [WeeklyInterval(6, time(1), time(4))]
    # then at 03:30 local (07:30 UTC) it is open, and it closes at 04:00 EDT
    instant = datetime(2026, 3, 8, 7, 30, tzinfo=ZoneInfo("UTC"))
    assert hours.is_open(instant, schedule, [], False, ny)
    assert hours.status(instant, schedule, [], False, ny).closes_at == datetime(2026, 3, 8, 4, 0, tzinfo=ny)


# --- Parsing ------------------------------------------------------------------------------------
def test_a_structured_schedule_is_parsed_and_round_trips():
    # given
    data = {"mon": [["08:00", "12:00"], ["13:30", "18:00"]], "fri": [["22:00", "02:00"]], "always_open": False}

    # when
    schedule = hours.schedule_parse(data)

    # then
    assert schedule.intervals == (
        WeeklyInterval(0, time(8), time(12)),
        WeeklyInterval(0, time(13, 30), time(18)),
        WeeklyInterval(4, time(22), time(2)),
    )
    out = hours.schedule_as_dict(schedule.intervals, schedule.always_open)
    assert out["mon"] == data["mon"] and out["fri"] == data["fri"] and out["sun"] == []


def test_24_00_is_accepted_as_a_closing_time():
    schedule = hours.schedule_parse({"sat": [["18:00", "24:00"]]})
    assert schedule.intervals == (WeeklyInterval(5, time(18), time(0)),)
    assert hours.schedule_as_dict(schedule.intervals, False)["sat"] == [["18:00", "24:00"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("mon 8-20", "schedule"),
        ({"monday": [["08:00", "20:00"]]}, "monday"),
        ({"mon": "08:00-20:00"}, "mon"),
        ({"mon": [["8:00", "20:00"]]}, "mon.0"),
        ({"mon": [["08:00", "25:00"]]}, "mon.0"),
        ({"mon": [["24:00", "08:00"]]}, "mon.0"),
        ({"mon": [["08:00"]]}, "mon.0"),
        ({"mon": [[8, 20]]}, "mon.0"),
        ({"mon": [["08:00", "08:00"]]}, "mon.0"),
        ({"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}, "mon"),
        ({"sun": [["22:00", "06:00"]], "mon": [["05:00", "09:00"]]}, "mon"),
        ({"always_open": "yes"}, "always_open"),
        ({"tue": [["08:00", "09:00"]] * 7}, "tue"),
    ],
)
def test_malformed_schedules_are_refused_with_the_field(data, field):
    with pytest.raises(InvalidInput) as caught:
        hours.schedule_parse(data)
    assert field in [e.field for e in caught.value.errors]


def test_touching_intervals_are_not_an_overlap():
    schedule = hours.schedule_parse({"sun": [["20:00", "06:00"]], "mon": [["06:00", "09:00"]]})
    assert len(schedule.intervals) == 2


@pytest.mark.parametrize("tz", [SH, ZoneInfo("America/New_York")])
def test_the_fast_open_now_check_agrees_with_the_span_computation(tz: ZoneInfo) -> None:
    # given random weekly schedules (overnight intervals included) and random instants in a week
    # with no daylight-saving change (the wall-clock check and the spans agree there by design)
    rng = random.Random(7)
    week_start = datetime(2026, 7, 6, tzinfo=tz)
    for _ in range(300):
        schedule = []
        for weekday in rng.sample(range(7), rng.randint(0, 7)):
            opens = time(rng.randrange(24), rng.choice((0, 30)))
            closes = time(rng.randrange(24), rng.choice((0, 30)))
            if opens != closes:
                schedule.append(WeeklyInterval(weekday, opens, closes))
        for _ in range(20):
            moment = week_start + timedelta(minutes=rng.randrange(7 * 24 * 60))

            # when both ways answer
            fast = hours.is_open(moment, schedule, [], False, tz)
            spans = hours.status(moment, schedule, [], False, tz).open_now

            # then they agree
            assert fast == spans, (schedule, moment)


def test_stations_sharing_a_schedule_keep_their_own_exceptions_and_zones() -> None:
    # given two stations with the same weekly hours, one closed on Saturday, and a third in
    # another zone (status() keeps the week's spans per schedule, exceptions and zone)
    saturday = at(SAT, 10)
    plain = hours.status(saturday, DAYTIME, [], False, SH)

    # when each is asked about Saturday morning, in turn and again
    closed = hours.status(saturday, DAYTIME, [Exc(SAT)], False, SH)
    london = hours.status(saturday, DAYTIME, [], False, ZoneInfo("Europe/London"))
    again = hours.status(saturday, DAYTIME, [], False, SH)

    # then each answer is its own station's
    assert plain.open_now and plain.closes_at == at(SAT, 20)
    assert not closed.open_now and closed.opens_at == at(SUN, 8)
    assert not london.open_now and london.opens_at == datetime.combine(
        FRI, time(8), tzinfo=ZoneInfo("Europe/London")
    ) + timedelta(days=1)
    assert again == plain


def test_a_schedule_is_written_as_hh_mm_with_24_00_for_midnight() -> None:
    schedule = [WeeklyInterval(0, time(8, 5), time(0)), WeeklyInterval(0, time(0, 30), time(7, 45))]
    assert hours.schedule_as_dict(schedule, False)["mon"] == [["00:30", "07:45"], ["08:05", "24:00"]]
