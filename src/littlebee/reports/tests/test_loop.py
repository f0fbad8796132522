"""Acceptance awards the category's points once; who may see a report; duplicates nearby."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import staff, worker
from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound
from littlebee.points.models import LedgerEntry
from littlebee.reports import selectors, services
from littlebee.reports.models import Report

pytestmark = pytest.mark.django_db


def submit(reporter: Any, category: str = "garbage", lat: float = 30.55, lng: float = 114.30) -> Report:
    return services.report_submit(reporter=reporter, category_code=category, description="", lat=lat, lng=lng)


def test_accepting_a_fixed_category_awards_its_points_once(w: World) -> None:
    # given a safety hazard report (50 points, fixed)
    courier = worker()
    report = submit(courier, "safety_hazard")

    # when the community handler accepts it
    case_services.case_accept(case_id=report.pk, actor=w.community_handler)

    # then the courier gets 50 points, once, and accepting again is refused
    entries = LedgerEntry.objects.filter(idempotency_key=f"case:{report.pk}:accept")
    assert [e.amount for e in entries] == [50]
    with pytest.raises(DomainError) as again:
        case_services.case_accept(case_id=report.pk, actor=w.community_handler)
    assert again.value.status == 409 or isinstance(again.value, Conflict)
    assert LedgerEntry.objects.filter(idempotency_key=f"case:{report.pk}:accept").count() == 1


def test_a_fixed_category_refuses_another_amount(w: World) -> None:
    report = submit(worker(), "safety_hazard")
    with pytest.raises(InvalidInput):
        case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=10)
    report.case.refresh_from_db()
    assert report.case.status == "submitted"
    assert not LedgerEntry.objects.exists()


def test_a_ranged_category_needs_the_handlers_pick(w: World) -> None:
    report = submit(worker(), "garbage")
    with pytest.raises(InvalidInput):
        case_services.case_accept(case_id=report.pk, actor=w.community_handler)
    case_services.case_accept(case_id=report.pk, actor=w.community_handler, points=20)
    assert LedgerEntry.objects.get().amount == 20


def test_a_confidential_report_is_seen_only_by_its_office_and_reporter(w: World) -> None:
    # given a public-security department and a clue routed to it
    from littlebee.orgs.models import DepartmentType, OrgKind
    from littlebee.orgs.tests.factories import OrganisationFactory

    police = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district
    )
    officer = staff(police)
    courier = worker()
    report = submit(courier, "public_security_clue")
    assert report.case.organisation == police

    # then its office and its reporter see it; a city admin and another office do not
    assert selectors.report_for(officer, report.pk).pk == report.pk
    assert selectors.report_for(courier, report.pk).pk == report.pk
    for onlooker in (w.city_admin, w.community_handler, w.police_handler, worker()):
        with pytest.raises(NotFound):
            selectors.report_for(onlooker, report.pk)


def test_a_worker_sees_only_their_own_reports(w: World) -> None:
    mine, theirs = worker(), worker()
    own = submit(mine)
    other = submit(theirs)
    assert [r.pk for r in selectors.reports_of(mine)] == [own.pk]
    with pytest.raises(NotFound):
        selectors.report_for(mine, other.pk)


def test_possible_duplicates_are_open_public_same_category_nearby(w: World, settings: Any) -> None:
    # given reports near and far, of another category, and a confidential one
    near = submit(worker(), "garbage", 30.5510, 114.3000)  # ~110 m
    submit(worker(), "garbage", 30.5600, 114.3000)  # ~1.1 km
    submit(worker(), "road_damage", 30.5501, 114.3001)
    submit(worker(), "public_security_clue", 30.5501, 114.3001)

    # then only the near one of the same category is offered
    assert [r.pk for r in selectors.possible_duplicates("garbage", 30.55, 114.30)] == [near.pk]
    # and the radius is a setting
    settings.REPORTS_DUPLICATE_RADIUS_M = 50
    assert selectors.possible_duplicates("garbage", 30.55, 114.30) == []


def test_feedback_closes_or_disputes(w: World) -> None:
    courier = worker()
    report = submit(courier, "safety_hazard")
    case_services.case_accept(case_id=report.pk, actor=w.community_handler)
    case_services.case_resolve(case_id=report.pk, actor=w.community_handler, note="已清理")

    updated = services.report_feedback(report_id=report.pk, worker=courier, rating=2, comment="没修好", resolved=False)

    assert updated.case.status == "disputed" and updated.case.rating == 2
    with pytest.raises(NotFound):
        services.report_feedback(report_id=report.pk, worker=worker(), rating=5, resolved=True)
