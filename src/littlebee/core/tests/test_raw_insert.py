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
from littlebee.core.raw_insert import insert_chain, insert_instance
from littlebee.orgs.tests.factories import OrganisationFactory
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


# --- insert_chain: a row and the rows that name it, in one statement on PostgreSQL ---------------
def _case_with_rows(reporter: Any, organisation: Any, at: Any) -> tuple[Any, Any, Any]:
    from littlebee.cases.models import Case, CaseEvent, CaseKind, CaseOrganisation, CaseStatus

    case = Case(
        kind=CaseKind.REPORT,
        status=CaseStatus.SUBMITTED,
        category="garbage",
        organisation=organisation,
        reporter=reporter,
        created_at=at,
        updated_at=at,
    )
    hold = CaseOrganisation(case=case, organisation_id=organisation.pk, since=at)
    event = CaseEvent(
        case=case, at=at, actor=reporter, actor_role="worker", action="open", to_status="submitted", data={"a": 1}
    )
    return case, hold, event


def test_a_chain_writes_the_rows_the_orm_writes_with_the_new_key_in_each() -> None:
    # given a case, its holder row and its first timeline row, none stored, and the same saved by the ORM
    from littlebee.cases.models import Case, CaseEvent, CaseOrganisation

    organisation: Any = OrganisationFactory()
    rider, at = worker(), timezone.now()
    by_orm = _case_with_rows(rider, organisation, at)
    by_orm[0].save()
    by_orm[1].case = by_orm[2].case = by_orm[0]
    by_orm[1].save()
    by_orm[2].save()
    case, hold, event = _case_with_rows(rider, organisation, at)

    # when they are inserted as a chain
    with CaptureQueriesContext(connection) as ctx:
        insert_chain(case, [(hold, "case_id", True), (event, "case_id", False)])

    # then one statement on PostgreSQL (one per row elsewhere), the keys read back, and each row as the ORM's
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert case.pk is not None and event.pk is not None and not case._state.adding and not event._state.adding
    assert event.case_id == case.pk and hold.case_id == case.pk
    for model, mine, theirs in ((Case, case, by_orm[0]), (CaseEvent, event, by_orm[2])):
        ours = model_to_dict(model.objects.get(pk=mine.pk), exclude=["id"])
        orms = model_to_dict(model.objects.get(pk=theirs.pk), exclude=["id"])
        ours.pop("case", None), orms.pop("case", None)
        assert ours == orms
    assert CaseOrganisation.objects.filter(case_id=case.pk, organisation=organisation, since=at).count() == 1


def test_a_chains_ignored_conflict_writes_the_rest() -> None:
    # given a case chained with two holder rows for the same office (the second clashes)
    from littlebee.cases.models import CaseOrganisation

    organisation: Any = OrganisationFactory()
    rider, at = worker(), timezone.now()
    case, hold, event = _case_with_rows(rider, organisation, at)
    again = CaseOrganisation(case=case, organisation_id=organisation.pk, since=at)

    # when
    insert_chain(case, [(hold, "case_id", True), (again, "case_id", True), (event, "case_id", False)])

    # then the case, one holder row and the timeline row are in
    assert CaseOrganisation.objects.filter(case_id=case.pk).count() == 1
    assert event.pk is not None


def test_a_chains_clash_writes_nothing() -> None:
    # given a timeline row that cannot be written (no action: NOT NULL)
    from littlebee.cases.models import Case

    organisation: Any = OrganisationFactory()
    rider, at = worker(), timezone.now()
    case, hold, event = _case_with_rows(rider, organisation, at)
    before = Case.objects.count()
    event.action = None

    # when the chain is written in a transaction, then it fails whole
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_chain(case, [(hold, "case_id", True), (event, "case_id", False)])
    assert Case.objects.count() == before
