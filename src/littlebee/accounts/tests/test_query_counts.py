"""Lists cost a fixed number of queries however long they are (no N+1).

The bounds are committed: raising one needs a reason in the change that raises it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.models import Role
from littlebee.accounts.services import checkin_reject, checkin_resubmit
from littlebee.orgs.tests.factories import OutletFactory

from .factories import MembershipFactory, UserFactory, staff
from .factories import pending_worker as worker

pytestmark = pytest.mark.django_db

# token, city-admin check, memberships, staff check, count, page
CHECKIN_QUEUE_QUERIES = 6
# the token with the account (profile, enterprise, outlet, community chain, "has roles?", and the
# points balance and lifetime points through accounts.hooks.me_columns): one statement
# (selectors.ME_RIDE; two before, the token's and the account's)
ME_QUERIES = 1
# and the roles, for someone who holds any
ME_WITH_ROLES_QUERIES = 2


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _populate(city, enterprise, n: int) -> None:
    outlet = OutletFactory(enterprise=enterprise)
    communities = [city.community, city.neighbour, city.other_street_community]
    for i in range(n):
        worker(community=communities[i % 3], enterprise=enterprise, outlet=outlet if i % 2 else None)


@pytest.mark.parametrize("n", [5, 20, 25])
def test_the_check_in_queue_has_a_bounded_query_count(api_as, city, enterprise, django_assert_max_num_queries, n):
    # given a district admin who sees every worker
    _populate(city, enterprise, n)
    client = api_as(staff(city.party_org(city.district), role=Role.ADMIN))
    client.get("/checkins")  # the token's last-used touch happens once a minute at most

    # when / then
    with django_assert_max_num_queries(CHECKIN_QUEUE_QUERIES):
        response = client.get("/checkins", {"limit": 100})
    assert response.json()["count"] == n


def test_the_check_in_queue_costs_the_same_for_5_and_25_workers(api_as, city, enterprise):
    # given
    client = api_as(staff(city.party_org(city.district), role=Role.ADMIN))
    _populate(city, enterprise, 5)
    client.get("/checkins")
    few = _queries(lambda: client.get("/checkins", {"limit": 100}))
    _populate(city, enterprise, 20)

    # when
    many = _queries(lambda: client.get("/checkins", {"limit": 100}))

    # then
    assert many == few


@pytest.mark.parametrize("n", [5, 25])
def test_the_employment_queue_has_a_bounded_query_count(api_as, city, enterprise, django_assert_max_num_queries, n):
    # given
    _populate(city, enterprise, n)
    client = api_as(staff(enterprise.party_orgs.get(), role=Role.ADMIN))
    client.get("/employment-checks")

    # when / then
    with django_assert_max_num_queries(CHECKIN_QUEUE_QUERIES):
        response = client.get("/employment-checks", {"limit": 100})
    assert response.json()["count"] == n


def test_me_has_a_bounded_query_count(api_as, city, enterprise, django_assert_max_num_queries):
    # given a worker who also holds several roles
    user = worker(community=city.community, enterprise=enterprise, outlet=OutletFactory(enterprise=enterprise))
    for region in (city.community, city.neighbour, city.street):
        MembershipFactory(user=user, organisation=city.party_org(region))
    client = api_as(user)
    client.get("/me")

    # when / then
    with django_assert_max_num_queries(ME_WITH_ROLES_QUERIES):
        response = client.get("/me")
    assert len(response.json()["roles"]) == 3


def test_me_for_a_worker_is_one_query_and_reads_no_region_boundary(api_as, city, enterprise):
    # given a worker (no staff role) of a community whose regions all carry boundaries
    square = {"type": "Polygon", "coordinates": [[[114.0, 30.0], [114.1, 30.0], [114.1, 30.1], [114.0, 30.0]]]}
    for region in (city.city, city.district, city.street, city.community):
        region.boundary = square
        region.save(update_fields=["boundary"])
    outlet = OutletFactory(
        enterprise=enterprise, name="东吴网点", parent=OutletFactory(enterprise=enterprise, name="汉西分部")
    )
    client = api_as(worker(community=city.community, enterprise=enterprise, outlet=outlet))
    client.get("/me")

    # when
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/me")

    # then
    assert len(ctx.captured_queries) == ME_QUERIES
    assert not any("boundary" in q["sql"] for q in ctx.captured_queries)
    body = response.json()
    assert body["community"]["full_name"] == "武昌区 黄鹤楼街道 西厂口社区"
    assert body["outlet"] == {"id": outlet.pk, "name": "汉西分部 东吴网点"}
    assert body["enterprise"] == {"id": enterprise.pk, "name": "顺丰"}


def test_the_timeline_has_a_bounded_query_count(api_as, city, enterprise, django_assert_max_num_queries):
    # given a worker with a long history
    user = worker(community=city.community, enterprise=enterprise)
    handler = staff(city.party_org(city.community))
    client = api_as(user)
    for _ in range(5):
        checkin_reject(profile_id=user.worker_profile.pk, actor=handler, note="再核实")
        checkin_resubmit(worker=user, community_id=city.community.pk)
    client.get("/me/checkin-timeline")

    # when / then
    with django_assert_max_num_queries(3):
        response = client.get("/me/checkin-timeline")
    assert len(response.json()) == 10


def test_a_staff_member_without_profile_is_cheap(api_as, city, django_assert_max_num_queries):
    # given
    person = UserFactory()
    client = api_as(person)
    client.get("/me")

    # when / then
    with django_assert_max_num_queries(ME_QUERIES):
        client.get("/me")
