"""A worker whose community check-in is not confirmed may look at the mall but not redeem."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.models import CheckinStatus
from littlebee.accounts.services import NotCheckedIn
from littlebee.accounts.tests.factories import pending_worker, worker
from littlebee.points.selectors import balance_of
from littlebee.rewards import services
from littlebee.rewards.models import Voucher

from .factories import GiftFactory, give_points

pytestmark = pytest.mark.django_db

PENDING_MESSAGE = "你的社区报到尚未确认，确认后即可兑换礼品。请等待社区确认或到 我的 页面查看报到状态。"


def _with_points(user: Any, points: int = 1000) -> Any:
    give_points(user, points)
    return user


def test_an_unconfirmed_worker_redeeming_answers_409_not_checked_in(api_as: Any) -> None:
    # given a worker with points whose check-in is still pending
    rider = _with_points(pending_worker())
    gift: Any = GiftFactory(points_cost=100, total_stock=5)

    # when
    response = api_as(rider).post(f"/rewards/{gift.pk}/redemptions", {})

    # then
    assert response.status_code == 409
    assert response.json() == {"code": "not_checked_in", "detail": PENDING_MESSAGE}
    assert not Voucher.objects.exists()
    assert balance_of(rider) == 1000
    gift.refresh_from_db()
    assert gift.stock_available == 5


def test_a_rejected_check_in_is_told_to_resubmit() -> None:
    rider = _with_points(worker(checkin_status=CheckinStatus.REJECTED))
    gift: Any = GiftFactory(points_cost=100)

    with pytest.raises(NotCheckedIn) as refused:
        services.gift_redeem(worker=rider, gift_id=gift.pk)

    assert refused.value.status == 409
    assert "重新提交报到" in str(refused.value.detail)


def test_an_unconfirmed_worker_may_still_look_around(api_as: Any) -> None:
    rider = pending_worker()
    gift: Any = GiftFactory()

    listed = api_as(rider).get("/rewards")
    shown = api_as(rider).get(f"/rewards/{gift.pk}")

    assert listed.status_code == 200 and [g["id"] for g in listed.json()["items"]] == [gift.pk]
    assert shown.status_code == 200 and shown.json()["name"] == gift.name


def test_the_page_shows_what_to_do() -> None:
    # given
    rider = _with_points(pending_worker())
    gift: Any = GiftFactory(points_cost=100)
    client = Client()
    client.force_login(rider)

    # when
    response = client.post(reverse("rewards:redeem", args=[gift.pk]), follow=True)

    # then
    assert PENDING_MESSAGE in response.content.decode()
    assert not Voucher.objects.exists()


def test_a_confirmed_worker_redeems() -> None:
    rider = _with_points(worker())
    gift: Any = GiftFactory(points_cost=100)

    assert services.gift_redeem(worker=rider, gift_id=gift.pk).worker == rider
