"""Test data for appeals: the case engine's small city plus the food-delivery industry (its
committee, its regulator, 饿了么 and 美团 with their party organisations, created as the
platform creates them) and a rider registered in the city's community."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.accounts.tests.factories import worker as make_worker
from littlebee.appeals.models import Appeal, AppealType, Involves
from littlebee.appeals.services import appeal_routing_ensure, appeal_submit
from littlebee.cases.tests.factories import WORKING_MORNING, World, world
from littlebee.orgs.models import Industry, Organisation, OrgKind
from littlebee.orgs.services import enterprise_create
from littlebee.orgs.tests.factories import OrganisationFactory


@dataclass
class AppealCity:
    w: World
    committee: Organisation
    express_committee: Organisation
    regulator: Organisation
    eleme: Organisation
    eleme_party: Organisation
    meituan: Organisation
    meituan_party: Organisation
    rider: User
    other_rider: User
    eleme_handler: User  # staff of 饿了么's party organisation
    eleme_staff: User  # staff of the enterprise itself
    meituan_handler: User
    committee_handler: User
    express_handler: User
    regulator_handler: User


def appeal_city() -> AppealCity:
    w = world()
    committee: Any = OrganisationFactory(
        kind=OrgKind.INDUSTRY_COMMITTEE,
        industry=Industry.FOOD_DELIVERY,
        region=w.city,
        name="外卖行业党委",
        parent=w.city_org,
    )
    express: Any = OrganisationFactory(
        kind=OrgKind.INDUSTRY_COMMITTEE, industry=Industry.EXPRESS, region=w.city, name="快递行业党委"
    )
    regulator: Any = OrganisationFactory(
        kind=OrgKind.REGULATOR,
        industry=Industry.FOOD_DELIVERY,
        region=w.city,
        name="市商务局",
        parent=w.city_org,
    )
    eleme = enterprise_create(
        code="eleme",
        name="饿了么武汉",
        short_name="饿了么",
        industry=Industry.FOOD_DELIVERY,
        region=w.district,
        industry_committee=committee,
    )
    meituan = enterprise_create(
        code="meituan",
        name="美团武汉",
        short_name="美团",
        industry=Industry.FOOD_DELIVERY,
        region=w.district,
        industry_committee=committee,
    )
    eleme_party = Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=eleme)
    meituan_party = Organisation.objects.get(kind=OrgKind.ENTERPRISE_PARTY_ORG, enterprise=meituan)
    appeal_routing_ensure()
    return AppealCity(
        w=w,
        committee=committee,
        express_committee=express,
        regulator=regulator,
        eleme=eleme,
        eleme_party=eleme_party,
        meituan=meituan,
        meituan_party=meituan_party,
        rider=make_worker(worker_type="food_delivery", enterprise=eleme, community=w.community, user__name="李骑手"),
        other_rider=make_worker(worker_type="food_delivery", enterprise=meituan, community=w.other_community),
        eleme_handler=staff(eleme_party),
        eleme_staff=staff(eleme, role=Role.ADMIN),
        meituan_handler=staff(meituan_party),
        committee_handler=staff(committee),
        express_handler=staff(express),
        regulator_handler=staff(regulator),
    )


def file_appeal(c: AppealCity, **kwargs: Any) -> Appeal:
    """An anonymous appeal about penalty fees against 饿了么 by the rider, unless told otherwise."""
    values: dict[str, Any] = {
        "worker": c.rider,
        "type": AppealType.RIGHTS,
        "involves": Involves.ENTERPRISE,
        "enterprise_id": c.eleme.pk,
        "subject": "超时罚款过高",
        "description": "恶劣天气下超时也被罚款 50 元，申诉无回应。",
        "anonymous_to_enterprise": True,
        "outcome_public": False,
        "at": WORKING_MORNING,
    }
    values.update(kwargs)
    return appeal_submit(**values)


__all__ = ["AppealCity", "appeal_city", "file_appeal", "staff", "worker"]
