"""Staff lists and case details name each report case: its category and first words."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.reports import services

pytestmark = pytest.mark.django_db


def test_the_staff_queue_and_case_carry_a_title_of_category_and_first_words(w: World, api_as: Any) -> None:
    # given two reports at the community, one with a long description, one with none
    long = services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="路口垃圾堆了三天，有异味，晚上还有老鼠出没，请尽快处理",
        lat=30.55,
        lng=114.30,
    )
    bare = services.report_submit(reporter=worker(), category_code="road_damage", description="", lat=30.55, lng=114.30)

    # when the community's handler reads the queue and a case
    client = api_as(w.community_handler)
    items = {c["id"]: c for c in client.get("/cases", {"queue": "mine"}).json()["items"]}
    detail = client.get(f"/cases/{long.pk}").json()

    # then each is titled by its category and the first twenty characters of what was written
    assert items[long.pk]["title"] == "垃圾堆放 · 路口垃圾堆了三天，有异味，晚上还有老鼠出…"
    assert items[bare.pk]["title"] == "道路破损"
    assert detail["title"] == items[long.pk]["title"]


def test_the_title_speaks_the_readers_language(w: World, api_as: Any) -> None:
    report = services.report_submit(reporter=worker(), category_code="garbage", description="", lat=30.55, lng=114.30)

    body = api_as(w.community_handler, language="en").get(f"/cases/{report.pk}").json()

    assert body["title"] == "Dumped rubbish"
