"""The Django admin for the mall: city admins manage gifts (stock edited as a difference, never
overwritten) and read vouchers with their timeline; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.rewards import services
from littlebee.rewards.models import Gift, GiftStation, Voucher

from .factories import DonorFactory, GiftFactory, HiveFactory, MembershipFactory, give_points, listed_gift

pytestmark = pytest.mark.django_db


def city_admin_client() -> Client:
    user = MembershipFactory(role=Role.CITY_ADMIN, user__is_staff=True).user
    client = Client()
    client.force_login(user)
    return client


def _gift_form(gift: Gift | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": gift.name if gift else "雨衣",
        "description": "",
        "points_cost": gift.points_cost if gift else 800,
        "is_active": "on",
        "donor": gift.donor_id if gift else DonorFactory().pk,
        "donor_note": "",
        "total_stock": gift.total_stock if gift else 20,
        "pickup": gift.pickup if gift else "any_hive",
        "per_worker_limit": "",
        "active_from_0": "",
        "active_from_1": "",
        "active_until_0": "",
        "active_until_1": "",
        "voucher_valid_days": gift.voucher_valid_days if gift else 14,
        "stations-TOTAL_FORMS": "0",
        "stations-INITIAL_FORMS": "0",
        "stations-MIN_NUM_FORMS": "0",
        "stations-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_a_city_admin_adds_a_gift_and_its_stock_is_all_available() -> None:
    client = city_admin_client()

    response = client.post(reverse("admin:rewards_gift_add"), _gift_form())

    assert response.status_code == 302, response.content.decode()[:3000]
    gift = Gift.objects.get(name="雨衣")
    assert (gift.total_stock, gift.stock_available) == (20, 20)


def test_raising_the_total_keeps_what_was_redeemed_meanwhile() -> None:
    # given a gift of 10 with one redeemed after the admin opened the form
    gift: Any = GiftFactory(total_stock=10)
    rider = worker()
    give_points(rider, 1000)
    services.gift_redeem(worker=rider, gift_id=gift.pk)

    # when the admin saves the form raising the total to 15
    response = city_admin_client().post(
        reverse("admin:rewards_gift_change", args=[gift.pk]),
        _gift_form(gift, total_stock=15, initial_total_stock=10),
    )

    # then the five are added to what is available now (9), not written over it
    assert response.status_code == 302
    gift.refresh_from_db()
    assert (gift.total_stock, gift.stock_available) == (15, 14)


def test_the_total_cannot_drop_below_what_is_out() -> None:
    gift: Any = GiftFactory(total_stock=3)
    rider = worker()
    give_points(rider, 1000)
    services.gift_redeem(worker=rider, gift_id=gift.pk)
    services.gift_redeem(worker=rider, gift_id=gift.pk)

    response = city_admin_client().post(
        reverse("admin:rewards_gift_change", args=[gift.pk]), _gift_form(gift, total_stock=1)
    )

    assert response.status_code == 200
    assert "最多只能减少 1 份" in response.content.decode()
    gift.refresh_from_db()
    assert (gift.total_stock, gift.stock_available) == (3, 1)


def test_a_stations_own_stock_is_edited_as_a_difference() -> None:
    hive = HiveFactory()
    gift = listed_gift([hive], station_stock=5, total_stock=10)
    station = GiftStation.objects.get(gift=gift)
    rider = worker()
    give_points(rider, 1000)
    services.gift_redeem(worker=rider, gift_id=gift.pk, hive_id=hive.pk)  # 4 left at the station

    data = _gift_form(
        gift,
        **{
            "stations-TOTAL_FORMS": "1",
            "stations-INITIAL_FORMS": "1",
            "stations-0-id": station.pk,
            "stations-0-gift": gift.pk,
            "stations-0-hive": hive.pk,
            "stations-0-stock_available": "8",
            "initial-stations-0-stock_available": "5",
        },
    )
    response = city_admin_client().post(reverse("admin:rewards_gift_change", args=[gift.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    station.refresh_from_db()
    assert station.stock_available == 7  # 4 now, plus the 3 the admin added


def test_vouchers_are_read_only_with_their_timeline_and_found_by_printed_code() -> None:
    rider = worker()
    give_points(rider, 1000)
    voucher = services.gift_redeem(worker=rider, gift_id=GiftFactory(name="充电宝").pk)
    client = city_admin_client()

    listing = client.get(reverse("admin:rewards_voucher_changelist"), {"q": voucher.code_display.lower()})
    page = client.get(reverse("admin:rewards_voucher_change", args=[voucher.pk]))
    change = client.post(reverse("admin:rewards_voucher_change", args=[voucher.pk]), {"status": "fulfilled"})
    add = client.get(reverse("admin:rewards_voucher_add"))

    assert listing.status_code == 200 and voucher.code_display in listing.content.decode()
    assert page.status_code == 200 and "待领取" in page.content.decode()
    assert change.status_code == 403 and add.status_code == 403
    voucher.refresh_from_db()
    assert voucher.status == "reserved"
    assert Voucher.objects.count() == 1


def test_other_staff_cannot_use_the_rewards_admin() -> None:
    keeper = staff(HiveFactory().managing_unit, role=Role.KEEPER, user__is_staff=True)
    client = Client()
    client.force_login(keeper)

    response = client.get(reverse("admin:rewards_gift_changelist"))

    assert response.status_code in (302, 403)
