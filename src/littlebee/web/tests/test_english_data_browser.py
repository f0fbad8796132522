"""On a 390 px phone under English (issue 18, item 4): the report form's categories, a station's
services and the inbox's messages are English, not only the words around them; the worker's
"Confirmed by company" status fits its card."""

from __future__ import annotations

import re
from typing import Any

import pytest

from littlebee.accounts.models import EmploymentStatus
from littlebee.accounts.services import checkin_confirm
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import pending_worker, staff
from littlebee.conftest import log_in
from littlebee.hives.services import service_catalogue_ensure
from littlebee.hives.tests.factories import HiveFactory
from littlebee.reports.services import report_categories_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_under_english_the_categories_services_and_inbox_are_english(
    new_phone_page: Any,
    city: Any,  # noqa: F811
    screenshot: Any,
) -> None:
    # given the city's catalogue, a station with two services, and a worker whose check-in and
    # employment the community and the company confirmed (the check-in's message in the inbox)
    report_categories_ensure()
    services = {s.code: s for s in service_catalogue_ensure()}
    hive: Any = HiveFactory(
        name="西厂口社区蜂巢驿站",
        community=city.community,
        managing_unit=city.party_org(city.community),
        lat=30.5475,
        lng=114.3000,
        services=[services["rest_charging"], services["water_meals"]],
    )
    me = pending_worker(community=city.community, employment_status=EmploymentStatus.CONFIRMED)
    checkin_confirm(profile_id=me.worker_profile.pk, actor=staff(city.party_org(city.community)))
    page = new_phone_page()
    log_in(page, me.phone, "/")

    # when the worker switches the site to English
    page.get_by_role("button", name=re.compile("EN")).first.click()
    page.wait_for_function("document.documentElement.lang === 'en'")

    # then the report form offers the categories in English
    page.goto("/reports/new/")
    chips = page.locator(".category-chip__name")
    assert "Road damage" in chips.all_inner_texts()
    assert not any(re.search(r"[\u4e00-\u9fff]", name) for name in chips.all_inner_texts())
    screenshot(page, "english-report-categories")

    # and the station lists its services in English
    page.goto(f"/hives/{hive.pk}/")
    tags = page.locator(".service-tag").all_inner_texts()
    assert sorted(tags) == ["Drinking water and meals", "Rest and phone charging"]
    screenshot(page, "english-station-services")

    # and the inbox reads the community's decision and the points it earned in English
    page.goto("/inbox/")
    inbox = page.get_by_test_id("inbox").inner_text()
    assert "Community check-in confirmed" in inbox and "20 points earned: community check-in" in inbox
    assert "社区报到已确认" not in inbox and "积分" not in inbox
    screenshot(page, "english-inbox")

    # and the company's confirmation fits its card on the worker's page
    page.goto("/me/")
    pill = page.locator(".status .pill", has_text="Confirmed by company")
    pill.wait_for()
    card = page.locator(".card--statuses")
    pill_box, card_box, title_box = pill.bounding_box(), card.bounding_box(), pill.locator("xpath=..").bounding_box()
    assert pill_box and card_box and title_box
    assert _inside(pill_box, card_box), (pill_box, card_box)
    assert _inside(pill_box, title_box), (pill_box, title_box)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "english-confirmed-by-company")
