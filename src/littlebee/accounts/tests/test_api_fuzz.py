"""Nothing a client sends produces a 500: hostile bodies and queries all answer 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest

from littlebee.accounts.models import User

from .factories import PASSWORD, staff
from .factories import pending_worker as worker

pytestmark = pytest.mark.django_db

HUGE = "蜂" * 200_000
BIG_INT = 2**70


def _short_id(value: object) -> str:
    """A test id short enough to read: some values are a megabyte long, and each id travels
    between the xdist workers and the controller."""
    return repr(value)[:60]


def _post_raw(api, path: str, body: bytes | str) -> Any:
    return api.client.post(f"/api/v1{path}", body, content_type="application/json")


def _assert_client_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, response.content[:300]
    body = response.json()
    assert isinstance(body["code"], str)
    assert isinstance(body["detail"], str)
    assert body["detail"]


REGISTER_MUTATIONS = [
    {"phone": HUGE},
    {"password": HUGE},
    {"name": HUGE},
    {"worker_type": HUGE},
    {"phone": "138\x0000000001"},
    {"password": "Quick\x00bee-42"},
    {"name": "张\x00三"},
    {"worker_type": "courier\x00"},
    {"name": "\ud800"},
    {"password": "Quick-bee-42\udfff"},
    {"phone": 13800000001},
    {"password": 12345678},
    {"name": ["张三"]},
    {"worker_type": {"a": 1}},
    {"enterprise": "abc"},
    {"enterprise": BIG_INT},
    {"enterprise": -1},
    {"community": BIG_INT},
    {"community": 1.5},
    {"community": [1]},
    {"outlet": BIG_INT},
    {"party_member": {"yes": True}},
    {"phone": None},
    {"name": None},
]


@pytest.mark.parametrize(
    "mutation", REGISTER_MUTATIONS, ids=lambda m: f"{next(iter(m))}={str(next(iter(m.values())))[:12]!r}"
)
def test_register_with_hostile_fields_answers_4xx_and_creates_nothing(api, registration, mutation):
    # given
    before = User.objects.count()

    # when
    response = api.post("/auth/register", {**registration, **mutation})

    # then
    _assert_client_error(response)
    assert User.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"[1, 2, 3]",
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b"{",
        b"\xff\xfe",
        b'{"phone": "\\ud800"}',
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"a" * 1000: "b"}).encode(),
        b'{"phone": 1e999}',
        b'{"phone": ' + b"9" * 5000 + b"}",
    ],
    ids=lambda b: repr(b[:20]),
)
@pytest.mark.parametrize("path", ["/auth/register", "/auth/token", "/auth/sms-code"])
def test_bodies_that_are_not_the_expected_object_answer_400(api, path, body):
    # when
    response = _post_raw(api, path, body)

    # then
    assert response.status_code == 400
    _assert_client_error(response)


TOKEN_BODIES = [
    {"phone": HUGE, "password": PASSWORD},
    {"phone": "13800000001", "password": HUGE},
    {"phone": "13800000001", "code": HUGE},
    {"phone": "13800000001", "code": "12\x003456"},
    {"phone": "13800000001", "code": "\udc80"},
    {"phone": "13800000001", "password": "\ud83d"},
    {"phone": ["13800000001"], "password": PASSWORD},
    {"phone": "13800000001", "password": {"$ne": ""}},
    {"phone": "13800000001", "code": 123456},
    {"phone": "13800000001", "password": None, "code": None},
    {"phone": "", "password": ""},
]


@pytest.mark.parametrize("body", TOKEN_BODIES, ids=lambda b: repr(b)[:40])
def test_token_with_hostile_fields_answers_4xx(api, body):
    # given a real account to aim at
    worker(user__phone="13800000001")

    # when
    response = api.post("/auth/token", body)

    # then
    _assert_client_error(response)


@pytest.mark.parametrize(
    "params",
    [
        {"parent": "abc"},
        {"parent": BIG_INT},
        {"parent": -5},
        {"limit": "x"},
        {"limit": BIG_INT},
        {"offset": BIG_INT},
        {"offset": 10**30},
        {"limit": -1, "offset": -1},
        {"parent": "1\x00"},
    ],
    ids=_short_id,
)
def test_regions_with_hostile_queries_answer_2xx_or_4xx(api, params):
    # when
    response = api.get("/regions", params)

    # then
    assert response.status_code < 500


@pytest.mark.parametrize(
    "params",
    [
        {"search": "\x00"},
        {"search": HUGE[:5000]},
        {"search": "%_\\'\""},
        {"industry": "\x00"},
        {"offset": 10**30},
        {"limit": BIG_INT},
    ],
    ids=_short_id,
)
def test_enterprises_with_hostile_queries_answer_2xx_or_4xx(api, params):
    # when
    response = api.get("/enterprises", params)

    # then
    assert response.status_code < 500


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "nan", "lng": "114.3"},
        {"lat": "inf", "lng": "114.3"},
        {"lat": "30.5", "lng": "-inf"},
        {"lat": "1e999", "lng": "1"},
        {"lat": "91", "lng": "114.3"},
        {"lat": "30.5", "lng": "181"},
        {"lat": "x", "lng": "y"},
        {"lat": "30.5"},
        {},
    ],
    ids=_short_id,
)
def test_locate_with_hostile_coordinates_answers_400(api, params):
    # when
    response = api.get("/regions/locate", params)

    # then
    assert response.status_code == 400
    _assert_client_error(response)


@pytest.mark.parametrize(
    "params",
    [{"status": "\x00"}, {"status": HUGE[:1000]}, {"offset": 10**30}, {"limit": BIG_INT}],
    ids=_short_id,
)
def test_the_check_in_queue_with_hostile_queries_answers_2xx_or_4xx(api_as, city, params):
    # given
    worker(community=city.community)
    client = api_as(staff(city.party_org(city.community)))

    # when
    response = client.get("/checkins", params)

    # then
    assert response.status_code < 500


@pytest.mark.parametrize(
    "path", [f"/checkins/{BIG_INT}/confirm", "/checkins/-1/reject", "/checkins/abc/confirm", "/checkins/1.5/confirm"]
)
def test_decisions_on_hostile_ids_answer_4xx(api_as, city, path):
    # given
    client = api_as(staff(city.party_org(city.community)))

    # when
    response = client.post(path, {"note": "x"})

    # then
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "body",
    [{"note": "\x00"}, {"note": HUGE}, {"note": 5}, {"note": None}, [1]],
    ids=_short_id,
)
def test_decisions_with_hostile_bodies_answer_4xx(api_as, city, body):
    # given
    profile = worker(community=city.community).worker_profile
    client = api_as(staff(city.party_org(city.community)))

    # when
    response = client.post(f"/checkins/{profile.pk}/reject", body)

    # then
    _assert_client_error(response)
    profile.refresh_from_db()
    assert profile.checkin_status == "pending"


@pytest.mark.parametrize(
    "body",
    [{"name": "\x00"}, {"name": HUGE}, {"outlet": BIG_INT}, {"outlet": "x"}, {"party_member": "maybe"}, [1, 2], "x"],
    ids=_short_id,
)
def test_patch_me_with_hostile_bodies_answers_4xx(api_as, city, body):
    # given
    client = api_as(worker(community=city.community))

    # when
    response = client.client.patch(
        "/api/v1/me", json.dumps(body), content_type="application/json", headers=client._headers()
    )

    # then
    _assert_client_error(response)


def test_an_enormous_body_answers_4xx(api, settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    # when
    response = _post_raw(api, "/auth/token", json.dumps({"phone": "1" * 5000, "password": "x"}))

    # then: the status Django gives a body over its limit, in our error format
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
