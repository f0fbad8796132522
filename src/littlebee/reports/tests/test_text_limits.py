"""A text over its limit is refused in our words, and the form shows a counter before the limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World
from littlebee.conftest import log_in
from littlebee.reports.models import Report


def client_of(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_description_over_2000_characters_is_refused_in_our_words(w: World) -> None:
    # when a worker sends 2,050 characters
    response = client_of(worker()).post(
        "/reports/new/", {"category": "garbage", "lat": "30.55", "lng": "114.30", "description": "堆" * 2050}
    )

    # then the form says how long it may be and how long it is, not Django's "确保该值…"
    html = response.content.decode()
    assert response.status_code == 400
    assert "最多 2000 字，现在有 2050 字，请删减一些。" in html
    assert "确保" not in html
    assert not Report.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_counts_the_description_towards_its_limit(w: World, phone_page: Any, screenshot: Any) -> None:
    # given a worker on the report form
    courier = worker()
    log_in(phone_page, courier.phone, "/reports/new/")
    counter = phone_page.locator("#id_description + [data-char-count]")
    assert counter.inner_text() == "0 / 2000 字"

    # when they type, and come near the limit
    phone_page.get_by_label("问题描述（选填）").fill("路口垃圾")
    assert counter.inner_text() == "4 / 2000 字"
    phone_page.get_by_label("问题描述（选填）").fill("堆" * 1850)

    # then the counter warns before the limit is reached
    assert counter.inner_text() == "1850 / 2000 字"
    assert "char-count--near" in (counter.get_attribute("class") or "")
    screenshot(phone_page, "reports-new-counter")
