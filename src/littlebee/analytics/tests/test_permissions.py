"""Who sees which figures: the city admin all; a district its district; an office its own; a
committee its industry's enterprises; an enterprise its own; workers nothing. Every rule has a
refusal here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.conftest import client_for
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.tests.factories import CommunityFactory, DistrictFactory, PartyOrgFactory, StreetFactory

from ..models import Export, ScoreWeight
from .history import Committed

pytestmark = pytest.mark.django_db

ALL_TIME = {"from": "2026-01-01"}


@dataclass
class Two:
    c: AppealCity
    other_district: Region
    other_community: Region
    district_admin: User
    other_district_admin: User


@pytest.fixture
def c(city_in_transaction: AppealCity) -> AppealCity:
    """Who may read which figures, not when a commit computes them: each test runs inside a
    transaction and runs the after-commit work where it writes."""
    return city_in_transaction


@pytest.fixture
def two(c: AppealCity, committed: Committed) -> Two:
    """The appeals' city (武昌区) and a second district, 江岸区, with a worker and a report."""
    with committed():
        other: Any = DistrictFactory(parent=c.w.city, name="江岸区")
        street: Any = StreetFactory(parent=other, name="大智街道")
        community: Any = CommunityFactory(parent=street, name="大智路社区")
        other_org: Any = PartyOrgFactory(region=other, name="江岸区委")
        PartyOrgFactory(region=community, name="大智路社区党委")
        reporter = worker(worker_type="courier", community=community)
        open_case(c.w, reporter=reporter, region=community, at=WORKING_MORNING)
        open_case(c.w, reporter=c.rider, at=WORKING_MORNING)
        return Two(
            c=c,
            other_district=other,
            other_community=community,
            district_admin=staff(c.w.district_org, role=Role.ADMIN),
            other_district_admin=staff(other_org, role=Role.ADMIN),
        )


def test_the_city_admin_sees_the_whole_city_and_drills_down_to_a_community(two: Two, api_as: Any) -> None:
    api = api_as(two.c.w.city_admin)
    city = api.get("/stats/overview", ALL_TIME).json()
    community = api.get("/stats/overview", {**ALL_TIME, "region": two.c.w.community.pk}).json()
    assert city["reports"]["submitted"] == 2
    assert community["reports"]["submitted"] == 1
    assert community["region"]["name"] == "西厂口社区"
    page = client_for(two.c.w.city_admin).get(f"/staff/stats/?region={two.c.w.community.pk}&period=all")
    assert page.status_code == 200 and "西厂口社区" in page.content.decode()


def test_a_district_sees_its_district_only_and_is_refused_another(two: Two, api_as: Any) -> None:
    api = api_as(two.district_admin)
    mine = api.get("/stats/overview", ALL_TIME).json()
    assert mine["reports"]["submitted"] == 1
    assert mine["workers"]["registered"] == 2  # the two riders at 武昌区; not the 江岸区 courier
    refused = api.get("/stats/overview", {**ALL_TIME, "region": two.other_district.pk})
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    page = client_for(two.district_admin).get(f"/staff/stats/?region={two.other_community.pk}")
    assert page.status_code == 404
    # and the other district sees its own
    assert api_as(two.other_district_admin).get("/stats/overview", ALL_TIME).json()["reports"]["submitted"] == 1


def test_an_office_sees_its_own_rates_only(two: Two, api_as: Any) -> None:
    police = two.c.w.police_handler
    assert api_as(police).get("/stats/overview", ALL_TIME).status_code == 403
    offices = api_as(police).get("/stats/offices", ALL_TIME).json()
    assert {i["organisation"] for i in offices["items"]} <= {two.c.w.traffic_police.pk}
    community = api_as(two.c.w.community_handler).get("/stats/offices", ALL_TIME).json()
    assert {i["organisation"] for i in community["items"]} == {two.c.w.community_org.pk}
    # an office-only scope is sent from the dashboard to its table
    assert client_for(police).get("/staff/stats/")["Location"] == "/staff/stats/offices/"


def test_workers_and_strangers_see_no_figures(two: Two, api_as: Any, api: Any) -> None:
    for path in ("/stats/overview", "/stats/offices", "/stats/enterprises"):
        assert api_as(two.c.rider).get(path).status_code == 403
        assert api.get(path).status_code == 401
    for path in ("/staff/stats/", "/staff/stats/offices/", "/staff/stats/enterprises/", "/staff/stats/how/"):
        assert client_for(two.c.rider).get(path).status_code == 403
        assert Client().get(path).status_code == 302
    keeper = staff(two.c.w.community_org, role=Role.KEEPER)
    assert api_as(keeper).get("/stats/offices").status_code == 403


def test_scorecards_for_the_city_the_committee_and_the_enterprise_only(
    two: Two, api_as: Any, committed: Committed
) -> None:
    c = two.c
    with committed():
        express: Any = Organisation.objects.create(
            code="sf", kind="enterprise", name="顺丰速运", industry="express", region=c.w.city
        )

    def cards(user: User) -> set[int]:
        return {i["enterprise"] for i in api_as(user).get("/stats/enterprises", ALL_TIME).json()["items"]}

    city, committee, own = cards(c.w.city_admin), cards(c.committee_handler), cards(c.eleme_handler)
    assert {c.eleme.pk, c.meituan.pk, express.pk} <= city
    assert committee == {c.eleme.pk, c.meituan.pk}
    assert own == {c.eleme.pk}
    assert api_as(two.district_admin).get("/stats/enterprises").status_code == 403
    assert client_for(two.district_admin).get("/staff/stats/enterprises/").status_code == 403


def test_only_the_city_sets_the_weights_and_a_bad_weight_changes_nothing(two: Two, committed: Committed) -> None:
    c = two.c
    with committed():
        refused = client_for(c.committee_handler).post("/staff/stats/enterprises/", {"checked_in_share": "50"})
    assert refused.status_code == 403
    admin = client_for(c.w.city_admin)
    with committed():
        answer = admin.post("/staff/stats/enterprises/", {"checked_in_share": "500"}, follow=True)
    assert "权重应为 0 到 100 之间的整数" in answer.content.decode()
    assert not ScoreWeight.objects.exists()


def test_an_enterprise_export_never_names_a_protected_worker(two: Two, committed: Committed) -> None:
    # given an appeal filed anonymously towards 饿了么, and one filed openly
    c = two.c
    with committed():
        file_appeal(c, at=WORKING_MORNING)
        file_appeal(c, at=WORKING_MORNING, anonymous_to_enterprise=False, subject="公开的诉求")

    def export_text(user: User) -> str:
        client = client_for(user)
        # the file is built after the request's commit (ANALYTICS_EXPORT_INLINE)
        with committed():
            client.post("/staff/stats/exports/?period=all", {"kind": "appeals", "format": "csv"})
        export = Export.objects.filter(requested_by=user).latest("pk")
        answer: Any = client.get(f"/staff/stats/exports/{export.pk}/")
        return b"".join(answer.streaming_content).decode("utf-8-sig")

    # then the enterprise's file names the open appeal's worker only; the city's names both
    enterprise = export_text(c.eleme_handler)
    assert enterprise.count("李骑手") == 1 and "（匿名）" in enterprise
    assert export_text(c.w.city_admin).count("李骑手") == 2
    # and nobody else may download someone's export
    export = Export.objects.filter(requested_by=c.eleme_handler).latest("pk")
    assert client_for(c.w.city_admin).get(f"/staff/stats/exports/{export.pk}/").status_code == 404
