"""The demo city's Open311 partner, 顺丰速运's app: a key from the command posts a report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from littlebee.demo.open311 import PARTNER
from littlebee.open311.models import Partner, PostedRequest

pytestmark = pytest.mark.django_db


def test_the_demo_partner_posts_with_a_key_from_the_command() -> None:
    # given
    partner = Partner.objects.select_related("organisation").get(name=PARTNER)
    out = StringIO()
    call_command("partner_key", PARTNER, stdout=out, stderr=StringIO())

    # when
    response = Client().post(
        f"/open311/v2/requests.json?api_key={out.getvalue().strip()}",
        {"service_code": "road_damage", "attribute[size]": "medium", "address_string": "武昌区黄鹤楼街道西厂口社区"},
    )

    # then
    assert partner.organisation.name == "顺丰速运"
    assert response.status_code == 201, response.content
    posted = PostedRequest.objects.select_related("report__case__region").get(
        report_id=response.json()[0]["service_request_id"]
    )
    region = posted.report.case.region
    assert region is not None
    assert region.name == "西厂口社区"
    assert "破损面积：1 到 5 平方米" in posted.report.description
