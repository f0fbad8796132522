"""Durations read as people say them, never Django's "1 周，6 日"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from littlebee.core.templatetags.littlebee import duration_text

WEEK_SIX_DAYS = timedelta(days=13, hours=2).total_seconds()
HOURS_MINUTES = timedelta(hours=23, minutes=31, seconds=20).total_seconds()


@pytest.mark.parametrize(
    ("seconds", "chinese", "english"),
    [
        (WEEK_SIX_DAYS, "1 周 6 天", "1 week 6 days"),
        (timedelta(days=14).total_seconds(), "2 周", "2 weeks"),
        (timedelta(days=2, hours=3).total_seconds(), "2 天 3 小时", "2 days 3 hours"),
        (timedelta(days=1).total_seconds(), "1 天", "1 day"),
        (HOURS_MINUTES, "23 小时 31 分", "23 hours 31 minutes"),
        (timedelta(hours=1, minutes=1).total_seconds(), "1 小时 1 分", "1 hour 1 minute"),
        (timedelta(minutes=12).total_seconds(), "12 分钟", "12 minutes"),
        (20, "不到 1 分钟", "less than a minute"),
        (-300, "不到 1 分钟", "less than a minute"),
    ],
)
def test_a_duration_reads_naturally_in_both_languages(seconds: float, chinese: str, english: str) -> None:
    with translation.override("zh-hans"):
        assert duration_text(seconds) == chinese
    with translation.override("en"):
        assert duration_text(seconds) == english


def test_the_filters_count_from_now() -> None:
    # given a time 13 days and a bit ahead, and one 23 h 31 min ago
    now = timezone.now()
    template = Template("{% load littlebee %}还剩 {{ ahead|time_left }}；已超期 {{ behind|time_past }}")

    # when rendered
    text = template.render(
        Context({"ahead": now + timedelta(days=13, minutes=5), "behind": now - timedelta(hours=23, minutes=31)})
    )

    # then no comma-separated Django units
    assert text == "还剩 1 周 6 天；已超期 23 小时 31 分"
