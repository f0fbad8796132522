from __future__ import annotations

from typing import Any

import factory

from littlebee.orgs.models import Industry, Organisation, OrgKind, Outlet, Region, RegionLevel


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:06d}")
    name: Any = factory.Sequence(lambda n: f"测试区划{n}")
    level = RegionLevel.CITY
    parent: Any = None
    lat = 30.59
    lng = 114.30

    @factory.lazy_attribute
    def path(self) -> str:
        return f"{self.parent.path if self.parent else ''}{self.code}/"


class CityFactory(RegionFactory):
    level = RegionLevel.CITY


class DistrictFactory(RegionFactory):
    level = RegionLevel.DISTRICT
    parent = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"测试区{n}")


class StreetFactory(RegionFactory):
    level = RegionLevel.STREET
    parent = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(RegionFactory):
    level = RegionLevel.COMMUNITY
    parent = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"org-{n}")
    kind = OrgKind.PARTY_ORG
    name: Any = factory.Sequence(lambda n: f"测试组织{n}")
    region: Any = factory.SubFactory(CommunityFactory)


class PartyOrgFactory(OrganisationFactory):
    kind = OrgKind.PARTY_ORG
    name = factory.LazyAttribute(lambda o: f"{o.region.name}党委")


class IndustryCommitteeFactory(OrganisationFactory):
    kind = OrgKind.INDUSTRY_COMMITTEE
    industry = Industry.EXPRESS
    region = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"快递行业党委{n}")


class EnterpriseFactory(OrganisationFactory):
    kind = OrgKind.ENTERPRISE
    industry = Industry.EXPRESS
    region = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"测试快递公司{n}")
    short_name = factory.Sequence(lambda n: f"测试快递{n}")


class EnterprisePartyOrgFactory(OrganisationFactory):
    kind = OrgKind.ENTERPRISE_PARTY_ORG
    enterprise = factory.SubFactory(EnterpriseFactory)
    industry = factory.LazyAttribute(lambda o: o.enterprise.industry)
    region = factory.LazyAttribute(lambda o: o.enterprise.region)
    name = factory.LazyAttribute(lambda o: f"{o.enterprise.name}党委")


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"测试网点{n}")
