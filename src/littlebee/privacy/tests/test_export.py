"""GET /api/v1/me/export and the download on /me/: everything about the caller, nothing of anyone else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .conftest import Life

pytestmark = pytest.mark.django_db

SECTIONS = {
    "profile",
    "points_account",
    "staff_roles",
    "checkin_events",
    "reports",
    "report_photos",
    "appeals",
    "case_actions",
    "followed_cases",
    "points_ledger",
    "badges",
    "honorary_titles",
    "vouchers",
    "station_visits",
    "event_registrations",
    "notifications",
    "api_tokens",
    "sign_in_attempts",
    "sms_codes",
    "learning",
    "volunteering",
}


def test_the_export_holds_my_data_and_nothing_of_another_worker(me: Life, other: Life, api_as: Any) -> None:
    # given two workers with reports, points, vouchers, visits, registrations and messages

    # when the first asks for their data
    response = api_as(me.user).get("/me/export")

    # then every section is there, each with their own rows
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= SECTIONS
    assert data["profile"]["phone"] == "13800000001"
    assert data["profile"]["name"] == "张三丰"
    assert data["profile"]["worker_profile"]["checkin_status"] == "confirmed"
    assert [r["case_id"] for r in data["reports"]] == [me.case.pk]
    assert "张三丰" in data["reports"][0]["description"]
    assert data["checkin_events"] == []  # made by a factory: no check-in history
    assert [r["case_id"] for r in data["case_actions"]] == [me.case.pk]
    assert sum(e["amount"] for e in data["points_ledger"]) == data["points_account"]["balance"] == 400
    assert [v["code"] for v in data["vouchers"]] == [me.voucher.code]
    assert len(data["station_visits"]) == 1
    assert [r["status"] for r in data["event_registrations"]] == ["registered"]
    assert [n["title"] for n in data["notifications"]] == ["给张三丰的消息"]
    assert len(data["api_tokens"]) == 1
    assert data["learning"] == []
    assert all(rows == [] for rows in data["volunteering"].values())
    assert data["exported_at"].endswith("+08:00")

    # and nothing of the other worker anywhere in it
    text = json.dumps(data, ensure_ascii=False)
    for trace in ("13900000002", "李四光", other.voucher.code):
        assert trace not in text
    assert other.case.pk not in [r["case_id"] for r in data["reports"]]


def test_the_export_costs_the_same_for_a_long_history(me: Life, api_as: Any) -> None:
    from littlebee.notifications.models import Notification
    from littlebee.rewards.tests.factories import give_points

    client = api_as(me.user)
    client.get("/me/export")  # warm up: the token's first use writes its last_used_at
    with CaptureQueriesContext(connection) as short:
        assert client.get("/me/export").status_code == 200
    # when the worker's history grows
    for i in range(10):
        Notification.objects.create(recipient=me.user, kind="test", title=f"消息{i}")
        give_points(me.user, 10)
    with CaptureQueriesContext(connection) as long:
        assert client.get("/me/export").status_code == 200
    assert len(long.captured_queries) == len(short.captured_queries)


def test_signed_out_is_401(api: Any) -> None:
    assert api.get("/me/export").status_code == 401


def test_the_me_page_offers_the_download_as_a_file(me: Life, other: Life) -> None:
    # given the worker signed in
    client = Client()
    client.force_login(me.user)

    # then /me/ links to the download, which is a JSON file of their data
    page = client.get("/me/").content.decode()
    assert 'href="/privacy/export/"' in page and 'href="/privacy/close/"' in page
    response = client.get("/privacy/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="littlebee-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["phone"] == "13800000001"
    assert "李四光" not in response.content.decode()


def test_the_download_needs_signing_in() -> None:
    response = Client().get("/privacy/export/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_ledger_notes_of_the_export_read_in_the_readers_language(me: Life, api_as: Any) -> None:
    # given a redemption whose gift has an English name, and a line in a person's own words
    from littlebee.points.models import LedgerEntry, LedgerReason
    from littlebee.rewards.models import Gift

    Gift.objects.filter(pk=me.voucher.gift_id).update(name="保温杯", name_en="Thermos flask")
    spend = LedgerEntry.objects.get(worker=me.user, reason=LedgerReason.REDEMPTION)
    spend.note_text = {"l": {"zh-hans": "保温杯", "en": "Thermos flask"}}
    spend.note = "保温杯"
    spend.save(update_fields=["note", "note_text"])
    LedgerEntry.objects.filter(worker=me.user).exclude(pk=spend.pk).update(note="手写的说明", note_text=None)

    # when the worker exports their data in English, then in Chinese
    english = api_as(me.user, language="en").get("/me/export").json()["points_ledger"]
    chinese = api_as(me.user).get("/me/export").json()["points_ledger"]

    # then the gift is named in the reader's language, the stored text is not exposed raw, and
    # words as written stay as written
    assert [e["note"] for e in english if e["amount"] < 0] == ["Thermos flask"]
    assert [e["note"] for e in chinese if e["amount"] < 0] == ["保温杯"]
    assert {e["note"] for e in english if e["amount"] > 0} == {"手写的说明"}
    assert all("note_text" not in e for e in english)
