"""A partner files for many couriers: its key has its own rate limit (not one worker's), a
courier its phone names keeps the worker's, and the partner's own account never earns points."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.models import Case, CaseEvent
from littlebee.cases.tests.factories import World
from littlebee.open311.models import ApiKeyUsage, PostedRequest
from littlebee.points.models import LedgerEntry
from littlebee.points.selectors import balance_of
from littlebee.reports.models import ReportFlag

from .conftest import Keyed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}


def _ok(response: Any) -> int:
    assert response.status_code == 201, response.content
    return int(response.json()[0]["service_request_id"])


def test_the_partners_own_account_is_not_held_to_one_workers_limit(
    w: World, web: Client, keyed: Keyed, settings: Any
) -> None:
    # given a worker's limit of 3 reports in 10 minutes and the key's of 20
    settings.REPORTS_RATE_LIMIT_COUNT = 3
    settings.REPORTS_BURST_COUNT = 2
    settings.OPEN311_KEY_RATE_LIMIT_COUNT = 20

    # when the partner posts 8 reports for couriers its phones do not name
    ids = [_ok(post_request(web, GOOD, key=keyed.raw)) for _ in range(8)]

    # then every one is filed under its account, and none is flagged as one worker's burst
    assert Case.objects.filter(pk__in=ids, reporter=keyed.partner.user).count() == 8
    assert not ReportFlag.objects.filter(report_id__in=ids).exists()


def test_beyond_the_keys_limit_a_post_is_refused_in_the_specs_words(
    w: World, web: Client, keyed: Keyed, settings: Any
) -> None:
    # given a key limit of 3 posts in 10 minutes
    settings.OPEN311_KEY_RATE_LIMIT_COUNT = 3
    settings.OPEN311_KEY_RATE_LIMIT_MINUTES = 10
    for _ in range(3):
        _ok(post_request(web, GOOD, key=keyed.raw))

    # when it posts a fourth, in JSON and in XML
    refused = post_request(web, GOOD, key=keyed.raw)
    refused_xml = post_request(web, GOOD, key=keyed.raw, fmt="xml")

    # then the spec's error list with 429, a wait, and nothing stored or counted
    assert refused.status_code == 429
    [error] = refused.json()
    assert error["code"] == 429
    assert "api_key" in error["description"] and "10" in error["description"] and "3" in error["description"]
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert refused_xml.status_code == 429
    assert b"<errors><error><code>429</code>" in refused_xml.content
    assert PostedRequest.objects.filter(key=keyed.key).count() == 3
    assert ApiKeyUsage.objects.get(key=keyed.key).count == 3


def test_the_limit_is_the_keys_another_key_of_the_partner_still_posts(
    w: World, web: Client, keyed: Keyed, settings: Any
) -> None:
    from littlebee.open311 import services

    settings.OPEN311_KEY_RATE_LIMIT_COUNT = 1
    _ok(post_request(web, GOOD, key=keyed.raw))
    _second, raw = services.api_key_issue(partner=keyed.partner, actor=w.city_admin)

    assert post_request(web, GOOD, key=keyed.raw).status_code == 429
    _ok(post_request(web, GOOD, key=raw))


def test_a_courier_named_by_phone_keeps_the_workers_limit(w: World, web: Client, keyed: Keyed, settings: Any) -> None:
    # given a worker's limit of 2 and a courier of the partner's enterprise
    settings.REPORTS_RATE_LIMIT_COUNT = 2
    settings.OPEN311_KEY_RATE_LIMIT_COUNT = 50
    courier = worker(enterprise=keyed.partner.organisation, user__phone="13811112222")
    for _ in range(2):
        _ok(post_request(web, {**GOOD, "phone": "13811112222"}, key=keyed.raw))

    # when the partner posts a third report for him, and one for nobody in particular
    refused = post_request(web, {**GOOD, "phone": "13811112222"}, key=keyed.raw)
    unattributed = post_request(web, GOOD, key=keyed.raw)

    # then his is refused with the worker's limit, the other goes through
    assert refused.status_code == 429
    [error] = refused.json()
    assert error["code"] == 429 and "随手拍" in error["description"]
    assert Case.objects.filter(reporter=courier).count() == 2
    _ok(unattributed)


def test_the_partners_own_account_earns_no_points(w: World, web: Client, keyed: Keyed) -> None:
    # given a report the partner filed under its own account
    request_id = _ok(post_request(web, GOOD, key=keyed.raw))

    # when the community accepts it with 10 points
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)

    # then it is accepted, but nobody earned anything, and the timeline says why
    case = Case.objects.get(pk=request_id)
    assert case.status == "accepted"
    assert not LedgerEntry.objects.filter(worker=keyed.partner.user).exists()
    assert balance_of(keyed.partner.user) == 0
    data = CaseEvent.objects.get(case=case, action="accept").data
    assert data == {"points_awarded": 0, "points_refusal": "not_a_worker"}


def test_a_courier_named_by_phone_earns_the_points(w: World, web: Client, keyed: Keyed) -> None:
    # given a report filed for a courier of the partner's enterprise
    courier = worker(enterprise=keyed.partner.organisation, user__phone="13811112222")
    request_id = _ok(post_request(web, {**GOOD, "phone": "13811112222"}, key=keyed.raw))

    # when it is accepted with 10 points
    case_services.case_accept(case_id=request_id, actor=w.community_handler, points=10)

    # then he earns them, the partner nothing
    assert balance_of(courier) == 10
    assert LedgerEntry.objects.filter(worker=courier, amount=10).count() == 1
    assert not LedgerEntry.objects.filter(worker=keyed.partner.user).exists()


def test_a_keys_own_rate_limit_overrides_the_setting(w: World, web: Client, keyed: Keyed, settings: Any) -> None:
    from littlebee.open311 import services

    # given the setting's 50 posts in 10 minutes, and a key issued with its own 2
    settings.OPEN311_KEY_RATE_LIMIT_COUNT = 50
    _small, raw = services.api_key_issue(partner=keyed.partner, actor=w.city_admin, rate_limit=2)
    for _ in range(2):
        _ok(post_request(web, GOOD, key=raw))

    # when / then its third is refused, naming its own limit; the partner's other key goes on
    refused = post_request(web, GOOD, key=raw)
    assert refused.status_code == 429
    assert "最多 2 条" in refused.json()[0]["description"]
    _ok(post_request(web, GOOD, key=keyed.raw))


@pytest.mark.parametrize("rate", [0, -1, 100_001])
def test_a_rate_limit_out_of_range_is_refused(w: World, keyed: Keyed, rate: int) -> None:
    from littlebee.core.errors import InvalidInput
    from littlebee.open311 import services
    from littlebee.open311.models import ApiKey

    with pytest.raises(InvalidInput) as refused:
        services.api_key_issue(partner=keyed.partner, actor=w.city_admin, rate_limit=rate)
    assert refused.value.errors[0].field == "rate_limit"
    assert ApiKey.objects.count() == 1


def test_the_city_admin_sets_a_keys_rate_limit_on_the_partners_page(w: World, keyed: Keyed) -> None:
    from littlebee.conftest import client_for
    from littlebee.open311.models import ApiKey

    admin = client_for(w.city_admin)
    # when a key is issued with 500 posts per window, and one with a limit out of range
    issued = admin.post(
        "/staff/partners/",
        {"action": "key", "k-partner": keyed.partner.pk, "k-daily_quota": 20000, "k-rate_limit": 500},
    )
    refused = admin.post(
        "/staff/partners/", {"action": "key", "k-partner": keyed.partner.pk, "k-daily_quota": 20, "k-rate_limit": 0}
    )
    page = admin.get("/staff/partners/").content.decode()

    # then the first has it and the page shows each key's limit; the second is not issued
    assert issued.status_code == 200
    assert ApiKey.objects.get(daily_quota=20000).rate_limit == 500
    assert "每 10 分钟 500 条" in page and "每 10 分钟 120 条" in page
    assert refused.status_code == 400 and list(refused.context["key_form"].errors) == ["rate_limit"]
    assert refused.context["key_form"].errors["rate_limit"][0] in refused.content.decode()
    assert not ApiKey.objects.filter(daily_quota=20).exists()


def test_the_command_issues_a_key_with_its_rate_limit(w: World, keyed: Keyed) -> None:
    import hashlib
    from io import StringIO

    from django.core.management import call_command

    from littlebee.open311.models import ApiKey

    out, err = StringIO(), StringIO()
    call_command("partner_key", "顺丰速运", "--rate", "300", stdout=out, stderr=err)
    key = ApiKey.objects.get(key_hash=hashlib.sha256(out.getvalue().strip().encode()).hexdigest())
    assert key.rate_limit == 300 and key.posts_per_window == 300
    assert "300 in 10 minutes" in err.getvalue()


def test_the_case_page_asks_no_points_for_the_partners_own_account(w: World, web: Client, keyed: Keyed) -> None:
    from littlebee.conftest import client_for

    # given a report under the partner's account and one for its courier, in a ranged category
    courier = worker(enterprise=keyed.partner.organisation, user__phone="13811112222")
    own = _ok(post_request(web, GOOD, key=keyed.raw))
    for_courier = _ok(post_request(web, {**GOOD, "phone": "13811112222"}, key=keyed.raw))
    handler = client_for(w.community_handler)

    # when the handler opens each
    own_page = handler.get(f"/staff/cases/{own}/")
    courier_page = handler.get(f"/staff/cases/{for_courier}/")

    # then the partner's says no points are earned and offers none; the courier's does
    assert own_page.status_code == 200 and courier_page.status_code == 200
    own_html, courier_html = own_page.content.decode(), courier_page.content.decode()
    assert "data-no-points" in own_html and "受理不计积分" in own_html
    assert "受理后提交人将获得" not in own_html and 'name="points"' not in own_html
    assert "data-no-points" not in courier_html

    # and accepting the partner's on the page needs no points and awards none
    accepted = handler.post(f"/staff/cases/{own}/actions/", {"action": "accept", "note": ""})
    assert accepted.status_code == 302, accepted.content.decode()[-2000:]
    assert Case.objects.get(pk=own).status == "accepted"
    assert balance_of(keyed.partner.user) == 0 and balance_of(courier) == 0
