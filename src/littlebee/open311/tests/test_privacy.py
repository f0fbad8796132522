"""What is public stays public: only public categories are offered and listed, a confidential
case of a public category is not, rejected and merged reports are not, points are rounded as on
the public map, and nothing says who reported."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World
from littlebee.reports.selectors import MAP_DECIMALS

from .conftest import BASE, Keyed, filed, post_request

pytestmark = pytest.mark.django_db


def test_internal_and_confidential_categories_are_not_offered(w: World, web: Client) -> None:
    # when
    codes = {s["service_code"] for s in web.get(f"{BASE}/services.json").json()}
    definitions = [web.get(f"{BASE}/services/{code}.json") for code in ("safety_hazard", "public_security_clue")]

    # then
    assert "garbage" in codes
    assert not codes & {"safety_hazard", "fire_hazard", "public_security_clue"}
    assert [r.status_code for r in definitions] == [404, 404]


def test_only_public_reports_are_listed_or_read(w: World, web: Client) -> None:
    # given one report of each sensitivity, and a public one whose case was made confidential
    public = filed(w)
    internal = filed(w, category="safety_hazard")
    confidential = filed(w, category="public_security_clue")
    hidden = filed(w)
    Case.objects.filter(pk=hidden.pk).update(confidential=True)

    # when
    listed = {r["service_request_id"] for r in web.get(f"{BASE}/requests.json").json()}
    by_id = web.get(f"{BASE}/requests.json?service_request_id={internal.pk},{confidential.pk},{hidden.pk}").json()
    singles = [web.get(f"{BASE}/requests/{r.pk}.json").status_code for r in (internal, confidential, hidden)]

    # then
    assert listed == {str(public.pk)}
    assert by_id == []
    assert singles == [404, 404, 404]


def test_rejected_and_merged_reports_are_not_listed(w: World, web: Client) -> None:
    # given
    kept = filed(w)
    rejected = filed(w)
    case_services.case_reject(case_id=rejected.pk, actor=w.community_handler, note="不属于本社区")

    # when
    listed = {r["service_request_id"] for r in web.get(f"{BASE}/requests.json").json()}

    # then
    assert listed == {str(kept.pk)}
    assert web.get(f"{BASE}/requests/{rejected.pk}.json").status_code == 404


def test_points_are_rounded_and_nothing_names_the_reporter(w: World, web: Client, keyed: Keyed) -> None:
    # given a report by a named worker, and one a partner posted with a person's details
    reporter = worker(user__name="张小蜂", user__phone="13812345678")
    report = filed(w, reporter=reporter, lat=30.551234, lng=114.301234, address="司门口 12 号 3 单元")
    posted = post_request(
        web,
        {
            "service_code": "garbage",
            "lat": "30.556789",
            "long": "114.306789",
            "first_name": "李",
            "last_name": "四",
            "email": "li.si@example.com",
            "phone": "13987654321",
            "device_id": "device-42",
            "account_id": "acct-42",
            "description": "我是李四，住 3 单元",
        },
        key=keyed.raw,
    )
    assert posted.status_code == 201, posted.content

    # when
    body = web.get(f"{BASE}/requests.json").content.decode()
    xml_body = web.get(f"{BASE}/requests.xml").content.decode()
    requests = {r["service_request_id"]: r for r in web.get(f"{BASE}/requests.json").json()}

    # then
    assert requests[str(report.pk)]["lat"] == round(30.551234, MAP_DECIMALS)
    assert requests[str(report.pk)]["long"] == round(114.301234, MAP_DECIMALS)
    assert requests[str(report.pk)]["address"] == "西厂口社区"
    for secret in ("张小蜂", "13812345678", "李", "li.si", "13987654321", "device-42", "acct-42", "3 单元", "12 号"):
        assert secret not in body, secret
        assert secret not in xml_body, secret


def test_a_media_url_pointing_nowhere_public_is_not_kept(w: World, web: Client, keyed: Keyed) -> None:
    # given
    data: dict[str, Any] = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}

    # when
    kept = post_request(web, {**data, "media_url": "https://cdn.example.com/p/1.jpg"}, key=keyed.raw)

    # then
    (request,) = web.get(f"{BASE}/requests/{kept.json()[0]['service_request_id']}.json").json()
    assert request["media_url"] == "https://cdn.example.com/p/1.jpg"
