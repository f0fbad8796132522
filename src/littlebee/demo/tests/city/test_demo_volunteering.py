"""The demo city's 用心做, as load_wuhan leaves it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from littlebee.accounts.models import User
from littlebee.demo.tests.city.conftest import SecondLoad
from littlebee.demo.wuhan import demo_clock
from littlebee.orgs.models import Organisation, Region
from littlebee.points.selectors import points_mismatches
from littlebee.volunteering import selectors, services
from littlebee.volunteering.models import (
    Certificate,
    Claim,
    ClaimStatus,
    PointPermission,
    ServiceRecord,
    Task,
    TaskStatus,
    Team,
)

pytestmark = pytest.mark.django_db


def test_every_district_sets_point_permissions_and_wuchang_allows_twenty() -> None:
    # then
    for district in Region.objects.filter(level="district"):
        assert PointPermission.objects.filter(district=district).exists(), district.name
    xichangkou = Organisation.objects.get(kind="party_org", region__name="西厂口社区")
    permission = PointPermission.objects.get(organisation=xichangkou)
    assert permission.max_points == 20
    assert permission.monthly_budget > 0


def test_the_three_teams_of_the_seed_at_huanghelou_street() -> None:
    # then
    names = set(Team.objects.filter(street__name="黄鹤楼街道").values_list("name", flat=True))
    assert names == {"黄鹤骑士帮", "商圈志愿服务队", "黄小蜂助老送餐志愿服务队"}
    facts = selectors.team_facts(list(Team.objects.all()))
    assert all(f.captains and f.members >= 5 for f in facts.values()), {
        k: (len(f.captains), f.members) for k, f in facts.items()
    }


def test_forty_tasks_across_wuchang_in_every_state() -> None:
    # then
    assert Task.objects.count() == 40
    assert Task.objects.filter(status=TaskStatus.CANCELLED).count() == 3
    now = demo_clock()  # the time the demo city was loaded at
    assert Task.objects.filter(starts_at__lte=now, ends_at__gt=now, status="published").count() >= 2
    assert Task.objects.filter(starts_at__gt=now).count() >= 12
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert {ClaimStatus.APPROVED, ClaimStatus.DECLINED, ClaimStatus.NO_SHOW, ClaimStatus.CHECKED_OUT} <= statuses
    assert Claim.objects.filter(flagged=True, status=ClaimStatus.CHECKED_OUT).exists()
    assert Task.objects.filter(kind="errand").exclude(resident_phone="").exists()


def test_the_demo_courier_has_certified_hours_points_and_a_certificate() -> None:
    # given
    courier = User.objects.get(phone="13800000001")

    # then
    assert ServiceRecord.objects.filter(worker=courier).count() >= 5
    assert selectors.minutes_total(courier) >= 300
    certificate = Certificate.objects.get(worker=courier)
    assert certificate.issuer_name == Organisation.objects.get(kind="party_org", region__name="西厂口社区").name
    assert points_mismatches() == []


def test_a_task_near_xichangkou_is_running_now() -> None:
    # given the courier's community
    community = Region.objects.get(name="西厂口社区")

    # when searching around it
    now = demo_clock()  # the time the demo city was loaded at
    hits = selectors.tasks_search(lat=community.lat, lng=community.lng, radius_km=1, now=now)

    # then one runs now, its check-in open
    assert any(h.task.checkin_opens_at() <= now < h.task.ends_at for h in hits)


def _looked_at(when: str) -> datetime:
    """When the demo is looked at, at 22:00: the next day, three days on, the last day of the
    month after the load's (a month of daily copies), or 85 days on."""
    loaded = timezone.localtime(demo_clock())
    if when == "end_of_next_month":
        next_month = (loaded.replace(day=1) + timedelta(days=32)).replace(day=1)
        day = (next_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        day = loaded + timedelta(days={"next_day": 1, "three_days": 3, "85_days": 85}[when])
    return day.replace(hour=22, minute=0)


@pytest.mark.parametrize("when", ["next_day", "three_days", "end_of_next_month", "85_days"])
def test_a_city_loaded_days_ago_still_has_a_task_running_at_xichangkou(when: str) -> None:
    # given the demo looked at days after it was loaded, the periodic job run every day meanwhile
    community = Region.objects.get(name="西厂口社区")
    later = _looked_at(when)
    day = demo_clock()
    while day < later:
        day += timedelta(days=1)
        services.tasks_repeat_daily(min(day, later))

    # when
    hits = selectors.tasks_search(lat=community.lat, lng=community.lng, radius_km=1, now=later)

    # then the standing duty's copy of that day runs, open to claim and to check in
    running = [h.task for h in hits if h.task.starts_at <= later < h.task.ends_at]
    assert [t.title for t in running] == ["西厂口社区志愿服务站值守"]
    assert running[0].repeat_of is not None
    assert running[0].availability == "open"


def test_a_second_load_adds_nothing(second_load: SecondLoad) -> None:
    # given the city loaded again on top of itself
    # then no task, claim, team or points permission is added
    assert second_load.added(Task, Claim, Team, PointPermission) == {}
