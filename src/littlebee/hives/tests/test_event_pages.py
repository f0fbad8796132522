"""Pages: the events list, an event's page (register, waiting list, cancel, check in) and the
organiser's attendance list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for
from littlebee.hives.models import EventRegistration, RegistrationStatus

from .event_factories import CODE, EventFactory
from .factories import HiveFactory

pytestmark = pytest.mark.django_db


def act(client: Client, event: Any, action: str, **extra: str) -> Any:
    return client.post(reverse("hives:event_action", args=[event.pk]), {"action": action, **extra}, follow=True)


def status_of(event: Any, user: Any) -> str | None:
    registration = EventRegistration.objects.filter(event=event, worker=user).exclude(status="cancelled").first()
    return registration.status if registration else None


# --- Registering ------------------------------------------------------------------------------
def test_a_worker_registers_on_the_event_page_and_sees_it() -> None:
    # given an upcoming event with places
    event: Any = EventFactory(title="小哥集体生日会", capacity=2)
    rider = worker()
    client = client_for(rider)

    # when the worker opens the page and registers
    page = client.get(reverse("hives:event", args=[event.pk])).content.decode()
    response = act(client, event, "register")

    # then the page offered the places, and now says registered
    assert "立即报名（余 2 个名额）" in page
    html = response.content.decode()
    assert "报名成功" in html
    assert "已报名 1/2" in html
    assert status_of(event, rider) == RegistrationStatus.REGISTERED


def test_registering_twice_is_refused_and_changes_nothing() -> None:
    event: Any = EventFactory()
    rider = worker()
    client = client_for(rider)
    act(client, event, "register")

    response = act(client, event, "register")

    assert "您已报名该活动" in response.content.decode()
    assert EventRegistration.objects.filter(event=event, worker=rider).count() == 1


def test_a_full_event_puts_the_next_worker_on_the_waiting_list_and_a_cancellation_promotes_them(
    sms_outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given an event with one place taken
    event: Any = EventFactory(capacity=1)
    first, second = worker(), worker()
    act(client_for(first), event, "register")

    # when a second worker registers
    second_client = client_for(second)
    page = second_client.get(reverse("hives:event", args=[event.pk])).content.decode()
    response = act(second_client, event, "register")

    # then they wait first in line
    assert "名额已满，加入候补" in page
    assert "候补名单第 1 位" in response.content.decode()
    assert status_of(event, second) == RegistrationStatus.WAITLISTED

    # when the first cancels
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client_for(first), event, "cancel")

    # then the second moves up and is told by SMS
    assert "已取消报名" in response.content.decode()
    assert status_of(event, first) is None
    assert status_of(event, second) == RegistrationStatus.REGISTERED
    assert [m.phone for m in sms_outbox] == [second.phone]
    assert "已报名" in second_client.get(reverse("hives:event", args=[event.pk])).content.decode()


def test_cancelling_without_a_registration_is_explained() -> None:
    event: Any = EventFactory()
    response = act(client_for(worker()), event, "cancel")
    assert "你没有该活动的有效报名" in response.content.decode()


def test_staff_without_a_worker_profile_cannot_register() -> None:
    event: Any = EventFactory()
    clerk = staff(event.organiser)
    page = client_for(clerk).get(reverse("hives:event", args=[event.pk])).content.decode()
    response = act(client_for(clerk), event, "register")
    assert "只有注册报到的新就业群体可以报名活动" in page
    assert "只有注册报到的新就业群体可以报名活动" in response.content.decode()
    assert not EventRegistration.objects.filter(event=event).exists()


def test_anonymous_visitors_see_the_event_and_are_asked_to_log_in() -> None:
    event: Any = EventFactory(title="公开活动")
    page = Client().get(reverse("hives:event", args=[event.pk]))
    assert page.status_code == 200
    assert "登录报名" in page.content.decode()
    response = Client().post(reverse("hives:event_action", args=[event.pk]), {"action": "register"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_action_or_event_changes_nothing() -> None:
    event: Any = EventFactory()
    client = client_for(worker())
    assert "无法识别的操作" in act(client, event, "explode").content.decode()
    assert client.post(reverse("hives:event_action", args=[999999]), {"action": "register"}).status_code == 404
    assert Client().get(reverse("hives:event", args=[999999])).status_code == 404
    assert not EventRegistration.objects.exists()


# --- Checking in ------------------------------------------------------------------------------
def test_a_registered_worker_checks_in_with_the_door_code() -> None:
    # given a registered worker at an event starting within the hour
    event: Any = EventFactory()
    rider = worker()
    client = client_for(rider)
    act(client, event, "register")

    # when they type a wrong code, then the right one
    wrong = client.post(reverse("hives:event_action", args=[event.pk]), {"action": "checkin", "code": "ZZZ999"})
    right = act(client, event, "checkin", code=CODE.lower())

    # then the wrong code is refused on the form and the right one checks them in
    assert wrong.status_code in (400, 409)
    assert "签到码" in wrong.content.decode()
    assert "签到成功" in right.content.decode()
    assert status_of(event, rider) == RegistrationStatus.ATTENDED


def test_check_in_is_not_offered_before_the_window_opens() -> None:
    event: Any = EventFactory(starts_at=timezone.now() + timedelta(days=2))
    client = client_for(worker())
    act(client, event, "register")
    page = client.get(reverse("hives:event", args=[event.pk])).content.decode()
    response = act(client, event, "checkin", code=CODE)
    assert "现场签到" not in page
    assert "不在活动签到时间内" in response.content.decode()


# --- Lists --------------------------------------------------------------------------------------
def test_the_events_list_shows_upcoming_events_and_my_registrations(django_assert_max_num_queries: Any) -> None:
    # given several upcoming events, one of them full, and a worker registered for one
    hive: Any = HiveFactory()
    events = [EventFactory(hive=hive, starts_at=timezone.now() + timedelta(days=n + 1)) for n in range(6)]
    full: Any = EventFactory(capacity=1, registered_count=1, starts_at=timezone.now() + timedelta(days=9))
    rider = worker()
    client = client_for(rider)
    act(client, events[0], "register")

    # when the worker opens the list and their own tab
    with django_assert_max_num_queries(10):
        upcoming = client.get(reverse("hives:events"))
    with django_assert_max_num_queries(10):
        mine = client.get(reverse("hives:events"), {"tab": "mine"})

    # then the list has every event with its state, and "mine" has the registration
    html = upcoming.content.decode()
    assert all(e.title in html for e in events)
    assert "已满，可候补" in html and full.title in html
    assert "已报名" in html
    assert events[0].title in mine.content.decode()
    assert events[1].title not in mine.content.decode()


def test_an_empty_events_list_says_so() -> None:
    assert "近期没有活动" in Client().get(reverse("hives:events")).content.decode()
    assert "你还没有报名任何活动" in client_for(worker()).get(reverse("hives:events"), {"tab": "mine"}).content.decode()


# --- Attendance (organiser) --------------------------------------------------------------------
def test_the_organiser_sees_the_attendance_list_checks_someone_in_and_can_export() -> None:
    # given an event with two registrations, run by a community party organisation
    event: Any = EventFactory()
    riders = [worker(user__name="张三"), worker(user__name="李四")]
    for rider in riders:
        act(client_for(rider), event, "register")
    organiser = client_for(staff(event.organiser))
    url = reverse("hives:attendance", args=[event.pk])

    # when the organiser opens the list and checks the first rider in
    page = organiser.get(url).content.decode()
    registration = EventRegistration.objects.get(event=event, worker=riders[0])
    response = organiser.post(url, {"registration": registration.pk}, follow=True)

    # then the list had both, with the door code and export links, and the first is checked in
    assert "张三" in page and "李四" in page
    assert CODE in page
    assert f"/api/v1/events/{event.pk}/attendance.csv" in page
    assert f"/api/v1/events/{event.pk}/attendance.xlsx" in page
    assert "已为其签到" in response.content.decode()
    assert status_of(event, riders[0]) == RegistrationStatus.ATTENDED


def test_the_attendance_list_is_404_for_workers_and_other_stations_keepers() -> None:
    event: Any = EventFactory(hive=HiveFactory())
    url = reverse("hives:attendance", args=[event.pk])
    assert client_for(worker()).get(url).status_code == 404
    assert client_for(staff(HiveFactory().managing_unit, role=Role.KEEPER)).get(url).status_code == 404
    assert client_for(staff(event.hive.managing_unit, role=Role.KEEPER)).get(url).status_code == 200


def test_a_bad_attendance_post_is_explained_and_changes_nothing() -> None:
    event: Any = EventFactory()
    organiser = client_for(staff(event.organiser))
    url = reverse("hives:attendance", args=[event.pk])
    assert "请选择要签到的报名" in organiser.post(url, {"registration": "abc"}, follow=True).content.decode()
    assert "找不到这条报名" in organiser.post(url, {"registration": "999999"}, follow=True).content.decode()
