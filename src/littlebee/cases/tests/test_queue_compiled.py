"""GET /cases reads its page through statements compiled once per shape of the queue
(selectors.cases_queue_page over core.compiled_select): the answer is the one the ORM's own read
of the same queue gives, for every queue, filter, page and caller, and nothing outside the
caller's scope is listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import selectors, services
from littlebee.cases.api import queue_item
from littlebee.cases.models import Case, CaseStatus
from littlebee.cases.views import PAGE_SIZE
from littlebee.conftest import client_for, model_inits_watched, module_transaction
from littlebee.core.api_answers import answer

from .factories import World, open_case
from .test_pages import report_city, submit

pytestmark = pytest.mark.django_db

QUEUES = ("mine", "assigned", "overdue", "urgent", "all")


@pytest.fixture(scope="module")
def world_once(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The queues' city, built once for the module (conftest.module_transaction): every test here
    reads it, and what a test changes is undone with its own transaction."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
            city = report_city()
            # reports, titled by their category (in the reader's language) and first words
            submit(description="路口垃圾堆了三天，有异味，晚上还有老鼠出没，请尽快处理")
            submit(category="road_damage", description="")
            assigned = open_case(city, reporter=worker(user__name="张三"))
            services.case_assign(case_id=assigned.pk, actor=city.community_handler, handler=city.community_handler)
            open_case(city, urgent=True)
            accepted = open_case(city)
            services.case_accept(case_id=accepted.pk, actor=city.community_handler, points=10)
            overdue = open_case(city)
            Case.objects.filter(pk=overdue.pk).update(overdue=True)
            open_case(city, region=city.other_community)
            # passed through the community: still seen there (all), held by the police now
            forwarded = open_case(city)
            services.case_forward(
                case_id=forwarded.pk, actor=city.community_handler, to_org=city.traffic_police, note="交警"
            )
            # confidential, passed through the community: no longer seen there
            secret = open_case(city, confidential=True)
            services.case_forward(
                case_id=secret.pk, actor=city.community_handler, to_org=city.traffic_police, note="交警"
            )
            # the community handler's own report, elsewhere (all: his own)
            open_case(city, region=city.other_community, reporter=city.community_handler)

        yield city


@pytest.fixture
def w(world_once: World, media_root: Any) -> World:
    return world_once


def _expected(user: User, queue: str, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    """The answer as the ORM reads it: cases_queue with its related rows, titles in the statement,
    the whole count."""
    org_ids = selectors.staff_org_ids(user)
    cases = selectors.cases_queue(user, queue, org_ids=org_ids, **filters)
    count = cases.count()
    page = selectors.cases_prefetch(list(selectors.cases_with_titles(cases)[offset : offset + limit]))
    body = {
        "count": min(count, selectors.COUNT_CAP),
        "count_capped": count > selectors.COUNT_CAP,
        "items": [queue_item(c, user, org_ids) for c in page],
    }
    return json.loads(answer(body).content)


@pytest.mark.parametrize("tight", [False, True], ids=["pages", "branches-cut-at-the-page"])
@pytest.mark.parametrize("queue", QUEUES)
def test_every_queue_answers_what_the_orms_read_gives(
    w: World, api_as: Any, queue: str, tight: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if tight:
        # each branch of the `all` rule read exactly as far as the page ends, so that the union
        # of branches is cut short in this small city too
        monkeypatch.setattr(selectors, "_branch_limit", lambda rows: rows)
    callers = [w.community_handler, w.police_handler, w.other_handler, w.city_admin, worker()]
    variants: list[dict[str, Any]] = [
        {},
        {"limit": 2},
        {"limit": 2, "offset": 2},
        {"limit": 3, "offset": 6},
        {"status": CaseStatus.SUBMITTED},
        {"status": CaseStatus.ACCEPTED, "kind": "report"},
        {"kind": "appeal"},
        {"overdue": True},
        {"overdue": False, "limit": 1},
    ]
    for user in callers:
        client = api_as(user)
        for variant in variants:
            # when the caller reads the queue with the filters and page
            response = client.get("/cases", {"queue": queue, **variant})

            # then the answer is the ORM's (test_api checks it fits its schema)
            assert response.status_code == 200
            body = response.json()
            filters = {k: v for k, v in variant.items() if k not in ("limit", "offset")}
            expected = _expected(user, queue, variant.get("limit", 20), variant.get("offset", 0), **filters)
            assert body == expected, (user, queue, variant)


@pytest.mark.parametrize("cap", [2, 3, 1000])
def test_the_consoles_city_wide_queue_lists_what_the_rule_gives(
    w: World, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cap on the console's pages (each branch of the rule is read one case further)
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)
    for user in (w.community_handler, w.police_handler, w.city_admin):
        # when the caller opens the console's `all` queue
        page = client_for(user).get("/staff/cases/", {"queue": "all"})

        # then it lists the first cases of the rule read as one OR, up to the cap
        listed = [row["case"].pk for row in page.context["rows"]]
        expected = list(selectors.cases_queue(user, "all").values_list("pk", flat=True))
        assert listed == expected[: min(cap, PAGE_SIZE)]
        assert listed


def test_in_english_the_titles_name_the_category_in_english(w: World, api_as: Any) -> None:
    # when the handler reads his queue in Chinese, then in English
    chinese = api_as(w.community_handler).get("/cases").json()
    english = api_as(w.community_handler, language="en").get("/cases").json()

    # then each is the ORM's answer in its language (the title is shaped by the language)
    with translation.override("zh-hans"):
        assert chinese == _expected(w.community_handler, "mine", 20, 0)
    with translation.override("en"):
        assert english == _expected(w.community_handler, "mine", 20, 0)
    titles = {c["title"] for c in chinese["items"]} | {c["title"] for c in english["items"]}
    assert {"道路破损", "Road damage", "垃圾堆放 · 路口垃圾堆了三天，有异味，晚上还有老鼠出…"} <= titles


def test_a_case_outside_the_callers_scope_is_never_listed(w: World, api_as: Any) -> None:
    # given a staff member of the community, and cases he may not see: one of the other community,
    # a confidential one that passed through his office, one of the police
    handler = staff(w.community_org)
    elsewhere = open_case(w, region=w.other_community)
    secret = Case.objects.get(confidential=True)
    police = open_case(w, organisation=w.traffic_police, region=None)

    # when he reads every queue, filtered or not
    client = api_as(handler)
    listed: set[int] = set()
    for queue in QUEUES:
        for filters in ({}, {"status": CaseStatus.SUBMITTED}, {"kind": "report"}, {"overdue": False}):
            listed |= {c["id"] for c in client.get("/cases", {"queue": queue, **filters}).json()["items"]}

    # then none of them is listed, and everything listed is his to see
    assert {elsewhere.pk, secret.pk, police.pk}.isdisjoint(listed)
    assert listed <= set(selectors.cases_visible_to(handler).values_list("pk", flat=True))
    assert listed  # he does see his community's cases


def test_a_second_request_of_the_same_shape_compiles_no_case_statement(
    w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the queue read once (its shape compiled)
    client = api_as(w.community_handler)
    client.get("/cases", {"queue": "all", "status": "submitted", "limit": 2})
    compiled: list[Any] = []
    as_sql = SQLCompiler.as_sql

    def counted(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)

    # when another handler reads the same shape with other values
    other = api_as(w.police_handler).get("/cases", {"queue": "all", "status": "accepted", "limit": 2})

    # then no statement about cases was compiled again, and the answer is his own
    assert other.status_code == 200
    assert Case not in compiled
    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    assert other.json() == _expected(w.police_handler, "all", 2, 0, status="accepted")


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_count_past_a_full_page_is_the_orms(w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a cap of 2, below the community's cases
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)

    # when the city admin reads the city two at a time
    body = api_as(w.city_admin).get("/cases", {"queue": "all", "limit": 2}).json()

    # then the count is capped as the ORM's read says
    assert (body["count"], body["count_capped"]) == (2, True)
    assert body == _expected(w.city_admin, "all", 2, 0)


@pytest.mark.parametrize("queue", ("mine", "assigned", "overdue", "urgent"))
def test_a_held_queue_reads_the_callers_offices_in_its_own_statement(
    w: World, api_as: Any, queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a handler who is also an admin of his community, and who handles at the police too
    # (two roles in one office, two offices), and pages of two with a cap of three
    handler = w.community_handler
    Membership.objects.create(user=handler, organisation=w.community_org, role=Role.ADMIN)
    Membership.objects.create(user=handler, organisation=w.traffic_police, role=Role.HANDLER)
    for case in Case.objects.all():
        Case.objects.filter(pk=case.pk).update(handler=handler, overdue=True, urgent=True)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    client = api_as(handler)
    client.get("/cases", {"queue": queue})  # the token's first use of the day writes its last_used_at

    for variant in ({}, {"limit": 2}, {"limit": 2, "offset": 2}, {"limit": 2, "offset": 99}):
        # when he reads the queue: a page, a full page (then the count), a page past the end
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/cases", {"queue": queue, **variant}).json()

        # then the token and the page are all it reads, with the count when the page is full,
        # and the answer is the ORM's after reading his offices first: each case once
        assert len(captured.captured_queries) == (3 if variant else 2), variant
        assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"]]
        expected = _expected(handler, queue, variant.get("limit", 20), variant.get("offset", 0))
        assert body == expected, variant
    assert {c["organisation"]["id"] for c in client.get("/cases", {"queue": queue}).json()["items"]} == {
        w.community_org.pk,
        w.traffic_police.pk,
    }

    # and once his memberships end, the very next read lists nothing
    Membership.objects.filter(user=handler).delete()
    assert client.get("/cases", {"queue": queue}).json() == {"count": 0, "count_capped": False, "items": []}


def test_a_title_is_read_from_its_kinds_row_without_joining_the_case_again() -> None:
    # given the titles a queue page reads in its own statement (each kind's one row per case)
    titled: Any = selectors.cases_with_titles(Case.objects.order_by())
    sql = str(titled.values("id", "title").query)

    # then each kind's subquery reads its row by the case's key, unordered: the rows' default
    # ordering (by their case) joined the case table again and sorted, for every row of a page
    assert 'JOIN "cases_case"' not in sql, sql
    assert "ORDER BY" not in sql, sql


def test_a_queue_pages_cases_and_their_names_are_made_without_model_init(
    w: World, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the community's queue read once, and Model.__init__ counted from then on
    client = api_as(w.community_handler)
    first = client.get("/cases", {"queue": "mine"})
    made = model_inits_watched(monkeypatch)

    # when it is read again
    again = client.get("/cases", {"queue": "mine"})

    # then the same answer, its cases, holders, handlers, reporters and regions made without it
    # (five instances a row before), nor the caller's token and user
    monkeypatch.undo()
    assert again.status_code == 200 and len(again.json()["items"]) >= 3
    assert again.json() == first.json()
    assert made == []
