"""The language a person's texts (SMS) are written in follows the client they sign in with (issue
18): signing in or up through the API remembers the request's Accept-Language (zh-hans / en), the
site's login remembers the page's language, PATCH /me changes it, and a client that asks for no
language of ours changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.models import SmsPurpose, User
from littlebee.accounts.services import checkin_reject
from littlebee.conftest import ApiClient

from .factories import PASSWORD, pending_worker, sms_code_for, staff, worker

pytestmark = pytest.mark.django_db

PHONE = "13800000001"


def _language_of(user: User) -> str:
    user.refresh_from_db(fields=["language"])
    return user.language


def test_signing_in_with_a_password_in_english_writes_later_texts_in_english(
    city: Any, sms_outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a worker waiting for the community, who never used the site's language switch
    me = pending_worker(user__phone=PHONE, community=city.community)
    assert me.language == ""

    # when their phone, set to English, signs in through the API
    response = ApiClient(language="en-US,en;q=0.9").post("/auth/token", {"phone": PHONE, "password": PASSWORD})
    assert response.status_code == 200
    assert _language_of(me) == "en"

    # and the community turns the check-in down
    with django_capture_on_commit_callbacks(execute=True):
        checkin_reject(
            profile_id=me.worker_profile.pk, actor=staff(city.party_org(city.community)), note="不在本社区居住"
        )

    # then the text message reaches them in English
    [message] = [m.message for m in sms_outbox]
    assert message.startswith("[Little Bee] Community check-in returned: "), message

    # and GET /me says which language their texts are in
    token = response.json()["token"]
    assert ApiClient(token=token, language="en").get("/me").json()["language"] == "en"


def test_signing_in_with_a_code_in_chinese_switches_back(city: Any) -> None:
    # given a worker who chose English earlier
    me = worker(user__phone=PHONE, user__language="en", community=city.community)

    # when they sign in with a code from a phone set to simplified Chinese
    code = sms_code_for(PHONE, purpose=SmsPurpose.LOGIN)
    response = ApiClient(language="zh-CN,zh;q=0.9").post("/auth/token", {"phone": PHONE, "code": code})

    # then their texts are Chinese again
    assert response.status_code == 200
    assert _language_of(me) == "zh-hans"


@pytest.mark.parametrize("header", ["", "fr-FR", "de;q=1, *;q=0.5"])
def test_a_client_asking_for_no_language_of_ours_changes_nothing(city: Any, header: str) -> None:
    # given a worker who chose English
    me = worker(user__phone=PHONE, user__language="en", community=city.community)

    # when a client that names neither Chinese nor English signs in
    response = ApiClient(language=header).post("/auth/token", {"phone": PHONE, "password": PASSWORD})

    # then the remembered language stays
    assert response.status_code == 200
    assert _language_of(me) == "en"


def test_a_failed_sign_in_changes_nothing(city: Any) -> None:
    # given a worker whose texts are Chinese
    me = worker(user__phone=PHONE, user__language="zh-hans", community=city.community)

    # when someone tries a wrong password in English
    response = ApiClient(language="en").post("/auth/token", {"phone": PHONE, "password": "Wrong-pass-1"})

    # then nothing about the person changes
    assert response.status_code == 401
    assert _language_of(me) == "zh-hans"


def test_registering_in_english_remembers_english(registration: dict[str, Any]) -> None:
    # when a worker registers from a phone set to English
    response = ApiClient(language="en").post("/auth/register", registration)

    # then the account's texts are English, and the answer says so
    assert response.status_code == 201
    assert response.json()["user"]["language"] == "en"
    assert User.objects.get(phone=registration["phone"]).language == "en"


def test_patch_me_changes_the_language(api_as: Any, city: Any) -> None:
    # given a worker whose texts are in the city's language
    me = worker(community=city.community)
    client = api_as(me)
    assert client.get("/me").json()["language"] == "zh-hans"

    # when the app sets English
    response = client.patch("/me", {"language": "en"})

    # then it is stored and shown, and the name is untouched
    assert response.status_code == 200
    assert response.json()["language"] == "en"
    assert response.json()["name"] == me.name
    assert _language_of(me) == "en"

    # and the contract's spelling (zh-Hans) sets Chinese back
    assert client.patch("/me", {"language": "zh-Hans"}).json()["language"] == "zh-hans"
    assert _language_of(me) == "zh-hans"


@pytest.mark.parametrize("language", ["fr", "", "en" * 20, 12])
def test_patch_me_with_a_language_we_do_not_have_answers_400_and_changes_nothing(
    api_as: Any, city: Any, language: Any
) -> None:
    # given a worker who chose English
    me = worker(community=city.community, user__language="en", user__name="原名")

    # when the app asks for a language the site does not have, with a new name
    response = api_as(me, language="en").patch("/me", {"language": language, "name": "新名"})

    # then a clear English error on the field, and nothing changed
    assert response.status_code == 400
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["language"]
    if language != 12:
        assert "zh-hans, en" in body["errors"][0]["detail"]
    me.refresh_from_db()
    assert (me.language, me.name) == ("en", "原名")


def test_the_sites_login_remembers_the_pages_language(city: Any) -> None:
    # given a worker whose texts are Chinese, on the login page the switch set to English
    me = worker(user__phone=PHONE, community=city.community)
    browser = Client()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    # when they sign in with their password
    response = browser.post("/login/", {"method": "password", "phone": PHONE, "password": PASSWORD})

    # then they are in, and their texts are English from now on
    assert response.status_code == 302
    assert _language_of(me) == "en"
