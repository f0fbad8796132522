"""POST requests needs a live api_key (query string or body) within its daily quota; the city
admin issues keys (shown once, stored hashed) and revokes them; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases.tests.factories import World
from littlebee.conftest import client_for
from littlebee.open311 import services
from littlebee.open311.models import ApiKey, ApiKeyUsage, Partner, PostedRequest
from littlebee.reports.models import Report

from .conftest import BASE, Keyed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}


def test_the_key_is_read_from_the_query_string_or_the_body(w: World, web: Client, keyed: Keyed) -> None:
    # when
    in_query = post_request(web, GOOD, key=keyed.raw)
    in_body = post_request(web, {**GOOD, "api_key": keyed.raw})
    urlencoded = web.post(
        f"{BASE}/requests.json",
        f"api_key={keyed.raw}&service_code=garbage&lat=30.55&long=114.30",
        content_type="application/x-www-form-urlencoded",
    )

    # then
    assert [r.status_code for r in (in_query, in_body, urlencoded)] == [201, 201, 201]
    assert PostedRequest.objects.filter(partner=keyed.partner).count() == 3


@pytest.mark.parametrize("key", [None, "", "o311_wrong", "x" * 300, "Bearer o311_"])
def test_no_or_a_wrong_key_is_403_and_stores_nothing(w: World, web: Client, keyed: Keyed, key: str | None) -> None:
    # when
    response = post_request(web, GOOD, key=key)

    # then
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert Report.objects.count() == 0


def test_a_revoked_key_is_refused_from_the_next_request(w: World, web: Client, keyed: Keyed) -> None:
    # given
    assert post_request(web, GOOD, key=keyed.raw).status_code == 201

    # when
    services.api_key_revoke(key_id=keyed.key.pk, actor=w.city_admin)
    response = post_request(web, GOOD, key=keyed.raw)

    # then
    assert response.status_code == 403
    assert Report.objects.count() == 1


def test_the_key_is_stored_only_hashed(w: World, keyed: Keyed) -> None:
    # then
    stored = ApiKey.objects.values_list("key_hash", "prefix").get()
    assert keyed.raw not in stored
    assert keyed.raw.startswith(stored[1])


def test_beyond_the_daily_quota_a_post_is_429_and_a_refused_post_costs_nothing(
    w: World, web: Client, keyed: Keyed
) -> None:
    # given a key of two posts a day, and a refused post first
    key, raw = services.api_key_issue(partner=keyed.partner, actor=w.city_admin, daily_quota=2)
    assert post_request(web, {**GOOD, "service_code": "nope"}, key=raw).status_code == 404

    # when
    statuses = [post_request(web, GOOD, key=raw).status_code for _ in range(3)]

    # then
    assert statuses == [201, 201, 429]
    assert ApiKeyUsage.objects.get(key=key, day=timezone.localdate()).count == 2
    assert Report.objects.count() == 2
    # another key of the same partner has its own quota
    assert post_request(web, GOOD, key=keyed.raw).status_code == 201


def test_the_city_admin_issues_a_key_shown_once_and_revokes_it(w: World, keyed: Keyed) -> None:
    # given
    admin = client_for(w.city_admin)

    # when
    issued = admin.post("/staff/partners/", {"action": "key", "k-partner": keyed.partner.pk, "k-daily_quota": 20})
    later = admin.get("/staff/partners/")

    # then
    assert issued.status_code == 200
    assert issued["Cache-Control"] == "no-store"
    raw = issued.context["issued"]
    assert raw.startswith(services.KEY_PREFIX)
    assert raw in issued.content.decode()
    assert raw not in later.content.decode()
    key = ApiKey.objects.get(partner=keyed.partner, daily_quota=20)
    assert key.prefix in later.content.decode()

    # when
    revoked = admin.post(f"/staff/partners/keys/{key.pk}/revoke/")

    # then
    assert revoked.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_city_admin_adds_a_partner_with_an_account_nobody_signs_in_as(w: World) -> None:
    # when
    response = client_for(w.city_admin).post(
        "/staff/partners/", {"action": "partner", "p-name": "武汉 12345 热线", "p-organisation": w.city_org.pk}
    )

    # then
    assert response.status_code == 302
    partner = Partner.objects.get(name="武汉 12345 热线")
    assert partner.organisation == w.city_org
    assert not partner.user.has_usable_password()
    assert not partner.user.phone.isdigit()


@pytest.mark.parametrize("who", ["worker", "handler", "anonymous"])
def test_nobody_but_a_city_admin_manages_keys(w: World, keyed: Keyed, who: str) -> None:
    # given
    if who == "worker":
        client = client_for(worker())
    elif who == "handler":
        client = client_for(staff(w.community_org))
    else:
        client = Client()

    # when
    page = client.get("/staff/partners/")
    issue = client.post("/staff/partners/", {"action": "key", "k-partner": keyed.partner.pk, "k-daily_quota": 5})
    revoke = client.post(f"/staff/partners/keys/{keyed.key.pk}/revoke/")

    # then
    expected = 302 if who == "anonymous" else 403  # anonymous: to the login page
    assert [page.status_code, issue.status_code, revoke.status_code] == [expected] * 3
    assert ApiKey.objects.count() == 1
    keyed.key.refresh_from_db()
    assert keyed.key.revoked_at is None


def test_the_partners_page_reads_in_a_fixed_number_of_queries(
    w: World, keyed: Keyed, django_assert_max_num_queries: Any
) -> None:
    # given three more partners with two keys each
    for n in range(3):
        partner = services.partner_create(name=f"合作方{n}", organisation=w.city_org, actor=w.city_admin)
        for _ in range(2):
            services.api_key_issue(partner=partner, actor=w.city_admin)
    admin = client_for(w.city_admin)
    admin.get("/staff/partners/")

    # when / then
    with django_assert_max_num_queries(12):
        assert admin.get("/staff/partners/").status_code == 200
