"""Honorary titles speak the reader's language (issue 18): a community may give a title and its
citation in English beside the Chinese; a worker reading in English sees the English ones on the
points page and GET /me/honorary-titles, and the Chinese where none was written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from littlebee.core.errors import InvalidInput
from littlebee.points import services
from littlebee.points.models import HonoraryTitle

from .factories import Town, community_handler, logged_in, rider

pytestmark = pytest.mark.django_db


def _grant(town: Town, worker: Any, **english: str) -> HonoraryTitle:
    return services.honorary_title_grant(
        actor=community_handler(town),
        worker_id=worker.pk,
        title="径心游侠",
        citation="雨夜护送迷路老人回家",
        **english,
    )


def test_the_api_gives_the_title_in_the_readers_language(town: Town, api_as: Any) -> None:
    # given a rider honoured with an English title and citation
    me = rider(town)
    _grant(town, me, title_en=" Wayfinder Knight ", citation_en="Walked a lost elderly man home on a rainy night")

    # when they read their titles in English, and in Chinese
    english = api_as(me, language="en").get("/me/honorary-titles").json()["items"]
    chinese = api_as(me).get("/me/honorary-titles").json()["items"]

    # then each reads in its language
    assert [(t["title"], t["citation"]) for t in english] == [
        ("Wayfinder Knight", "Walked a lost elderly man home on a rainy night")
    ]
    assert [(t["title"], t["citation"]) for t in chinese] == [("径心游侠", "雨夜护送迷路老人回家")]


def test_a_title_without_english_stays_chinese_under_english(town: Town, api_as: Any) -> None:
    # given a title the community wrote in Chinese only
    me = rider(town)
    _grant(town, me)

    # when read in English
    [item] = api_as(me, language="en").get("/me/honorary-titles").json()["items"]

    # then the Chinese is shown rather than nothing
    assert (item["title"], item["citation"]) == ("径心游侠", "雨夜护送迷路老人回家")


def test_the_points_page_shows_the_english_title(town: Town, settings: Any) -> None:
    # given a rider honoured in both languages
    me = rider(town)
    _grant(town, me, title_en="Wayfinder Knight", citation_en="Walked a lost elderly man home")
    client = logged_in(me)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when they open the points page in English
    page = client.get(reverse("points:mine")).content.decode()

    # then the honour is English
    assert "Wayfinder Knight" in page and "Walked a lost elderly man home" in page
    assert "径心游侠" not in page


def test_the_grant_form_takes_the_english_title(town: Town) -> None:
    # given a community handler on the titles page
    me = rider(town, name="张三")
    client = logged_in(community_handler(town))

    # when they grant a title with its English
    response = client.post(
        reverse("points:titles"),
        {"worker": me.worker_profile.pk, "title": "径心游侠", "title_en": "Wayfinder Knight", "citation_en": "Brave"},
    )

    # then both are stored, and the list shows the English beside the Chinese
    assert response.status_code == 302
    honour = HonoraryTitle.objects.get(worker=me)
    assert (honour.title, honour.title_en, honour.citation_en) == ("径心游侠", "Wayfinder Knight", "Brave")
    assert "Wayfinder Knight" in client.get(reverse("points:titles")).content.decode()


def test_an_english_title_too_long_is_refused_and_nothing_granted(town: Town) -> None:
    # given
    me = rider(town)

    # when the English title runs past its limit
    with pytest.raises(InvalidInput) as refused:
        _grant(town, me, title_en="W" * 61, citation_en="x" * 401)

    # then both fields are named, and no title was granted
    assert {e.field for e in refused.value.errors} == {"title_en", "citation_en"}
    assert not HonoraryTitle.objects.exists()
