"""Fixtures for the accounts tests: a small city with two districts, and registration data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from littlebee.accounts.tests.factories import sms_code_for
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.tests.factories import (
    CityFactory,
    CommunityFactory,
    DistrictFactory,
    EnterpriseFactory,
    EnterprisePartyOrgFactory,
    PartyOrgFactory,
    StreetFactory,
)

STRONG_PASSWORD = "Quick-bee-42"


@dataclass
class City:
    """city > district > street > community, with a sibling at every level."""

    city: Region
    district: Region
    street: Region
    community: Region
    neighbour: Region  # same street as `community`
    other_street_community: Region  # same district, other street
    other_district_community: Region

    def party_org(self, region: Region) -> Organisation:
        existing = Organisation.objects.filter(kind="party_org", region=region).first()
        return existing or _made(PartyOrgFactory(region=region))


def _made(obj: Any) -> Any:
    """factory_boy's stubs type `SomeFactory()` as the factory: this says "the model instance"."""
    return obj


@pytest.fixture
def city(db: Any) -> City:
    city = CityFactory(name="武汉市")
    district = DistrictFactory(parent=city, name="武昌区")
    street = StreetFactory(parent=district, name="黄鹤楼街道")
    community = CommunityFactory(parent=street, name="西厂口社区")
    neighbour = CommunityFactory(parent=street, name="得胜桥社区")
    other_street = StreetFactory(parent=district, name="紫阳街道")
    other_street_community = CommunityFactory(parent=other_street, name="紫阳社区")
    other_district = DistrictFactory(parent=city, name="江汉区")
    other_district_street = StreetFactory(parent=other_district, name="民族街道")
    other_district_community = CommunityFactory(parent=other_district_street, name="前进社区")
    return City(
        city=_made(city),
        district=_made(district),
        street=_made(street),
        community=_made(community),
        neighbour=_made(neighbour),
        other_street_community=_made(other_street_community),
        other_district_community=_made(other_district_community),
    )


@pytest.fixture
def enterprise(db: Any) -> Organisation:
    party_org = EnterprisePartyOrgFactory(enterprise__name="顺丰速运", enterprise__short_name="顺丰")
    return _made(party_org.enterprise)


@pytest.fixture
def other_enterprise(db: Any) -> Organisation:
    return _made(EnterpriseFactory(name="中通快递", short_name="中通"))


@pytest.fixture
def registration(city: City, enterprise: Organisation) -> dict[str, Any]:
    """A valid body for POST /auth/register, with a live sign-up code for its phone."""
    return {
        "phone": "13800000001",
        "code": sms_code_for("13800000001"),
        "password": STRONG_PASSWORD,
        "name": "张三",
        "worker_type": "courier",
        "enterprise": enterprise.pk,
        "community": city.community.pk,
    }
