"""core.api_query_cache: an endpoint's query parameters validated once per query string."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from ninja.params.models import QueryModel

from littlebee.accounts.services import token_issue
from littlebee.accounts.tests.factories import worker
from littlebee.core import api_query_cache
from littlebee.core.api_schemas import PageQuery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_table() -> Any:
    api_query_cache.forget()
    yield
    api_query_cache.forget()


def _bearer() -> dict[str, str]:
    _token, raw = token_issue(user=worker(), name="test")
    return {"Authorization": f"Bearer {raw}"}


def test_a_query_string_seen_before_is_not_validated_again_and_answers_the_same() -> None:
    # given a phone with a token, and a count of the query models' validations
    bearer = _bearer()
    validate = QueryModel.model_validate
    validated: list[str] = []

    def counted(cls: Any, *args: Any, **kwargs: Any) -> Any:
        validated.append(cls.__name__)
        return validate.__func__(cls, *args, **kwargs)  # type: ignore[attr-defined]

    # when it reads its notifications twice with one query string, then with another
    with mock.patch.object(QueryModel, "model_validate", classmethod(counted)):
        first = Client().get("/api/v1/me/notifications?limit=5", headers=bearer)
        second = Client().get("/api/v1/me/notifications?limit=5", headers=bearer)
        after_first = len(validated)
        other = Client().get("/api/v1/me/notifications?limit=7", headers=bearer)

    # then the second call took the first's parameters (one validation), the third validated its own
    assert first.status_code == second.status_code == other.status_code == 200
    assert first.json() == second.json()
    assert after_first == 1
    assert len(validated) == 2


def test_a_refused_query_string_is_refused_every_time() -> None:
    # given a phone with a token
    bearer = _bearer()

    # when it sends a limit that is no number twice, then a good one
    answers = [Client().get("/api/v1/me/notifications?limit=x", headers=bearer) for _ in range(2)]
    good = Client().get("/api/v1/me/notifications?limit=3", headers=bearer)

    # then both bad calls answer 400 invalid_input for the field, and nothing of them was kept
    for answer in answers:
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_input"
        assert answer.json()["errors"][0]["field"] == "limit"
    assert good.status_code == 200
    assert [query for _cls, query in api_query_cache._kept] == ["limit=3"]


def _page_model() -> Any:
    """GET /me/notifications' query model, as ninja built it (one Query[PageQuery] parameter)."""
    from littlebee.notifications.api import my_notifications

    (model,) = my_notifications._ninja_operation.models  # type: ignore[attr-defined]
    assert isinstance(model.model_fields["page"].annotation, type)
    assert issubclass(model.model_fields["page"].annotation, PageQuery)
    return model


def test_each_call_gets_its_own_copy_of_a_query_schema() -> None:
    # given an endpoint's query model of one Query[PageQuery] parameter
    request = RequestFactory().get("/api/v1/x", {"limit": "5"})

    # when two calls with the same query string resolve it, and the first changes its parameters
    first = _page_model().resolve(request, mock.Mock(parser=_parser()), {})
    first.page.limit = 99
    second = _page_model().resolve(request, mock.Mock(parser=_parser()), {})

    # then the second call's parameters are the query string's
    assert second.page.limit == 5 and second.page.offset is None
    assert second.model_fields_set == first.model_fields_set


def _parser() -> Any:
    from littlebee.api import api

    return api.parser


def test_the_table_keeps_short_query_strings_and_no_more_than_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a table of two entries
    monkeypatch.setattr(api_query_cache, "MAX_KEPT", 2)
    parser = mock.Mock(parser=_parser())

    def resolve(query: str) -> Any:
        return _page_model().resolve(RequestFactory().get(f"/api/v1/x?{query}"), parser, {})

    # when three query strings and one too long to keep are resolved
    values = [resolve(q).page.limit for q in ("limit=1", "limit=2", "limit=3")]
    long = resolve("limit=4&" + "x=" + "y" * api_query_cache.MAX_QUERY)

    # then each got its own values; the table was emptied when full, and the long one not kept
    assert values == [1, 2, 3] and long.page.limit == 4
    assert [query for _cls, query in api_query_cache._kept] == ["limit=3"]
