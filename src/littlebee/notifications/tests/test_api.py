"""GET /me/notifications and POST /me/notifications/read: the caller's own inbox only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.tests.factories import worker
from littlebee.core.api_answers import assert_answer_fits
from littlebee.notifications.api import NotificationList
from littlebee.notifications.models import Notification

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_the_list_is_paginated_newest_first_with_its_shape(api_as: Any) -> None:
    # given three of mine, one read, and one of someone else's
    me = worker()
    first, second, third = NotificationFactory.create_batch(3, recipient=me, link="/points/", kind="points_expiring")
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    NotificationFactory(recipient=worker(), title="别人的消息")

    # when
    response = api_as(me).get("/me/notifications", {"limit": 2})

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["unread"]) == (3, 2)
    assert [i["id"] for i in body["items"]] == [third.pk, second.pk]
    item = body["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "link", "created_at", "read"}
    assert (item["kind"], item["link"], item["read"]) == ("points_expiring", "/points/", False)
    rest = api_as(me).get("/me/notifications", {"limit": 2, "offset": 2}).json()
    assert [(i["id"], i["read"]) for i in rest["items"]] == [(first.pk, True)]


def test_reading_the_list_marks_nothing(api_as: Any) -> None:
    me = worker()
    NotificationFactory(recipient=me)
    api_as(me).get("/me/notifications")
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_marking_some_read_answers_what_is_left(api_as: Any) -> None:
    # given
    me = worker()
    a, b, c = NotificationFactory.create_batch(3, recipient=me)

    # when
    response = api_as(me).post("/me/notifications/read", {"ids": [a.pk, b.pk]})

    # then
    assert response.status_code == 200
    assert response.json() == {"unread": 1}
    assert list(Notification.objects.filter(read_at__isnull=True)) == [c]


def test_an_empty_body_marks_all_read(api_as: Any) -> None:
    me = worker()
    NotificationFactory.create_batch(3, recipient=me)
    response = api_as(me).post("/me/notifications/read", {})
    assert response.status_code == 200
    assert response.json() == {"unread": 0}


def test_someone_elses_notifications_are_never_listed_nor_marked(api_as: Any) -> None:
    # given someone else's unread message
    me, other = worker(), worker()
    theirs = NotificationFactory(recipient=other)

    # when I list mine and try to mark theirs read (and then everything)
    listed = api_as(me).get("/me/notifications").json()
    marked = api_as(me).post("/me/notifications/read", {"ids": [theirs.pk]})
    api_as(me).post("/me/notifications/read", {})

    # then I saw nothing and theirs is still unread
    assert listed == {"count": 0, "unread": 0, "items": []}
    assert marked.status_code == 200 and marked.json() == {"unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("ids", [[0], [2**31], ["x"], "1", [None]])
def test_bad_ids_are_refused(api_as: Any, ids: Any) -> None:
    response = api_as(worker()).post("/me/notifications/read", {"ids": ids})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_signing_in_is_required(api: Any) -> None:
    assert api.get("/me/notifications").status_code == 401
    assert api.post("/me/notifications/read", {}).status_code == 401


# token; the counts and the page in one statement (committed: raising it needs a reason)
INBOX_QUERIES = 2


@pytest.mark.parametrize("n", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_messages(api_as: Any, n: int) -> None:
    # given
    me = worker()
    NotificationFactory.create_batch(n, recipient=me)
    client = api_as(me)
    client.get("/me/notifications")  # the token's last-used touch happens once an hour at most
    connection.queries_log.clear()

    # when
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/me/notifications", {"limit": 100})

    # then
    assert len(response.json()["items"]) == n
    assert len(ctx.captured_queries) == INBOX_QUERIES
    assert not any('"data"' in q["sql"] for q in ctx.captured_queries)  # the JSON payload stays behind


def test_the_inbox_answer_fits_its_schema_exactly(api_as: Any) -> None:
    # given a read and an unread message (GET /me/notifications is rendered without ninja's check)
    me = worker()
    read, _unread = NotificationFactory.create_batch(2, recipient=me, link="/points/")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)

    # when
    body = api_as(me).get("/me/notifications").json()

    # then
    assert [i["read"] for i in body["items"]] == [False, True]
    assert_answer_fits(NotificationList, body)


@pytest.mark.parametrize(("n", "offset"), [(0, 0), (3, 3), (3, 50), (0, 10)])
def test_an_empty_page_still_counts_the_inbox_in_one_statement(api_as: Any, n: int, offset: int) -> None:
    # given an inbox of n messages, one of them read, and a page at or past its end
    me = worker()
    made = NotificationFactory.create_batch(n, recipient=me)
    if made:
        Notification.objects.filter(pk=made[0].pk).update(read_at=made[0].created_at)
    client = api_as(me)
    client.get("/me/notifications")  # the token's last-used touch happens once an hour at most

    # when
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/me/notifications", {"offset": offset}).json()

    # then the counts are the inbox's, the page is empty, and the token and one statement were all
    assert body == {"count": n, "unread": max(0, n - 1), "items": []}
    assert len(ctx.captured_queries) == INBOX_QUERIES
