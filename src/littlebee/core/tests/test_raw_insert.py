"""core.raw_insert writes the row Model.save() writes, with the primary key read back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, JSONField
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.core.raw_insert import insert_instance
from littlebee.points.models import LedgerEntry, LedgerReason

pytestmark = pytest.mark.django_db


def _entry(rider: Any, key: str, at: Any) -> LedgerEntry:
    return LedgerEntry(
        worker=rider,
        amount=-30,
        reason=LedgerReason.REDEMPTION,
        source_type="rewards.voucher",
        source_id="7",
        idempotency_key=key,
        actor=rider,
        note="雨衣",
        note_text={"l": {"zh-hans": "雨衣", "en": "Raincoat"}},
        expires_at=None,
        created_at=at,
    )


def test_an_inserted_row_reads_back_as_the_orms_own() -> None:
    # given the same entry twice, one saved by the ORM, one through insert_instance
    rider = worker()
    at = timezone.now() - timedelta(microseconds=123)
    by_orm = _entry(rider, "orm", at)
    by_orm.save()

    # when
    with CaptureQueriesContext(connection) as ctx:
        raw = insert_instance(_entry(rider, "raw", at))

    # then one statement, the key read back, and the rows equal field by field (JSON, a timestamp)
    assert len(ctx.captured_queries) == 1
    assert raw.pk is not None and raw.pk != by_orm.pk and not raw._state.adding
    orm_row = model_to_dict(LedgerEntry.objects.get(pk=by_orm.pk), exclude=["id", "idempotency_key"])
    raw_row = model_to_dict(LedgerEntry.objects.get(pk=raw.pk), exclude=["id", "idempotency_key"])
    assert raw_row == orm_row
    assert raw_row["created_at"] == at and raw_row["note_text"] == {"l": {"zh-hans": "雨衣", "en": "Raincoat"}}


def test_a_clash_is_the_orms_integrity_error() -> None:
    rider = worker()
    at = timezone.now()
    insert_instance(_entry(rider, "once", at))

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_instance(_entry(rider, "once", at))

    assert LedgerEntry.objects.filter(idempotency_key="once").count() == 1


def test_none_is_null_without_asking_the_field() -> None:
    # given an entry with columns None (rule, reverses, expires_at, note_text)
    rider = worker()
    entry = _entry(rider, "nulls", timezone.now())
    entry.note_text = None
    asked: list[str] = []
    real = Field.get_db_prep_save

    def counting(self: Any, value: Any, connection: Any) -> Any:
        asked.append(self.name)
        return real(self, value, connection)

    def json_counting(self: Any, value: Any, connection: Any) -> Any:
        asked.append(self.name)
        return value

    # when
    with (
        mock.patch.object(Field, "get_db_prep_save", counting),
        mock.patch.object(JSONField, "get_db_prep_save", json_counting),
    ):
        insert_instance(entry)

    # then only the columns with a value were prepared, and the row has its NULLs
    assert not {"rule", "reverses", "expires_at", "note_text"} & set(asked)
    assert "created_at" in asked
    row = LedgerEntry.objects.get(pk=entry.pk)
    assert (row.rule_id, row.reverses_id, row.expires_at, row.note_text) == (None, None, None, None)
