"""GET /enterprises and GET /enterprises/{id}/outlets: pick-lists for registration."""

from __future__ import annotations

import pytest

from littlebee.orgs.models import Industry

from .factories import (
    CommunityFactory,
    EnterpriseFactory,
    EnterprisePartyOrgFactory,
    OutletFactory,
    PartyOrgFactory,
)

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    return [item["name"] for item in body["items"]]


@pytest.fixture
def enterprises(db):
    return {
        "sf": EnterpriseFactory(name="顺丰速运", short_name="顺丰", industry=Industry.EXPRESS),
        "zto": EnterpriseFactory(name="中通快递", short_name="中通", industry=Industry.EXPRESS),
        "ele": EnterpriseFactory(name="饿了么", short_name="饿了么", industry=Industry.FOOD_DELIVERY),
        "didi": EnterpriseFactory(name="滴滴出行", short_name="滴滴", industry=Industry.RIDE_HAILING),
    }


def test_enterprises_lists_active_enterprises_by_industry_then_name(api, enterprises):
    # given organisations that are not enterprises, and a closed enterprise
    EnterprisePartyOrgFactory(enterprise=enterprises["sf"])
    PartyOrgFactory()
    EnterpriseFactory(name="已注销快递", is_active=False)

    # when
    response = api.get("/enterprises")

    # then
    assert response.json()["count"] == 4
    assert sorted(_names(response)) == sorted(["顺丰速运", "中通快递", "饿了么", "滴滴出行"])
    industries = [item["industry"] for item in response.json()["items"]]
    assert industries == ["express", "express", "food_delivery", "ride_hailing"]


def test_an_enterprise_item_has_its_industry_label(api, enterprises):
    # when
    response = api.get("/enterprises", {"industry": "food_delivery"})

    # then
    assert response.json()["items"] == [
        {
            "id": enterprises["ele"].pk,
            "name": "饿了么",
            "short_name": "饿了么",
            "industry": "food_delivery",
            "industry_label": "外卖",
        }
    ]


def test_enterprises_filter_by_industry(api, enterprises):
    # when
    response = api.get("/enterprises", {"industry": "express"})

    # then
    assert sorted(_names(response)) == sorted(["顺丰速运", "中通快递"])


def test_an_unknown_industry_answers_400(api, enterprises):
    # when
    response = api.get("/enterprises", {"industry": "space"})

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "industry", "detail": "请从给定的选项中选择。"}]


@pytest.mark.parametrize(
    ("search", "expected"), [("顺丰", ["顺丰速运"]), ("滴滴", ["滴滴出行"]), ("快递", ["中通快递"])]
)
def test_enterprises_search_name_and_short_name(api, enterprises, search, expected):
    # when
    response = api.get("/enterprises", {"search": search})

    # then
    assert _names(response) == expected


def test_search_treats_wildcards_literally(api, enterprises):
    # when
    response = api.get("/enterprises", {"search": "%"})

    # then
    assert _names(response) == []


def test_enterprises_are_paginated(api):
    # given
    for i in range(25):
        EnterpriseFactory(name=f"快递{i:02d}")

    # when
    first = api.get("/enterprises")
    last = api.get("/enterprises", {"limit": 10, "offset": 20})

    # then
    assert first.json()["count"] == 25
    assert len(first.json()["items"]) == 20
    assert _names(last) == [f"快递{i:02d}" for i in range(20, 25)]


@pytest.mark.parametrize("n", [5, 25])
def test_enterprises_cost_a_fixed_number_of_queries(api, django_assert_max_num_queries, n):
    # given
    for _ in range(n):
        EnterpriseFactory()

    # when / then: count and page
    with django_assert_max_num_queries(2):
        api.get("/enterprises", {"limit": 100})


# --- Outlets --------------------------------------------------------------------------------
def test_outlets_of_an_enterprise(api, enterprises):
    # given
    sf = enterprises["sf"]
    branch = OutletFactory(enterprise=sf, name="东西湖汉西分部", address="汉西路 1 号")
    point = OutletFactory(enterprise=sf, name="东吴网点", parent=branch)
    OutletFactory(enterprise=enterprises["zto"], name="别家网点")

    # when
    response = api.get(f"/enterprises/{sf.pk}/outlets")

    # then
    assert response.status_code == 200
    assert sorted((o["id"], o["name"], o["parent"]) for o in response.json()) == sorted(
        [(branch.pk, "东西湖汉西分部", None), (point.pk, "东西湖汉西分部 东吴网点", branch.pk)]
    )


def test_outlets_of_an_unknown_enterprise_answer_404(api):
    # when
    response = api.get("/enterprises/999999/outlets")

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_outlets_of_an_organisation_that_is_not_an_enterprise_answer_404(api):
    # given
    party_org = PartyOrgFactory(region=CommunityFactory())

    # when
    response = api.get(f"/enterprises/{party_org.pk}/outlets")

    # then
    assert response.status_code == 404


def test_outlets_of_a_closed_enterprise_answer_404(api):
    # given
    closed = EnterpriseFactory(is_active=False)
    OutletFactory(enterprise=closed)

    # when
    response = api.get(f"/enterprises/{closed.pk}/outlets")

    # then
    assert response.status_code == 404


def test_outlets_cost_a_fixed_number_of_queries(api, enterprises, django_assert_max_num_queries):
    # given nested outlets, whose names include their parent's
    sf = enterprises["sf"]
    for b in range(3):
        branch = OutletFactory(enterprise=sf, name=f"分部{b}")
        for p in range(4):
            OutletFactory(enterprise=sf, name=f"网点{p}", parent=branch)

    # when / then: enterprise and outlets
    with django_assert_max_num_queries(2):
        response = api.get(f"/enterprises/{sf.pk}/outlets")
    assert len(response.json()) == 15
