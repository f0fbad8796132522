"""Routing of new cases, forwarding (转办) and returning (退回)."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.cases import routing, services
from littlebee.cases.models import CaseEvent, CaseKind, CaseStatus, RoutingRule, RoutingTarget
from littlebee.core.errors import Conflict, InvalidInput
from littlebee.orgs.models import DepartmentType, OrgKind
from littlebee.orgs.tests.factories import OrganisationFactory

from .factories import WORKING_MORNING, World, open_case, traffic_rule, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def test_by_default_a_case_goes_to_the_community_where_it_lies(w: World) -> None:
    assert routing.route(CaseKind.REPORT, "garbage", w.community) == w.community_org
    assert routing.route(CaseKind.REPORT, "garbage", w.other_community) == w.other_community_org


def test_a_department_rule_sends_traffic_lights_to_the_districts_traffic_police(w: World) -> None:
    # given the city-wide rule "traffic signals → traffic police of the district"
    traffic_rule()

    # when a broken light is reported in the community
    case = open_case(w, category="traffic_signal")

    # then it lands with the district's traffic police, other categories still with the community
    assert case.organisation == w.traffic_police
    assert routing.route(CaseKind.REPORT, "garbage", w.community) == w.community_org


def test_a_rule_whose_department_is_missing_falls_back_to_the_community(w: World) -> None:
    RoutingRule.objects.create(
        kind=CaseKind.REPORT,
        category="flooding",
        target=RoutingTarget.DEPARTMENT,
        department_type=DepartmentType.WATER,
    )
    assert routing.route(CaseKind.REPORT, "flooding", w.community) == w.community_org


def test_the_most_specific_rule_wins(w: World) -> None:
    # a city-wide organisation rule for the category, and a district rule that overrides it
    fixed: Any = OrganisationFactory(kind=OrgKind.REGULATOR, region=w.city, name="市城管委")
    RoutingRule.objects.create(
        kind=CaseKind.REPORT, category="manhole", target=RoutingTarget.ORGANISATION, organisation=fixed
    )
    assert routing.route(CaseKind.REPORT, "manhole", w.community) == fixed
    RoutingRule.objects.create(
        kind=CaseKind.REPORT, category="manhole", region=w.district, target=RoutingTarget.COMMUNITY
    )
    assert routing.route(CaseKind.REPORT, "manhole", w.community) == w.community_org
    # rules of another kind do not apply
    assert routing.route(CaseKind.APPEAL, "manhole", w.community) == w.community_org


def test_an_unknown_place_goes_to_triage(w: World) -> None:
    # no location at all → the city's party organisation
    case = open_case(w, region=None, lat=None, lng=None)
    assert case.organisation == w.city_org
    # only the district known → the district's party organisation
    assert routing.route(CaseKind.REPORT, "garbage", w.district) == w.district_org
    # a traffic light somewhere unknown → the department rule cannot place it → triage
    traffic_rule()
    assert routing.route(CaseKind.REPORT, "traffic_signal", None) == w.city_org


def test_an_explicit_organisation_overrides_routing(w: World) -> None:
    case = open_case(w, organisation=w.traffic_police)
    assert case.organisation == w.traffic_police
    assert CaseEvent.objects.get(case=case).data == {"routed": False}


def test_forward_moves_the_case_with_a_reason_and_fresh_deadlines(w: World) -> None:
    # given a case the community accepted
    case = open_case(w)
    services.case_accept(case_id=case.pk, actor=w.community_handler)
    later = WORKING_MORNING.replace(day=11)

    # when the community forwards it to the traffic police
    case = services.case_forward(
        case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police.pk, note="属交警职责", at=later
    )

    # then it waits there to be accepted again, nobody named, with a new acceptance deadline
    assert (case.organisation, case.handler, case.status) == (w.traffic_police, None, CaseStatus.SUBMITTED)
    assert case.accept_due_at == later.replace(day=12)
    assert case.resolve_due_at is None
    event = CaseEvent.objects.get(case=case, action="forward")
    assert (event.from_org, event.to_org, event.note) == (w.community_org, w.traffic_police, "属交警职责")


def test_forward_needs_a_reason_and_another_organisation(w: World) -> None:
    case = open_case(w)
    with pytest.raises(InvalidInput):
        services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police, note="")
    with pytest.raises(InvalidInput):
        services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.community_org, note="x")
    with pytest.raises(InvalidInput):
        services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=999_999, note="x")


def test_return_goes_back_to_the_forwarding_organisation(w: World) -> None:
    case = open_case(w)
    services.case_forward(case_id=case.pk, actor=w.community_handler, to_org=w.traffic_police, note="交警")

    case = services.case_return(case_id=case.pk, actor=w.police_handler, note="非交通设施，属社区")

    assert (case.organisation, case.status) == (w.community_org, CaseStatus.SUBMITTED)
    event = CaseEvent.objects.get(case=case, action="return")
    assert (event.from_org, event.to_org) == (w.traffic_police, w.community_org)


def test_return_of_a_routed_case_goes_to_the_district_triage_and_no_further(w: World) -> None:
    traffic_rule()
    case = open_case(w, category="traffic_signal")

    case = services.case_return(case_id=case.pk, actor=w.police_handler, note="不是信号灯")

    assert case.organisation == w.district_org
    from littlebee.accounts.tests.factories import staff

    triage = staff(w.district_org)
    with pytest.raises(Conflict) as exc:
        services.case_return(case_id=case.pk, actor=triage, note="x")
    assert exc.value.code == "nowhere_to_return"


def _routed_with_read_inputs(w: World, category: str) -> Any:
    """route_with_rule as the report intake calls it: with inputs read beforehand."""
    codes = routing.ancestor_codes(w.community)
    inputs = routing.routing_inputs(
        w.community,
        ancestors=list(routing.ancestors_query(codes)),
        rules=list(routing.rules_query(CaseKind.REPORT, category, codes).select_related("organisation")),
        offices=list(routing.offices_query(codes)),
    )
    return routing.route_with_rule(CaseKind.REPORT, category, w.community, inputs=inputs)[0]


def test_routing_and_escalation_break_a_tie_between_two_offices_the_same_way(w: World) -> None:
    # given a second traffic police office in the district, set up after the first, a rule sending
    # traffic signals there, and two public security bureaus at the city, above the district's
    traffic_rule()
    newer_traffic: Any = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.TRAFFIC_POLICE, region=w.district
    )
    district_police: Any = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.district
    )
    older_city_police: Any = OrganisationFactory(
        kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.city
    )
    OrganisationFactory(kind=OrgKind.DEPARTMENT, department_type=DepartmentType.PUBLIC_SECURITY, region=w.city)

    # when a new case is routed (queried and from read inputs) and an overdue one escalates
    routed = routing.route(CaseKind.REPORT, "traffic_signal", w.community)
    routed_from_inputs = _routed_with_read_inputs(w, "traffic_signal")
    escalated = routing.escalation_parent(district_police)
    escalated_confidential = routing.escalation_parent(district_police, confidential=True)

    # then both pick the office set up first (the lowest id), never the newer duplicate
    assert newer_traffic.pk > w.traffic_police.pk
    assert routed == routed_from_inputs == w.traffic_police
    assert escalated == escalated_confidential == older_city_police
