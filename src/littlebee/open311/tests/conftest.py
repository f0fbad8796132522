"""Fixtures for the Open311 tests: the case engine's small city with the report catalogue, a
partner tied to an enterprise with a live key, media in a temp dir, notices captured."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from littlebee.cases.tests.factories import World, sent_fixture, world
from littlebee.open311 import services
from littlebee.open311.models import ApiKey, Partner
from littlebee.orgs.tests.factories import EnterpriseFactory
from littlebee.reports.services import report_categories_ensure

BASE = "/open311/v2"


# The case notices sent during a test, instead of delivered (cases/tests/factories.py).
sent = sent_fixture(autouse=True)


@pytest.fixture
def w(db: Any, media_root: Path) -> World:
    city = world()
    city.community.lat, city.community.lng = 30.55, 114.30
    city.community.save(update_fields=["lat", "lng"])
    city.other_community.lat, city.other_community.lng = 30.60, 114.35
    city.other_community.save(update_fields=["lat", "lng"])
    report_categories_ensure()
    return city


@dataclass
class Keyed:
    partner: Partner
    key: ApiKey
    raw: str


@pytest.fixture
def keyed(w: World) -> Keyed:
    enterprise: Any = EnterpriseFactory(name="顺丰速运")
    partner = services.partner_create(name="顺丰速运", organisation=enterprise, actor=w.city_admin)
    key, raw = services.api_key_issue(partner=partner, actor=w.city_admin, daily_quota=50)
    return Keyed(partner, key, raw)


@pytest.fixture
def web() -> Client:
    return Client()


def post_request(
    web: Client, data: dict[str, Any], *, fmt: str = "json", key: str | None = None, query: str = ""
) -> Any:
    """POST requests.<fmt> as a form (multipart, as Django's test client sends a dict)."""
    url = f"{BASE}/requests.{fmt}"
    if key is not None:
        url += f"?api_key={key}"
    if query:
        url += ("&" if "?" in url else "?") + query
    return web.post(url, data)


def filed(
    w: World, *, category: str = "garbage", lat: float = 30.551234, lng: float = 114.301234, **kwargs: Any
) -> Any:
    """A report filed by a worker through the reports service, as the app files one."""
    from littlebee.accounts.tests.factories import worker
    from littlebee.reports.services import report_submit

    return report_submit(
        reporter=kwargs.pop("reporter", None) or worker(),
        category_code=category,
        description=kwargs.pop("description", "路口垃圾堆了三天"),
        lat=lat,
        lng=lng,
        **kwargs,
    )
