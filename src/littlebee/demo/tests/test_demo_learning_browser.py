"""The demo's articles and quizzes in English on a phone: the learning home lists them by their
English titles, and an article reads in English from title to last paragraph."""

from __future__ import annotations

import re
from typing import Any

import pytest

from littlebee.learning.models import LearningItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bee-demo-2021"
CJK = re.compile("[\u4e00-\u9fff]")


def test_the_demo_courier_reads_an_article_in_english(wuhan_city: Any, new_phone_page: Any, screenshot: Any) -> None:
    # given the demo courier on a phone in English
    article = LearningItem.objects.get(title="电动车电池起火，离你并不远")
    page = new_phone_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    page.goto("/login/?next=/learning/")
    form = page.locator("#panel-password")
    form.get_by_label("Phone number").fill("13800000001")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/learning/")

    # when he looks at the learning home
    page.get_by_text("E-bike battery fires are closer than you think").first.wait_for()
    screenshot(page, "demo-learning-en")

    # then the items listed carry English titles, not Chinese ones
    assert not page.get_by_text("电动车电池起火，离你并不远").count()

    # and the article reads in English, paragraph by paragraph
    page.goto(f"/learning/{article.pk}/")
    page.get_by_role("heading", name="E-bike battery fires are closer than you think").wait_for()
    body = page.locator("main").inner_text()
    assert "Never take an e-bike or its battery into a lift" in body
    assert "keep it away from people and anything flammable" in body
    assert "锂电池" not in body
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "demo-learning-article-en")
