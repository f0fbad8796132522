"""GET /cases over appeals: a page of appeals reads their rows with the page, compiled once
(selectors.cases_prefetch). Apart from test_queue_compiled, whose tests share one city built for
the module: these build the appeals' city of their own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.cases import selectors
from littlebee.cases.models import Case

pytestmark = pytest.mark.django_db


def test_a_page_of_appeals_gets_its_rows_as_the_orms_prefetch_gives_them_compiled_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from littlebee.appeals.models import Appeal
    from littlebee.appeals.tests.factories import appeal_city, file_appeal
    from littlebee.conftest import orm_compiles_watched

    # given appeals (one without its appeal row, as a kind's row may be missing) in a page of cases
    c = appeal_city()
    first, second = file_appeal(c), file_appeal(c, anonymous_to_enterprise=False, subject="派单不公")
    orphan = file_appeal(c, subject="无")
    Appeal.objects.filter(pk=orphan.pk).delete()
    ids = [first.pk, second.pk, orphan.pk]

    def page() -> list[Case]:
        return list(Case.objects.filter(pk__in=ids).order_by("pk"))

    def seen(cases: list[Case]) -> list[Any]:
        out: list[Any] = []
        for case in cases:
            try:
                appeal = case.appeal
            except Appeal.DoesNotExist:
                out.append(None)
                continue
            assert appeal.case is case
            out.append({f.attname: getattr(appeal, f.attname) for f in Appeal._meta.concrete_fields})
        return out

    from django.db.models import prefetch_related_objects

    orms = page()
    prefetch_related_objects(orms, "appeal")
    expected = seen(orms)

    # when the page's appeals are prefetched, then again for another page of the same length
    selectors.cases_prefetch(page())
    compiles = orm_compiles_watched(monkeypatch)
    with CaptureQueriesContext(connection) as captured:
        ours = selectors.cases_prefetch(page()[::-1])[::-1]
        seen_ours = seen(ours)

    # then each case has what the ORM's prefetch gives it (its appeal, or none), in one
    # statement compiled the first time only (the page's own read aside), and none is read again
    assert seen_ours == expected
    assert expected[2] is None and expected[0]["anonymous_to_enterprise"] is True
    assert len(captured.captured_queries) == 2  # the page, the appeals
    assert [q.model for q in compiles] == [Case]


def test_a_queue_of_appeals_reads_their_rows_with_the_page(api_as: Any) -> None:
    from littlebee.appeals.models import Appeal
    from littlebee.appeals.tests.factories import appeal_city, file_appeal

    # given appeals held by 饿了么's party organisation, one anonymous to it and one not
    c = appeal_city()
    anonymous, named = file_appeal(c), file_appeal(c, anonymous_to_enterprise=False, subject="派单不公")
    client = api_as(c.eleme_handler)
    client.get("/cases")  # the token's first use of the day writes its last_used_at

    # when its handler lists the queue
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/cases", {"queue": "mine"}).json()

    # then the token, the page with the appeals' rows in it, and the enterprises whose staff the
    # caller is (an appeal's identity rule): the appeals are no longer read on their own
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 3, [q[:80] for q in statements]
    assert not [q for q in statements if q.startswith('SELECT "appeals_appeal"')]
    # and what the appeals' hooks decide from them is as before: the anonymous one's reporter hidden
    rows = {item["id"]: item for item in body["items"]}
    assert rows[anonymous.pk]["reporter"] is None
    assert rows[named.pk]["reporter"] == {"id": c.rider.pk, "name": c.rider.name}
    assert rows[named.pk]["title"] == "派单不公"
    # and a page's cases carry their appeal as the ORM's prefetch gives it
    page = selectors.cases_queue_page(c.eleme_handler, "mine", limit=20)
    for case in page.cases:
        expected = Appeal.objects.get(pk=case.pk)
        assert case.appeal.case is case
        assert {f.attname: getattr(case.appeal, f.attname) for f in Appeal._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Appeal._meta.concrete_fields
        }
