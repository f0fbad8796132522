"""The shared role matrix (core.tests.role_matrix) for earning rules: who may edit a district's
rule (points.rules.RuleEditor) through the rules pages, and the service behind them and the admin.
A refused person changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff
from littlebee.core.errors import PermissionDenied
from littlebee.core.tests.role_matrix import Cast, page_as, refused, role_matrix
from littlebee.points import services
from littlebee.points.models import EarningRule

from .factories import EarningRuleFactory, Town, city_admin, rider

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_rule(town: Town) -> EarningRule:
    """武昌区's override of the city's report rule (the city allows up to 50)."""
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    rule: Any = EarningRuleFactory(source="report", category="", district=town.district, points_min=10, points_max=40)
    return rule


@pytest.fixture
def cast(town: Town) -> Cast:
    """Own organisation: an admin of 武昌区's party organisation; other: of 江汉区's."""

    def person(role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "worker":
            return rider(town)
        if role == "other_organisation":
            return staff(town.other_district_org, role=Role.ADMIN)
        if role == "own_organisation":
            return staff(town.district_org, role=Role.ADMIN)
        return city_admin(town)

    return person


# A worker is no staff at all: the console refuses with 403. Another district's admin may open the
# rules pages (403 would be wrong) but not this rule: 404, as for no such rule.
@role_matrix(anonymous=302, worker=403, other_organisation=404, own_organisation=200, city_admin=200)
def test_the_rule_edit_page(role: str, status: int, cast: Cast, district_rule: EarningRule) -> None:
    # given the person
    client = page_as(cast(role))

    # when they open the district's rule
    response = client.get(f"/points/rules/{district_rule.pk}/")

    # then
    assert response.status_code == status


@role_matrix(anonymous=302, worker=403, other_organisation=404, own_organisation=302, city_admin=302)
def test_saving_the_rule(role: str, status: int, cast: Cast, district_rule: EarningRule) -> None:
    # given the person
    client = page_as(cast(role))

    # when they raise the district's points to 45
    response = client.post(
        f"/points/rules/{district_rule.pk}/", {"points_min": 10, "points_max": 45, "is_active": "on"}
    )

    # then it is saved (back to the list) or refused and unchanged
    assert response.status_code == status, response.content.decode()[:400]
    district_rule.refresh_from_db()
    assert (district_rule.points_max == 40) is refused(response)


@role_matrix(anonymous=302, worker=403, other_organisation=200, own_organisation=200, city_admin=200)
def test_the_rules_list(role: str, status: int, cast: Cast, district_rule: EarningRule) -> None:
    # given the person
    client = page_as(cast(role))

    # when they open the rules list
    response = client.get("/points/rules/")

    # then district admins and city admins see it, and only the rules they may edit
    assert response.status_code == status
    if status == 200:
        listed = f"/points/rules/{district_rule.pk}/" in response.content.decode()
        assert listed is (role != "other_organisation")


def test_a_staff_member_who_sets_no_rules_is_refused_the_rules_pages(town: Town) -> None:
    # given a community handler (staff, but no district admin)
    client = page_as(staff(town.community_org, role=Role.HANDLER))

    # when they open the list and the new-rule form
    # then both are refused with 403
    assert client.get("/points/rules/").status_code == 403
    assert client.get("/points/rules/new/").status_code == 403


def test_the_service_applies_the_same_rule(town: Town, district_rule: EarningRule) -> None:
    # given another district's admin and 武昌区's rule
    outsider = staff(town.other_district_org, role=Role.ADMIN)
    district_rule.points_max = 45

    # when they try to save it through the service (what the admin site calls too)
    # then it is refused, and nothing changed
    with pytest.raises(PermissionDenied):
        services.earning_rule_save(actor=outsider, rule=district_rule)
    assert EarningRule.objects.get(pk=district_rule.pk).points_max == 40
