"""accounts.services.token_lookup: the user as the ORM loads it, from one plain statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models.query import RawQuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.accounts.services import token_issue, token_lookup
from littlebee.conftest import model_inits_watched

from .factories import worker

pytestmark = pytest.mark.django_db


def test_the_tokens_user_is_loaded_as_the_orm_loads_it() -> None:
    # given a worker who has signed in on a page before, with a token
    member = worker()
    User.objects.filter(pk=member.pk).update(last_login=timezone.now(), language="en")
    _token, raw = token_issue(user=member, name="test")

    # when the token is looked up
    with CaptureQueriesContext(connection) as queries:
        found = token_lookup(raw)

    # then in one statement, and every field of the user has the value and type the ORM gives
    # (SQLite's booleans and datetimes converted)
    assert len(queries) == 1
    assert found is not None
    loaded = User.objects.get(pk=member.pk)
    for field in User._meta.concrete_fields:
        mine, orms = getattr(found.user, field.attname), getattr(loaded, field.attname)
        assert (mine, type(mine)) == (orms, type(orms)), field.attname
    assert found.user.is_active is True
    assert isinstance(found.user.last_login, datetime) and timezone.is_aware(found.user.last_login)
    assert found.user._state.adding is False and found.user._state.db == "default"
    assert found.pk == _token.pk and found.user_id == member.pk


def test_the_lookup_works_the_columns_converters_out_once_not_per_query() -> None:
    # given a token looked up once (the converters are found on first use)
    _token, raw = token_issue(user=worker(), name="test")
    assert token_lookup(raw) is not None

    # when it is looked up again, with a RawQuerySet (which finds them again per query) refused
    def refuse(self: Any) -> Any:
        raise AssertionError("a RawQuerySet on the hot path")

    with mock.patch.object(RawQuerySet, "__iter__", refuse):
        found = token_lookup(raw)

    # then it is found all the same
    assert found is not None


def test_the_lookup_makes_the_token_and_its_user_without_model_init(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a token, and Model.__init__ counted (it walks every field and sends two signals)

    _token, raw = token_issue(user=worker(), name="test")
    made = model_inits_watched(monkeypatch)

    # when it is looked up
    found = token_lookup(raw)

    # then the token and its user are made without it (twice before: User and ApiToken)
    assert found is not None and found.user.pk == _token.user_id
    assert made == []
