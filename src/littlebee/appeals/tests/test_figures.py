"""The appeals' figures: per organisation and per industry, the headline, and who may see them.

The appeals are opened with the case engine directly (case_open at the organisation the
classification-forwarding would pick) so that these figures do not depend on the intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.appeals.figures import FiguresScope, appeal_figures, figures_scope
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.cases import services as cases
from littlebee.cases.models import Case, CaseKind
from littlebee.cases.tests.factories import WORKING_MORNING
from littlebee.orgs.models import Industry, Organisation, OrgKind
from littlebee.orgs.services import enterprise_create
from littlebee.orgs.tests.factories import CityFactory, CommunityFactory, IndustryCommitteeFactory, PartyOrgFactory

pytestmark = pytest.mark.django_db


@dataclass
class City:
    food_committee: Organisation
    express_committee: Organisation
    eleme_party: Organisation
    meituan_party: Organisation
    sf_party: Organisation
    community_org: Organisation
    food_handler: User
    eleme_admin: User
    meituan_admin: User
    community_handler: User
    city_admin: User
    rider: User
    appeals: dict[str, Case]


def _party_of(enterprise: Organisation) -> Organisation:
    return Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=enterprise)


def _appeal(
    *, worker_: User, org: Organisation, involves: str, industry: str, enterprise: Organisation | None, at: datetime
) -> Case:
    case = cases.case_open(kind=CaseKind.APPEAL, reporter=worker_, category=involves, organisation=org, at=at)
    Appeal.objects.create(
        case=case,
        type=AppealType.RIGHTS,
        involves=involves,
        enterprise=enterprise,
        industry=industry,
        supervisor=org.parent if enterprise is not None else None,
        subject="站点罚款标准不透明",
        description="超时一次罚款五十元，没有任何书面标准。",
        anonymous_to_enterprise=True,
        created_at=at,
    )
    return case


def _city() -> City:
    city: Any = CityFactory(name="武汉市")
    city_org: Any = PartyOrgFactory(region=city, name="市委组织部")
    community: Any = CommunityFactory(name="机安社区")
    community_org: Any = PartyOrgFactory(region=community, name="机安社区党委")
    food: Any = IndustryCommitteeFactory(industry=Industry.FOOD_DELIVERY, region=city, name="武汉市外卖行业党委")
    express: Any = IndustryCommitteeFactory(industry=Industry.EXPRESS, region=city, name="武汉市快递行业党委")
    eleme = enterprise_create(
        code="eleme", name="饿了么", short_name="饿了么", industry=Industry.FOOD_DELIVERY, region=city,
        industry_committee=food,
    )  # fmt: skip
    meituan = enterprise_create(
        code="meituan", name="美团外卖", short_name="美团", industry=Industry.FOOD_DELIVERY, region=city,
        industry_committee=food,
    )  # fmt: skip
    sf = enterprise_create(
        code="sf", name="顺丰速运", short_name="顺丰", industry=Industry.EXPRESS, region=city,
        industry_committee=express,
    )  # fmt: skip
    eleme_party, meituan_party, sf_party = _party_of(eleme), _party_of(meituan), _party_of(sf)
    rider, courier = worker(), worker()
    food_handler = staff(food)
    eleme_admin = staff(eleme_party, role=Role.ADMIN)
    sf_admin = staff(sf_party, role=Role.ADMIN)
    community_handler = staff(community_org)
    t = WORKING_MORNING
    # a1: 饿了么 lets it lie; it escalates to the committee, which resolves it; 5 stars.
    a1 = _appeal(worker_=rider, org=eleme_party, involves=Involves.ENTERPRISE, industry=Industry.FOOD_DELIVERY,
                 enterprise=eleme, at=t)  # fmt: skip
    a1.refresh_from_db()
    assert a1.accept_due_at is not None
    cases.cases_escalate_overdue(now=a1.accept_due_at + timedelta(minutes=1))
    late = a1.accept_due_at + timedelta(minutes=2)
    cases.case_accept(case_id=a1.pk, actor=food_handler, at=late)
    cases.case_resolve(case_id=a1.pk, actor=food_handler, note="已约谈站点，退还罚款。", at=late + timedelta(hours=1))
    cases.case_feedback(case_id=a1.pk, worker=rider, rating=5, resolved=True, at=late + timedelta(hours=2))
    # a2: 饿了么 accepts in time and resolves; 3 stars.
    a2 = _appeal(worker_=rider, org=eleme_party, involves=Involves.ENTERPRISE, industry=Industry.FOOD_DELIVERY,
                 enterprise=eleme, at=t + timedelta(minutes=5))  # fmt: skip
    cases.case_accept(case_id=a2.pk, actor=eleme_admin, at=t + timedelta(hours=1))
    cases.case_resolve(case_id=a2.pk, actor=eleme_admin, note="已调整考核。", at=t + timedelta(hours=3))
    cases.case_feedback(case_id=a2.pk, worker=rider, rating=3, resolved=True, at=t + timedelta(hours=4))
    # a3: against 美团, still waiting.
    a3 = _appeal(worker_=rider, org=meituan_party, involves=Involves.ENTERPRISE, industry=Industry.FOOD_DELIVERY,
                 enterprise=meituan, at=t + timedelta(minutes=10))  # fmt: skip
    # a4: 顺丰 resolves it in time; 4 stars.
    a4 = _appeal(worker_=courier, org=sf_party, involves=Involves.ENTERPRISE, industry=Industry.EXPRESS,
                 enterprise=sf, at=t + timedelta(minutes=15))  # fmt: skip
    cases.case_accept(case_id=a4.pk, actor=sf_admin, at=t + timedelta(hours=1))
    cases.case_resolve(case_id=a4.pk, actor=sf_admin, note="已补缴社保。", at=t + timedelta(hours=5))
    cases.case_feedback(case_id=a4.pk, worker=courier, rating=4, resolved=True, at=t + timedelta(hours=6))
    # a5: grassroots, the community turns it down.
    a5 = _appeal(worker_=courier, org=community_org, involves=Involves.GRASSROOTS, industry=Industry.EXPRESS,
                 enterprise=None, at=t + timedelta(minutes=20))  # fmt: skip
    cases.case_reject(case_id=a5.pk, actor=community_handler, note="不属于社区职责。", at=t + timedelta(hours=2))
    return City(
        food_committee=food,
        express_committee=express,
        eleme_party=eleme_party,
        meituan_party=meituan_party,
        sf_party=sf_party,
        community_org=community_org,
        food_handler=food_handler,
        eleme_admin=eleme_admin,
        meituan_admin=staff(meituan_party, role=Role.ADMIN),
        community_handler=community_handler,
        city_admin=staff(city_org, role=Role.CITY_ADMIN),
        rider=rider,
        appeals={"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5},
    )


@pytest.fixture
def city() -> City:
    return _city()


def _rows(items: list[Any]) -> dict[str, Any]:
    return {item.name: item for item in items}


def test_the_city_sees_the_headline_every_industry_and_every_organisation(city: City) -> None:
    # given the city admin's scope
    scope = figures_scope(city.city_admin)
    assert scope is not None and scope.everything

    # when
    report = appeal_figures(scope)

    # then five received, three resolved (60%), two accepted before their first deadline
    total = report.total
    assert (total.received, total.resolved, total.resolved_rate) == (5, 3, 60)
    assert total.accepted_in_time == 2
    # ratings 5, 3 and 4: 4.0 on average, two of three satisfied
    assert total.rating_avg == pytest.approx(4.0) and total.rating_count == 3
    assert total.satisfied == 2 and total.satisfied_rate == 67
    # per industry: every industry has a row, even one without appeals
    industries = {row.key: row for row in report.industries}
    assert set(industries) == set(Industry.values)
    food = industries[Industry.FOOD_DELIVERY]
    assert (food.received, food.accepted_in_time, food.resolved) == (3, 1, 2)
    assert food.rating_avg == pytest.approx(4.0) and food.satisfied_rate == 50
    assert industries[Industry.RIDE_HAILING].received == 0
    # per organisation: 饿了么 received two, let one run late (escalated) and resolved the other
    orgs = _rows(report.organisations)
    eleme = orgs[city.eleme_party.name]
    assert (eleme.received, eleme.accepted_in_time, eleme.resolved, eleme.escalated) == (2, 1, 1, 1)
    assert eleme.rating_avg == pytest.approx(3.0)
    # and the committee, which took it over on escalation, resolved it in its own time
    committee = orgs[city.food_committee.name]
    assert (committee.received, committee.accepted_in_time, committee.resolved, committee.escalated) == (1, 1, 1, 0)
    assert committee.rating_avg == pytest.approx(5.0) and committee.satisfied_rate == 100
    assert orgs[city.community_org.name].resolved == 0


def test_a_committee_sees_its_industry_only(city: City) -> None:
    # given the food-delivery committee's handler
    scope = figures_scope(city.food_handler)
    assert scope is not None and scope.industries == (Industry.FOOD_DELIVERY,)

    # when
    report = appeal_figures(scope)

    # then the three food-delivery appeals, one industry row, and none of 顺丰's
    assert (report.total.received, report.total.resolved) == (3, 2)
    assert [row.key for row in report.industries] == [Industry.FOOD_DELIVERY]
    assert set(_rows(report.organisations)) == {
        city.eleme_party.name,
        city.meituan_party.name,
        city.food_committee.name,
    }


def test_an_enterprise_party_organisation_sees_its_own_appeals_only(city: City) -> None:
    # given 饿了么's party organisation admin
    scope = figures_scope(city.eleme_admin)
    assert scope is not None

    # when
    report = appeal_figures(scope)

    # then both appeals against 饿了么 (even the one the committee now holds), no industry rows,
    # and only its own row
    assert (report.total.received, report.total.resolved) == (2, 2)
    assert report.industries == []
    assert [row.name for row in report.organisations] == [city.eleme_party.name]


def test_a_period_counts_the_appeals_received_in_it(city: City) -> None:
    # given a period that starts after the first two appeals were sent
    scope = FiguresScope(everything=True)
    since = city.appeals["a3"].created_at

    # when
    report = appeal_figures(scope, since)

    # then
    assert report.total.received == 3
    assert report.total.resolved == 1


def test_workers_have_no_figures(city: City) -> None:
    # when / then
    assert figures_scope(city.rider) is None


# --- The page -------------------------------------------------------------------------------
# The page is the statistics' offices table for appeals now (analytics): one definition of each
# rate for every page. The address leads there; the refusals stand.
def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_leads_to_the_statistics_for_appeals(city: City) -> None:
    # when
    response = _client(city.city_admin).get("/appeals/figures/?period=30")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/stats/offices/?kind=appeal&period=30"


@pytest.mark.parametrize("period", ["bogus", "", "-1"])
def test_a_bad_period_falls_back_to_all_time(city: City, period: str) -> None:
    # when
    response = _client(city.city_admin).get(f"/appeals/figures/?period={period}")

    # then
    assert response["Location"] == "/staff/stats/offices/?kind=appeal&period=all"


def test_workers_are_refused_the_page(city: City) -> None:
    # when
    response = _client(city.rider).get("/appeals/figures/")

    # then
    assert response.status_code == 403


def test_strangers_are_sent_to_log_in(city: City) -> None:
    # when
    response = Client().get("/appeals/figures/")

    # then
    assert response.status_code == 302 and "/login/" in response["Location"]
