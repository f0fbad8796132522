"""A worker with something in every app (a report, points, a voucher, a visit, an event
registration, an inbox message), and another worker with the same, for export and closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import CheckinStatus, User
from littlebee.accounts.tests.factories import PASSWORD, worker
from littlebee.cases.models import Case
from littlebee.cases.tests.factories import World, sent_fixture, world
from littlebee.hives.models import EventRegistration, HiveVisit, VisitMethod
from littlebee.hives.services import events as event_services
from littlebee.hives.tests.event_factories import EventFactory
from littlebee.hives.tests.factories import HiveFactory
from littlebee.notifications.models import Notification
from littlebee.reports import services as report_services
from littlebee.reports.services import report_categories_ensure
from littlebee.rewards import services as reward_services
from littlebee.rewards.models import Voucher
from littlebee.rewards.tests.factories import GiftFactory, give_points

# The case notices sent during a test, instead of delivered (cases/tests/factories.py).
sent = sent_fixture(autouse=True)


@pytest.fixture
def w(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    city = world()
    # The reports app places a report in the city by its communities' centres.
    city.community.lat, city.community.lng = 30.55, 114.30
    city.community.save(update_fields=["lat", "lng"])
    city.other_community.lat, city.other_community.lng = 30.60, 114.35
    city.other_community.save(update_fields=["lat", "lng"])
    report_categories_ensure()
    return city


@dataclass
class Life:
    """A worker's traces across the platform."""

    user: User
    case: Case
    voucher: Voucher
    registration: EventRegistration
    visit: HiveVisit
    notification: Notification


def live_a_little(w: World, *, phone: str, name: str) -> Life:
    user = worker(user__phone=phone, user__name=name, checkin_status=CheckinStatus.CONFIRMED, community=w.community)
    report = report_services.report_submit(
        reporter=user,
        category_code="garbage",
        description=f"路口垃圾堆了三天，我是{name}，电话 {phone}",
        lat=30.5501,
        lng=114.3001,
    )
    give_points(user, 500)
    hive: Any = HiveFactory(community=w.community, managing_unit=w.community_org)
    gift = GiftFactory(points_cost=100)
    voucher = reward_services.gift_redeem(worker=user, gift_id=gift.pk)
    event: Any = EventFactory(organiser=w.community_org, starts_at=timezone.now() + timedelta(days=3))
    registration = event_services.event_register(event_id=event.pk, worker=user)
    visit = HiveVisit.objects.create(hive=hive, worker=user, method=VisitMethod.QR)
    notification = Notification.objects.create(recipient=user, kind="test", title=f"给{name}的消息", body="内容")
    return Life(
        user=user,
        case=report.case,
        voucher=voucher,
        registration=registration,
        visit=visit,
        notification=notification,
    )


@pytest.fixture
def me(w: World) -> Life:
    return live_a_little(w, phone="13800000001", name="张三丰")


@pytest.fixture
def other(w: World) -> Life:
    return live_a_little(w, phone="13900000002", name="李四光")


__all__ = ["PASSWORD", "Life", "live_a_little"]
