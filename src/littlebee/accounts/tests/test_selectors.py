"""Who may see and decide what: every rule has a case where somebody is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from littlebee.accounts import selectors
from littlebee.accounts.models import Role
from littlebee.orgs.models import Industry, OrgKind
from littlebee.orgs.tests.factories import (
    CommunityFactory,
    EnterpriseFactory,
    EnterprisePartyOrgFactory,
    IndustryCommitteeFactory,
    OrganisationFactory,
)

from .factories import UserFactory, staff
from .factories import pending_worker as worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city, enterprise):
    """Workers of two enterprises (two industries) spread over the city."""
    food = EnterpriseFactory(industry=Industry.FOOD_DELIVERY, name="饿了么")
    EnterprisePartyOrgFactory(enterprise=food)
    return {
        "here": worker(community=city.community, enterprise=enterprise).worker_profile,
        "neighbour": worker(community=city.neighbour, enterprise=enterprise).worker_profile,
        "other_district": worker(community=city.other_district_community, enterprise=food).worker_profile,
        "freelancer": worker(community=city.community, enterprise=None, worker_type="other").worker_profile,
        "food": food,
    }


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _all(people) -> set[int]:
    return {p.pk for key, p in people.items() if key != "food"}


# --- worker_profiles_visible_to -------------------------------------------------------------
def test_anonymous_sees_no_profiles(people):
    assert _ids(selectors.worker_profiles_visible_to(AnonymousUser())) == set()


def test_a_worker_sees_only_their_own_profile(people):
    # given
    me = people["here"]

    # when
    visible = selectors.worker_profiles_visible_to(me.user)

    # then
    assert _ids(visible) == {me.pk}


def test_a_community_handler_sees_the_communitys_workers_only(city, people):
    # given
    handler = staff(city.party_org(city.community))

    # when
    visible = _ids(selectors.worker_profiles_visible_to(handler))

    # then
    assert visible == {people["here"].pk, people["freelancer"].pk}
    assert people["neighbour"].pk not in visible


def test_a_hive_keeper_sees_the_communitys_workers(city, people):
    # given
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)

    # when / then
    assert _ids(selectors.worker_profiles_visible_to(keeper)) == {people["here"].pk, people["freelancer"].pk}


def test_a_street_admin_sees_the_street_but_not_another_district(city, people):
    # given
    admin = staff(city.party_org(city.street), role=Role.ADMIN)

    # when
    visible = _ids(selectors.worker_profiles_visible_to(admin))

    # then
    assert visible == {people["here"].pk, people["neighbour"].pk, people["freelancer"].pk}
    assert people["other_district"].pk not in visible


def test_an_enterprise_party_org_sees_its_own_workers_only(enterprise, people):
    # given
    handler = staff(enterprise.party_orgs.get())

    # when
    visible = _ids(selectors.worker_profiles_visible_to(handler))

    # then
    assert visible == {people["here"].pk, people["neighbour"].pk}


def test_the_industry_committee_sees_its_industrys_workers_only(people):
    # given
    committee = staff(IndustryCommitteeFactory(industry=Industry.EXPRESS))

    # when
    visible = _ids(selectors.worker_profiles_visible_to(committee))

    # then
    assert visible == {people["here"].pk, people["neighbour"].pk}
    assert people["other_district"].pk not in visible


def test_a_department_sees_no_workers(city, people):
    # given
    department = OrganisationFactory(kind=OrgKind.DEPARTMENT, department_type="traffic_police", region=city.city)
    officer = staff(department)

    # when / then
    assert _ids(selectors.worker_profiles_visible_to(officer)) == set()


def test_a_city_admin_sees_every_profile(city, people):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)

    # when / then
    assert _ids(selectors.worker_profiles_visible_to(admin)) == _all(people)


def test_a_superuser_sees_every_profile(people):
    # given
    root = UserFactory(is_superuser=True, is_staff=True)

    # when / then
    assert _ids(selectors.worker_profiles_visible_to(root)) == _all(people)


# --- checkins_reviewable_by -----------------------------------------------------------------
def test_anonymous_reviews_no_check_ins(people):
    assert _ids(selectors.checkins_reviewable_by(AnonymousUser())) == set()


def test_a_worker_reviews_no_check_ins_not_even_their_own(people):
    assert _ids(selectors.checkins_reviewable_by(people["here"].user)) == set()


def test_a_community_handler_reviews_the_communitys_check_ins(city, people):
    # given
    handler = staff(city.party_org(city.community))

    # when / then
    assert _ids(selectors.checkins_reviewable_by(handler)) == {people["here"].pk, people["freelancer"].pk}


def test_a_handler_of_the_neighbouring_community_reviews_only_theirs(city, people):
    # given
    handler = staff(city.party_org(city.neighbour))

    # when / then
    assert _ids(selectors.checkins_reviewable_by(handler)) == {people["neighbour"].pk}


def test_a_district_admin_reviews_the_district_but_not_another(city, people):
    # given
    admin = staff(city.party_org(city.district), role=Role.ADMIN)

    # when
    reviewable = _ids(selectors.checkins_reviewable_by(admin))

    # then
    assert reviewable == {people["here"].pk, people["neighbour"].pk, people["freelancer"].pk}


def test_a_hive_keeper_reviews_no_check_ins(city, people):
    # given
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)

    # when / then
    assert _ids(selectors.checkins_reviewable_by(keeper)) == set()


def test_an_enterprise_party_org_reviews_no_check_ins(enterprise, people):
    # given
    handler = staff(enterprise.party_orgs.get())

    # when / then
    assert _ids(selectors.checkins_reviewable_by(handler)) == set()


def test_the_industry_committee_reviews_no_check_ins(people):
    # given
    committee = staff(IndustryCommitteeFactory(industry=Industry.EXPRESS), role=Role.ADMIN)

    # when / then
    assert _ids(selectors.checkins_reviewable_by(committee)) == set()


def test_a_city_admin_reviews_every_check_in(city, people):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)

    # when / then
    assert _ids(selectors.checkins_reviewable_by(admin)) == _all(people)


def test_a_community_code_that_prefixes_another_does_not_leak(city, enterprise):
    # given two sibling communities whose codes share a prefix ("…01" and "…011")
    short = CommunityFactory(parent=city.street, code="420106001001")
    long = CommunityFactory(parent=city.street, code="4201060010011")
    in_long = worker(community=long, enterprise=enterprise).worker_profile
    handler = staff(city.party_org(short))

    # when / then
    assert in_long.pk not in _ids(selectors.checkins_reviewable_by(handler))


# --- employment_reviewable_by ---------------------------------------------------------------
def test_anonymous_reviews_no_employment(people):
    assert _ids(selectors.employment_reviewable_by(AnonymousUser())) == set()


def test_the_enterprise_party_org_reviews_its_workers(enterprise, people):
    # given
    admin = staff(enterprise.party_orgs.get(), role=Role.ADMIN)

    # when / then
    assert _ids(selectors.employment_reviewable_by(admin)) == {people["here"].pk, people["neighbour"].pk}


def test_another_enterprises_party_org_reviews_none_of_them(people):
    # given
    admin = staff(people["food"].party_orgs.get(), role=Role.ADMIN)

    # when / then
    assert _ids(selectors.employment_reviewable_by(admin)) == {people["other_district"].pk}


def test_a_hive_keeper_of_an_enterprise_party_org_reviews_no_employment(enterprise, people):
    # given
    keeper = staff(enterprise.party_orgs.get(), role=Role.KEEPER)

    # when / then
    assert _ids(selectors.employment_reviewable_by(keeper)) == set()


def test_the_industry_committee_sees_but_does_not_review_employment(people):
    # given
    committee = staff(IndustryCommitteeFactory(industry=Industry.EXPRESS), role=Role.ADMIN)

    # when
    visible = _ids(selectors.worker_profiles_visible_to(committee))
    reviewable = _ids(selectors.employment_reviewable_by(committee))

    # then
    assert visible == {people["here"].pk, people["neighbour"].pk}
    assert reviewable == set()


def test_a_community_handler_reviews_no_employment(city, people):
    # given
    handler = staff(city.party_org(city.community))

    # when / then
    assert _ids(selectors.employment_reviewable_by(handler)) == set()


def test_a_worker_reviews_no_employment(people):
    assert _ids(selectors.employment_reviewable_by(people["here"].user)) == set()


def test_a_city_admin_reviews_employment_of_everyone_with_an_enterprise(city, people):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)

    # when
    reviewable = _ids(selectors.employment_reviewable_by(admin))

    # then
    assert reviewable == _all(people) - {people["freelancer"].pk}


# --- standing -------------------------------------------------------------------------------
def test_is_city_admin(city, people):
    # given
    admin = staff(city.party_org(city.city), role=Role.CITY_ADMIN)
    city_handler = staff(city.party_org(city.city))

    # then
    assert selectors.is_city_admin(admin)
    assert selectors.is_city_admin(UserFactory(is_superuser=True))
    assert not selectors.is_city_admin(city_handler)
    assert not selectors.is_city_admin(people["here"].user)
    assert not selectors.is_city_admin(AnonymousUser())


def test_is_staff_member(city, people):
    # given
    keeper = staff(city.party_org(city.community), role=Role.KEEPER)

    # then
    assert selectors.is_staff_member(keeper)
    assert not selectors.is_staff_member(people["here"].user)
    assert not selectors.is_staff_member(AnonymousUser())
