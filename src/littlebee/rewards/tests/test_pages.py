"""Pages: the mall, a gift and its redeem button, my vouchers, a voucher, the keeper's pickup counter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import client_for
from littlebee.points.selectors import balance_of
from littlebee.rewards import services, views
from littlebee.rewards.models import Voucher, VoucherStatus

from .factories import GiftFactory, HiveFactory, give_points, keeper_of, listed_gift

pytestmark = pytest.mark.django_db


def rider_with(points: int) -> Any:
    w = worker(user__name="王小哥")
    if points:
        give_points(w, points)
    return w


# --- The mall -------------------------------------------------------------------------------
def test_anyone_sees_the_mall_with_its_gift_cards() -> None:
    GiftFactory(name="黄鹤楼公园门票", points_cost=1500, total_stock=50)
    GiftFactory(name="电炖锅", points_cost=2000, stock_available=0, total_stock=5)

    response = Client().get(reverse("rewards:mall"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "黄鹤楼公园门票" in html and "剩 50 份" in html
    assert "已兑完" in html
    assert "离我近" in html
    assert "我能兑换" not in html  # only with a balance to compare


def test_a_worker_sees_his_balance_and_filters_what_he_can_afford() -> None:
    rider = rider_with(600)
    GiftFactory(name="洗手液", points_cost=500)
    GiftFactory(name="雨伞", points_cost=1500)
    client = client_for(rider)

    everything = client.get(reverse("rewards:mall")).content.decode()
    affordable = client.get(reverse("rewards:mall"), {"affordable": "1"})

    assert "600" in everything and "雨伞" in everything
    html = affordable.content.decode()
    assert "洗手液" in html and "雨伞" not in html
    assert [c["gift"].name for c in affordable.context["cards"]] == ["洗手液"]


def test_near_me_keeps_the_filters_and_shows_distances() -> None:
    near = HiveFactory(lat=30.5440, lng=114.3000)
    listed_gift([near], name="近处礼品")
    listed_gift([HiveFactory(lat=30.80, lng=114.30)], name="远处礼品")

    response = Client().get(reverse("rewards:mall"), {"lat": "30.5450", "lng": "114.3000"})

    names = [c["gift"].name for c in response.context["cards"]]
    assert names == ["近处礼品"]
    assert response.context["cards"][0]["distance_m"] < 200
    assert "离我近（5 公里内）" in response.content.decode()


def test_a_position_that_cannot_be_is_ignored() -> None:
    GiftFactory(name="礼品")

    response = Client().get(reverse("rewards:mall"), {"lat": "999", "lng": "x"})

    assert response.status_code == 200
    assert not response.context["located"]


def test_the_empty_mall_says_so() -> None:
    html = Client().get(reverse("rewards:mall")).content.decode()
    assert "商城暂时没有礼品" in html


def test_nothing_affordable_says_how_to_earn_points() -> None:
    GiftFactory(points_cost=5000)

    html = client_for(rider_with(10)).get(reverse("rewards:mall"), {"affordable": "1"}).content.decode()

    assert "积分还不够兑换礼品" in html


# --- A gift ---------------------------------------------------------------------------------
def test_the_gift_page_asks_anonymous_visitors_to_log_in() -> None:
    gift: Any = GiftFactory(name="雨衣")

    html = Client().get(reverse("rewards:gift", args=[gift.pk])).content.decode()

    assert "登录兑换" in html


def test_the_gift_page_says_how_many_points_are_missing() -> None:
    gift: Any = GiftFactory(points_cost=1500)

    html = client_for(rider_with(1000)).get(reverse("rewards:gift", args=[gift.pk])).content.decode()

    assert "积分不足，还差 500 分" in html
    assert "立即兑换" not in html


def test_the_gift_page_says_when_the_limit_is_reached() -> None:
    rider = rider_with(1000)
    gift: Any = GiftFactory(points_cost=100, per_worker_limit=1)
    services.gift_redeem(worker=rider, gift_id=gift.pk)

    html = client_for(rider).get(reverse("rewards:gift", args=[gift.pk])).content.decode()

    assert "已达兑换上限" in html


def test_a_gift_off_sale_is_404() -> None:
    gift: Any = GiftFactory(is_active=False)
    assert Client().get(reverse("rewards:gift", args=[gift.pk])).status_code == 404


def test_redeeming_on_the_page_leads_to_the_voucher() -> None:
    # given a rider with enough points and a ticket at two stations
    rider = rider_with(2000)
    here, there = HiveFactory(name="江滩驿站"), HiveFactory(name="楚河驿站")
    ticket = listed_gift([here, there], name="黄鹤楼公园门票", points_cost=1500)
    client = client_for(rider)

    # when he chooses a station and redeems
    page = client.get(reverse("rewards:gift", args=[ticket.pk])).content.decode()
    response = client.post(reverse("rewards:redeem", args=[ticket.pk]), {"hive": there.pk}, follow=True)

    # then he lands on his voucher with its QR and code, and the points are gone
    assert "江滩驿站" in page and "楚河驿站" in page
    voucher = Voucher.objects.get(worker=rider)
    assert response.redirect_chain[-1][0] == reverse("rewards:voucher", args=[voucher.code])
    html = response.content.decode()
    assert "兑换成功" in html
    assert voucher.code_display in html
    assert "<svg" in html
    assert voucher.hive == there
    assert balance_of(rider) == 500


def test_a_listed_gift_redeemed_without_a_station_asks_for_one() -> None:
    gift = listed_gift([HiveFactory(), HiveFactory()])

    response = client_for(rider_with(1000)).post(reverse("rewards:redeem", args=[gift.pk]), {})

    assert response.status_code == 400
    assert not Voucher.objects.exists()


def test_a_refused_redemption_comes_back_with_the_reason() -> None:
    gift: Any = GiftFactory(points_cost=100, stock_available=0)

    response = client_for(rider_with(1000)).post(reverse("rewards:redeem", args=[gift.pk]), follow=True)

    assert "已经兑完" in response.content.decode()
    assert not Voucher.objects.exists()


# --- Vouchers -------------------------------------------------------------------------------
def test_the_voucher_qr_opens_the_pickup_counter_with_the_code_in_the_fragment(monkeypatch: Any) -> None:
    # given a reserved voucher, and a watch on what the page puts in its QR
    rider = rider_with(1000)
    voucher = services.gift_redeem(worker=rider, gift_id=GiftFactory().pk)
    encoded: list[str] = []
    real_qr_svg = views.qr_svg

    def watched_qr_svg(data: str, **kwargs: Any) -> Any:
        encoded.append(data)
        return real_qr_svg(data, **kwargs)

    monkeypatch.setattr(views, "qr_svg", watched_qr_svg)

    # when the worker opens it
    response = client_for(rider).get(reverse("rewards:voucher", args=[voucher.code]))

    # then the QR carries the code in the fragment, which browsers never send: no ?code=
    assert response.status_code == 200
    assert response.context["due"] is False
    assert encoded == [f"http://testserver/rewards/pickup/#code={voucher.code}"]
    assert "?" not in encoded[0]


def test_someone_elses_voucher_is_404() -> None:
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)

    response = client_for(rider_with(0)).get(reverse("rewards:voucher", args=[voucher.code]))

    assert response.status_code == 404


def test_cancelling_on_the_page_refunds() -> None:
    rider = rider_with(300)
    voucher = services.gift_redeem(worker=rider, gift_id=GiftFactory(points_cost=300).pk)

    response = client_for(rider).post(reverse("rewards:voucher_cancel", args=[voucher.code]), follow=True)

    html = response.content.decode()
    assert "已取消兑换，300 积分已退回" in html
    assert balance_of(rider) == 300
    assert "取消兑换</button>" not in html


def test_my_vouchers_waiting_and_all() -> None:
    rider = rider_with(1000)
    gift: Any = GiftFactory(name="充电宝")
    kept = services.gift_redeem(worker=rider, gift_id=gift.pk)
    dropped = services.gift_redeem(worker=rider, gift_id=gift.pk)
    services.voucher_cancel(worker=rider, code=dropped.code)
    client = client_for(rider)

    waiting = client.get(reverse("rewards:vouchers"))
    everything = client.get(reverse("rewards:vouchers"), {"tab": "all"})

    assert [v.pk for v in waiting.context["page"].object_list] == [kept.pk]
    assert len(everything.context["page"].object_list) == 2
    assert "已取消" in everything.content.decode()


def test_no_vouchers_yet_points_to_the_mall() -> None:
    html = client_for(rider_with(0)).get(reverse("rewards:vouchers")).content.decode()
    assert "去积分商城" in html


def test_pages_for_vouchers_need_a_login() -> None:
    response = Client().get(reverse("rewards:vouchers"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- The pickup counter ---------------------------------------------------------------------
def lookup(client: Client, code: str) -> Any:
    """The counter's first step: the code in the form body, never in the query string."""
    return client.post(reverse("rewards:pickup"), {"code": code, "lookup": "1"})


