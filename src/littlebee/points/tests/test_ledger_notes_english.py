"""A points history line speaks the reader's language (issue 18): a redemption names its gift in
English under English, a refund's and an expiry's reason are English, through GET /points and the
points page; lines written before (a plain note) still read as written, and a gift without an
English name keeps its Chinese one."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.conftest import client_for
from littlebee.points import services
from littlebee.points.models import LedgerEntry, LedgerReason
from littlebee.rewards import services as reward_services
from littlebee.rewards.tests.factories import GiftFactory, give_points

pytestmark = pytest.mark.django_db


def _notes(client: Any) -> list[str]:
    return [item["note"] for item in client.get("/points").json()["items"]]


def test_a_redemption_names_the_gift_in_the_readers_language(api_as: Any) -> None:
    # given a rider who redeemed the raincoat, which has an English name
    rider = worker()
    give_points(rider, 500)
    raincoat: Any = GiftFactory(name="分体雨衣", name_en="Two-piece raincoat", points_cost=120)
    reward_services.gift_redeem(worker=rider, gift_id=raincoat.pk)

    # when the rider reads the history in English, and in Chinese
    english = _notes(api_as(rider, language="en"))
    chinese = _notes(api_as(rider))

    # then the redemption's line names the gift in each
    assert english[0] == "Two-piece raincoat"
    assert chinese[0] == "分体雨衣"
    # and the admin still finds the line by its Chinese name
    assert LedgerEntry.objects.get(reason=LedgerReason.REDEMPTION).note == "分体雨衣"


def test_a_refund_and_an_expiry_give_their_reason_in_english(api_as: Any, settings: Any) -> None:
    # given a rider who cancelled a redemption, and whose oldest points then expired
    settings.POINTS_EXPIRY_MONTHS = 12
    rider = worker()
    give_points(rider, 500)
    gift: Any = GiftFactory(name="洗手液", name_en="Hand wash", points_cost=100)
    voucher = reward_services.gift_redeem(worker=rider, gift_id=gift.pk)
    reward_services.voucher_cancel(worker=rider, code=voucher.code)
    services.points_expire_due(at=timezone.now() + timedelta(days=400))

    # when they read the history in English
    english = _notes(api_as(rider, language="en"))

    # then every line of ours is English
    assert english[:3] == ["Points expired", "Cancelled by the worker", "Hand wash"]
    # and in Chinese, Chinese
    assert _notes(api_as(rider))[:3] == ["积分到期", "小哥取消兑换", "洗手液"]


def test_a_line_written_before_texts_reads_as_written_and_a_gift_without_english_stays_chinese(
    api_as: Any,
) -> None:
    # given a plain note from before, and a gift nobody translated
    rider = worker()
    give_points(rider, 500)
    services.points_spend(worker=rider, amount=30, idempotency_key="redemption:old", note="雨衣一件")
    umbrella: Any = GiftFactory(name="晴雨伞", name_en="", points_cost=50)
    reward_services.gift_redeem(worker=rider, gift_id=umbrella.pk)

    # when the rider reads the history in English
    english = _notes(api_as(rider, language="en"))

    # then both read in Chinese, as there is nothing else
    assert english[:2] == ["晴雨伞", "雨衣一件"]


def test_the_points_page_names_the_gift_in_english(settings: Any) -> None:
    # given a rider who redeemed the raincoat
    rider = worker()
    give_points(rider, 500)
    raincoat: Any = GiftFactory(name="分体雨衣", name_en="Two-piece raincoat", points_cost=120)
    reward_services.gift_redeem(worker=rider, gift_id=raincoat.pk)
    client = client_for(rider)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when they open the points page under English
    page = client.get("/points/").content.decode()

    # then the history names the gift in English, not in Chinese
    assert "Two-piece raincoat" in page
    assert "分体雨衣" not in page


def test_get_points_reads_the_texts_in_the_same_statements(api_as: Any) -> None:
    # given a rider with ten redemptions of translated gifts
    rider = worker()
    give_points(rider, 5000)
    for n in range(10):
        gift: Any = GiftFactory(name=f"礼品{n}", name_en=f"Gift {n}", points_cost=10)
        reward_services.gift_redeem(worker=rider, gift_id=gift.pk)
    client = api_as(rider, language="en")
    client.get("/points")

    # when the history is read
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/points").json()

    # then the names come with the rows: no query per line
    assert [item["note"] for item in body["items"][:10]] == [f"Gift {n}" for n in reversed(range(10))]
    ledger_reads = [q["sql"] for q in queries.captured_queries if "points_ledgerentry" in q["sql"]]
    assert len(ledger_reads) == 1, ledger_reads


def test_lines_written_before_become_texts_when_migrated(api_as: Any) -> None:
    # given lines written as sentences before texts: a redemption naming its gift, a refund's
    # reason written under English, an expiry, and an adjustment in a person's own words
    rider = worker()
    give_points(rider, 500)
    raincoat: Any = GiftFactory(name="分体雨衣", name_en="Two-piece raincoat", points_cost=120)
    voucher = reward_services.gift_redeem(worker=rider, gift_id=raincoat.pk)
    reward_services.voucher_cancel(worker=rider, code=voucher.code)
    services.points_adjust(worker=rider, amount=5, actor=None, note="原小程序积分迁入", idempotency_key="adj")
    services.points_spend(worker=rider, amount=1, idempotency_key="expiry:old", note="积分到期")
    LedgerEntry.objects.filter(idempotency_key="expiry:old").update(reason=LedgerReason.EXPIRY)
    LedgerEntry.objects.filter(reason=LedgerReason.REDEMPTION).update(note="分体雨衣", note_text=None)
    LedgerEntry.objects.filter(reason=LedgerReason.REVERSAL).update(note="Cancelled by the worker", note_text=None)
    LedgerEntry.objects.filter(reason=LedgerReason.EXPIRY).update(note_text=None)

    # when the migrations turn them into texts
    importlib.import_module("littlebee.points.migrations.0005_ledger_note_text_title_english").notes_to_texts(
        apps, None
    )
    importlib.import_module("littlebee.rewards.migrations.0003_ledger_notes_as_texts").notes_to_texts(apps, None)

    # then each of ours reads in the reader's language, and the person's words as written
    english = _notes(api_as(rider, language="en"))
    assert english == ["Points expired", "原小程序积分迁入", "Cancelled by the worker", "Two-piece raincoat", ""]
    assert _notes(api_as(rider)) == ["积分到期", "原小程序积分迁入", "小哥取消兑换", "分体雨衣", ""]


def test_a_learning_credit_names_the_item_in_the_readers_language(api_as: Any, media_root: Any) -> None:
    # given a courier who read an article with an English title long enough to be credited
    from littlebee.learning.tests.factories import article, learning_city
    from littlebee.learning.tests.test_api import open_and_read

    c = learning_city()
    item = article(title="电动车电池安全", title_en="E-bike battery safety")
    assert open_and_read(api_as(c.courier), item.pk).json()["credited"] is True

    # when the courier reads the points history in English, and in Chinese
    english, chinese = _notes(api_as(c.courier, language="en")), _notes(api_as(c.courier))

    # then the line names the article in each
    assert (english[0], chinese[0]) == ("E-bike battery safety", "电动车电池安全")
