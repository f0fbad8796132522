"""A real Open311 client from PyPI (georeport) against the server over HTTP: it lists the
services, reads a service definition and public requests in JSON and XML. (georeport has no
call to post; the post is made with `requests`, as such clients do, with the api_key.)"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from georeport import GeoReport

from littlebee.cases import services as case_services
from littlebee.cases.tests.factories import World
from littlebee.open311.models import Datatype, PostedRequest, ServiceAttribute
from littlebee.reports.models import ReportCategory

from .conftest import Keyed

pytestmark = pytest.mark.django_db(transaction=True)


def test_georeport_lists_services_reads_requests_and_a_key_posts(w: World, keyed: Keyed, live_server: Any) -> None:
    # given a service with a definition and a resolved public report
    ServiceAttribute.objects.create(
        category=ReportCategory.objects.get(code="road_damage"),
        code="size",
        datatype=Datatype.SINGLE,
        description="破损面积",
        values=[{"key": "small", "name": "小"}],
    )
    root = f"{live_server.url}/open311/v2"
    posted = requests.post(
        f"{root}/requests.json",
        data={"api_key": keyed.raw, "service_code": "garbage", "lat": "30.55", "long": "114.30", "phone": ""},
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    case_services.case_accept(case_id=int(request_id), actor=w.community_handler, points=10)
    case_services.case_resolve(case_id=int(request_id), actor=w.community_handler, note="已清运。")

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)

        # when
        services = client.get_service_list()
        definition = client.get_service_definition("road_damage")
        listed = client.get_service_requests(service_code="garbage", status="closed")
        one = client.get_service_request(request_id)

        # then
        codes = [s["service_code"] for s in services]
        assert "garbage" in codes
        assert "public_security_clue" not in codes
        assert definition["service_code"] == "road_damage"
        # xmltodict reads one <request> as a dict, several as a list
        listed_ids = [r["service_request_id"] for r in (listed if isinstance(listed, list) else [listed])]
        assert listed_ids == [request_id]
        assert one["service_request_id"] == request_id
        assert one["status"] == "closed"
        assert one["status_notes"] == "已清运。"
    assert PostedRequest.objects.get().report.case.region == w.community
