"""The done-when journey on a phone (390 px): the city admin reads the whole city's figures and
drills down to 西厂口社区; the 武昌区 admin sees 武昌区 only; the express-delivery committee
sees its enterprises' scorecards and their ranking; the same pages read in English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from littlebee.accounts.models import Membership, Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.appeals.tests.factories import AppealCity
from littlebee.cases.tests.factories import WORKING_MORNING, open_case
from littlebee.conftest import log_in
from littlebee.hives.models import Service
from littlebee.orgs.models import Industry
from littlebee.orgs.services import enterprise_create
from littlebee.orgs.tests.factories import CommunityFactory, DistrictFactory, PartyOrgFactory, StreetFactory

from .history import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whether the element at the middle of `selector` is that element (nothing laid over it).
ON_TOP = """(selector) => {
  const el = document.querySelector(selector);
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return el === hit || el.contains(hit);
}"""
# Whether anything is wider than the phone (a sideways scroll of the whole page).
# (Elements inside a scrolling box — a wide table's wrapper — or clipped by a box that fits do not count.)
FITS = """() => {
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (["auto", "scroll"].includes(overflow)) return true;
      // clipped by a box that itself fits (the map's tiles)
      if (["hidden", "clip"].includes(overflow) && p.getBoundingClientRect().right <= window.innerWidth + 1) {
        return true;
      }
    }
    return false;
  };
  const wide = [...document.querySelectorAll("main *")].filter(
    (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(el)
  );
  return wide.map((el) => el.outerHTML.slice(0, 120));
}"""


def _shown(page: Any, measure: str) -> int:
    return int(page.locator(f'[data-measure="{measure}"]').inner_text().replace(",", ""))


def _tap(page: Any, name: str) -> None:
    link = page.get_by_role("link", name=name, exact=True).first
    link.scroll_into_view_if_needed()
    selector = f'a[href="{link.get_attribute("href")}"]'
    assert page.evaluate(ON_TOP, selector), f"{name}: something lies over the link"
    link.click()


def test_the_city_the_district_and_the_committee_read_their_figures_on_a_phone(
    c: AppealCity, new_phone_page: Any, screenshot: Any
) -> None:
    # given the known history at 西厂口社区 (武昌区), a report in another district, and two
    # express enterprises of five couriers each
    build(c)
    w = c.w
    jianghan: Any = DistrictFactory(parent=w.city, name="江汉区")
    elsewhere: Any = CommunityFactory(parent=StreetFactory(parent=jianghan, name="花楼街道"), name="水塔社区")
    PartyOrgFactory(region=elsewhere, name="水塔社区党委")
    stranger = worker(community=elsewhere)
    open_case(w, reporter=stranger, region=elsewhere, at=WORKING_MORNING + timedelta(days=1))
    for code, name, couriers in (("sf", "顺丰武汉", 6), ("zto", "中通武汉", 5)):
        company = enterprise_create(
            code=code,
            name=name,
            short_name=name[:2],
            industry=Industry.EXPRESS,
            region=w.district,
            industry_committee=c.express_committee,
        )
        for _ in range(couriers):
            worker(worker_type="courier", enterprise=company, community=w.community)
    district_admin = staff(w.district_org, role=Role.ADMIN)
    assert Membership.objects.filter(user=district_admin, organisation=w.district_org).exists()

    # when the city admin opens the dashboard on a phone
    page = new_phone_page()
    log_in(page, w.city_admin.phone, "/staff/stats/?period=all")

    # then the whole city's figures are there: registrations, check-ins, reports, appeals, stations
    sentence = page.locator("[data-appeals-sentence]").inner_text()
    assert re.fullmatch(r"收到诉求 ?7 ?件，解决 ?1 ?件", sentence.strip()), sentence
    assert _shown(page, "appeals.received") == 7
    assert _shown(page, "reports.submitted") == 7  # 6 at 西厂口社区, 1 at 水塔社区
    assert _shown(page, "workers.registered") >= 8 + 11
    assert _shown(page, "workers.checked_in") >= 8
    assert _shown(page, "stations.visits") == 3
    places = page.locator("[data-stats-places]")
    assert "武昌区" in places.inner_text() and "江汉区" in places.inner_text()
    assert page.evaluate(FITS) == []
    screenshot(page, "stats-city-phone")

    # when they drill down: 武昌区 › 黄鹤楼街道 › 西厂口社区
    _tap(page, "武昌区")
    page.wait_for_url(re.compile(r"region="))
    assert "江汉区" not in page.locator("[data-stats-places]").inner_text()
    screenshot(page, "stats-district-phone")
    _tap(page, "黄鹤楼街道")
    page.wait_for_url(re.compile(r"region="))
    _tap(page, "西厂口社区")
    page.wait_for_url(re.compile(rf"region={w.community.pk}"))

    # then the community's own figures, under its name and the way back
    assert "西厂口社区" in page.locator("h1 + p").inner_text()
    assert "武昌区" in page.locator(".stats-trail").inner_text()
    assert _shown(page, "reports.submitted") == 6
    assert _shown(page, "stations.visits") == 3
    assert page.evaluate(FITS) == []
    screenshot(page, "stats-community-phone")

    # when the 武昌区 admin opens the dashboard
    page = new_phone_page()
    log_in(page, district_admin.phone, "/staff/stats/?period=all")

    # then only 武昌区 is counted, and 江汉区 cannot be asked for
    assert _shown(page, "reports.submitted") == 6
    assert "江汉区" not in page.content()
    refused = page.goto(f"/staff/stats/?period=all&region={jianghan.pk}")
    assert refused is not None and refused.status in (400, 403, 404)
    screenshot(page, "stats-district-admin-phone")

    # when the express-delivery committee opens the scorecards
    page = new_phone_page()
    log_in(page, c.express_handler.phone, "/staff/stats/enterprises/?period=all")

    # then its two enterprises are ranked, with their parts, and no other industry's
    text = page.locator("main").inner_text()
    assert "顺丰武汉" in text and "中通武汉" in text
    assert "饿了么" not in text and "美团" not in text
    ranks = page.locator("[data-rank]").all_inner_texts()
    assert [r.strip() for r in ranks if r.strip() not in ("", "—")][:2] == ["第 1 名", "第 2 名"], ranks
    assert "报到率" in text
    assert page.evaluate(FITS) == []
    screenshot(page, "stats-committee-scorecards-phone")


def test_the_dashboard_reads_in_english_on_a_phone(c: AppealCity, new_phone_page: Any, screenshot: Any) -> None:
    # given the history (its water service named in English too) and the city admin reading in English
    build(c)
    Service.objects.filter(code="water").update(name_en="Drinking water")
    page = new_phone_page()
    log_in(page, c.w.city_admin.phone, "/staff/stats/?period=all")
    page.get_by_role("button", name=re.compile("EN")).first.click()
    page.wait_for_function("document.documentElement.lang === 'en'")

    # when the dashboard, the offices' rates and the scorecards are opened
    for path, name in (
        ("/staff/stats/?period=all", "stats-dashboard-english"),
        ("/staff/stats/offices/?period=all", "stats-offices-english"),
        ("/staff/stats/enterprises/?period=all", "stats-scorecards-english"),
        ("/staff/stats/how/", "stats-how-english"),
    ):
        page.goto(path)
        main = page.locator("main").inner_text()
        # then their own words are English (names of places and organisations stay as written)
        words = re.sub(
            r"([\u4e00-\u9fff]+(党委|党工委|武汉|大队|部|局|站|蜂巢)|武汉市|武昌区|黄鹤楼街道|西厂口社区|户部巷社区|中华路街道)",
            "",
            main,
        )
        chinese = re.findall(r"[\u4e00-\u9fff]{2,}", words)
        assert not chinese, (path, chinese[:10])
        assert page.evaluate(FITS) == [], path
        screenshot(page, name)
    page.goto("/staff/stats/?period=all")
    assert re.fullmatch(
        r"\d+ appeals received, \d+ resolved", page.locator("[data-appeals-sentence]").inner_text().strip()
    )