def test_only_keepers_see_the_pickup_counter() -> None:
    assert client_for(rider_with(0)).get(reverse("rewards:pickup")).status_code == 404
    response = client_for(keeper_of(HiveFactory())).get(reverse("rewards:pickup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "autofocus" in html and 'name="code"' in html


def test_the_keeper_looks_a_code_up_sees_whose_it_is_and_hands_it_over() -> None:
    # given a ticket redeemed for pickup at the keeper's station
    hive = HiveFactory(name="江滩驿站")
    rider = rider_with(2000)
    voucher = services.gift_redeem(worker=rider, gift_id=listed_gift([hive], name="黄鹤楼公园门票").pk)
    keeper = client_for(keeper_of(hive))

    # when the keeper types the code
    looked_up = keeper.post(reverse("rewards:pickup"), {"code": voucher.code_display.lower(), "lookup": "1"})

    # then he sees the gift, the worker (phone masked) and a confirm button; nothing is handed over yet
    assert looked_up.status_code == 200
    html = looked_up.content.decode()
    assert "黄鹤楼公园门票" in html and "王小哥" in html
    assert f"{rider.phone[:3]}****{rider.phone[-4:]}" in html and rider.phone not in html
    assert "确认发放" in html
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.RESERVED

    # when he confirms
    done = keeper.post(reverse("rewards:pickup"), {"code": voucher.code, "hive": hive.pk}, follow=True)

    # then it is handed over and listed among the recent hand-overs
    assert "已发放：黄鹤楼公园门票，领取人 王小哥。" in done.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.FULFILLED and voucher.fulfilled_hive == hive
    assert [v.pk for v in done.context["recent"]] == [voucher.pk]


def test_the_counter_says_a_fulfilled_voucher_was_already_handed_over() -> None:
    hive = HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)
    keeper = keeper_of(hive)
    services.voucher_fulfil(code=voucher.code, keeper=keeper)

    html = lookup(client_for(keeper), voucher.code).content.decode()

    assert "已领取过，不能重复发放" in html
    assert "确认发放</button>" not in html


def test_confirming_twice_shows_the_conflict() -> None:
    hive = HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)
    keeper = client_for(keeper_of(hive))
    keeper.post(reverse("rewards:pickup"), {"code": voucher.code, "hive": hive.pk})

    again = keeper.post(reverse("rewards:pickup"), {"code": voucher.code, "hive": hive.pk})

    assert again.status_code == 409
    assert "不能重复领取" in again.content.decode()


