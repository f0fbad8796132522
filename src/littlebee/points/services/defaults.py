"""Earning rules and badges: the city's defaults, written once at start-up or by the
`points_defaults` command, and a staff member's change to a rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.errors import Conflict
from littlebee.core.seeding import seed_missing

from .. import rules
from ..models import Badge, EarningRule, PointsSource


@dataclass(frozen=True)
class _RuleDefault:
    source: str
    category: str
    points_min: int
    points_max: int
    daily_cap: int | None = None
    district_max_points: int | None = None


# The seed's defaults: a public-security clue 100, a safety hazard 50, everyday neighbourhood
# issues within a range the handler picks (districts may raise that range up to 50).
RULE_DEFAULTS = (
    _RuleDefault(PointsSource.REPORT, "public_security_clue", 100, 100),
    _RuleDefault(PointsSource.REPORT, "safety_hazard", 50, 50),
    _RuleDefault(PointsSource.REPORT, "", 5, 30, district_max_points=50),
    _RuleDefault(PointsSource.ARTICLE_READ, "", 2, 2, daily_cap=10),
    _RuleDefault(PointsSource.QUIZ_PASSED, "", 10, 10, daily_cap=20),
    _RuleDefault(PointsSource.VOLUNTEER_TASK, "", 10, 100, district_max_points=100),
    # The event's own points (set when it is published) are the amount, within this range.
    _RuleDefault(PointsSource.EVENT_ATTENDANCE, "", 0, 100),
    _RuleDefault(PointsSource.CHECKIN_CONFIRMED, "", 20, 20),
    # 认真学: one rule per learning activity (its category, learning.models.Activity), each with
    # the daily cap learners of 学习强国 know. A quiz's amount follows its score.
    _RuleDefault(PointsSource.ARTICLE_READ, "reading", 1, 1, daily_cap=6, district_max_points=5),
    _RuleDefault(PointsSource.ARTICLE_READ, "listening", 1, 1, daily_cap=6, district_max_points=5),
    _RuleDefault(PointsSource.QUIZ_PASSED, "daily_quiz", 0, 5, daily_cap=5, district_max_points=10),
    _RuleDefault(PointsSource.QUIZ_PASSED, "weekly_quiz", 0, 5, daily_cap=5, district_max_points=10),
    _RuleDefault(PointsSource.QUIZ_PASSED, "special_exam", 10, 10, daily_cap=10, district_max_points=20),
    _RuleDefault(PointsSource.QUIZ_PASSED, "challenge", 0, 6, daily_cap=6, district_max_points=10),
)


@dataclass(frozen=True)
class _BadgeDefault:
    code: str
    name: Promise
    description: Promise
    icon: str
    source: str
    threshold: int


BADGE_DEFAULTS = (
    _BadgeDefault("first-report", _("初次上报"), _("第一次随手拍上报获得积分"), "camera", PointsSource.REPORT, 1),
    _BadgeDefault("ten-reports", _("城市之眼"), _("随手拍上报获得积分 10 次"), "pin", PointsSource.REPORT, 10),
    _BadgeDefault(
        "first-volunteer-task", _("热心志愿者"), _("第一次完成志愿任务"), "heart", PointsSource.VOLUNTEER_TASK, 1
    ),
    _BadgeDefault(
        "first-event", _("活动新人"), _("第一次参加社区或驿站活动"), "users", PointsSource.EVENT_ATTENDANCE, 1
    ),
    _BadgeDefault("points-1000", _("千分蜜蜂"), _("累计获得 1000 积分"), "award", "", 1000),
)


def _english(text: Promise) -> str:
    """A default's English, from the English message catalogue."""
    with translation.override("en"):
        return str(text)


def points_defaults_ensure() -> tuple[int, int]:
    """The city's default earning rules and badges; existing ones are left as they are.
    Returns how many rules and badges were created. Safe to run again."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        rules_created = seed_missing(
            EarningRule.objects.filter(district=None),
            (
                EarningRule(
                    source=rule.source,
                    category=rule.category,
                    district=None,
                    points_min=rule.points_min,
                    points_max=rule.points_max,
                    daily_cap=rule.daily_cap,
                    district_max_points=rule.district_max_points,
                )
                for rule in RULE_DEFAULTS
            ),
            key=lambda rule: (rule.source, rule.category),
        )
        badges_created = seed_missing(
            Badge.objects.all(),
            (
                Badge(
                    code=badge.code,
                    name=str(badge.name),
                    description=str(badge.description),
                    name_en=_english(badge.name),
                    description_en=_english(badge.description),
                    icon=badge.icon,
                    source=badge.source,
                    threshold=badge.threshold,
                    order=order,
                )
                for order, badge in enumerate(BADGE_DEFAULTS)
            ),
            key=lambda badge: badge.code,
        )
    return rules_created, badges_created


def earning_rule_save(*, actor: User, rule: EarningRule) -> EarningRule:
    """Create or change a rule after the permission and range checks (rules.rule_editable_by)."""
    rules.rule_check(actor=actor, rule=rule)
    rule.updated_by = actor
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict("duplicate_rule", _("该范围内已有这项积分规则。")) from exc
    return rule
