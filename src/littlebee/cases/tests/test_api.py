"""GET /cases, GET /cases/{id}, POST /cases/{id}/actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.tests.factories import worker
from littlebee.cases import services as case_services
from littlebee.cases.api import CaseList
from littlebee.core.api_answers import assert_answer_fits

from .factories import World, open_case, traffic_rule, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def test_the_queue_lists_my_organisations_cases(w: World, api_as: Any) -> None:
    # given two cases at the community and one elsewhere
    a = open_case(w)
    b = open_case(w, urgent=True)
    open_case(w, region=w.other_community)

    # when its handler asks for his queue
    response = api_as(w.community_handler).get("/cases", {"queue": "mine"})

    # then he gets his organisation's two, newest first, with what he may do
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["id"] for c in body["items"]] == [b.pk, a.pk]
    item = body["items"][0]
    assert item["status"] == "submitted"
    assert item["organisation"] == {"id": w.community_org.pk, "name": w.community_org.name}
    assert item["urgent"] is True and item["overdue"] is False
    assert item["accept_due_at"].endswith("+08:00")
    assert item["actions"] == ["accept", "reject", "forward", "return", "merge", "assign"]


def test_the_queue_is_two_queries_and_fits_its_schema(w: World, api_as: Any, django_assert_num_queries: Any) -> None:
    # given three cases at the community, one taken by its handler, reporters with names
    client = api_as(w.community_handler)
    client.get("/cases")  # the token's first use of the day writes its last_used_at
    cases = [open_case(w, reporter=worker(user__name=f"报告人{i}")) for i in range(3)]
    case_services.case_assign(case_id=cases[0].pk, actor=w.community_handler, handler=w.community_handler.pk)

    # when the handler asks for his queue
    # the token, and the page with his organisations read in it (three rows on a first page of
    # 20: the page is the count)
    with django_assert_num_queries(2) as captured:
        response = client.get("/cases", {"queue": "mine"})

    # then no region boundary is read, nor any password hash but the token check's
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in statements if "boundary" in q]
    assert len([q for q in statements if "password" in q]) <= 1
    # and every row has its names (office, community, handler, reporter and the number he may
    # call), and the answer is exactly what its schema declares
    body = response.json()
    assert_answer_fits(CaseList, body)
    rows = {c["id"]: c for c in body["items"]}
    assert set(rows) == {c.pk for c in cases}
    assert rows[cases[0].pk]["handler"] == {"id": w.community_handler.pk, "name": w.community_handler.name}
    assert rows[cases[1].pk]["handler"] is None
    for case in cases:
        case.refresh_from_db()
        assert rows[case.pk]["reporter"] == {"id": case.reporter.pk, "name": case.reporter.name}
        assert rows[case.pk]["reporter_phone"] == case.reporter.phone
        assert rows[case.pk]["region"] == {"id": w.community.pk, "name": w.community.name}


def test_queue_filters_and_bad_values(w: World, api_as: Any) -> None:
    open_case(w)
    client = api_as(w.community_handler)
    assert client.get("/cases", {"status": "accepted"}).json()["count"] == 0
    assert client.get("/cases", {"kind": "report", "overdue": "false"}).json()["count"] == 1
    assert client.get("/cases", {"queue": "nonsense"}).status_code == 400
    assert client.get("/cases", {"status": "nonsense"}).status_code == 400


def test_not_signed_in_is_401(w: World, api: Any) -> None:
    assert api.get("/cases").status_code == 401


def test_the_case_with_its_timeline(w: World, api_as: Any) -> None:
    case = open_case(w)
    response = api_as(w.community_handler).get(f"/cases/{case.pk}")
    assert response.status_code == 200
    [row] = response.json()["timeline"]
    assert row["action"] == "open"
    assert row["actor_role"] == "worker"
    assert row["to_org"]["id"] == w.community_org.pk


def test_another_organisation_gets_404_and_an_onlooker_403(w: World, api_as: Any) -> None:
    case = open_case(w)
    other = api_as(w.other_handler)
    assert other.get(f"/cases/{case.pk}").status_code == 404
    response = other.post(f"/cases/{case.pk}/actions", {"action": "accept"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    # a city admin sees it but may not act
    admin = api_as(w.city_admin)
    assert admin.get(f"/cases/{case.pk}").json()["actions"] == []
    response = admin.post(f"/cases/{case.pk}/actions", {"action": "accept"})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    # nor may the reporter
    reporter = api_as(case.reporter)
    assert reporter.post(f"/cases/{case.pk}/actions", {"action": "accept"}).status_code == 403
    # and an id beyond the range is simply not found
    assert api_as(w.community_handler).get("/cases/99999999999").status_code == 404


def test_accept_then_resolve_through_the_api(w: World, api_as: Any) -> None:
    case = open_case(w)
    client = api_as(w.community_handler)

    response = client.post(f"/cases/{case.pk}/actions", {"action": "accept", "note": "收到"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["handler"]["id"]) == ("accepted", w.community_handler.pk)
    assert [r["action"] for r in body["timeline"]] == ["open", "accept"]

    response = client.post(f"/cases/{case.pk}/actions", {"action": "accept"})
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")

    response = client.post(f"/cases/{case.pk}/actions", {"action": "resolve", "note": "已清理"})
    assert response.json()["status"] == "resolved"


def test_forward_merge_and_assign_need_their_fields(w: World, api_as: Any) -> None:
    case = open_case(w)
    client = api_as(w.community_handler)
    for action, field in (("forward", "to_org"), ("merge", "duplicate_of"), ("assign", "handler")):
        response = client.post(f"/cases/{case.pk}/actions", {"action": action, "note": "x"})
        assert response.status_code == 400, action
        assert response.json()["errors"][0]["field"] == field
    response = client.post(
        f"/cases/{case.pk}/actions", {"action": "forward", "to_org": w.traffic_police.pk, "note": "交警"}
    )
    assert response.status_code == 200
    assert response.json()["organisation"]["id"] == w.traffic_police.pk
    # now it is the police's: the community may look, not act
    assert client.get(f"/cases/{case.pk}").json()["actions"] == []


def test_unknown_actions_are_400(w: World, api_as: Any) -> None:
    case = open_case(w)
    response = api_as(w.community_handler).post(f"/cases/{case.pk}/actions", {"action": "explode"})
    assert response.status_code == 400


def test_the_traffic_police_find_the_broken_light_in_their_queue(w: World, api_as: Any) -> None:
    traffic_rule()
    case = open_case(w, category="traffic_signal", reporter=worker())
    body = api_as(w.police_handler).get("/cases").json()
    assert [c["id"] for c in body["items"]] == [case.pk]


def _queries_for(client: Any, path: str) -> int:
    client.get(path)  # warm up: the token's first use of the day writes its last_used_at
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_for_3_cases_as_for_25(w: World, api_as: Any) -> None:
    client = api_as(w.community_handler)
    for _ in range(3):
        open_case(w)
    few = _queries_for(client, "/cases?limit=100")
    for _ in range(22):
        open_case(w, reporter=worker())
    assert _queries_for(client, "/cases?limit=100") == few
    assert _queries_for(client, "/cases?queue=all&limit=100") <= few + 2


def test_the_case_page_costs_the_same_for_a_short_and_a_long_timeline(w: World, api_as: Any) -> None:
    case = open_case(w)
    client = api_as(w.community_handler)
    short = _queries_for(client, f"/cases/{case.pk}")
    from littlebee.cases import services

    services.case_accept(case_id=case.pk, actor=w.community_handler)
    services.case_start(case_id=case.pk, actor=w.community_handler)
    services.case_resolve(case_id=case.pk, actor=w.community_handler, note="好了")
    assert _queries_for(client, f"/cases/{case.pk}") == short


def test_a_moment_in_a_given_zone_is_what_localtime_gives() -> None:
    # given an aware moment and the reader's zone, asked once for a page's rows
    from datetime import UTC, datetime

    from django.utils import timezone

    from littlebee.cases.api import local

    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    zone = timezone.get_current_timezone()

    # when / then: the same moment and offset as timezone.localtime, None for none
    assert local(moment, zone) == timezone.localtime(moment)
    assert local(moment, zone).utcoffset() == timezone.localtime(moment).utcoffset()  # type: ignore[union-attr]
    assert local(None, zone) is None
    # and a naive value is refused, as localtime refuses it
    with pytest.raises(ValueError):
        local(datetime(2026, 3, 1, 23, 30), zone)  # noqa: DTZ001
