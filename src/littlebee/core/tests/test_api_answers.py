"""core.api_answers' test helper: an answer fits its schema whatever its timestamps' microseconds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from ninja import Schema

from littlebee.core.api_answers import answer, assert_answer_fits, moment


class _Stamped(Schema):
    name: str
    at: datetime


def test_a_time_under_a_millisecond_past_a_second_fits() -> None:
    # given an answer whose time is 500 µs past a second (written "…:04.000")
    body = json.loads(answer({"name": "a", "at": datetime(2026, 3, 1, 8, 0, 4, 500, tzinfo=UTC)}).content)
    assert body["at"].endswith("04.000Z")

    # then it fits its schema (it failed: the check read it back as …:04 and wrote "…:04")
    assert_answer_fits(_Stamped, body)


def test_a_field_missing_or_wrong_still_does_not_fit() -> None:
    # given answers with a field left out and a field too many
    at = "2026-03-01T08:00:04.001Z"
    # then each is refused
    with pytest.raises(Exception):  # noqa: B017 - pydantic's or the assertion, either refuses
        assert_answer_fits(_Stamped, {"at": at})
    with pytest.raises(AssertionError):
        assert_answer_fits(_Stamped, {"name": "a", "at": at, "extra": 1})


def test_a_moment_as_text_is_what_the_encoder_writes() -> None:
    # given moments in UTC and in Shanghai, on the second, to the millisecond and the microsecond
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    moments = [
        datetime(2026, 12, 7, 10, 11, 12, tzinfo=UTC),
        datetime(2026, 12, 7, 10, 11, 12, 345000, tzinfo=UTC),
        datetime(2026, 12, 7, 10, 11, 12, 500, tzinfo=shanghai),
        datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=shanghai),
        datetime(2026, 12, 7, 10, 11, 12, 345678, tzinfo=ZoneInfo("Europe/London")),
        None,
    ]

    # when written as text first, and by the answer's encoder
    texts = [moment(m) for m in moments]
    encoded = json.loads(answer(moments).content)

    # then both write the same
    assert texts == encoded
