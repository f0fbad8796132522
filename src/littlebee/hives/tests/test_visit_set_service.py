"""visit_set_service: the worker says which service the visit just recorded used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.errors import Conflict, InvalidInput, NotFound
from littlebee.hives.models import HiveVisit
from littlebee.hives.services import visit_record_by_qr, visit_set_service
from littlebee.hives.visit_tokens import token_for

from .factories import HiveFactory as _HiveFactory
from .factories import ServiceFactory as _ServiceFactory

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
ServiceFactory: Any = _ServiceFactory

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _visit_settings(settings: Any) -> None:
    settings.VISIT_TOKEN_WINDOW_SECONDS = 600
    settings.VISIT_COOLDOWN_HOURS = 4


@pytest.fixture
def charging() -> Any:
    return ServiceFactory(code="charging", name="休息充电")


@pytest.fixture
def water() -> Any:
    return ServiceFactory(code="water", name="饮水就餐")


@pytest.fixture
def hive(charging: Any, water: Any) -> Any:
    return HiveFactory(services=[charging, water])


@pytest.fixture
def courier() -> Any:
    return worker()


@pytest.fixture
def visit(hive: Any, courier: Any) -> HiveVisit:
    return visit_record_by_qr(worker=courier, hive_id=hive.pk, token=token_for(hive, AT), at=AT).visit


def test_the_worker_names_the_service_of_their_visit(visit: HiveVisit, courier: Any, charging: Any) -> None:
    # when
    changed = visit_set_service(visit_id=visit.pk, worker=courier, service_code="charging", at=AT)

    # then
    assert changed.service == charging
    visit.refresh_from_db()
    assert visit.service == charging


def test_choosing_again_within_the_window_replaces_the_choice(visit: HiveVisit, courier: Any, water: Any) -> None:
    visit_set_service(visit_id=visit.pk, worker=courier, service_code="charging", at=AT)

    visit_set_service(visit_id=visit.pk, worker=courier, service_code="water", at=AT + timedelta(hours=3))

    visit.refresh_from_db()
    assert visit.service == water


def test_after_the_cooldown_window_the_service_cannot_be_set(visit: HiveVisit, courier: Any) -> None:
    with pytest.raises(Conflict) as refused:
        visit_set_service(visit_id=visit.pk, worker=courier, service_code="charging", at=AT + timedelta(hours=4))

    assert refused.value.code == "visit_window_closed"
    assert "4 小时内" in str(refused.value.detail)
    visit.refresh_from_db()
    assert visit.service is None


@pytest.mark.parametrize("code", ["clinic", "", "no-such-service"])
def test_only_a_service_the_station_offers_is_accepted(visit: HiveVisit, courier: Any, code: str) -> None:
    # given a service that exists but that this station does not offer
    ServiceFactory(code="clinic", name="健康诊所")

    with pytest.raises(InvalidInput) as refused:
        visit_set_service(visit_id=visit.pk, worker=courier, service_code=code, at=AT)

    assert [e.field for e in refused.value.errors] == ["service"]
    visit.refresh_from_db()
    assert visit.service is None


@pytest.mark.parametrize("who", ["another_worker", "the_stations_keeper"])
def test_nobody_else_sets_the_service_of_a_workers_visit(visit: HiveVisit, hive: Any, who: str) -> None:
    person = worker() if who == "another_worker" else staff(hive.managing_unit, role=Role.KEEPER)

    with pytest.raises(NotFound):
        visit_set_service(visit_id=visit.pk, worker=person, service_code="charging", at=AT)

    visit.refresh_from_db()
    assert visit.service is None


def test_an_unknown_visit_is_not_found(courier: Any) -> None:
    with pytest.raises(NotFound):
        visit_set_service(visit_id=999_999, worker=courier, service_code="charging", at=AT)
