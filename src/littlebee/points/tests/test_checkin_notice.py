"""The points a confirmed check-in earns are told in the worker's inbox, after the confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import CheckinStatus, Role, WorkerProfile
from littlebee.accounts.services import checkin_confirm, checkin_reject, checkin_resubmit
from littlebee.accounts.tests.factories import staff
from littlebee.notifications.models import Notification

from .factories import EarningRuleFactory as _EarningRuleFactory
from .factories import Town, rider

pytestmark = pytest.mark.django_db

EarningRuleFactory: Any = _EarningRuleFactory


def test_the_check_in_points_reach_the_inbox(town: Town, api_as: Any) -> None:
    # given a rule of 20 points and a worker waiting for the community
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)

    # when the community confirms
    checkin_confirm(profile_id=profile.pk, actor=staff(town.community_org, role=Role.HANDLER))

    # then the inbox holds the points message (newest first) and the confirmation
    items = api_as(me).get("/me/notifications").json()["items"]
    assert [i["kind"] for i in items] == ["points_checkin", "checkin_confirmed"]
    points = items[0]
    assert points["title"] == "获得 20 积分：社区报到"
    assert town.community.name in points["body"]
    assert points["link"] == "/points/"
    stored = Notification.objects.get(recipient=me, kind="points_checkin")
    assert stored.data["amount"] == 20 and stored.data["community"] == town.community.name
    # and the inbox page shows it
    client = Client()
    client.force_login(me)
    assert "获得 20 积分：社区报到" in client.get("/inbox/").content.decode()


def test_no_points_no_points_message(town: Town) -> None:
    # given no earning rule for check-ins
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)

    # when the community confirms
    checkin_confirm(profile_id=profile.pk, actor=staff(town.community_org, role=Role.HANDLER))

    # then the worker hears of the confirmation only
    assert list(Notification.objects.filter(recipient=me).values_list("kind", flat=True)) == ["checkin_confirmed"]


def test_points_given_once_are_told_once(town: Town) -> None:
    # given a worker whose check-in was confirmed and earned points once
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)
    handler = staff(town.district_org, role=Role.HANDLER)
    checkin_confirm(profile_id=profile.pk, actor=handler)

    # when a confirmation is somehow recorded again (the award's key is taken)
    WorkerProfile.objects.filter(pk=profile.pk).update(checkin_status=CheckinStatus.PENDING)
    checkin_confirm(profile_id=profile.pk, actor=handler)

    # then one points message, two confirmations
    kinds = sorted(Notification.objects.filter(recipient=me).values_list("kind", flat=True))
    assert kinds == ["checkin_confirmed", "checkin_confirmed", "points_checkin"]


def test_a_rejection_earns_no_points_message(town: Town) -> None:
    # given
    EarningRuleFactory(source="checkin_confirmed", points_min=20, points_max=20)
    me = rider(town, confirmed=False)
    profile = WorkerProfile.objects.get(user=me)
    handler = staff(town.district_org, role=Role.HANDLER)

    # when the district turns it down, and the worker resubmits
    checkin_reject(profile_id=profile.pk, actor=handler, note="社区填错了")
    checkin_resubmit(worker=me, community_id=town.neighbour.pk)

    # then only the rejection is in the inbox
    assert list(Notification.objects.filter(recipient=me).values_list("kind", flat=True)) == ["checkin_rejected"]
