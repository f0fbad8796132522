"""A report a partner posts is filed as the worker of the partner's enterprise whose phone it
sends, else under the partner's own account; either way it lands in the community's queue."""

from __future__ import annotations

import pytest
from django.test import Client

from littlebee.accounts.models import EmploymentStatus
from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.open311.models import PostedRequest
from littlebee.orgs.tests.factories import EnterpriseFactory

from .conftest import Keyed, post_request

pytestmark = pytest.mark.django_db

GOOD = {"service_code": "garbage", "lat": "30.55", "long": "114.30"}


def _posted(response: object) -> PostedRequest:
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    pk = response.json()[0]["service_request_id"]  # type: ignore[attr-defined]
    return PostedRequest.objects.select_related("report__case").get(report_id=pk)


def test_a_phone_of_the_partners_worker_files_it_as_that_worker(w: World, web: Client, keyed: Keyed) -> None:
    # given
    courier = worker(enterprise=keyed.partner.organisation, user__phone="13811112222")

    # when
    posted = _posted(post_request(web, {**GOOD, "phone": "+86 138-1111-2222"}, key=keyed.raw))

    # then
    assert posted.report.case.reporter == courier
    assert posted.attributed_to_worker is True


@pytest.mark.parametrize(
    "phone",
    ["13833334444", "13855556666", "13877778888", "not a phone", "1" * 40],
    ids=["another-enterprise", "rejected-by-the-enterprise", "nobody", "garbage", "long"],
)
def test_any_other_phone_files_it_under_the_partner(w: World, web: Client, keyed: Keyed, phone: str) -> None:
    # given a worker of another enterprise, and one the partner's enterprise said is not theirs
    worker(enterprise=EnterpriseFactory(name="美团外卖"), user__phone="13833334444")
    worker(
        enterprise=keyed.partner.organisation,
        employment_status=EmploymentStatus.REJECTED,
        user__phone="13855556666",
    )

    # when
    posted = _posted(post_request(web, {**GOOD, "phone": phone}, key=keyed.raw))

    # then
    assert posted.report.case.reporter == keyed.partner.user
    assert posted.attributed_to_worker is False


def test_a_point_or_an_address_lands_in_the_communitys_queue(w: World, web: Client, keyed: Keyed) -> None:
    # when
    by_point = _posted(post_request(web, {**GOOD, "lat": "30.60", "long": "114.35"}, key=keyed.raw))
    by_address = _posted(
        post_request(web, {"service_code": "garbage", "address_string": "武昌区户部巷社区 12 号"}, key=keyed.raw)
    )

    # then
    assert by_point.report.case.region == w.other_community
    assert by_point.report.case.organisation == w.other_community_org
    assert by_address.report.case.region == w.other_community
    assert by_address.report.case.organisation == w.other_community_org
    assert by_address.report.address == "武昌区户部巷社区 12 号"
    assert by_address.report.location_source == "community"
