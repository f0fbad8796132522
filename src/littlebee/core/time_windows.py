"""The one check of a time window someone publishes (a volunteer task, a station's event): aware
times, in range, starting after now and within a horizon, ending after the start and within a
longest duration. Each caller gives its limits and the noun its messages name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .errors import FieldError

DAYS_A_YEAR = 365


def _horizon_text(horizon: timedelta) -> str:
    days = horizon.days
    if days and days % DAYS_A_YEAR == 0:
        years = days // DAYS_A_YEAR
        return ngettext("开始时间不能晚于 %(n)d 年以后。", "开始时间不能晚于 %(n)d 年以后。", years) % {"n": years}
    return ngettext("开始时间不能晚于 %(n)d 天以后。", "开始时间不能晚于 %(n)d 天以后。", days) % {"n": days}


def _longest_text(longest: timedelta, noun: str | Promise) -> str:
    # A day or less reads in hours (24 小时), longer in days (30 天).
    if longest > timedelta(days=1) and longest % timedelta(days=1) == timedelta(0):
        n = longest.days
        return ngettext("%(noun)s时长不能超过 %(n)d 天。", "%(noun)s时长不能超过 %(n)d 天。", n) % {
            "noun": noun,
            "n": n,
        }
    n = int(longest.total_seconds() // 3600)
    return ngettext("%(noun)s时长不能超过 %(n)d 小时。", "%(noun)s时长不能超过 %(n)d 小时。", n) % {
        "noun": noun,
        "n": n,
    }


def time_window_errors(
    starts_at: datetime,
    ends_at: datetime,
    *,
    now: datetime,
    horizon: timedelta,
    longest: timedelta,
    noun: str | Promise,
) -> list[FieldError]:
    """What is wrong with a window from `starts_at` to `ends_at` published at `now` (nothing: an
    empty list): naive times, times past what Python and the database hold, a start not after
    now or past `now + horizon`, an end not after the start or more than `longest` after it.
    `noun` (任务, 活动: pgettext_lazy("time window", …)) names the thing in the messages."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        return [FieldError("starts_at", _("请填写带时区的时间。"))]
    try:  # 9999-12-31T23:00-14:00 is past the last datetime Python (and the database) can hold
        starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    except OverflowError:
        return [FieldError("starts_at", _("%(noun)s时间超出范围。") % {"noun": noun})]
    errors: list[FieldError] = []
    if starts_at <= now:
        errors.append(FieldError("starts_at", _("开始时间必须晚于现在。")))
    elif starts_at > now + horizon:
        errors.append(FieldError("starts_at", _horizon_text(horizon)))
    if ends_at <= starts_at:
        errors.append(FieldError("ends_at", _("结束时间必须晚于开始时间。")))
    elif ends_at - starts_at > longest:
        errors.append(FieldError("ends_at", _longest_text(longest, noun)))
    return errors
