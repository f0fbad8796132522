"""Staff lists and case details name each appeal case by its subject."""

from __future__ import annotations

from typing import Any

import pytest

from .factories import AppealCity, file_appeal

pytestmark = pytest.mark.django_db


def test_an_appeal_case_is_titled_by_its_subject(c: AppealCity, api_as: Any) -> None:
    # given an appeal against 饿了么
    appeal = file_appeal(c, subject="超时罚款过高")

    # when 饿了么's party organisation reads its queue and the case
    client = api_as(c.eleme_handler)
    listed = {i["id"]: i for i in client.get("/cases", {"queue": "mine"}).json()["items"]}
    detail = client.get(f"/cases/{appeal.pk}").json()

    # then both carry the subject as the title
    assert listed[appeal.pk]["title"] == "超时罚款过高"
    assert detail["title"] == "超时罚款过高"
