"""The appeals' figures page (/appeals/figures/) has no figures of its own: it leads to the
statistics' offices table for appeals, so that it, the dashboard and the API give the same numbers
for a known history; and who may open it is the statistics' rule (city all, an industry committee
its industry, an enterprise's party organisation its own office; workers refused)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.conftest import client_for

from .. import measures
from ..measures import Period, Scope
from .history import Committed, build, since_march

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(city_in_transaction: AppealCity) -> AppealCity:
    """The page's figures and who may read them, not when a commit computes them: each test runs
    inside a transaction and runs the after-commit work where it writes."""
    return city_in_transaction


def _office_rows(html: str) -> dict[int, dict[str, str]]:
    """The offices table's rows: received and the signed-on-time rate per office."""
    rows = {}
    for office, body in re.findall(r'<tr data-office="(\d+)">(.*?)</tr>', html, flags=re.S):
        received = re.search(r"data-received>(\d+)<", body)
        rate = re.search(r'data-col="signed_on_time_rate">.*?data-rate="([\d.]+)"', body, flags=re.S)
        rows[int(office)] = {"received": received.group(1) if received else "", "rate": rate.group(1) if rate else ""}
    return rows


def _appeals_page(user: Any, period: str = "all") -> tuple[Any, str]:
    response = client_for(user).get("/appeals/figures/", {"period": period}, follow=True)
    return response, response.content.decode()


def test_the_appeal_figures_page_the_dashboard_and_the_api_agree(c: AppealCity, api_as: Any) -> None:
    # given a known history: 7 appeals against 饿了么, 1 signed on time and resolved, 6 escalated
    history = build(c)
    admin = c.w.city_admin
    period = since_march()
    everything = Period(start=None, end=period.end)

    # when the appeals' figures page (the old address), the dashboard, the API and the measures
    # are read over the whole history (all of it lies in March)
    response, page = _appeals_page(admin)
    dashboard = client_for(admin).get("/staff/stats/", {"period": "all"}).content.decode()
    query = {"from": str(period.start), "to": str(period.end)}
    overview = api_as(admin).get("/stats/overview", query).json()
    offices = api_as(admin).get("/stats/offices", {**query, "kind": "appeal"}).json()
    rows = {r.organisation_id: r for r in measures.office_rows(Scope(everything=True), everything, kind="appeal")}

    # then the page is the statistics' offices table for appeals
    assert response.redirect_chain[0] == ("/staff/stats/offices/?kind=appeal&period=all", 302)
    assert response.status_code == 200
    # and the headline "收到 N 件，解决 M 件" is the history's, on the dashboard and in the API
    numbers = dict(re.findall(r'data-measure="(appeals\.[a-z]+)">(\d+)<', dashboard))
    assert numbers == {"appeals.received": "7", "appeals.resolved": "1"}
    assert (
        overview["appeals"]
        == {"received": 7, "resolved": 1}
        == {
            "received": history.expected["appeals.received"],
            "resolved": history.expected["appeals.resolved"],
        }
    )
    # and 饿了么's party organisation reads the same on the page, in the API and in the measure
    eleme = c.eleme_party.pk
    item = next(i for i in offices["items"] if i["organisation"] == eleme)
    row = _office_rows(page)[eleme]
    measure = rows[eleme]
    assert int(row["received"]) == item["received"] == measure.received == 7
    signed = measure.rates["signed_on_time_rate"]
    assert (signed.part, signed.whole) == (1, 7)
    assert float(row["rate"]) == item["signed_on_time_rate"] == 0.1429


def test_who_sees_which_offices_behind_the_appeal_figures_page(c: AppealCity, committed: Committed) -> None:
    # given appeals against 饿了么 (escalated to the food-delivery committee) and one against 美团
    build(c)
    with committed():
        file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk)
    offices = {"eleme": c.eleme_party.pk, "meituan": c.meituan_party.pk, "committee": c.committee.pk}

    # when each opens the appeals' figures
    seen = {
        who: set(_office_rows(_appeals_page(user)[1])) & set(offices.values())
        for who, user in {
            "city": c.w.city_admin,
            "committee": c.committee_handler,
            "eleme": c.eleme_handler,
            "express": c.express_handler,
        }.items()
    }

    # then the city sees every office, the committee its industry's, 饿了么's party organisation
    # its own, the express committee none of them
    assert seen["city"] == set(offices.values())
    assert seen["committee"] == set(offices.values())
    assert seen["eleme"] == {offices["eleme"]}
    assert seen["express"] == set()


def test_workers_are_refused_and_strangers_sent_to_log_in(c: AppealCity) -> None:
    # when a worker and someone signed out open the page
    refused = client_for(c.rider).get("/appeals/figures/")
    anonymous = Client().get("/appeals/figures/")

    # then the worker is refused, saying who may see it, and the stranger asked to log in
    assert refused.status_code == 403
    assert "诉求统计仅向承办单位、行业党委和市级管理员开放" in refused.content.decode()
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize("period", ["bogus", "", "-1"])
def test_a_bad_period_falls_back_to_all_time(c: AppealCity, period: str) -> None:
    # when
    response = client_for(c.w.city_admin).get("/appeals/figures/", {"period": period})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/stats/offices/?kind=appeal&period=all"
