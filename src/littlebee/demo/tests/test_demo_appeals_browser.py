"""Issue 6's done-when on the demo city, as people would click through it on their phones: the
demo food-delivery rider 郭锋 files an anonymous appeal about penalty fees against 饿了么; 饿了么's
party organisation sees what he wrote but not who he is, and lets its acceptance deadline pass;
the appeal escalates to the food-delivery industry committee, whose handler (added by the demo:
demo/appeals.py) accepts and resolves it on its case page; the rider rates it; the committee's
and the city's figures pages count it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User
from littlebee.analytics import measures
from littlebee.analytics.measures import Period
from littlebee.analytics.rollups import rollups_rebuild
from littlebee.analytics.selectors import stats_scope_of
from littlebee.appeals.models import Appeal
from littlebee.cases.models import Case, CaseAction, CaseEvent, CaseOrganisation, CaseStatus
from littlebee.cases.services import cases_escalate_overdue
from littlebee.cases.workdays import SHANGHAI
from littlebee.conftest import log_in
from littlebee.orgs.models import Industry, Organisation, OrgKind


def today() -> Any:
    return timezone.localtime(timezone=SHANGHAI).date()


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bee-demo-2021"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
RIDER, CITY_ADMIN = "13800000002", "13900000000"
SUBJECT = "站点超时罚款标准不透明"
DESCRIPTION = "汉街站对超时一律罚款五十元，雨天也不例外，罚款标准从来没有公示过，希望核实并退还不合理的罚款。"


def to_english(page: Any) -> None:
    page.get_by_role("button", name="EN").first.click()
    page.wait_for_load_state()


def staff_of(org: Organisation, role: str) -> User:
    membership = Membership.objects.filter(organisation=org, role=role).select_related("user").order_by("pk").first()
    assert membership is not None, f"{org.name} has no {role}"
    return membership.user


def filed_days_ago(case: Case, days: int) -> Case:
    """Move a just-filed appeal back in time, deadlines and timeline with it, so that the
    sweep's "a minute past the deadline" lies before what the committee does next."""
    shift = timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(
        created_at=F("created_at") - shift,
        updated_at=F("updated_at") - shift,
        accept_due_at=F("accept_due_at") - shift,
        next_escalation_at=F("next_escalation_at") - shift,
    )
    Appeal.objects.filter(pk=case.pk).update(created_at=F("created_at") - shift)
    CaseEvent.objects.filter(case_id=case.pk).update(at=F("at") - shift)
    CaseOrganisation.objects.filter(case_id=case.pk).update(since=F("since") - shift)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def demo_city(wuhan_city: Any, settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_an_anonymous_appeal_against_eleme_escalates_to_the_committee_and_is_resolved(
    demo_city: Path, new_phone_page: Any, screenshot: Any
) -> None:
    # given the demo rider (饿了么), 饿了么's party organisation with its admin, and the food-delivery
    # committee with the handler the demo gave it
    rider = User.objects.get(phone=RIDER)
    eleme_party = Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise__name="饿了么")
    committee = Organisation.objects.get(kind=OrgKind.INDUSTRY_COMMITTEE, industry=Industry.FOOD_DELIVERY)
    eleme_admin = staff_of(eleme_party, Role.ADMIN)
    committee_handler = staff_of(committee, Role.HANDLER)
    committee_scope = stats_scope_of(committee_handler)
    assert committee_scope is not None

    # when the rider files an appeal against 饿了么 about penalty fees, hiding who he is
    page = new_phone_page()
    log_in(page, RIDER, "/appeals/new/", password=PASSWORD)
    page.locator("input[name=type][value=rights]").check()
    page.locator("input[name=involves][value=enterprise]").check()
    page.locator("select[name=enterprise]").select_option(label="饿了么")
    page.locator("input[name=anonymous_to_enterprise]").check()
    page.locator("input[name=subject]").fill(SUBJECT)
    page.locator("textarea[name=description]").fill(DESCRIPTION)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header would otherwise sit mid-shot
    screenshot(page, "appeal-done-when-1-form")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url(re.compile(r"/appeals/\d+/$"))
    screenshot(page, "appeal-done-when-2-submitted")

    # then it lies with 饿了么's party organisation, anonymous towards it, supervised by the committee
    appeal = Appeal.objects.select_related("case").get(subject=SUBJECT)
    case = appeal.case
    assert appeal.anonymous_to_enterprise and appeal.enterprise_id == eleme_party.enterprise_id
    assert case.organisation_id == eleme_party.pk and appeal.supervisor_id == committee.pk
    assert case.reporter_id == rider.pk and case.status == CaseStatus.SUBMITTED

    # when 饿了么's admin opens it
    desk = new_phone_page()
    log_in(desk, eleme_admin.phone, "/staff/cases/", password=PASSWORD)
    desk.goto(f"/staff/cases/{case.pk}/")
    screenshot(desk, "appeal-done-when-3-enterprise-sees-content-only")

    # then the content is there, the rider's name and phone are not, anywhere on the page
    main = desk.locator("main").inner_text()
    assert SUBJECT in main and "罚款五十元" in main
    html = desk.content()
    assert rider.name not in html and rider.phone not in html
    # nor in the queue
    desk.goto("/staff/cases/?queue=mine")
    html = desk.content()
    assert rider.name not in html and rider.phone not in html

    # when 饿了么 does not accept it in time (as if he had sent it three days ago) and the periodic
    # sweep runs a minute past the deadline
    case = filed_days_ago(case, 3)
    assert case.accept_due_at is not None and case.accept_due_at < timezone.now()
    cases_escalate_overdue(now=case.accept_due_at + timedelta(minutes=1))

    # then it has gone up to the food-delivery committee, with the reason on the timeline
    case.refresh_from_db()
    assert case.organisation_id == committee.pk and case.overdue
    escalation = CaseEvent.objects.get(case=case, action=CaseAction.ESCALATE)
    assert escalation.from_org_id == eleme_party.pk and escalation.to_org_id == committee.pk

    # when the committee's handler opens it, accepts it and resolves it on its case page
    chief = new_phone_page()
    log_in(chief, committee_handler.phone, "/staff/cases/", password=PASSWORD)
    chief.goto(f"/staff/cases/{case.pk}/")
    # (the committee sees who sent it)
    assert rider.name in chief.locator("main").inner_text()
    accept = chief.locator("[data-case-action=accept]")
    accept.locator("summary").click()
    accept.get_by_label("受理说明（小哥会看到）").fill("行业党委已接手，将约谈汉街站负责人。")
    accept.get_by_role("button", name="受理", exact=True).click()
    chief.locator(".toast", has_text="已受理").wait_for()
    resolve = chief.locator("[data-case-action=resolve]")
    resolve.locator("summary").click()
    resolve.get_by_label("办理结果（小哥会看到）").fill("经约谈，汉街站已退还雨天超时罚款，并在站内公示超时处理标准。")
    resolve.get_by_role("button", name="办结", exact=True).click()
    chief.locator(".toast", has_text="已办结").wait_for()
    screenshot(chief, "appeal-done-when-4-resolved-by-committee")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.organisation_id == committee.pk

    # when the rider opens his appeal, sees the answer and gives five stars
    page.goto(f"/appeals/{case.pk}/")
    timeline = page.locator("main").inner_text()
    assert "汉街站已退还雨天超时罚款" in timeline
    page.locator("label.star-rating__star[for$='_0']").click()
    page.get_by_role("button", name="问题已解决").click()
    page.wait_for_load_state()
    screenshot(page, "appeal-done-when-5-rated")

    # then it is closed with his rating
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == 5

    # and the committee's figures (the rollups rebuilt from the demo's rows) are on its dashboard
    rollups_rebuild()
    after = measures.overview(committee_scope, Period(start=None, end=today())).appeals
    chief.goto("/staff/stats/?period=all")
    headline = chief.locator("[data-appeals-sentence]").inner_text()
    received, resolved = after["received"], after["resolved"]
    assert f"收到诉求{received}件，解决{resolved}件" in "".join(headline.split())
    chief.goto("/staff/stats/offices/?period=all&kind=appeal")
    assert chief.locator(f"[data-office='{committee.pk}']").count() == 1
    screenshot(chief, "appeal-done-when-6-committee-figures")

    # and so do the city's, by the same definitions
    city = new_phone_page()
    log_in(city, CITY_ADMIN, "/staff/stats/?period=all", password=PASSWORD)
    city_admin = User.objects.get(phone=CITY_ADMIN)
    city_scope = stats_scope_of(city_admin)
    assert city_scope is not None
    city_overview = measures.overview(city_scope, Period(start=None, end=today()))
    headline = city.locator("[data-appeals-sentence]").inner_text()
    received, resolved = city_overview.appeals["received"], city_overview.appeals["resolved"]
    assert f"收到诉求{received}件，解决{resolved}件" in "".join(headline.split())
    assert received >= 300
    screenshot(city, "appeal-done-when-7-city-figures")
    to_english(city)
    city.locator("[data-appeals-sentence]").wait_for()
    screenshot(city, "appeal-done-when-7-city-figures-en")

    # and the rider's page in English
    to_english(page)
    screenshot(page, "appeal-done-when-5-rated-en")
    # and the enterprise still never learns who it was, even now it is closed
    desk.goto(f"/staff/cases/{case.pk}/")
    html = desk.content()
    assert SUBJECT in html and rider.name not in html and rider.phone not in html
    assert Case.objects.get(pk=case.pk).reporter_id == rider.pk
