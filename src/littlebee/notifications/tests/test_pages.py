"""The inbox page and the bell: the signed-in person's own messages, unread highlighted, then read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.notifications.models import Notification
from littlebee.orgs.tests.factories import PartyOrgFactory

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

# session, user, the layout's two staff checks, page count, page rows, marking them read, the
# bell's unread count. Whatever the number of messages.
INBOX_QUERIES = 8


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bell_count(html: str) -> str | None:
    found = re.search(r'class="bell__count"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


def test_the_inbox_lists_my_messages_newest_first_unread_highlighted_then_read() -> None:
    # given two unread messages of mine, one read, and one of someone else's
    me = worker()
    read = NotificationFactory(recipient=me, title="已读的消息")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    NotificationFactory(recipient=me, title="活动已取消：生日会", link="/hives/events/5/")
    NotificationFactory(recipient=me, title="候补转正：读书会", link="/hives/events/7/")
    NotificationFactory(recipient=worker(), title="别人的消息")

    # when I open the inbox
    response = client_of(me).get(reverse("notifications:inbox"))

    # then mine are listed newest first, linking to their pages, the unread ones highlighted
    html = response.content.decode()
    assert response.status_code == 200
    assert "别人的消息" not in html
    assert html.index("候补转正：读书会") < html.index("活动已取消：生日会") < html.index("已读的消息")
    assert 'href="/hives/events/7/"' in html
    assert html.count("inbox__item--unread") == 2
    # and, once shown, they are read: the bell on this very page counts none
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    assert bell_count(html) is None


def test_an_empty_inbox_says_so() -> None:
    response = client_of(worker()).get(reverse("notifications:inbox"))
    assert "还没有消息" in response.content.decode()


def test_the_bell_counts_my_unread_messages_on_every_worker_page() -> None:
    # given three unread messages of mine, one read, and someone else's
    me = worker()
    NotificationFactory.create_batch(3, recipient=me)
    NotificationFactory(recipient=me, read_at="2026-01-01T00:00:00+08:00")
    NotificationFactory(recipient=worker())

    # when
    html = client_of(me).get(reverse("home")).content.decode()

    # then
    assert reverse("notifications:inbox") in html
    assert bell_count(html) == "3"


def test_the_bell_shows_99_plus_beyond_99() -> None:
    me = worker()
    Notification.objects.bulk_create([Notification(recipient=me, kind="x", title=str(i)) for i in range(120)])
    assert bell_count(client_of(me).get(reverse("home")).content.decode()) == "99+"


def test_staff_see_the_bell_in_the_console_too() -> None:
    keeper = staff(PartyOrgFactory(), role=Role.HANDLER)
    NotificationFactory(recipient=keeper)
    html = client_of(keeper).get(reverse("staff")).content.decode()
    assert bell_count(html) == "1"


def test_signed_out_visitors_have_no_bell_and_no_count_query(django_assert_max_num_queries: Any) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="bell"' not in html
    assert not any("notifications_notification" in q["sql"] for q in queries.captured_queries)


def test_the_inbox_needs_signing_in() -> None:
    response = Client().get(reverse("notifications:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("n", [3, 30])
def test_the_inbox_costs_the_same_queries_for_3_or_30_messages(n: int) -> None:
    # given n unread messages
    me = worker()
    NotificationFactory.create_batch(n, recipient=me)
    client = client_of(me)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:inbox"))

    # then
    assert response.status_code == 200
    assert len(queries) <= INBOX_QUERIES


def test_read_all_marks_every_one_of_mine_and_nobody_elses() -> None:
    # given more than a page of mine and one of someone else's
    me, other = worker(), worker()
    NotificationFactory.create_batch(25, recipient=me)
    theirs = NotificationFactory(recipient=other)
    client = client_of(me)

    # when I open the first page, the rest are still unread and "全部已读" is offered
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "全部已读" in html
    assert bell_count(html) == "5"
    response = client.post(reverse("notifications:read_all"))

    # then
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_refuses_get() -> None:
    assert client_of(worker()).get(reverse("notifications:read_all")).status_code == 405
