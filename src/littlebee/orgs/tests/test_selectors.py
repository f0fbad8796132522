"""orgs.selectors: region trees, escalation chains and pick-lists."""

from __future__ import annotations

import pytest

from littlebee.orgs import selectors
from littlebee.orgs.models import Industry, OrgKind

from .factories import (
    CityFactory,
    CommunityFactory,
    DistrictFactory,
    EnterpriseFactory,
    EnterprisePartyOrgFactory,
    IndustryCommitteeFactory,
    OrganisationFactory,
    OutletFactory,
    PartyOrgFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    city = CityFactory(code="4201")
    district = DistrictFactory(parent=city, code="420106")
    street = StreetFactory(parent=district, code="420106001")
    community = CommunityFactory(parent=street, code="420106001001")
    other_district = DistrictFactory(parent=city, code="420102")
    return {"city": city, "district": district, "street": street, "community": community, "other": other_district}


def test_organisation_chain_follows_the_parents(tree):
    # given community > street > district party organisations
    district_org = PartyOrgFactory(region=tree["district"])
    street_org = PartyOrgFactory(region=tree["street"], parent=district_org)
    community_org = PartyOrgFactory(region=tree["community"], parent=street_org)

    # when
    chain = selectors.organisation_chain(community_org)

    # then
    assert chain == [community_org, street_org, district_org]


def test_organisation_chain_of_a_root_is_itself(tree):
    # given
    org = PartyOrgFactory(region=tree["city"])

    # when / then
    assert selectors.organisation_chain(org) == [org]


def test_organisation_chain_stops_at_a_cycle(tree):
    # given two organisations that (wrongly) name each other as parent
    a = PartyOrgFactory(region=tree["district"])
    b = PartyOrgFactory(region=tree["street"], parent=a)
    a.parent = b
    a.save(update_fields=["parent"])

    # when
    chain = selectors.organisation_chain(b)

    # then
    assert chain == [b, a]


def test_organisation_chain_of_an_enterprise_party_org_reaches_the_committee(tree):
    # given
    committee = IndustryCommitteeFactory(region=tree["city"])
    party_org = EnterprisePartyOrgFactory(parent=committee)

    # when / then
    assert selectors.organisation_chain(party_org) == [party_org, committee]


def test_region_subtree_contains_the_region_and_everything_below(tree):
    # when
    subtree = set(selectors.region_subtree(tree["district"]))

    # then
    assert subtree == {tree["district"], tree["street"], tree["community"]}


def test_region_ancestors_go_from_the_region_up_to_the_city(tree):
    # when / then
    assert selectors.region_ancestors(tree["community"]) == [
        tree["community"],
        tree["street"],
        tree["district"],
        tree["city"],
    ]


def test_regions_children_of_nothing_are_the_cities(tree):
    assert list(selectors.regions_children(None)) == [tree["city"]]


def test_regions_children_are_ordered_by_code(tree):
    assert list(selectors.regions_children(tree["city"])) == [tree["other"], tree["district"]]


def test_region_party_org(tree):
    # given
    org = PartyOrgFactory(region=tree["street"])
    OrganisationFactory(kind=OrgKind.DEPARTMENT, department_type="traffic_police", region=tree["street"])

    # then
    assert selectors.region_party_org(tree["street"]) == org
    assert selectors.region_party_org(tree["community"]) is None


def test_enterprise_party_org(db):
    # given
    party_org = EnterprisePartyOrgFactory()

    # then
    assert selectors.enterprise_party_org(party_org.enterprise) == party_org
    assert selectors.enterprise_party_org(EnterpriseFactory()) is None


def test_enterprises_list_excludes_closed_enterprises_and_other_kinds(db):
    # given
    open_one = EnterpriseFactory(industry=Industry.EXPRESS)
    EnterpriseFactory(is_active=False)
    EnterprisePartyOrgFactory(enterprise=open_one)
    IndustryCommitteeFactory()

    # when / then
    assert list(selectors.enterprises_list()) == [open_one]


def test_outlets_of_belong_to_the_enterprise_only(db):
    # given
    enterprise = EnterpriseFactory()
    mine = OutletFactory(enterprise=enterprise)
    OutletFactory()

    # when / then
    assert list(selectors.outlets_of(enterprise)) == [mine]
