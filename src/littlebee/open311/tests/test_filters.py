"""GET requests: ids override every other filter, service codes and statuses as comma lists,
dates with or without offsets and fractions, the last 90 days by default, pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from littlebee.cases import services as case_services
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World

from .conftest import BASE, filed

pytestmark = pytest.mark.django_db


def ids(web: Client, query: str = "") -> list[int]:
    response = web.get(f"{BASE}/requests.json{query}")
    assert response.status_code == 200, response.content
    return [int(r["service_request_id"]) for r in response.json()]


def _dated(report: Any, days_ago: int) -> None:
    Case.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_ids_override_the_other_filters(w: World, web: Client) -> None:
    # given
    garbage, road, old = filed(w), filed(w, category="road_damage"), filed(w)
    _dated(old, 200)

    # when / then
    assert ids(web, f"?service_request_id={garbage.pk},{old.pk}&service_code=road_damage") == [garbage.pk, old.pk]
    assert ids(web, f"?service_request_id={road.pk}") == [road.pk]


def test_service_codes_and_statuses_are_lists(w: World, web: Client) -> None:
    # given
    garbage, road, light = filed(w), filed(w, category="road_damage"), filed(w, category="street_light")
    case_services.case_accept(case_id=light.pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=light.pk, actor=w.community_handler, note="已修复")

    # when / then
    assert set(ids(web, "?service_code=garbage,road_damage")) == {garbage.pk, road.pk}
    assert ids(web, "?status=closed") == [light.pk]
    assert set(ids(web, "?status=open")) == {garbage.pk, road.pk}
    assert set(ids(web, "?status=open,closed")) == {garbage.pk, road.pk, light.pk}
    assert ids(web, "?service_code=street_light&status=open") == []


def test_the_last_90_days_by_default_and_dates_in_any_w3c_form(w: World, web: Client) -> None:
    # given
    recent, old = filed(w), filed(w)
    _dated(old, 200)
    at = Case.objects.get(pk=old.pk).created_at

    # when / then
    assert ids(web) == [recent.pk]
    before, after = at - timedelta(hours=1), at + timedelta(hours=1)
    assert ids(web, f"?start_date={before:%Y-%m-%dT%H:%M:%S}Z&end_date={after:%Y-%m-%dT%H:%M:%S}Z") == [old.pk]
    # the same hour written with an offset and fractions
    offset = before.astimezone(timezone.get_fixed_timezone(480))
    written = offset.strftime("%Y-%m-%dT%H:%M:%S.123456+08:00").replace("+", "%2B")
    assert ids(web, f"?start_date={written}&end_date={after:%Y-%m-%dT%H:%M:%S}Z") == [old.pk]
    assert ids(web, f"?start_date={at:%Y-%m-%d}&end_date={at:%Y-%m-%d}") == [old.pk]


def test_an_empty_parameter_is_absent(w: World, web: Client) -> None:
    # given
    report = filed(w)

    # when / then
    assert ids(web, "?service_request_id=&service_code=&status=&start_date=&end_date=&page=") == [report.pk]


def test_pages_of_a_given_size_newest_first_in_a_fixed_number_of_queries(
    w: World, web: Client, django_assert_max_num_queries: Any
) -> None:
    # given five reports, one resolved
    reports = [filed(w) for _ in range(5)]
    case_services.case_accept(case_id=reports[0].pk, actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=reports[0].pk, actor=w.community_handler, note="已清运")
    newest_first = [r.pk for r in reversed(reports)]

    # when
    with django_assert_max_num_queries(3):
        first = ids(web, "?page_size=2")
    second, third, beyond = ids(web, "?page_size=2&page=2"), ids(web, "?page_size=2&page=3"), ids(web, "?page=2")

    # then
    assert first + second + third == newest_first
    assert beyond == []


@pytest.mark.parametrize(
    "query",
    [
        "?service_request_id=abc",
        "?service_request_id=1,2,x",
        "?status=pending",
        "?start_date=yesterday",
        "?start_date=2026-02-30",
        "?page=0",
        "?page_size=1001",
        "?page=-1",
        "?start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z",
        "?service_request_id=" + ",".join(["1"] * 1001),
    ],
)
def test_a_bad_filter_is_400_in_the_specs_error_list(w: World, web: Client, query: str) -> None:
    # when
    response = web.get(f"{BASE}/requests.json{query}")

    # then
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
