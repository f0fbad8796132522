"""A worker who said "我也遇到" to someone else's report sees it as a follower: category,
status, place, photos, each step and the public answer, and their own follow; never the other
worker's words or points as theirs, nor what passed between the office and the reporter."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.reports import services
from littlebee.reports.models import Report

pytestmark = pytest.mark.django_db

WORDS = "楼下垃圾三天没人清，我每天送件都要绕路"


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def resolved_report(w: World, reporter: Any, follower: Any) -> Report:
    """A report with the reporter's words, followed, accepted for 20 points and resolved."""
    report = services.report_submit(
        reporter=reporter, category_code="garbage", description=WORDS, lat=30.55, lng=114.30
    )
    case_services.case_follow(case_id=report.pk, user=follower)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=20, note="请提交人补充照片")
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清运完毕")
    return report


def test_a_follower_sees_the_problem_and_the_outcome_not_the_reporters_words_or_points(w: World) -> None:
    # given another worker's resolved report the courier said "me too" to
    reporter, follower = worker(), worker()
    report = resolved_report(w, reporter, follower)

    # when the follower opens it
    html = client_of(follower).get(f"/reports/{report.pk}/").content.decode()

    # then they see the category, the status, the public answer and their own follow
    assert "垃圾堆放" in html and "已办结" in html
    assert "已清运完毕" in html
    assert "data-my-follow" in html and "点了“我也遇到”" in html
    # and not the reporter's words under "我拍到的", their points, or the office's note to them
    assert "我拍到的" not in html and "问题情况" in html
    assert WORDS not in html
    assert "获得积分" not in html and "+20" not in html
    assert "请提交人补充照片" not in html


def test_the_reporter_still_sees_their_own_words_and_points(w: World) -> None:
    reporter, follower = worker(), worker()
    report = resolved_report(w, reporter, follower)

    html = client_of(reporter).get(f"/reports/{report.pk}/").content.decode()

    assert "我拍到的" in html and WORDS in html
    assert "获得积分" in html and "+20" in html
    assert "请提交人补充照片" in html
    assert "data-my-follow" not in html


def test_the_api_gives_a_follower_the_followers_view(w: World, api_as: Any) -> None:
    # given a followed, resolved report
    reporter, follower = worker(), worker()
    report = resolved_report(w, reporter, follower)

    # when the follower reads it, alone and in their list
    alone = api_as(follower).get(f"/reports/{report.pk}").json()
    listed = api_as(follower).get("/reports", {"mine": "true"}).json()["items"][0]

    # then neither has the reporter's words, points or the office's note to the reporter
    for body in (alone, listed):
        assert body["category"] == "garbage" and body["status"] == "resolved"
        assert body["description"] == "" and body["points_awarded"] == 0
        notes = [e["note"] for e in body["timeline"]]
        assert "已清运完毕" in notes and "请提交人补充照片" not in notes
    # and the reporter's own reading is whole
    own = api_as(reporter).get(f"/reports/{report.pk}").json()
    assert own["description"] == WORDS and own["points_awarded"] == 20
