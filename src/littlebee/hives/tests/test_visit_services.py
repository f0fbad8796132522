"""Recording visits: by the station's QR, by the worker's member code; counting them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import UserFactory, staff, worker
from littlebee.core.errors import DomainError, NotFound
from littlebee.hives.models import HiveVisit, VisitMethod
from littlebee.hives.selectors import visit_counts, visits_of
from littlebee.hives.services import visit_record_by_member_code, visit_record_by_qr
from littlebee.hives.visit_tokens import member_code_for, token_for
from littlebee.orgs.tests.factories import PartyOrgFactory

from .factories import HiveFactory as _HiveFactory
from .factories import ServiceFactory

pytestmark = pytest.mark.django_db

# factory_boy's stubs type a factory call as the factory; these tests use the model instance.
HiveFactory: Any = _HiveFactory

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _visit_settings(settings: Any) -> None:
    settings.VISIT_TOKEN_WINDOW_SECONDS = 600
    settings.VISIT_COOLDOWN_HOURS = 4


def scan(user: Any, hive: Any, at: datetime = AT, **kwargs: Any) -> Any:
    return visit_record_by_qr(worker=user, hive_id=hive.pk, token=token_for(hive, at), at=at, **kwargs)


# --- By QR ----------------------------------------------------------------------------------
def test_a_workers_first_scan_is_counted() -> None:
    # given
    hive: Any = HiveFactory()
    courier = worker()

    # when
    result = scan(courier, hive)

    # then
    assert result.counted is True
    visit = HiveVisit.objects.get()
    assert (visit.worker, visit.hive, visit.method, visit.at) == (courier, hive, VisitMethod.QR, AT)
    assert visit.recorded_by is None


def test_a_repeat_within_the_cooldown_answers_the_counted_visit_and_writes_nothing() -> None:
    hive: Any = HiveFactory()
    courier = worker()
    first = scan(courier, hive)

    again = scan(courier, hive, at=AT + timedelta(hours=3, minutes=59))

    assert again.counted is False
    assert again.visit.pk == first.visit.pk
    assert HiveVisit.objects.count() == 1


def test_a_scan_after_the_cooldown_counts_again() -> None:
    hive: Any = HiveFactory()
    courier = worker()
    scan(courier, hive)

    later = scan(courier, hive, at=AT + timedelta(hours=4, seconds=1))

    assert later.counted is True
    assert HiveVisit.objects.count() == 2


def test_the_cooldown_is_per_station_and_per_worker() -> None:
    hive, other_hive = HiveFactory(), HiveFactory()
    courier, rider = worker(), worker()
    scan(courier, hive)

    assert scan(courier, other_hive).counted is True
    assert scan(rider, hive).counted is True
    assert HiveVisit.objects.count() == 3


def test_someone_without_a_worker_profile_cannot_check_in() -> None:
    hive: Any = HiveFactory()
    clerk = staff(hive.managing_unit, role=Role.KEEPER)

    with pytest.raises(DomainError) as caught:
        scan(clerk, hive)

    assert (caught.value.code, caught.value.status) == ("not_a_worker", 403)
    assert not HiveVisit.objects.exists()


def test_another_stations_token_is_refused() -> None:
    hive, other_hive = HiveFactory(), HiveFactory()

    with pytest.raises(DomainError) as caught:
        visit_record_by_qr(worker=worker(), hive_id=hive.pk, token=token_for(other_hive, AT), at=AT)

    assert caught.value.code == "invalid_token"
    assert not HiveVisit.objects.exists()


def test_an_expired_token_is_refused() -> None:
    hive: Any = HiveFactory()
    token = token_for(hive, AT - timedelta(minutes=25))

    with pytest.raises(DomainError) as caught:
        visit_record_by_qr(worker=worker(), hive_id=hive.pk, token=token, at=AT)

    assert caught.value.code == "invalid_token"


def test_an_unknown_or_inactive_station_is_not_found() -> None:
    closed: Any = HiveFactory(is_active=False)
    courier = worker()

    with pytest.raises(NotFound):
        visit_record_by_qr(worker=courier, hive_id=closed.pk + 1000, token=token_for(closed.pk + 1000, AT), at=AT)
    with pytest.raises(NotFound):
        scan(courier, closed)


def test_the_service_used_is_recorded_when_the_station_offers_it() -> None:
    charging: Any = ServiceFactory(code="charging", name="充电")
    other: Any = ServiceFactory(code="clinic", name="诊所")
    hive: Any = HiveFactory(services=[charging])
    courier = worker()

    with pytest.raises(DomainError) as caught:
        scan(courier, hive, service_code=other.code)
    assert caught.value.code == "invalid_input"

    assert scan(courier, hive, service_code="charging").visit.service == charging


# --- By member code -------------------------------------------------------------------------
def test_the_stations_keeper_records_a_visit_by_member_code() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    courier = worker()

    result = visit_record_by_member_code(keeper=keeper, hive_id=hive.pk, member_code=member_code_for(courier), at=AT)

    assert result.counted is True
    visit = HiveVisit.objects.get()
    assert (visit.worker, visit.method, visit.recorded_by) == (courier, VisitMethod.MEMBER_CODE, keeper)


def test_member_code_and_qr_share_one_cooldown() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.ADMIN)
    courier = worker()
    scan(courier, hive)

    result = visit_record_by_member_code(
        keeper=keeper, hive_id=hive.pk, member_code=member_code_for(courier), at=AT + timedelta(hours=1)
    )

    assert result.counted is False
    assert HiveVisit.objects.count() == 1


@pytest.mark.parametrize("role", [Role.KEEPER, Role.ADMIN, Role.HANDLER])
def test_staff_of_another_station_or_a_handler_get_not_found(role: str) -> None:
    hive, other_hive = HiveFactory(), HiveFactory()
    outsider = staff(other_hive.managing_unit, role=role) if role != Role.HANDLER else staff(hive.managing_unit)

    with pytest.raises(NotFound):
        visit_record_by_member_code(keeper=outsider, hive_id=hive.pk, member_code=member_code_for(worker()), at=AT)
    assert not HiveVisit.objects.exists()


def test_a_worker_cannot_record_visits_for_others() -> None:
    hive: Any = HiveFactory()
    with pytest.raises(NotFound):
        visit_record_by_member_code(keeper=worker(), hive_id=hive.pk, member_code=member_code_for(worker()), at=AT)


def test_a_city_admin_records_at_any_station() -> None:
    hive: Any = HiveFactory()
    admin = staff(PartyOrgFactory(), role=Role.CITY_ADMIN)

    result = visit_record_by_member_code(keeper=admin, hive_id=hive.pk, member_code=member_code_for(worker()), at=AT)

    assert result.counted is True


def test_a_bad_member_code_or_one_of_a_non_worker_is_refused() -> None:
    hive: Any = HiveFactory()
    keeper = staff(hive.managing_unit, role=Role.KEEPER)
    not_a_worker: Any = UserFactory()
    inactive = worker(user__is_active=False)

    for code in ["12-AAAA-BBBB-CCCC-DDDD", member_code_for(not_a_worker), member_code_for(inactive)]:
        with pytest.raises(DomainError) as caught:
            visit_record_by_member_code(keeper=keeper, hive_id=hive.pk, member_code=code, at=AT)
        assert caught.value.code == "invalid_member_code"
    assert not HiveVisit.objects.exists()


# --- Selectors ------------------------------------------------------------------------------
def test_visits_of_lists_only_the_workers_own_newest_first() -> None:
    hive, other_hive = HiveFactory(), HiveFactory()
    courier = worker()
    scan(courier, hive)
    scan(courier, other_hive, at=AT + timedelta(minutes=5))
    scan(worker(), hive)

    assert [v.hive for v in visits_of(courier)] == [other_hive, hive]


def test_visit_counts_group_per_station_day_and_service(django_assert_num_queries: Any) -> None:
    # given visits on two local days (Asia/Shanghai) at two stations
    charging: Any = ServiceFactory(code="charging")
    hive: Any = HiveFactory(services=[charging])
    other_hive: Any = HiveFactory()
    day_one = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 on 30 Nov in Shanghai
    day_two = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 Dec in Shanghai
    scan(worker(), hive, at=day_one, service_code="charging")
    scan(worker(), hive, at=day_two)
    scan(worker(), other_hive, at=day_two)
    scan(worker(), other_hive, at=day_two + timedelta(days=30))  # outside the period

    # when
    with django_assert_num_queries(2):
        counts = visit_counts(since=day_one - timedelta(days=1), until=day_two + timedelta(days=1))

    # then
    d1, d2 = date(2026, 11, 30), date(2026, 12, 1)
    assert counts.total == 3
    assert counts.by_hive == {hive.pk: 2, other_hive.pk: 1}
    assert counts.by_day == {d1: 1, d2: 2}
    assert counts.by_service == {"charging": 1, None: 2}
    assert counts.by_hive_day == {(hive.pk, d1): 1, (hive.pk, d2): 1, (other_hive.pk, d2): 1}
    assert counts.by_hive_service[(hive.pk, "charging")] == 1

    only_other = visit_counts(hive_ids=[other_hive.pk], since=day_one, until=day_two + timedelta(days=1))
    assert only_other.by_hive == {other_hive.pk: 1}
