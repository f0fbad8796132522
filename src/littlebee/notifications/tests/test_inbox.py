"""The one interface: an inbox row in the transaction, a text only when asked and only after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from littlebee.accounts.tests.factories import UserFactory, worker
from littlebee.notifications.inbox import inbox_mark_read, notify, notify_many
from littlebee.notifications.models import Notification
from littlebee.notifications.selectors import inbox_of, unread_count

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_notify_writes_an_inbox_row_and_texts_nobody_unless_asked(
    sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    rider = worker()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=rider, kind="points_expiring", title="40 积分即将到期", body="请尽快兑换。", link="/points/")

    # then
    row = Notification.objects.get()
    assert (row.recipient, row.kind, row.shown_title, row.shown_body, row.link, row.data) == (
        rider,
        "points_expiring",
        "40 积分即将到期",
        "请尽快兑换。",
        "/points/",
        {},
    )
    assert row.read_at is None
    assert sms_outbox == []


def test_notify_with_sms_texts_after_commit(sms_outbox: Any, django_capture_on_commit_callbacks: Any) -> None:
    # given
    rider = worker(user__phone="13800000009")

    # when asked to text, inside a transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=rider, kind="staff_alert", title="紧急", body="请回电。", sms=True)

    # then nothing is sent until the commit, then the title and body are
    assert sms_outbox == []
    for callback in callbacks:
        callback()
    assert [(m.phone, m.message) for m in sms_outbox] == [("13800000009", "紧急：请回电。")]


def test_sms_text_replaces_the_title_and_body_in_the_text(
    sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rider = worker(user__phone="13800000008")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=rider, kind="x", title="标题", sms=True, sms_text="【小蜜蜂】完整短信")
    assert [m.message for m in sms_outbox] == ["【小蜜蜂】完整短信"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(sms_outbox: Any) -> None:
    # given
    rider = worker()

    # when the change being reported is rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user=rider, kind="event_promoted", title="候补转正", sms=True)
        raise RuntimeError

    # then
    assert Notification.objects.count() == 0
    assert sms_outbox == []


def test_an_inactive_account_is_told_nothing(sms_outbox: Any, django_capture_on_commit_callbacks: Any) -> None:
    gone: Any = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=gone, kind="x", title="t", sms=True)
    assert Notification.objects.count() == 0 and sms_outbox == []


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "hives/"])
def test_a_link_must_be_a_path_on_this_site(link: str) -> None:
    with pytest.raises(ValueError):
        notify(user=worker(), kind="x", title="t", link=link)
    assert Notification.objects.count() == 0


def test_notify_many_writes_one_bulk_insert_and_texts_each_once(
    sms_outbox: Any, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    # given three people, one listed twice, and one inactive
    a, b = worker(user__phone="13800000001"), worker(user__phone="13800000002")
    gone: Any = UserFactory(is_active=False)

    # when
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        told = notify_many(
            [a, b, a, gone], kind="event_cancelled", title="活动已取消", link="/hives/events/3/", sms=True
        )

    # then
    assert told == 2
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([a.pk, b.pk])
    assert [m.phone for m in sms_outbox] == ["13800000001", "13800000002"]


def test_marking_read_touches_only_the_callers_own_messages() -> None:
    # given two of mine and one of someone else's
    me, other = worker(), worker()
    mine = NotificationFactory.create_batch(2, recipient=me)
    theirs = NotificationFactory(recipient=other)

    # when I mark one of mine and theirs read
    changed = inbox_mark_read(user=me, ids=[mine[0].pk, theirs.pk])

    # then only mine changed
    assert changed == 1
    assert unread_count(me) == 1
    assert unread_count(other) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_and_an_empty_list() -> None:
    me, other = worker(), worker()
    NotificationFactory.create_batch(3, recipient=me)
    NotificationFactory(recipient=other)

    assert inbox_mark_read(user=me, ids=[]) == 0
    assert inbox_mark_read(user=me) == 3
    assert inbox_mark_read(user=me) == 0
    assert (unread_count(me), unread_count(other)) == (0, 1)


def test_the_inbox_is_the_callers_own_newest_first() -> None:
    me, other = worker(), worker()
    older = NotificationFactory(recipient=me)
    newer = NotificationFactory(recipient=me)
    NotificationFactory(recipient=other)
    assert list(inbox_of(me)) == [newer, older]


def test_notify_writes_its_row_without_compiling_an_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    # given someone already told once (whatever is made once per process is made), and every
    # INSERT the ORM compiles from here on counted
    from django.db.models.sql.compiler import SQLInsertCompiler
    from django.utils.translation import gettext_lazy

    from littlebee.core.texts import t

    rider = worker()
    notify(user=rider, kind="case_open", title="first", link="/cases/1/")
    compiled: list[Any] = []
    insert_sql = SQLInsertCompiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return insert_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counted)

    # when they are told again, with stored texts and data
    notify(
        user=rider,
        kind="case_accept",
        title=t(gettext_lazy("您的反映已受理")),
        body="路口",
        link="/reports/2/",
        data={"case": 2, "kind": "report"},
    )

    # then no INSERT was compiled, and the row reads back as the ORM would have stored it
    assert compiled == []
    row = Notification.objects.order_by("-pk").first()
    assert row is not None
    assert (row.recipient_id, row.kind, row.shown_title, row.shown_body, row.link, row.data, row.read_at) == (
        rider.pk,
        "case_accept",
        "您的反映已受理",
        "路口",
        "/reports/2/",
        {"case": 2, "kind": "report"},
        None,
    )
    assert row.created_at is not None and row.title == "" and row.body == ""


def test_notify_many_writes_the_rows_notify_writes_in_one_statement_compiled_once(
    monkeypatch: pytest.MonkeyPatch, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given five staff, told one by one with notify, and the same message for five others, once a
    # first notify_many of that size has made its statement; every INSERT the ORM compiles counted
    from django.db import connection
    from django.db.models.sql.compiler import SQLInsertCompiler
    from django.test.utils import CaptureQueriesContext
    from django.utils.translation import gettext_lazy

    from littlebee.core.texts import t

    each = [worker(user__phone=f"1380000010{i}") for i in range(5)]
    many = [worker(user__phone=f"1380000020{i}") for i in range(5)]
    notify_many(many, kind="warm_up", title="first")
    Notification.objects.all().delete()
    message: dict[str, Any] = {
        "kind": "case_open",
        "title": t(gettext_lazy("%(title)s：%(what)s"), title=t(gettext_lazy("新案件待受理")), what="垃圾"),
        "body": "路口",
        "link": "/staff/cases/7/",
        "data": {"case": 7, "kind": "report", "action": "open"},
        "sms": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        for user in each:
            notify(user=user, **message)
    sms_outbox.clear()
    compiled: list[Any] = []
    insert_sql = SQLInsertCompiler.as_sql

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return insert_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counted)

    # when the five others are told at once, inside a transaction
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        told = notify_many(many, **message)

    # then one INSERT, none compiled, no text before the commit, each texted once after it
    assert told == 5
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert compiled == []
    assert sms_outbox == []
    for callback in callbacks:
        callback()
    assert [m.phone for m in sms_outbox] == [u.phone for u in many]

    # and the rows are those notify wrote, person for person
    def rows(users: list[Any]) -> list[tuple[Any, ...]]:
        found = {n.recipient_id: n for n in Notification.objects.filter(recipient__in=users)}
        return [
            (n.kind, n.message, n.shown_title, n.shown_body, n.link, n.data, n.read_at, n.title, n.body)
            for n in (found[u.pk] for u in users)
        ]

    assert rows(many) == rows(each)
    assert rows(each)[0][2] == "新案件待受理：垃圾"