def test_another_stations_keeper_is_told_the_code_is_not_theirs() -> None:
    here, there = HiveFactory(), HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=listed_gift([here]).pk)

    response = lookup(client_for(keeper_of(there)), voucher.code)

    assert response.status_code == 404
    assert "不在你管理的驿站领取" in response.content.decode()
    response = client_for(keeper_of(there)).post(reverse("rewards:pickup"), {"code": voucher.code, "hive": there.pk})
    assert response.status_code == 404
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.RESERVED


def test_an_expired_voucher_is_shown_as_expired_at_the_counter() -> None:
    hive = HiveFactory()
    voucher = services.gift_redeem(
        worker=rider_with(1000),
        gift_id=GiftFactory(voucher_valid_days=1).pk,
        at=timezone.now() - timedelta(days=2),
    )

    html = lookup(client_for(keeper_of(hive)), voucher.code).content.decode()

    assert "兑换券已过期" in html
    assert "确认发放</button>" not in html


def test_a_malformed_code_is_explained() -> None:
    response = lookup(client_for(keeper_of(HiveFactory())), "12")

    assert response.status_code == 400
    assert "兑换码应为 10 位字母和数字" in response.content.decode()


def test_a_code_in_the_query_string_looks_nothing_up() -> None:
    # given a voucher to pick up at the keeper's station
    hive = HiveFactory()
    rider = rider_with(1000)
    voucher = services.gift_redeem(worker=rider, gift_id=listed_gift([hive], name="黄鹤楼公园门票").pk)

    # when the counter is opened with the code in the query (an old QR, a link from a log)
    response = client_for(keeper_of(hive)).get(reverse("rewards:pickup"), {"code": voucher.code})

    # then it is the empty counter: nothing about the voucher, its worker or its code
    assert response.status_code == 200
    html = response.content.decode()
    assert "黄鹤楼公园门票" not in html and "王小哥" not in html
    assert voucher.code_display not in html and "确认发放</button>" not in html and "data-pickup-voucher" not in html
    assert response.context["voucher"] is None and not response.context["form"].is_bound
    # and the lookup form is a POST with its CSRF token, loading the script that reads #code=
    assert 'method="post"' in html and "data-pickup-lookup" in html and "csrfmiddlewaretoken" in html
    assert "js/qr-fragment.js" in html and "js/rewards-pickup.js" in html
    assert 'method="get"' not in html


def test_only_a_keeper_may_look_a_code_up() -> None:
    # given a valid voucher
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory(name="黄鹤楼公园门票").pk)

    # when a worker who keeps no station, or a signed-out visitor, posts its code
    as_worker = lookup(client_for(rider_with(0)), voucher.code)
    signed_out = lookup(Client(), voucher.code)

    # then the worker is told the counter is not his and the visitor is sent to sign in
    assert as_worker.status_code == 404
    assert "黄鹤楼公园门票" not in as_worker.content.decode()
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("accounts:login"))
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.RESERVED


def test_the_lookup_needs_the_csrf_token() -> None:
    # given a keeper whose browser enforces CSRF, and a voucher
    hive = HiveFactory()
    voucher = services.gift_redeem(worker=rider_with(1000), gift_id=GiftFactory().pk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(keeper_of(hive))

    # when a lookup arrives without the token (from another site)
    response = lookup(client, voucher.code)

    # then it is refused
    assert response.status_code == 403


def test_an_empty_lookup_says_what_to_type() -> None:
    response = lookup(client_for(keeper_of(HiveFactory())), "")

    assert response.status_code == 400
    assert "field__error" in response.content.decode()
