"""POST /hives/{id}/annual-items and DELETE /hives/{id}/annual-items/{item_id}."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.hives.models import AnnualServiceItem

from .factories import AnnualServiceItemFactory as _AnnualServiceItemFactory
from .factories import HiveFactory as _HiveFactory

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
AnnualServiceItemFactory: Any = _AnnualServiceItemFactory


@pytest.fixture
def hive() -> Any:
    return HiveFactory()


@pytest.fixture
def keeper(hive: Any) -> Any:
    return staff(hive.managing_unit, role=Role.KEEPER)


@pytest.fixture
def year() -> int:
    return timezone.localdate().year


def test_a_keeper_adds_items_and_the_station_lists_this_years(
    api_as: Any, api: Any, hive: Any, keeper: Any, year: int
) -> None:
    client = api_as(keeper)

    # when
    dated = client.post(
        f"/hives/{hive.pk}/annual-items",
        {"year": year, "title": "小哥集体生日会", "date": f"{year}-12-10", "description": "蛋糕和长寿面"},
    )
    regular = client.post(f"/hives/{hive.pk}/annual-items", {"year": year, "title": "义诊", "frequency": "每月一次"})
    later = client.post(f"/hives/{hive.pk}/annual-items", {"year": year + 1, "title": "新春慰问", "frequency": "春节"})

    # then
    assert dated.status_code == 201, dated.content
    item = AnnualServiceItem.objects.get(title="小哥集体生日会")
    assert dated.json() == {
        "id": item.pk,
        "year": year,
        "title": "小哥集体生日会",
        "description": "蛋糕和长寿面",
        "date": f"{year}-12-10",
        "frequency": "",
    }
    assert (regular.status_code, later.status_code) == (201, 201)
    listed = api.get(f"/hives/{hive.pk}").json()["annual_items"]
    assert [(i["title"], i["frequency"]) for i in listed] == [("小哥集体生日会", ""), ("义诊", "每月一次")]
    assert listed[0]["id"] == item.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "义诊"}, "frequency"),
        ({"title": "", "frequency": "每月"}, "title"),
        ({"title": "义诊", "frequency": "每月", "year": 1999}, "year"),
        ({"title": "义诊", "date": "2001-01-01"}, "date"),
        ({"title": "义诊", "date": "明天"}, "date"),
        ({"title": "义诊", "frequency": "每月", "colour": "red"}, "colour"),
        ({"title": "义诊", "frequency": "每月", "description": "长" * 256}, "description"),
        ({"title": 5, "frequency": "每月"}, "title"),
    ],
)
def test_bad_items_are_a_400_with_the_field(
    api_as: Any, hive: Any, keeper: Any, year: int, body: dict[str, Any], field: str
) -> None:
    response = api_as(keeper).post(f"/hives/{hive.pk}/annual-items", {"year": year, **body})

    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not AnnualServiceItem.objects.exists()


def test_a_missing_year_is_a_400(api_as: Any, hive: Any, keeper: Any) -> None:
    response = api_as(keeper).post(f"/hives/{hive.pk}/annual-items", {"title": "义诊", "frequency": "每月"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["year"]


def test_a_keeper_deletes_an_item(api_as: Any, hive: Any, keeper: Any, year: int) -> None:
    item: Any = AnnualServiceItemFactory(hive=hive, year=year)
    client = api_as(keeper)

    response = client.delete(f"/hives/{hive.pk}/annual-items/{item.pk}")

    assert response.status_code == 204
    assert not AnnualServiceItem.objects.exists()
    assert client.delete(f"/hives/{hive.pk}/annual-items/{item.pk}").status_code == 404


@pytest.mark.parametrize("who", ["other_stations_keeper", "worker"])
def test_others_get_404_and_change_nothing(api_as: Any, hive: Any, year: int, who: str) -> None:
    item: Any = AnnualServiceItemFactory(hive=hive, year=year)
    person = staff(HiveFactory().managing_unit, role=Role.KEEPER) if who == "other_stations_keeper" else worker()
    client = api_as(person)

    added = client.post(f"/hives/{hive.pk}/annual-items", {"year": year, "title": "义诊", "frequency": "每月"})
    deleted = client.delete(f"/hives/{hive.pk}/annual-items/{item.pk}")

    assert (added.status_code, deleted.status_code) == (404, 404)
    assert list(AnnualServiceItem.objects.all()) == [item]


def test_anonymous_is_401(api: Any, hive: Any, year: int) -> None:
    response = api.post(f"/hives/{hive.pk}/annual-items", {"year": year, "title": "义诊", "frequency": "每月"})
    assert response.status_code == 401
