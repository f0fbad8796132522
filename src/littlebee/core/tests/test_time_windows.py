"""The one check of a published time window (volunteer tasks, station events): each rule, with
the caller's limits and noun, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from django.utils.translation import pgettext_lazy

from littlebee.core.time_windows import time_window_errors

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
TASK = pgettext_lazy("time window", "任务")
EVENT = pgettext_lazy("time window", "活动")


def _errors(start: datetime, end: datetime, *, noun: object = TASK, **limits: timedelta) -> list[tuple[str, str]]:
    found = time_window_errors(
        start,
        end,
        now=NOW,
        horizon=limits.get("horizon", timedelta(days=365)),
        longest=limits.get("longest", timedelta(hours=24)),
        noun=noun,  # type: ignore[arg-type]
    )
    return [(e.field, str(e.detail)) for e in found]


def test_a_good_window_has_no_errors() -> None:
    assert _errors(NOW + timedelta(hours=1), NOW + timedelta(hours=3)) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (NOW.replace(tzinfo=None), NOW.replace(tzinfo=None), [("starts_at", "请填写带时区的时间。")]),
        (NOW, NOW + timedelta(hours=1), [("starts_at", "开始时间必须晚于现在。")]),
        (NOW + timedelta(days=366), NOW + timedelta(days=366, hours=1), [("starts_at", "开始时间不能晚于 1 年以后。")]),
        (NOW + timedelta(hours=2), NOW + timedelta(hours=1), [("ends_at", "结束时间必须晚于开始时间。")]),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=26), [("ends_at", "任务时长不能超过 24 小时。")]),
        (
            NOW - timedelta(hours=1),
            NOW - timedelta(hours=2),
            [("starts_at", "开始时间必须晚于现在。"), ("ends_at", "结束时间必须晚于开始时间。")],
        ),
    ],
)
def test_each_rule_with_a_tasks_limits(start: datetime, end: datetime, expected: list[tuple[str, str]]) -> None:
    assert _errors(start, end) == expected


def test_a_time_past_what_python_holds_is_out_of_range() -> None:
    # given the last datetime Python holds, in a zone west of UTC
    from datetime import timezone as dt_timezone

    last = datetime.max.replace(tzinfo=dt_timezone(timedelta(hours=-14)))

    # then
    assert _errors(last, last, noun=EVENT) == [("starts_at", "活动时间超出范围。")]


def test_an_events_limits_and_noun() -> None:
    # given an event's limits: two years ahead, thirty days long
    limits = {"horizon": timedelta(days=730), "longest": timedelta(days=30)}

    # then
    assert _errors(NOW + timedelta(days=731), NOW + timedelta(days=732), noun=EVENT, **limits) == [
        ("starts_at", "开始时间不能晚于 2 年以后。")
    ]
    assert _errors(NOW + timedelta(days=1), NOW + timedelta(days=32), noun=EVENT, **limits) == [
        ("ends_at", "活动时长不能超过 30 天。")
    ]
    assert _errors(NOW + timedelta(days=1), NOW + timedelta(days=30), noun=EVENT, **limits) == []


def test_a_horizon_in_days() -> None:
    assert _errors(NOW + timedelta(days=91), NOW + timedelta(days=91, hours=1), horizon=timedelta(days=90)) == [
        ("starts_at", "开始时间不能晚于 90 天以后。")
    ]


def test_the_messages_in_english() -> None:
    with translation.override("en"):
        assert _errors(NOW + timedelta(hours=1), NOW + timedelta(hours=26)) == [
            ("ends_at", "The task cannot last more than 24 hours.")
        ]
        assert _errors(
            NOW + timedelta(days=731), NOW + timedelta(days=800), noun=EVENT, horizon=timedelta(days=730)
        ) == [
            ("starts_at", "The start cannot be more than 2 years from now."),
            ("ends_at", "The event cannot last more than 24 hours."),
        ]
