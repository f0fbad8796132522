"""A worker whose community check-in is not confirmed may look at events but not register."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.tests.factories import pending_worker, worker
from littlebee.hives.models import EventRegistration

from .event_factories import EventFactory

pytestmark = pytest.mark.django_db

PENDING_MESSAGE = "你的社区报到尚未确认，确认后即可报名活动。请等待社区确认或到 我的 页面查看报到状态。"


def test_an_unconfirmed_worker_registering_answers_409_not_checked_in(api_as: Any) -> None:
    # given
    event: Any = EventFactory(capacity=5)

    # when
    response = api_as(pending_worker()).post(f"/events/{event.pk}/registrations")

    # then
    assert response.status_code == 409
    assert response.json() == {"code": "not_checked_in", "detail": PENDING_MESSAGE}
    assert not EventRegistration.objects.exists()
    event.refresh_from_db()
    assert event.registered_count == 0


def test_an_unconfirmed_worker_may_still_look_at_events(api_as: Any) -> None:
    event: Any = EventFactory()
    client = api_as(pending_worker())

    listed = client.get("/events")
    shown = client.get(f"/events/{event.pk}")

    assert listed.status_code == 200 and [e["id"] for e in listed.json()["items"]] == [event.pk]
    assert shown.status_code == 200 and shown.json()["title"] == event.title


def test_the_event_page_shows_what_to_do() -> None:
    # given
    event: Any = EventFactory()
    client = Client()
    client.force_login(pending_worker())

    # when
    response = client.post(reverse("hives:event_action", args=[event.pk]), {"action": "register"}, follow=True)

    # then
    assert PENDING_MESSAGE in response.content.decode()
    assert not EventRegistration.objects.exists()


def test_a_confirmed_worker_registers(api_as: Any) -> None:
    event: Any = EventFactory()

    response = api_as(worker()).post(f"/events/{event.pk}/registrations")

    assert response.status_code == 201 and response.json()["status"] == "registered"
