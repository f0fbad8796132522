"""The 年度服务项目清单 item by item: hive_add_annual_item and hive_remove_annual_item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff, worker
from littlebee.core.errors import Conflict, InvalidInput, NotFound
from littlebee.hives import services
from littlebee.hives.models import AnnualServiceItem

from .factories import AnnualServiceItemFactory as _AnnualServiceItemFactory
from .factories import HiveFactory as _HiveFactory

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
AnnualServiceItemFactory: Any = _AnnualServiceItemFactory

TODAY = date(2026, 5, 20)


@pytest.fixture
def hive() -> Any:
    return HiveFactory()


@pytest.fixture
def keeper(hive: Any) -> Any:
    return staff(hive.managing_unit, role=Role.KEEPER)


def add(hive: Any, actor: Any, **fields: Any) -> AnnualServiceItem:
    data = {"year": 2026, "title": "夏季防暑降温", "frequency": "6—9 月每天", **fields}
    return services.hive_add_annual_item(hive_id=hive.pk, actor=actor, today=TODAY, **data)


def test_a_keeper_adds_items_with_a_date_or_a_frequency(hive: Any, keeper: Any) -> None:
    # when
    first = add(hive, keeper, title="  夏季防暑降温 ", description="免费绿豆汤", frequency=" 6—9 月每天 ")
    second = add(hive, keeper, title="小哥集体生日会", frequency="", on=date(2026, 12, 10))
    next_year = add(hive, keeper, year=2027, title="新春慰问", frequency="", on=date(2027, 2, 1))

    # then
    assert (first.title, first.description, first.frequency, first.date) == (
        "夏季防暑降温",
        "免费绿豆汤",
        "6—9 月每天",
        None,
    )
    assert [(i.year, i.order, i.title) for i in AnnualServiceItem.objects.filter(hive=hive)] == [
        (2026, 0, "夏季防暑降温"),
        (2026, 1, "小哥集体生日会"),
        (2027, 0, "新春慰问"),
    ]
    assert (second.date, next_year.year) == (date(2026, 12, 10), 2027)


def test_last_year_is_still_editable(hive: Any, keeper: Any) -> None:
    assert add(hive, keeper, year=2025).year == 2025


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "此项为必填项"),
        ({"title": "长" * 121}, "title", "120"),
        ({"description": "长" * 256}, "description", "255"),
        ({"frequency": "长" * 61}, "frequency", "60"),
        ({"frequency": ""}, "frequency", "请填写日期或频次"),
        ({"frequency": "", "on": date(2027, 1, 5)}, "date", "日期应在该年度内"),
        ({"year": 2024}, "year", "2025 至 2027"),
        ({"year": 2028}, "year", "2025 至 2027"),
        ({"title": "a\x00b"}, "title", "120"),
    ],
)
def test_bad_items_are_refused_with_the_field_and_nothing_is_added(
    hive: Any, keeper: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add(hive, keeper, **fields)

    assert [e.field for e in refused.value.errors] == [field]
    assert message in str(refused.value.errors[0].detail)
    assert not AnnualServiceItem.objects.exists()


def test_the_year_is_the_stations_own_when_today_is_not_given(hive: Any, keeper: Any) -> None:
    from django.utils import timezone

    this_year = timezone.localdate().year
    item = services.hive_add_annual_item(hive_id=hive.pk, actor=keeper, year=this_year + 1, title="x", frequency="每月")
    assert item.year == this_year + 1
    with pytest.raises(InvalidInput):
        services.hive_add_annual_item(hive_id=hive.pk, actor=keeper, year=this_year + 2, title="x", frequency="每月")


def test_a_year_holds_at_most_50_items(hive: Any, keeper: Any) -> None:
    AnnualServiceItemFactory.create_batch(services.MAX_ANNUAL_ITEMS_PER_YEAR, hive=hive, year=2026)

    with pytest.raises(Conflict) as refused:
        add(hive, keeper)

    assert refused.value.code == "limit_reached"
    assert add(hive, keeper, year=2027).year == 2027


@pytest.mark.parametrize("who", ["other_stations_keeper", "worker", "unit_handler"])
def test_others_cannot_add_or_remove_items(hive: Any, who: str) -> None:
    # given an item of the station
    item: Any = AnnualServiceItemFactory(hive=hive, year=2026)
    people: dict[str, Callable[[], User]] = {
        "other_stations_keeper": lambda: staff(HiveFactory().managing_unit, role=Role.KEEPER),
        "worker": worker,
        "unit_handler": lambda: staff(hive.managing_unit, role=Role.HANDLER),
    }
    person = people[who]()

    # when / then
    with pytest.raises(NotFound):
        add(hive, person)
    with pytest.raises(NotFound):
        services.hive_remove_annual_item(hive_id=hive.pk, item_id=item.pk, actor=person)
    assert list(AnnualServiceItem.objects.all()) == [item]


def test_a_keeper_removes_an_item(hive: Any, keeper: Any) -> None:
    item = add(hive, keeper)
    kept = add(hive, keeper, title="阅读角")

    removed = services.hive_remove_annual_item(hive_id=hive.pk, item_id=item.pk, actor=keeper)

    assert removed.title == "夏季防暑降温"
    assert list(AnnualServiceItem.objects.all()) == [kept]


def test_another_stations_item_cannot_be_removed_through_ones_own_station(hive: Any, keeper: Any) -> None:
    other: Any = AnnualServiceItemFactory()

    with pytest.raises(NotFound):
        services.hive_remove_annual_item(hive_id=hive.pk, item_id=other.pk, actor=keeper)

    assert AnnualServiceItem.objects.filter(pk=other.pk).exists()
