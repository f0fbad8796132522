"""Notifications about a report name what was reported and, on acceptance, the points earned."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.reports import services

pytestmark = pytest.mark.django_db


def test_the_office_hears_of_an_urgent_report_at_once_by_inbox_and_sms(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given a colleague of the community handler
    colleague = staff(w.community_org)

    # when a courier sends an urgent flooding report
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(
            reporter=worker(),
            category_code="flooding",
            description="地下通道积水过膝",
            lat=30.55,
            lng=114.30,
            address="中山大道地下通道",
            urgent=True,
        )

    # then both staff are told, by text message too, with the category and the place
    told = {m["user"].pk: m for m in sent}
    assert set(told) == {w.community_handler.pk, colleague.pk}
    message = told[colleague.pk]
    assert message["sms"] is True
    assert message["title"] == "【紧急】新案件待受理：道路积水"
    assert message["body"].startswith("中山大道地下通道")
    assert "地下通道积水过膝" in message["body"]


def test_a_calm_report_does_not_text_the_office(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)
    assert sent and not any(m["sms"] for m in sent)
    assert sent[0]["title"] == "新案件待受理：垃圾堆放"


def test_the_reporter_hears_the_points_earned_and_why_a_report_was_refused(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given two reports of one courier
    courier = worker()
    kept = services.report_submit(
        reporter=courier, category_code="safety_hazard", description="", lat=30.55, lng=114.30
    )
    refused = services.report_submit(reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30)
    sent.clear()

    # when the handler accepts one and refuses the other
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_accept(case_id=kept.pk, actor=w.community_handler, note="马上安排")
        case_services.case_reject(case_id=refused.pk, actor=w.community_handler, note="照片看不清")

    # then the courier is told the points and the reason
    accepted, rejected = sent
    assert accepted["user"] == courier and accepted["title"] == "您的随手拍已受理"
    assert accepted["body"] == "「安全隐患」已受理。获得 50 积分。\n马上安排"
    assert rejected["title"] == "您的随手拍未被受理"
    assert rejected["body"] == "「垃圾堆放」未被受理。\n原因：照片看不清"


def test_the_reporter_hears_when_an_overdue_report_goes_up_to_the_street(
    w: World, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given a courier's report nobody at the community took up for a month
    from datetime import timedelta

    from django.utils import timezone

    courier = worker()
    long_ago = timezone.now() - timedelta(days=30)
    services.report_submit(
        reporter=courier, category_code="garbage", description="", lat=30.55, lng=114.30, at=long_ago
    )
    sent.clear()

    # when the overdue sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        case_services.cases_escalate_overdue(now=timezone.now())

    # then the courier is told where it went, in the report's words
    [told] = [m for m in sent if m["user"] == courier]
    assert told["title"] == "您的随手拍已升级办理"
    assert told["body"] == f"「垃圾堆放」超过办理期限，已升级由{w.street_org.name}督促办理。"
