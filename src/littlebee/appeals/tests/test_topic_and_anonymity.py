"""Similar past appeals are on the worker's topic (and the demo answers each subject with its own
answer); a 基层治理 appeal hides nothing from an enterprise, so it does not say it does; a
description over its limit is refused in our words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.appeals import selectors
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.cases import services as case_services
from littlebee.demo import appeals as demo_appeals

from .factories import AppealCity, file_appeal

pytestmark = pytest.mark.django_db


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def resolved_public(c: AppealCity, subject: str, description: str, answer: str) -> Appeal:
    appeal = file_appeal(c, worker=c.other_rider, subject=subject, description=description, outcome_public=True)
    case_services.case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_services.case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note=answer)
    return appeal


def test_similar_appeals_share_the_topic_not_a_word(c: AppealCity) -> None:
    # given two resolved public appeals that both mention 电动车, only one about charging
    resolved_public(c, "电动车充电难", "住处附近没有集中充电点，只能把电池搬上楼充电。", "已新增集中充电点。")
    resolved_public(c, "电动车通行规定不清楚", "各区对电动车能不能上主干道的规定不一样。", "已统一公布通行规定。")

    # when a worker types a subject about charging
    found = selectors.similar_appeals("电动车充电难")

    # then only the charging one comes back, with its own answer
    assert [(a.subject, a.resolution) for a in found] == [("电动车充电难", "已新增集中充电点。")]


def test_every_demo_subject_has_its_own_answer() -> None:
    subjects = {subject for pool in demo_appeals.SUBJECTS.values() for subject, _description in pool}
    assert subjects == set(demo_appeals.ANSWERS)
    # the rider's own storyline too
    assert {"电动车充电难", "商户出餐慢导致超时"} <= set(demo_appeals.ANSWERS)


def test_a_grassroots_appeal_hides_nothing_from_an_enterprise_and_does_not_say_so(c: AppealCity) -> None:
    # given the form's default (hide me from my employer) left on, for an appeal to the community
    client = client_of(c.rider)
    response = client.post(
        "/appeals/new/",
        {
            "type": AppealType.GROUP,
            "involves": Involves.GRASSROOTS,
            "subject": "小区禁止骑手进入",
            "description": "好几个小区不让电动车进，只能步行送到楼下。",
            "anonymous_to_enterprise": "on",
        },
        follow=True,
    )

    # then no enterprise is involved, nothing is hidden, and the page does not claim it is
    appeal = Appeal.objects.get()
    assert appeal.enterprise is None and not appeal.anonymous_to_enterprise
    page = response.content.decode()
    assert "已对企业隐藏你的身份" not in page
    assert "已对企业隐藏身份" not in client.get("/appeals/").content.decode()


def test_an_enterprise_appeal_still_says_it_hides_the_worker(c: AppealCity) -> None:
    appeal = file_appeal(c)

    page = client_of(c.rider).get(f"/appeals/{appeal.pk}/").content.decode()

    assert appeal.anonymous_to_enterprise
    assert "已对企业隐藏你的身份" in page


def test_a_description_over_its_limit_is_refused_in_our_words(c: AppealCity) -> None:
    response = client_of(c.rider).post(
        "/appeals/new/",
        {
            "type": AppealType.RIGHTS,
            "involves": Involves.ENTERPRISE,
            "enterprise": c.eleme.pk,
            "subject": "超时罚款过高",
            "description": "罚" * 2100,
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "最多 2000 字，现在有 2100 字，请删减一些。" in page
    assert not Appeal.objects.exists()
