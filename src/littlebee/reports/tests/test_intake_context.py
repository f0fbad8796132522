"""What filing a report reads of the configuration in one statement (selectors.intake_context)
decides as the reads it replaces did: the same office and rule (cases.routing), the same deadline
rule, the same category; and the office's notices, written after the answer, still reach it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from littlebee.accounts.tests.factories import worker
from littlebee.cases import routing
from littlebee.cases.models import CaseEvent, CaseKind, DeadlineRule, RoutingRule, RoutingTarget
from littlebee.cases.services import deadline_rule_for
from littlebee.cases.tasks import cases_notify_event
from littlebee.cases.tests.factories import World
from littlebee.hives.tests.photo_files import jpeg_bytes, upload
from littlebee.orgs.models import DepartmentType, OrgKind, Region
from littlebee.orgs.tests.factories import CommunityFactory, OrganisationFactory
from littlebee.reports import intake_version, services
from littlebee.reports.models import Report, ReportCategory
from littlebee.reports.selectors import intake_context

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["read", "kept"])
def way(request: Any) -> str:
    """How the intake gets its configuration: read for the report ("read"), or picked from the
    whole configuration kept in memory for the version the database has now ("kept")."""
    return str(request.param)


def context(category: str, region: Region | None, way: str) -> Any:
    if way == "read":
        return intake_context(category, region)
    with connection.cursor() as cursor:
        cursor.execute(intake_version.READ_SQL)
        (version,) = cursor.fetchone()
    return intake_context(category, region, version=version)


def both_ways(category: str, region: Region | None, way: str = "read") -> tuple[Any, Any]:
    """(office, rule) routed from the intake's one read, and by routing's own reads."""
    read = context(category, region, way).routing
    return (
        routing.route_with_rule(CaseKind.REPORT, category, region, inputs=read),
        routing.route_with_rule(CaseKind.REPORT, category, region),
    )


@pytest.mark.parametrize(
    "category", ["garbage", "traffic_signal", "public_security_clue", "road_damage", "no_such_category"]
)
def test_the_intakes_read_routes_as_routing_does(w: World, category: str, way: str) -> None:
    # given the test city with the catalogue's routing (traffic signals to the district's police),
    # a street's rule sending road damage to a named office and one naming an inactive office
    inactive: Any = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.URBAN_MANAGEMENT, region=w.district, is_active=False
    )
    RoutingRule.objects.create(
        kind=CaseKind.REPORT, category="road_damage", region=w.district, target=RoutingTarget.ORGANISATION,
        organisation=inactive, priority=1,
    )  # fmt: skip
    RoutingRule.objects.create(
        kind=CaseKind.REPORT, category="road_damage", region=w.street, target=RoutingTarget.ORGANISATION,
        organisation=w.street_org, priority=5,
    )  # fmt: skip

    for region in (w.community, w.other_community):
        # when routed from the one read, and by routing's own reads
        context(category, region, way)  # kept: the whole configuration read once, here
        with CaptureQueriesContext(connection) as ctx:
            read = context(category, region, way).routing
            decided = routing.route_with_rule(CaseKind.REPORT, category, region, inputs=read)

        # then the same office and rule, for one statement (kept: the test's read of the version)
        assert decided == routing.route_with_rule(CaseKind.REPORT, category, region)
        assert decided[0] is not None
        assert len(ctx.captured_queries) == 1


def test_a_community_without_offices_goes_to_triage_the_same_way(w: World, way: str) -> None:
    # given a community (and street and district) with no party organisation, and one with
    # nothing on its path at all
    lonely: Any = CommunityFactory()

    # when routed both ways, then the city's party organisation has it
    via_read, via_routing = both_ways("garbage", lonely, way)
    assert via_read == via_routing
    assert via_read[0] is not None and via_read[0].kind == OrgKind.PARTY_ORG
    assert both_ways("garbage", None, way)[0] == both_ways("garbage", None, way)[1]


def test_the_intakes_read_gives_the_category_and_its_deadline_rule(w: World, way: str) -> None:
    # given a deadline rule of its own for garbage, the kind's default, and an inactive category
    DeadlineRule.objects.create(kind=CaseKind.REPORT, category="garbage", accept_within_working_hours=3)
    DeadlineRule.objects.create(kind=CaseKind.REPORT, category="", accept_within_working_hours=6)
    ReportCategory.objects.filter(code="flooding").update(is_active=False)

    # when read
    garbage = context("garbage", w.community, way)
    flooding = context("flooding", w.community, way)

    # then each has the rule deadline_rule_for picks, and only an active category is found
    for code, read in (("garbage", garbage), ("flooding", flooding)):
        expected = deadline_rule_for(CaseKind.REPORT, code)
        assert (read.deadline_rule.pk, read.deadline_rule.accept_within_working_hours) == (
            expected.pk,
            expected.accept_within_working_hours,
        )
    assert garbage.category == ReportCategory.objects.get(code="garbage")
    assert garbage.category is not None and garbage.category.name == "垃圾堆放" and garbage.category.is_active is True
    assert flooding.category is None
    assert context("", None, way).category is None


# --- The office's notices, after the answer ------------------------------------------------------
def submit() -> Report:
    return services.report_submit(
        reporter=worker(),
        category_code="garbage",
        description="",
        lat=30.55,
        lng=114.30,
        photos=[upload(jpeg_bytes((40, 30)))],
    )


@pytest.fixture
def with_celery(settings: Any) -> None:
    """Production's configuration: Celery over a broker, notices after the answer."""
    settings.CASES_NOTIFY_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = False


def test_with_celery_the_office_is_told_by_a_task_after_the_answer(
    w: World,
    with_celery: None,
    sent: list[dict[str, Any]],
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a broker that takes the task
    queued: list[tuple[int, ...]] = []
    monkeypatch.setattr(cases_notify_event, "apply_async", lambda args, **kw: queued.append(args))

    # when a worker files a report
    with django_capture_on_commit_callbacks(execute=True):
        report = submit()

    # then nobody is told in the request: the task is queued with the timeline row
    event = CaseEvent.objects.get(case_id=report.pk)
    assert queued == [(event.pk,)] and sent == []
    # and the task, run by a worker, tells the office's staff
    assert cases_notify_event.run(event.pk) == 1
    assert [m["user"] for m in sent] == [w.community_handler]
    assert sent[0]["kind"] == "case_open" and "垃圾堆放" in sent[0]["title"]


def test_with_the_broker_down_the_office_is_told_at_once(
    w: World,
    with_celery: None,
    sent: list[dict[str, Any]],
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a broker that refuses every connection
    def refuse(args: tuple[int], **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(cases_notify_event, "apply_async", refuse)

    # when a worker files a report
    with django_capture_on_commit_callbacks(execute=True):
        submit()

    # then the office's staff are told right away rather than never
    assert [m["user"] for m in sent] == [w.community_handler]


def test_a_task_for_a_row_gone_tells_nobody(w: World, sent: list[dict[str, Any]]) -> None:
    assert cases_notify_event.run(10**9) == 0
    assert sent == []
