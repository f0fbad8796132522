"""The Appeals section of API.md, supervision through /cases/{id}/actions, and anonymity through
every route the enterprise's staff have: GET /cases, GET /cases/{id}, /appeals/{id}, messages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from littlebee.appeals.models import Appeal
from littlebee.appeals.tests.factories import AppealCity, file_appeal
from littlebee.appeals.tests.test_services import jpeg_with_exif
from littlebee.cases.models import Case, CaseAction, CaseStatus
from littlebee.cases.services import case_accept, case_resolve, cases_escalate_overdue
from littlebee.cases.tests.factories import WORKING_MORNING

pytestmark = pytest.mark.usefixtures("sent")


def post_appeal(api_as: Any, user: Any, data: dict[str, Any]) -> Any:
    return Client().post("/api/v1/appeals", data, headers=api_as(user)._headers())


def form(c: AppealCity, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "rights",
        "involves": "enterprise",
        "enterprise": str(c.eleme.pk),
        "subject": "超时罚款过高",
        "description": "恶劣天气下超时也被罚款。",
        "anonymous_to_enterprise": "true",
        "outcome_public": "true",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def identity_leaks(payload: Any, c: AppealCity) -> bool:
    text = json.dumps(payload, ensure_ascii=False, default=str)
    return c.rider.name in text or c.rider.phone in text


# --- Filing ---------------------------------------------------------------------------------------
def test_post_appeal_answers_201_with_routing(c: AppealCity, api_as: Any) -> None:
    # when the rider posts an anonymous appeal against 饿了么 with a photo
    response = post_appeal(api_as, c.rider, {**form(c), "attachments": [jpeg_with_exif()]})
    # then 201 with where it went and its deadline
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["assigned_to"] == {"id": c.eleme_party.pk, "name": c.eleme_party.name}
    assert body["supervisor"]["id"] == c.committee.pk
    assert body["deadline"] is not None
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.anonymous_to_enterprise and appeal.outcome_public and appeal.attachments.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"enterprise": "999999"}, "enterprise"),
        ({"enterprise": "abc"}, "enterprise"),
        ({"enterprise": "99999999999999999999"}, "enterprise"),
        ({"type": None}, "type"),
        ({"involves": "everything"}, "involves"),
        ({"subject": ""}, "subject"),
    ],
)
def test_bad_appeal_is_400_and_stores_nothing(c: AppealCity, api_as: Any, changes: dict[str, Any], field: str) -> None:
    response = post_appeal(api_as, c.rider, form(c, **changes))
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Case.objects.exists()


def test_unknown_enterprise_message(c: AppealCity, api_as: Any) -> None:
    response = post_appeal(api_as, c.rider, form(c, enterprise="999999"))
    assert response.json()["errors"] == [{"field": "enterprise", "detail": "该企业不存在。"}]


def test_bad_attachment_is_400(c: AppealCity, api_as: Any) -> None:
    pdf = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = post_appeal(api_as, c.rider, {**form(c), "attachments": [pdf]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attachments"


def test_post_needs_login(c: AppealCity) -> None:
    assert Client().post("/api/v1/appeals", form(c)).status_code == 401


def test_an_appeal_sent_as_json_is_refused_as_the_wrong_media_type(c: AppealCity, api_as: Any) -> None:
    # when a client sends the appeal's fields as JSON
    response = api_as(c.rider).post("/appeals", form(c))

    # then it is told to send a form, and nothing is filed
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Appeal.objects.exists()


# --- Reading -------------------------------------------------------------------------------------
def test_my_appeals_list(c: AppealCity, api_as: Any, django_assert_max_num_queries: Any) -> None:
    # given three appeals of the rider and one of another rider
    for i in range(3):
        file_appeal(c, at=WORKING_MORNING + timedelta(minutes=i), attachments=[jpeg_with_exif()])
    file_appeal(c, worker=c.other_rider, enterprise_id=c.meituan.pk)
    client = api_as(c.rider)
    # when the rider lists theirs: a bounded number of queries
    with django_assert_max_num_queries(8):
        response = client.get("/appeals", {"mine": "true"})
    # then only theirs, newest first
    body = response.json()
    assert body["count"] == 3
    assert [i["worker"]["id"] for i in body["items"]] == [c.rider.pk] * 3
    assert body["items"][0]["created_at"] > body["items"][1]["created_at"]
    # each with its timeline, as API.md promises, in the same bounded queries
    assert all(item["timeline"] and item["timeline"][0]["action"] == "open" for item in body["items"])
    assert client.get("/appeals", {"mine": "false"}).status_code == 400


def test_appeal_detail_with_timeline(c: AppealCity, api_as: Any) -> None:
    appeal = file_appeal(c)
    response = api_as(c.rider).get(f"/appeals/{appeal.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "超时罚款过高" and body["worker"]["id"] == c.rider.pk
    assert [e["action"] for e in body["timeline"]] == ["open"]
    assert body["timeline"][0]["to_org"]["id"] == c.eleme_party.pk


@pytest.mark.parametrize("who", ["other_rider", "meituan_handler", "express_handler", "regulator_handler"])
def test_others_get_404(c: AppealCity, api_as: Any, who: str) -> None:
    # given the rider's appeal against 饿了么
    appeal = file_appeal(c)
    client = api_as(getattr(c, who))
    # then another rider, another enterprise's handler, another committee, a regulator: 404
    assert client.get(f"/appeals/{appeal.pk}").status_code == 404
    assert client.get(f"/cases/{appeal.pk}").status_code == 404


def test_huge_and_unknown_ids_are_404(c: AppealCity, api_as: Any) -> None:
    client = api_as(c.rider)
    assert client.get("/appeals/99999999999").status_code == 404
    assert client.get("/appeals/12345").status_code == 404


def test_similar(c: AppealCity, api_as: Any) -> None:
    # given a resolved appeal whose outcome is public
    appeal = file_appeal(c, outcome_public=True)
    case_accept(case_id=appeal.pk, actor=c.eleme_handler)
    case_resolve(case_id=appeal.pk, actor=c.eleme_handler, note="已退还罚款。")
    # when another rider looks for similar ones
    response = api_as(c.other_rider).get("/appeals/similar", {"q": "超时 罚款"})
    # then the subject and the answer, nobody's identity
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["resolution"] == "已退还罚款。"
    assert not identity_leaks(body, c) and "id" not in body["items"][0]
    assert api_as(c.other_rider).get("/appeals/similar", {"q": "x" * 201}).status_code == 400


# --- Anonymity ------------------------------------------------------------------------------------
def test_enterprise_handler_cannot_learn_the_anonymous_worker(
    c: AppealCity, api_as: Any, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given the rider's anonymous appeal, told to 饿了么's handler
    with django_capture_on_commit_callbacks(execute=True):
        appeal = file_appeal(c, attachments=[jpeg_with_exif()])
    client = api_as(c.eleme_handler)
    # then the queue, the case, the appeal and the messages show the content, never the rider
    queue = client.get("/cases", {"queue": "mine"}).json()
    assert queue["count"] == 1 and queue["items"][0]["reporter"] is None
    detail = client.get(f"/cases/{appeal.pk}").json()
    assert detail["reporter"] is None
    assert [e["actor"] for e in detail["timeline"]] == [None]
    appeal_view = client.get(f"/appeals/{appeal.pk}").json()
    assert appeal_view["worker"] is None and appeal_view["subject"] == "超时罚款过高"
    everything = [queue, detail, appeal_view, client.get("/cases", {"queue": "all"}).json()]
    assert not any(identity_leaks(p, c) for p in everything)
    staff_messages = [m for m in sent if m["user"] == c.eleme_handler]
    assert staff_messages and not identity_leaks(staff_messages, c)
    assert "超时罚款过高" in staff_messages[0]["title"]


def test_enterprise_handler_cannot_learn_the_worker_after_accepting_or_disputes(
    c: AppealCity, api_as: Any, sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given 饿了么 accepts and resolves; the rider disputes
    appeal = file_appeal(c)
    client = api_as(c.eleme_handler)
    assert client.post(f"/cases/{appeal.pk}/actions", {"action": "accept"}).status_code == 200
    assert client.post(f"/cases/{appeal.pk}/actions", {"action": "resolve", "note": "已处理"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(c.rider).post(
            f"/appeals/{appeal.pk}/feedback", {"rating": 1, "comment": "没有解决", "resolved": False}
        )
    assert response.status_code == 200
    # then 饿了么 (which it passed through) still sees no reporter and no rider actor on the timeline
    detail = client.get(f"/cases/{appeal.pk}").json()
    assert detail["reporter"] is None and not identity_leaks(detail, c)
    assert not identity_leaks([m for m in sent if m["user"] == c.eleme_handler], c)
    # and the committee, which now holds it, sees who filed it
    committee_view = api_as(c.committee_handler).get(f"/cases/{appeal.pk}").json()
    assert committee_view["organisation"]["id"] == c.committee.pk
    assert committee_view["reporter"]["id"] == c.rider.pk


@pytest.mark.parametrize("who", ["committee_handler", "w.city_admin"])
def test_committee_and_city_see_the_worker(c: AppealCity, api_as: Any, who: str) -> None:
    appeal = file_appeal(c)
    user = c.w.city_admin if who == "w.city_admin" else getattr(c, who)
    client = api_as(user)
    assert client.get(f"/cases/{appeal.pk}").json()["reporter"]["id"] == c.rider.pk
    assert client.get(f"/appeals/{appeal.pk}").json()["worker"]["id"] == c.rider.pk
    items = client.get("/cases", {"queue": "all"}).json()["items"]
    assert [i["reporter"]["id"] for i in items] == [c.rider.pk]


def test_not_anonymous_shows_the_worker_to_the_enterprise(c: AppealCity, api_as: Any) -> None:
    appeal = file_appeal(c, anonymous_to_enterprise=False)
    assert api_as(c.eleme_handler).get(f"/cases/{appeal.pk}").json()["reporter"]["id"] == c.rider.pk


def test_cases_list_query_count_with_appeals(c: AppealCity, api_as: Any, django_assert_max_num_queries: Any) -> None:
    # given many appeals at 饿了么
    for i in range(12):
        file_appeal(c, at=WORKING_MORNING + timedelta(minutes=i))
    client = api_as(c.eleme_handler)
    # then its queue costs the same few queries, whatever their number
    with django_assert_max_num_queries(10):
        body = client.get("/cases", {"queue": "mine"}).json()
    assert body["count"] == 12 and all(i["reporter"] is None for i in body["items"])
    committee = api_as(c.committee_handler)
    with django_assert_max_num_queries(10):
        body = committee.get("/cases", {"queue": "all"}).json()
    assert body["count"] == 12 and all(
        i["actions"] == ["supervise", "set_deadline", "take_over"] for i in body["items"]
    )


# --- Supervision through /cases/{id}/actions ----------------------------------------------------------------
def test_committee_supervises_through_case_actions(c: AppealCity, api_as: Any) -> None:
    appeal = file_appeal(c)
    client = api_as(c.committee_handler)
    # when the committee comments, sets a deadline and takes over
    r = client.post(f"/cases/{appeal.pk}/actions", {"action": "supervise", "note": "请尽快答复"})
    assert r.status_code == 200, r.content
    due = (timezone.now() + timedelta(days=2)).isoformat()
    r = client.post(f"/cases/{appeal.pk}/actions", {"action": "set_deadline", "due_at": due, "note": ""})
    assert r.status_code == 200, r.content
    r = client.post(f"/cases/{appeal.pk}/actions", {"action": "take_over", "note": "提级办理"})
    assert r.status_code == 200, r.content
    # then it holds the appeal and may act on it as its handler
    body = r.json()
    assert body["organisation"]["id"] == c.committee.pk
    assert "accept" in body["actions"]
    assert [e["action"] for e in body["timeline"]] == ["open", "supervise", "set_deadline", "take_over"]


def test_supervision_refusals_through_case_actions(c: AppealCity, api_as: Any) -> None:
    appeal = file_appeal(c)
    # the enterprise's own handler: 403; another enterprise's: 404
    assert (
        api_as(c.eleme_handler).post(f"/cases/{appeal.pk}/actions", {"action": "take_over", "note": "x"}).status_code
        == 403
    )
    assert (
        api_as(c.meituan_handler).post(f"/cases/{appeal.pk}/actions", {"action": "supervise", "note": "x"}).status_code
        == 404
    )
    # the committee may not act as the holder (accept) while 饿了么 holds it
    assert api_as(c.committee_handler).post(f"/cases/{appeal.pk}/actions", {"action": "accept"}).status_code == 403
    # set_deadline without a due date: 400
    response = api_as(c.committee_handler).post(f"/cases/{appeal.pk}/actions", {"action": "set_deadline"})
    assert response.status_code == 400
    assert Case.objects.get(pk=appeal.pk).organisation == c.eleme_party


# --- The done-when, through the API --------------------------------------------------------------------
def test_anonymous_penalty_appeal_escalates_resolves_and_is_rated(c: AppealCity, api_as: Any) -> None:
    # given the rider files an anonymous appeal about penalty fees against 饿了么
    response = post_appeal(api_as, c.rider, form(c))
    appeal_id = response.json()["id"]
    case = Case.objects.get(pk=appeal_id)
    # and 饿了么's party organisation sees the content, not the rider, and does not act in time
    assert api_as(c.eleme_handler).get(f"/cases/{appeal_id}").json()["reporter"] is None
    assert case.accept_due_at is not None
    cases_escalate_overdue(now=case.accept_due_at + timedelta(minutes=1))
    # when the food-delivery committee accepts and resolves it
    committee = api_as(c.committee_handler)
    assert committee.get(f"/cases/{appeal_id}").json()["organisation"]["id"] == c.committee.pk
    assert committee.post(f"/cases/{appeal_id}/actions", {"action": "accept"}).status_code == 200
    r = committee.post(f"/cases/{appeal_id}/actions", {"action": "resolve", "note": "已约谈企业，罚款退还。"})
    assert r.status_code == 200
    # and the rider rates it
    r = api_as(c.rider).post(f"/appeals/{appeal_id}/feedback", {"rating": 5, "comment": "谢谢", "resolved": True})
    # then it is closed, rated, and its timeline tells every hop
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == CaseStatus.CLOSED and body["rating"] == 5
    # (the sweep ran "in the future", so its row sorts after the committee's real-time steps)
    assert sorted(e["action"] for e in body["timeline"]) == sorted(
        [CaseAction.OPEN, CaseAction.ESCALATE, CaseAction.ACCEPT, CaseAction.RESOLVE, CaseAction.CONFIRM]
    )
    hop = next(e for e in body["timeline"] if e["action"] == CaseAction.ESCALATE)
    assert hop["from_org"]["id"] == c.eleme_party.pk and hop["to_org"]["id"] == c.committee.pk
    assert not identity_leaks(hop, c)


def test_feedback_refusals(c: AppealCity, api_as: Any) -> None:
    appeal = file_appeal(c)
    # not yet resolved: 409; someone else's: 404; bad rating: 400
    assert api_as(c.rider).post(f"/appeals/{appeal.pk}/feedback", {"rating": 5, "resolved": True}).status_code == 409
    assert (
        api_as(c.other_rider).post(f"/appeals/{appeal.pk}/feedback", {"rating": 5, "resolved": True}).status_code == 404
    )
    assert api_as(c.rider).post(f"/appeals/{appeal.pk}/feedback", {"rating": 9, "resolved": True}).status_code == 400
