"""GET/POST /events…: status codes, shapes, query counts and the attendance exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import UserFactory, WorkerProfileFactory, staff, worker
from littlebee.hives.models import Event, EventRegistration, EventStatus, RegistrationStatus
from littlebee.hives.services import events as event_services
from littlebee.hives.tests.factories import HiveFactory
from littlebee.orgs.tests.factories import EnterpriseFactory, PartyOrgFactory

from .event_factories import CODE, EventFactory

pytestmark = pytest.mark.django_db

EVENT_FIELDS = {
    "id",
    "title",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "registered",
    "waitlisted",
    "points",
    "status",
    "hive",
    "organiser",
    "my_status",
    "checkin_code",
}


def _body(org: Any, **overrides: Any) -> dict[str, Any]:
    starts = timezone.localtime() + timedelta(days=5)
    return {
        "organiser": org.pk,
        "title": "骑手集体生日会",
        "description": "黄鹤楼下，为 7 月出生的骑手过生日",
        "place": "黄鹤楼公园南门",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "capacity": 50,
        "points": 30,
        **overrides,
    }


# --- reading ----------------------------------------------------------------------------------
def test_anyone_lists_upcoming_events_with_counts(api: Any) -> None:
    hive: Any = HiveFactory()
    event: Any = EventFactory(hive=hive, capacity=1)
    EventFactory(status=EventStatus.CANCELLED)
    event_services.event_register(event_id=event.pk, worker=worker())
    event_services.event_register(event_id=event.pk, worker=worker())

    response = api.get("/events")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert set(item) == EVENT_FIELDS
    assert (item["capacity"], item["registered"], item["waitlisted"]) == (1, 1, 1)
    assert item["hive"] == {"id": hive.pk, "name": hive.name}
    assert item["my_status"] is None and item["checkin_code"] is None
    assert item["starts_at"].endswith("+08:00")


def test_the_list_filters_by_hive_and_upcoming(api: Any) -> None:
    hive: Any = HiveFactory()
    at_hive: Any = EventFactory(hive=hive)
    EventFactory()
    past: Any = EventFactory(
        hive=hive, starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=2)
    )

    assert [i["id"] for i in api.get("/events", {"hive": hive.pk}).json()["items"]] == [at_hive.pk]
    ids = [i["id"] for i in api.get("/events", {"hive": hive.pk, "upcoming": "false"}).json()["items"]]
    assert ids == [at_hive.pk, past.pk]


def test_my_status_and_the_code_for_those_who_manage(api_as: Any) -> None:
    event: Any = EventFactory()
    w = worker()
    event_services.event_register(event_id=event.pk, worker=w)

    mine = api_as(w).get(f"/events/{event.pk}").json()
    assert mine["my_status"] == "registered" and mine["checkin_code"] is None

    managed = api_as(staff(event.organiser)).get("/events").json()["items"][0]
    assert managed["checkin_code"] == CODE


@pytest.mark.parametrize("query", [{"hive": "abc"}, {"upcoming": "maybe"}, {"hive": "99999999999999999999"}])
def test_bad_list_queries_are_400(api: Any, query: dict[str, str]) -> None:
    response = api.get("/events", query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_hostile_paging_does_not_break(api: Any) -> None:
    EventFactory()
    assert api.get("/events", {"limit": 10**6, "offset": 10**15}).json()["items"] == []


def test_an_unknown_event_is_404(api: Any) -> None:
    assert api.get("/events/999999").status_code == 404
    assert api.get("/events/99999999999999999999").status_code == 404


def test_the_list_costs_the_same_queries_for_3_and_20_events(api_as: Any) -> None:
    hive: Any = HiveFactory()
    w = worker()
    client = api_as(w)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/events", {"limit": 50}).status_code == 200
        return len(ctx.captured_queries)

    client.get("/events")  # the token's first use is recorded once; not part of the count
    for _ in range(3):
        e: Any = EventFactory(hive=hive)
        event_services.event_register(event_id=e.pk, worker=w)
    three = count_queries()
    for _ in range(17):
        e = EventFactory(hive=hive)
        event_services.event_register(event_id=e.pk, worker=w)
    twenty = count_queries()

    assert three == twenty
    assert twenty <= 6


# --- publishing -------------------------------------------------------------------------------
def test_staff_publish_an_event(api_as: Any) -> None:
    org: Any = PartyOrgFactory()

    response = api_as(staff(org)).post("/events", _body(org))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == EVENT_FIELDS
    assert body["registered"] == 0 and len(body["checkin_code"]) == 6
    assert Event.objects.get(pk=body["id"]).organiser == org


def test_a_naive_time_is_read_in_the_local_time_zone(api_as: Any) -> None:
    org: Any = PartyOrgFactory()
    starts = (timezone.localtime() + timedelta(days=2)).replace(tzinfo=None, microsecond=0)

    response = api_as(staff(org)).post(
        "/events",
        _body(org, starts_at=starts.isoformat(), ends_at=(starts + timedelta(hours=1)).isoformat()),
    )

    assert response.status_code == 201
    assert response.json()["starts_at"] == starts.isoformat() + "+08:00"


def test_a_worker_may_not_publish(api_as: Any) -> None:
    org: Any = PartyOrgFactory()

    response = api_as(worker()).post("/events", _body(org))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_publishing_needs_a_login(api: Any) -> None:
    org: Any = PartyOrgFactory()
    assert api.post("/events", _body(org)).status_code == 401


def test_staff_of_an_unrelated_organisation_get_403(api_as: Any) -> None:
    org: Any = PartyOrgFactory()
    assert api_as(staff(PartyOrgFactory())).post("/events", _body(org)).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**30}, "capacity"),
        ({"points": 5000}, "points"),
        ({"starts_at": "2020-01-01T10:00:00+08:00", "ends_at": "2020-01-01T12:00:00+08:00"}, "starts_at"),
        ({"starts_at": "9999-12-31T23:00:00-14:00", "ends_at": "9999-12-31T23:59:00-14:00"}, "starts_at"),
        ({"ends_at": "2020-01-01T12:00:00+08:00"}, "ends_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"title": ""}, "title"),
        ({"title": "x" * 10_000}, "title"),
        ({"organiser": "a"}, "organiser"),
        ({"organiser": 10**20}, "organiser"),
        ({"hive": 0}, "hive"),
        ({"hive": 999_999}, "hive"),
    ],
)
def test_bad_bodies_are_400_with_the_field(api_as: Any, overrides: dict[str, Any], field: str) -> None:
    org: Any = PartyOrgFactory()

    response = api_as(staff(org)).post("/events", _body(org, **overrides))

    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Event.objects.exists()


def test_unstorable_text_is_400(api_as: Any) -> None:
    org: Any = PartyOrgFactory()
    response = api_as(staff(org)).post("/events", _body(org, title="生日\x00会"))
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_an_unknown_organiser_is_400(api_as: Any) -> None:
    org: Any = PartyOrgFactory()
    response = api_as(staff(org)).post("/events", _body(org, organiser=999_999))
    assert response.status_code == 400


# --- registering ------------------------------------------------------------------------------
def test_register_then_waitlist_then_409(api_as: Any) -> None:
    event: Any = EventFactory(capacity=1)
    first, second = api_as(worker()), api_as(worker())

    one = first.post(f"/events/{event.pk}/registrations")
    two = second.post(f"/events/{event.pk}/registrations")
    again = second.post(f"/events/{event.pk}/registrations")

    assert one.status_code == 201 and one.json()["status"] == "registered"
    assert one.json()["position"] is None
    assert two.status_code == 201
    assert (two.json()["status"], two.json()["position"]) == ("waitlisted", 1)
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    assert again.json()["detail"]


def test_registering_needs_a_login_and_a_worker(api: Any, api_as: Any) -> None:
    event: Any = EventFactory()
    assert api.post(f"/events/{event.pk}/registrations").status_code == 401
    assert api_as(UserFactory()).post(f"/events/{event.pk}/registrations").status_code == 403
    assert api_as(worker()).post("/events/999999/registrations").status_code == 404


def test_cancel_mine_promotes_the_next(api_as: Any) -> None:
    event: Any = EventFactory(capacity=1)
    a, b = worker(), worker()
    client_a, client_b = api_as(a), api_as(b)
    client_a.post(f"/events/{event.pk}/registrations")
    client_b.post(f"/events/{event.pk}/registrations")

    response = client_a.delete(f"/events/{event.pk}/registrations/mine")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    promoted = client_b.get(f"/events/{event.pk}").json()
    assert promoted["my_status"] == "registered"
    assert (promoted["registered"], promoted["waitlisted"]) == (1, 0)
    assert client_a.delete(f"/events/{event.pk}/registrations/mine").status_code == 404


def test_cancel_by_registration_id_and_someone_elses_is_404(api_as: Any) -> None:
    event: Any = EventFactory()
    owner = worker()
    registration = event_services.event_register(event_id=event.pk, worker=owner)

    assert api_as(worker()).post(f"/registrations/{registration.pk}/cancel").status_code == 404
    response = api_as(owner).post(f"/registrations/{registration.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = api_as(owner).post(f"/registrations/{registration.pk}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_my_registrations(api_as: Any) -> None:
    event: Any = EventFactory()
    w = worker()
    event_services.event_register(event_id=event.pk, worker=w)

    body = api_as(w).get("/me/event-registrations").json()

    assert body["count"] == 1
    assert body["items"][0]["event_detail"]["id"] == event.pk
    assert body["items"][0]["status"] == "registered"


# --- check-in ---------------------------------------------------------------------------------
def test_checkin_at_the_door(api_as: Any) -> None:
    event: Any = EventFactory()
    w = worker()
    client = api_as(w)
    client.post(f"/events/{event.pk}/registrations")

    wrong = client.post(f"/events/{event.pk}/checkin", {"code": "NOPE22"})
    right = client.post(f"/events/{event.pk}/checkin", {"code": CODE.lower()})

    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
    assert right.status_code == 200
    assert right.json()["status"] == "attended" and right.json()["checked_in_at"]


@pytest.mark.parametrize("body", [{}, {"code": 12}, {"code": "x" * 1000}, {"code": None}])
def test_malformed_checkin_bodies_are_400(api_as: Any, body: dict[str, Any]) -> None:
    event: Any = EventFactory()
    assert api_as(worker()).post(f"/events/{event.pk}/checkin", body).status_code == 400


def test_checkin_unregistered_is_409(api_as: Any) -> None:
    event: Any = EventFactory()
    response = api_as(worker()).post(f"/events/{event.pk}/checkin", {"code": CODE})
    assert response.status_code == 409 and response.json()["code"] == "not_registered"


# --- staff: attendance, staff check-in, cancel, exports --------------------------------------
def _event_with_attendees() -> tuple[Any, list[Any]]:
    people: list[Any]
    event: Any = EventFactory(capacity=2)
    enterprise: Any = EnterpriseFactory(name="顺丰速运", short_name="顺丰")
    people = [
        WorkerProfileFactory(user__name="张三", user__phone="13800000001", enterprise=enterprise).user,
        WorkerProfileFactory(user__name="=SUM(1)", user__phone="13800000002", worker_type="food_delivery").user,
        WorkerProfileFactory(user__name="王五", user__phone="13800000003").user,
    ]
    for person in people:
        event_services.event_register(event_id=event.pk, worker=person)
    event_services.event_checkin(event_id=event.pk, worker=people[0], code=CODE)
    return event, people


def test_attendance_for_organiser_staff_only(api_as: Any) -> None:
    event, _people = _event_with_attendees()

    assert api_as(worker()).get(f"/events/{event.pk}/attendance").status_code == 404
    assert api_as(staff(PartyOrgFactory())).get(f"/events/{event.pk}/attendance").status_code == 404

    body = api_as(staff(event.organiser)).get(f"/events/{event.pk}/attendance").json()
    assert (body["count"], body["registered"], body["waitlisted"], body["attended"]) == (3, 1, 1, 1)
    assert [i["name"] for i in body["items"]] == ["张三", "=SUM(1)", "王五"]
    assert body["items"][0]["phone"] == "13800000001"
    assert body["items"][0]["enterprise"] == "顺丰"
    assert body["items"][0]["worker_type"] == "快递员"


def test_a_city_admin_sees_masked_phones(api_as: Any) -> None:
    event, _people = _event_with_attendees()
    admin = UserFactory(is_superuser=True)

    body = api_as(admin).get(f"/events/{event.pk}/attendance").json()

    assert body["items"][0]["phone"] == "138****0001"


def test_staff_check_in_from_the_list(api_as: Any) -> None:
    event, people = _event_with_attendees()
    registration = EventRegistration.objects.get(event=event, worker=people[1])
    waiting = EventRegistration.objects.get(event=event, worker=people[2])
    client = api_as(staff(event.organiser, role=Role.ADMIN))

    ok = client.post(f"/events/{event.pk}/attendance/{registration.pk}/checkin")
    refused = client.post(f"/events/{event.pk}/attendance/{waiting.pk}/checkin")

    assert ok.status_code == 200 and ok.json()["status"] == "attended"
    assert refused.status_code == 409 and refused.json()["code"] == "waitlisted"


def test_organiser_cancels_the_event(api_as: Any) -> None:
    event: Any = EventFactory()
    assert api_as(worker()).post(f"/events/{event.pk}/cancel").status_code == 404
    response = api_as(staff(event.organiser)).post(f"/events/{event.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api_as(worker()).post(f"/events/{event.pk}/registrations").status_code == 409


def test_attendance_csv_opens_in_excel_and_has_the_rows(api_as: Any) -> None:
    event, _people = _event_with_attendees()

    response = api_as(staff(event.organiser)).get(f"/events/{event.pk}/attendance.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "手机号", "从业类型", "所属企业", "状态", "报名时间", "签到时间"]
    assert rows[1][:5] == ["张三", "13800000001", "快递员", "顺丰", "已签到"]
    assert rows[1][6]  # checked in at
    assert rows[2][0] == "'=SUM(1)"  # never a formula
    assert rows[2][2] == "外卖骑手"
    assert rows[3][4] == "候补中" and rows[3][6] == ""
    assert len(rows) == 4


def test_attendance_xlsx_has_the_rows(api_as: Any) -> None:
    event, _people = _event_with_attendees()

    response = api_as(staff(event.organiser)).get(f"/events/{event.pk}/attendance.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓名", "手机号", "从业类型", "所属企业", "状态", "报名时间", "签到时间"]
    assert rows[1][:5] == ["张三", "13800000001", "快递员", "顺丰", "已签到"]
    assert rows[2][0] == "'=SUM(1)"
    assert [r[4] for r in rows[1:]] == ["已签到", "已报名", "候补中"]


def test_exports_are_404_for_others(api: Any, api_as: Any) -> None:
    event, people = _event_with_attendees()
    for suffix in ("csv", "xlsx"):
        assert api.get(f"/events/{event.pk}/attendance.{suffix}").status_code == 401
        assert api_as(people[0]).get(f"/events/{event.pk}/attendance.{suffix}").status_code == 404
    assert EventRegistration.objects.filter(event=event, status=RegistrationStatus.ATTENDED).count() == 1


def test_english_messages(api_as: Any) -> None:
    event: Any = EventFactory()
    w = worker()
    api_as(w).post(f"/events/{event.pk}/registrations")
    response = api_as(w, language="en").post(f"/events/{event.pk}/registrations")
    assert response.status_code == 409
    assert response.json()["detail"]
