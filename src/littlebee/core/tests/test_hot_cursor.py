"""core.hot_cursor: the hot paths' plain statements on one kept cursor per connection, Django's
cursor wherever Django would do more than run the statement."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.services import token_issue, token_lookup
from littlebee.accounts.tests.factories import worker
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.raw_insert import insert_instance
from littlebee.points.models import LedgerEntry, LedgerReason

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def _cursors_made(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, every database cursor the connection makes."""
    made: list[Any] = []
    db = connections["default"]
    create = type(db).create_cursor

    def counted(self: Any, name: Any = None) -> Any:
        cursor = create(self, name)
        made.append(cursor)
        return cursor

    monkeypatch.setattr(type(db), "create_cursor", counted)
    return made


def test_bearer_lookups_after_the_first_make_no_new_cursor_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    # given two workers with tokens, one looked up already
    first, second = worker(), worker()
    _token, raw_first = token_issue(user=first)
    _token, raw_second = token_issue(user=second)
    assert token_lookup(raw_first) is not None
    made = _cursors_made(monkeypatch)

    # when both are looked up again
    found = [token_lookup(raw_first), token_lookup(raw_second)]

    # then each finds its own user, and on PostgreSQL on the kept cursor (SQLite: Django's, one each)
    assert [t.user.pk if t else None for t in found] == [first.pk, second.pk]
    assert len(made) == (0 if POSTGRESQL else 2)


def test_logged_statements_go_through_djangos_cursor() -> None:
    # given a kept cursor already made
    with hot_cursor(connection) as cursor:
        cursor.execute("SELECT 1")

    # when statements are being logged (the tests' query counts)
    with CaptureQueriesContext(connection) as captured, hot_cursor(connection) as cursor:
        cursor.execute("SELECT %s", [2])
        row = cursor.fetchone()

    # then the statement is logged as any other
    assert row[0] == 2
    assert len(captured.captured_queries) == 1


def test_a_pending_health_check_is_left_to_django(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a connection whose health check is due (a new request on a reused connection)
    with hot_cursor(connection) as cursor:
        cursor.execute("SELECT 1")
    db: Any = connections["default"]  # Any: django-stubs does not know the health-check attributes
    monkeypatch.setattr(db, "health_check_enabled", True)
    monkeypatch.setattr(db, "health_check_done", False)
    checked: list[bool] = []
    usable = type(db).is_usable

    def is_usable(self: Any) -> bool:
        checked.append(True)
        return usable(self)

    monkeypatch.setattr(type(db), "is_usable", is_usable)

    # when a statement runs
    with hot_cursor(connection) as cursor:
        cursor.execute("SELECT 1")

    # then Django checked the connection first, as its own cursor does
    assert checked == [True]
    assert db.health_check_done


def _entry(key: str) -> LedgerEntry:
    from django.utils import timezone

    return LedgerEntry(
        worker=worker(), amount=-1, reason=LedgerReason.REDEMPTION, idempotency_key=key, created_at=timezone.now()
    )


def test_errors_are_djangos_and_a_broken_transaction_refuses_statements() -> None:
    # given an entry stored under a key
    insert_instance(_entry("same"))

    with transaction.atomic():
        # when another comes with the same key
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_instance(_entry("same"))

        # then the error was Django's, and the transaction goes on after its savepoint
        with hot_cursor(connection) as cursor:
            cursor.execute("SELECT COUNT(*) FROM points_ledgerentry WHERE idempotency_key = %s", ["same"])
            assert cursor.fetchone()[0] == 1

    # and inside a transaction marked for rollback, a statement is refused as Django refuses it
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError), hot_cursor(connection) as cursor:
            cursor.execute("SELECT 1")
