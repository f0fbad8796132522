"""The demo city's Open311 partner: 顺丰速运's app, tied to the enterprise 顺丰速运, so a
client can be tried against the demo (`littlebee partner_key "顺丰速运App"` prints a key), and
one service with a definition (道路破损 asks how big the damage is, not required).

Made once each (found by name and code); no key is made, since a key is shown only once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from littlebee.open311 import services
from littlebee.open311.models import Datatype, Partner, ServiceAttribute
from littlebee.orgs.models import Organisation
from littlebee.reports.models import ReportCategory

PARTNER = "顺丰速运App"
ENTERPRISE_CODE = "wh-ent-sf"
SIZE_VALUES = [
    {"key": "small", "name": "小于 1 平方米"},
    {"key": "medium", "name": "1 到 5 平方米"},
    {"key": "large", "name": "大于 5 平方米"},
]


def load_open311(*, now: datetime, created: Counter[str]) -> None:
    enterprise = Organisation.objects.filter(code=ENTERPRISE_CODE).first()
    if enterprise is not None and not Partner.objects.filter(name=PARTNER).exists():
        services.partner_create(name=PARTNER, organisation=enterprise, actor=None)
        created["open311 partners"] += 1
    road = ReportCategory.objects.filter(code="road_damage").first()
    if road is not None:
        _attribute, made = ServiceAttribute.objects.get_or_create(
            category=road,
            code="size",
            defaults={
                "datatype": Datatype.SINGLE,
                "required": False,
                "description": "破损面积",
                "description_en": "Size of the damage",
                "order": 1,
                "values": SIZE_VALUES,
            },
        )
        if made:  # a key counted only when something was made (load results compare exactly)
            created["open311 service attributes"] += 1
