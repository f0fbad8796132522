"""English reaches the data (issue 18, item 4): catalogue names (report categories, station
services, badges, gifts) carry an English name shown under English and fall back to the Chinese
one; inbox messages and the system's timeline notes are stored as keys and parameters and read
in the reader's language; a text message is written in the recipient's language. Through the API
(Accept-Language) and the pages, with the same query counts in both languages."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from littlebee.accounts.models import Role
from littlebee.accounts.tests.conftest import city  # noqa: F401  (fixture)
from littlebee.accounts.tests.factories import pending_worker, staff, worker
from littlebee.conftest import client_for
from littlebee.core.texts import joined, names, render, render_in, t
from littlebee.hives.services import service_catalogue_ensure
from littlebee.hives.tests.factories import HiveFactory
from littlebee.notifications.inbox import notify
from littlebee.notifications.models import Notification
from littlebee.points.models import Badge
from littlebee.points.services import points_defaults_ensure
from littlebee.reports.models import ReportCategory
from littlebee.reports.services import report_categories_ensure
from littlebee.rewards.tests.factories import GiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: Any) -> None:
    report_categories_ensure()
    service_catalogue_ensure()
    points_defaults_ensure()


# --- The catalogue --------------------------------------------------------------------------
def test_report_categories_answer_in_the_requests_language(api: Any, catalogue: None) -> None:
    # when a client asks in English, then in Chinese
    api.language = "en"
    english = {c["code"]: c["name"] for c in api.get("/report-categories").json()}
    api.language = "zh-hans"
    chinese = {c["code"]: c["name"] for c in api.get("/report-categories").json()}

    # then the same field carries the name in each language
    assert english["road_damage"] == "Road damage" and chinese["road_damage"] == "道路破损"
    assert english["public_security_clue"] == "Public-security clue"


def test_a_category_without_english_shows_its_chinese_name(api: Any, catalogue: None) -> None:
    # given a category a city added in Chinese only
    ReportCategory.objects.create(code="stray_dogs", name="流浪犬", order=99)

    # when read in English
    api.language = "en"
    names_by_code = {c["code"]: c["name"] for c in api.get("/report-categories").json()}

    # then its Chinese name stands in
    assert names_by_code["stray_dogs"] == "流浪犬"


def test_station_services_answer_in_english_without_more_queries(
    api: Any,
    catalogue: None,
    city: Any,  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    # given a station offering two base services
    services = {s.code: s for s in service_catalogue_ensure()}
    hive: Any = HiveFactory(
        community=city.community,
        managing_unit=city.party_org(city.community),
        lat=30.5475,
        lng=114.3000,
        services=[services["rest_charging"], services["shelter"]],
    )

    # when the station finder is asked in English after a search in Chinese (which read the
    # stations into memory: hives.selectors.nearby): one statement, the stations' version, as in Chinese
    assert api.get("/hives", {"lat": 30.5475, "lng": 114.3000}).status_code == 200
    api.language = "en"
    with django_assert_num_queries(1):
        found = api.get("/hives", {"lat": 30.5475, "lng": 114.3000}).json()

    # then the services are named in English, in the list and on the station
    assert {s["name"] for s in found["items"][0]["services"]} == {
        "Rest and phone charging",
        "Shelter from heat and cold",
    }
    detail = api.get(f"/hives/{hive.pk}").json()
    assert {s["name"] for s in detail["services"]} == {"Rest and phone charging", "Shelter from heat and cold"}
    api.language = "zh-hans"
    assert {s["name"] for s in api.get(f"/hives/{hive.pk}").json()["services"]} == {"休息充电", "避暑取暖"}


def test_gifts_answer_in_english_and_fall_back_to_chinese(api: Any, django_assert_max_num_queries: Any) -> None:
    # given a gift with an English name and one without
    GiftFactory(name="充电宝", name_en="Power bank", description="快充充电宝。", description_en="A fast power bank.")
    GiftFactory(name="保温杯", points_cost=200)

    # when the mall is read in English
    api.language = "en"
    with django_assert_max_num_queries(2):
        items = api.get("/rewards").json()["items"]

    # then the English name and description where there is one, else the Chinese
    assert [(g["name"], g["description"]) for g in items] == [
        ("Power bank", "A fast power bank."),
        ("保温杯", "测试用礼品。"),
    ]


def test_badges_answer_in_english(api_as: Any, catalogue: None) -> None:
    # given a worker (the default badges exist)
    me = worker()

    # when their badges are read in English
    items = api_as(me, language="en").get("/me/badges").json()["items"]

    # then name and description are English
    first = next(b for b in items if b["code"] == "first-report")
    assert (first["name"], first["description"]) == ("First Report", "Earned points for your first Snap & Report")
    assert Badge.objects.get(code="first-report").name == "初次上报"


# --- Inbox messages ---------------------------------------------------------------------------
def test_a_message_reads_in_the_readers_language_and_an_old_one_as_written(
    api_as: Any, catalogue: None, django_assert_num_queries: Any
) -> None:
    # given a message stored as keys (with a category's names) and one written before keys
    me = worker()
    category = ReportCategory.objects.get(code="road_damage")
    notify(
        user=me,
        kind="case_accept",
        title=t("您的随手拍已受理"),
        body=joined(t("「%(what)s」已受理。", what=names(category.name, category.name_en)), "路面已修补"),
    )
    Notification.objects.create(recipient=me, kind="old", title="旧消息", body="按当时的文字显示")

    # when the inbox is read in English: the same one query (and the token's) as in Chinese
    client = api_as(me, language="en")
    with django_assert_num_queries(2):
        english = client.get("/me/notifications").json()["items"]
    chinese = api_as(me).get("/me/notifications").json()["items"]

    # then the keyed message is English, the staff member's words as written, the old one as it was
    assert [(m["title"], m["body"]) for m in english] == [
        ("旧消息", "按当时的文字显示"),
        ("Your report has been accepted", "“Road damage” has been accepted.\n路面已修补"),
    ]
    assert chinese[1]["title"] == "您的随手拍已受理" and chinese[1]["body"].startswith("「道路破损」已受理。")
    # and nothing rendered is stored: only the keys and their parameters
    stored = Notification.objects.get(kind="case_accept")
    assert (stored.title, stored.body) == ("", "")


def test_the_inbox_page_shows_messages_in_english(city: Any, catalogue: None) -> None:  # noqa: F811
    # given a decision on the worker's check-in, stored as keys
    profile = pending_worker(community=city.community).worker_profile
    handler = staff(city.party_org(city.community))
    from littlebee.accounts.services import checkin_confirm

    checkin_confirm(profile_id=profile.pk, actor=handler)

    # when the worker opens the inbox in English
    client = client_for(profile.user)
    page = client.get("/inbox/", headers={"Accept-Language": "en"}).content.decode()

    # then the message is English (the community's name is a proper noun, kept)
    assert "Community check-in confirmed" in page
    assert "社区报到已确认" not in page


def test_a_text_message_is_written_in_the_recipients_language(
    city: Any,  # noqa: F811
    sms_outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a worker who chose English, and a handler working in Chinese
    profile = pending_worker(community=city.community, user__language="en").worker_profile
    handler = staff(city.party_org(city.community))
    from littlebee.accounts.services import checkin_reject

    # when the handler turns the check-in down
    with django_capture_on_commit_callbacks(execute=True):
        checkin_reject(profile_id=profile.pk, actor=handler, note="不在本社区居住")

    # then the text is in English, with the handler's words as written
    [message] = [m.message for m in sms_outbox]
    assert message.startswith("[Little Bee] Community check-in returned: "), message
    assert "不在本社区居住" in message
    assert "社区报到被退回" not in message


def test_the_language_switch_remembers_a_signed_in_persons_choice() -> None:
    # given a signed-in worker and a visitor
    me = worker()
    client = client_for(me)

    # when the worker switches to English, then asks for a language the site does not have
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    me.refresh_from_db()
    assert me.language == "en"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    # then the unknown language changes nothing, and a visitor's switch stores nothing
    me.refresh_from_db()
    assert me.language == "en"
    assert Client().post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


# --- Timeline notes ---------------------------------------------------------------------------
def test_the_systems_timeline_note_reads_in_the_readers_language(api_as: Any) -> None:
    # given a resolved report closed by the system for want of a rating
    from littlebee.cases import services as case_services
    from littlebee.cases.models import CaseStatus
    from littlebee.cases.tests.factories import open_case, world

    w = world()
    case = open_case(w)
    case_services.case_accept(case_id=case.pk, actor=w.community_handler)
    case_services.case_resolve(case_id=case.pk, actor=w.community_handler, note="已修复")
    case.refresh_from_db()
    assert case.resolved_at is not None
    assert case_services.cases_close_unrated(now=case.resolved_at + timedelta(days=8)) == 1
    assert case.__class__.objects.get(pk=case.pk).status == CaseStatus.CLOSED

    # when the office reads the case in English, then in Chinese
    english = api_as(w.community_handler, language="en").get(f"/cases/{case.pk}").json()["timeline"]
    chinese = api_as(w.community_handler).get(f"/cases/{case.pk}").json()["timeline"]

    # then the system's note follows the reader, the handler's note stays as written
    assert english[-1]["note"] == "The submitter did not rate within 7 days, so the system closed it automatically."
    assert chinese[-1]["note"] == "提交人超过 7 天未评价，系统自动关闭。"
    assert [e["note"] for e in english if e["action"] == "resolve"] == ["已修复"]


# --- Texts ------------------------------------------------------------------------------------
def test_a_text_that_cannot_be_read_is_shown_as_well_as_it_can_be() -> None:
    # a missing parameter, an unknown msgid, a part of an unknown shape, nothing
    assert render({"t": "获得 %(amount)d 积分：社区报到"}) == "获得 %(amount)d 积分：社区报到"
    assert render({"t": "获得 %(amount)d 积分：社区报到", "p": {}}) == "获得 %(amount)d 积分：社区报到"
    assert render_in({"t": "没有这句译文"}, "en") == "没有这句译文"
    assert render({"x": 1}) == "" and render(None) == "" and render([1]) == ""
    assert render_in(names("道路破损", ""), "en") == "道路破损"


# --- Existing rows ----------------------------------------------------------------------------
def test_the_migration_turns_kept_facts_into_keys_and_leaves_the_rest() -> None:
    # given messages written before keys: one whose facts were kept, one whose were not
    me = worker()
    kept = Notification.objects.create(
        recipient=me,
        kind="points_checkin",
        title="获得 20 积分：社区报到",
        body="西厂口社区 确认了您的报到，20 积分已记入您的账户。",
        data={"amount": 20, "entry_id": 1, "community": "西厂口社区"},
    )
    other = Notification.objects.create(recipient=me, kind="voucher_expired", title="兑换券已过期：雨衣", body="…")
    broken = Notification.objects.create(recipient=me, kind="points_expiring", title="40 积分即将到期", data={})

    # when the data migration runs
    migration = importlib.import_module("littlebee.notifications.migrations.0002_message_keys")
    migration.to_keys(apps, None)

    # then the one with its facts reads in English, the others keep their text
    kept.refresh_from_db()
    other.refresh_from_db()
    broken.refresh_from_db()
    assert render_in(kept.message["title"], "en") == "20 points earned: community check-in"
    assert kept.shown_title == "获得 20 积分：社区报到"
    assert (other.message, other.shown_title) == ({}, "兑换券已过期：雨衣")
    assert (broken.message, broken.shown_title) == ({}, "40 积分即将到期")


def test_admin_edits_both_names_and_others_are_refused(catalogue: None) -> None:
    # given a city admin and a community handler
    from littlebee.accounts.tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    category = ReportCategory.objects.get(code="garbage")

    # when the admin renames the category in English
    response = client_for(admin).post(
        f"/admin/reports/reportcategory/{category.pk}/change/",
        {
            "name": "垃圾堆放",
            "name_en": "Rubbish dumped",
            "sensitivity": "public",
            "icon": "trash",
            "order": 7,
            "is_active": "on",
        },
    )

    # then it is saved, and a handler may not open the page
    assert response.status_code == 302, response.content
    category.refresh_from_db()
    assert category.name_en == "Rubbish dumped"
    handler = staff(_any_org(), role=Role.HANDLER)
    assert client_for(handler).get(f"/admin/reports/reportcategory/{category.pk}/change/").status_code in (302, 403)


def _any_org() -> Any:
    from littlebee.orgs.tests.factories import PartyOrgFactory

    return PartyOrgFactory()


def test_english_names_are_seeded_by_the_defaults(catalogue: None) -> None:
    assert ReportCategory.objects.get(code="flooding").name_en == "Flooded road"
    assert {s.code: s.name_en for s in service_catalogue_ensure()}["canteen"] == "Community canteen"
    assert ReportCategory.objects.get(code="flooding").name == "道路积水"


def test_earning_rules_are_named_by_their_category_in_the_readers_language(catalogue: None) -> None:
    # given a city admin (the default rules exist, one per report category)
    from littlebee.points.tests.factories import city_admin, make_town

    client = client_for(city_admin(make_town()))

    # when the rules page is read in English, then in Chinese
    english = client.get("/points/rules/", headers={"Accept-Language": "en"}).content.decode()
    chinese = client.get("/points/rules/").content.decode()

    # then each report rule is named by its category, not only by its code
    assert "Public-security clue" in english and "治安线索" not in english
    assert "治安线索" in chinese


def test_a_workers_title_answers_in_the_requests_language(api_as: Any) -> None:
    # given a new worker (the first level)
    me = worker()

    # when /me and /points are read in English
    client = api_as(me, language="en")

    # then the title is English in both
    assert client.get("/me").json()["title"] == "Trainee Bee"
    assert client.get("/points").json()["title"]["name"] == "Trainee Bee"
    assert api_as(me).get("/me").json()["title"] == "见习小蜂"
