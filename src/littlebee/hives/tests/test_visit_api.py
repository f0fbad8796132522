"""POST /hives/{id}/visits, POST /hives/{id}/visits/member, GET /me/visits, GET /hives/{id}/visit-stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.hives.models import HiveVisit
from littlebee.hives.visit_tokens import member_code_for, token_for

from .factories import HiveFactory as _HiveFactory
from .factories import ServiceFactory

pytestmark = pytest.mark.django_db

# factory_boy's stubs type a factory call as the factory; these tests use the model instance.
HiveFactory: Any = _HiveFactory


def test_scanning_a_station_answers_201_with_the_visit(api_as: Any) -> None:
    hive: Any = HiveFactory(name="西厂口社区爱心驿站")
    courier = worker()

    response = api_as(courier).post(f"/hives/{hive.pk}/visits", {"token": token_for(hive)})

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "hive", "at", "counted"}
    assert body["hive"] == {"id": hive.pk, "name": "西厂口社区爱心驿站"}
    assert body["counted"] is True
    assert HiveVisit.objects.get().pk == body["id"]


def test_a_repeat_within_the_cooldown_answers_200_not_counted(api_as: Any) -> None:
    hive: Any = HiveFactory()
    client = api_as(worker())
    first = client.post(f"/hives/{hive.pk}/visits", {"token": token_for(hive)}).json()

    response = client.post(f"/hives/{hive.pk}/visits", {"token": token_for(hive)})

    assert response.status_code == 200
    assert response.json() == {**first, "counted": False}
    assert HiveVisit.objects.count() == 1


@pytest.mark.parametrize("token", ["forged", "", "1.1:abc"])
def test_a_bad_token_answers_400_invalid_token(api_as: Any, token: str) -> None:
    hive: Any = HiveFactory()

    response = api_as(worker()).post(f"/hives/{hive.pk}/visits", {"token": token})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert response.json()["detail"]


def test_another_stations_token_answers_400(api_as: Any) -> None:
    hive, other_hive = HiveFactory(), HiveFactory()
    response = api_as(worker()).post(f"/hives/{hive.pk}/visits", {"token": token_for(other_hive)})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


def test_an_unknown_station_answers_404(api_as: Any) -> None:
    response = api_as(worker()).post("/hives/999999/visits", {"token": token_for(999999)})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_answers_401(api: Any) -> None:
    hive: Any = HiveFactory()
    response = api.post(f"/hives/{hive.pk}/visits", {"token": token_for(hive)})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_missing_token_answers_400_invalid_input(api_as: Any) -> None:
    hive: Any = HiveFactory()
    response = api_as(worker()).post(f"/hives/{hive.pk}/visits", {})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_a_non_worker_answers_403(api_as: Any) -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    response = api_as(keeper).post(f"/hives/{hive.pk}/visits", {"token": token_for(hive)})
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_worker"


# --- Keeper: member code --------------------------------------------------------------------
def test_a_keeper_records_a_visit_by_member_code(api_as: Any) -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier = worker(user__name="李师傅")
    client = api_as(keeper)

    response = client.post(f"/hives/{hive.pk}/visits/member", {"member_code": member_code_for(courier)})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counted"] is True
    assert body["worker"] == {"id": courier.pk, "name": "李师傅"}
    again = client.post(f"/hives/{hive.pk}/visits/member", {"member_code": member_code_for(courier)})
    assert again.status_code == 200
    assert again.json()["counted"] is False


def test_another_stations_keeper_gets_404_for_member_code(api_as: Any) -> None:
    hive, other_hive = HiveFactory(), HiveFactory()
    outsider = staff(other_hive.managing_unit, role=Role.KEEPER)
    response = api_as(outsider).post(f"/hives/{hive.pk}/visits/member", {"member_code": member_code_for(worker())})
    assert response.status_code == 404
    assert not HiveVisit.objects.exists()


def test_a_bad_member_code_answers_400(api_as: Any) -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    response = api_as(keeper).post(f"/hives/{hive.pk}/visits/member", {"member_code": "1-AAAA-AAAA-AAAA-AAAA"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_member_code"


# --- My visits ------------------------------------------------------------------------------
def _visits(courier: Any, n: int, service: Any = None) -> None:
    now = timezone.now()
    for i in range(n):
        HiveVisit.objects.create(
            hive=HiveFactory(), worker=courier, method="qr", service=service, at=now - timedelta(hours=i)
        )


def test_my_visits_are_paginated_newest_first(api_as: Any) -> None:
    courier = worker()
    _visits(courier, 3, service=ServiceFactory(code="water", name="饮水"))
    _visits(worker(), 2)
    client = api_as(courier)

    body = client.get("/me/visits", {"limit": 2}).json()

    assert body["count"] == 3
    assert len(body["items"]) == 2
    first = body["items"][0]
    assert set(first) == {"id", "hive", "at", "method", "service"}
    assert first["service"] == {"code": "water", "name": "饮水"}
    assert body["items"][0]["at"] > body["items"][1]["at"]
    assert len(client.get("/me/visits", {"limit": 2, "offset": 2}).json()["items"]) == 1


def test_my_visits_take_the_same_queries_for_one_or_many(api_as: Any) -> None:
    few, many = worker(), worker()
    _visits(few, 1, service=ServiceFactory(code="rest"))
    _visits(many, 15, service=ServiceFactory(code="rest"))
    few_client, many_client = api_as(few), api_as(many)

    with CaptureQueriesContext(connection) as one:
        assert few_client.get("/me/visits").status_code == 200
    with CaptureQueriesContext(connection) as fifteen:
        assert len(many_client.get("/me/visits").json()["items"]) == 15

    assert len(one) == len(fifteen)
    assert len(fifteen) <= 5  # token lookup, its last-used update, count, page


def test_my_visits_need_login(api: Any) -> None:
    assert api.get("/me/visits").status_code == 401


# --- Visit stats ----------------------------------------------------------------------------
def test_a_keeper_reads_the_stations_visit_stats(api_as: Any) -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    HiveVisit.objects.create(hive=hive, worker=worker(), method="qr")
    HiveVisit.objects.create(hive=hive, worker=worker(), method="member_code")
    HiveVisit.objects.create(hive=HiveFactory(), worker=worker(), method="qr")

    response = api_as(keeper).get(f"/hives/{hive.pk}/visit-stats", {"days": 7})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hive"]["id"] == hive.pk
    assert body["total"] == 2
    assert len(body["by_day"]) == 7
    assert body["by_day"][-1] == {"date": timezone.localdate().isoformat(), "count": 2}
    assert body["by_service"] == [{"service": None, "count": 2}]


def test_visit_stats_are_404_for_others_and_check_days(api_as: Any) -> None:
    hive: Any = HiveFactory()
    assert api_as(worker()).get(f"/hives/{hive.pk}/visit-stats").status_code == 404
    other_keeper = staff(HiveFactory().managing_unit, role=Role.KEEPER)
    assert api_as(other_keeper).get(f"/hives/{hive.pk}/visit-stats").status_code == 404
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    for days in (0, 400):
        response = api_as(keeper).get(f"/hives/{hive.pk}/visit-stats", {"days": days})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "days"
