"""The annual service list section of the station edit page (/hives/<id>/edit/#annual-items)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.hives.models import AnnualServiceItem

from .factories import AnnualServiceItemFactory as _AnnualServiceItemFactory
from .factories import HiveFactory as _HiveFactory

pytestmark = pytest.mark.django_db

HiveFactory: Any = _HiveFactory
AnnualServiceItemFactory: Any = _AnnualServiceItemFactory


@pytest.fixture
def hive() -> Any:
    return HiveFactory(name="西厂口社区蜂巢驿站")


@pytest.fixture
def client(hive: Any) -> Client:
    client = Client()
    client.force_login(staff(hive.managing_unit, role=Role.KEEPER))
    return client


@pytest.fixture
def year() -> int:
    return timezone.localdate().year


def edit_url(hive: Any) -> str:
    return reverse("hives:edit", args=[hive.pk])


def add_url(hive: Any) -> str:
    return reverse("hives:annual_item_add", args=[hive.pk])


def test_the_edit_page_lists_this_and_next_years_items_and_last_years_only_when_there_are_some(
    client: Client, hive: Any, year: int
) -> None:
    # given one item this year and one the year after next (not editable, not listed)
    AnnualServiceItemFactory(hive=hive, year=year, title="夏季防暑降温")
    AnnualServiceItemFactory(hive=hive, year=year + 2, title="后年的项目")

    # when
    response = client.get(edit_url(hive))

    # then
    groups = response.context["annual_years"]
    assert [(g.year, [i.title for i in g.items], g.this_year) for g in groups] == [
        (year, ["夏季防暑降温"], True),
        (year + 1, [], False),
    ]
    html = response.content.decode()
    assert "夏季防暑降温" in html and "后年的项目" not in html
    assert [int(v) for v, _label in response.context["annual_form"].fields["year"].choices] == [
        year - 1,
        year,
        year + 1,
    ]

    # and last year's list shows once it has an item
    AnnualServiceItemFactory(hive=hive, year=year - 1, title="去年的项目")
    assert [g.year for g in client.get(edit_url(hive)).context["annual_years"]] == [year - 1, year, year + 1]


def test_a_keeper_adds_items_and_the_station_page_shows_this_years(client: Client, hive: Any, year: int) -> None:
    # when
    dated = client.post(
        add_url(hive),
        {"annual-year": year, "annual-title": "小哥集体生日会", "annual-date": f"{year}-12-10"},
    )
    regular = client.post(
        add_url(hive),
        {
            "annual-year": year + 1,
            "annual-title": "义诊",
            "annual-frequency": "每月一次",
            "annual-description": "量血压",
        },
    )

    # then
    assert dated.status_code == regular.status_code == 302
    assert dated["Location"] == f"{edit_url(hive)}#annual-items"
    assert "已将“小哥集体生日会”加入" in client.get(dated["Location"]).content.decode()
    assert list(AnnualServiceItem.objects.values_list("year", "title", "frequency", "description")) == [
        (year, "小哥集体生日会", "", ""),
        (year + 1, "义诊", "每月一次", "量血压"),
    ]
    station = Client().get(reverse("hives:station", args=[hive.pk])).content.decode()
    assert "小哥集体生日会" in station and "义诊" not in station


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"annual-title": "义诊"}, "frequency", "请填写日期或频次"),
        ({"annual-title": "", "annual-frequency": "每月"}, "title", "必填"),
        ({"annual-title": "义诊", "annual-date": "2001-01-01"}, "date", "日期应在该年度内"),
        ({"annual-title": "义诊", "annual-date": "下个月"}, "date", "日期"),
        ({"annual-title": "义诊", "annual-frequency": "每月", "annual-year": "1999"}, "year", "选择"),
        ({"annual-title": "义诊", "annual-frequency": "长" * 61}, "frequency", "60"),
    ],
)
def test_a_wrong_item_is_explained_beside_its_field_and_nothing_is_added(
    client: Client, hive: Any, year: int, data: dict[str, str], field: str, message: str
) -> None:
    response = client.post(add_url(hive), {"annual-year": str(year), **data})

    assert response.status_code == 200
    errors = response.context["annual_form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field])
    assert response.context["annual_form"]["title"].value() == data["annual-title"]
    assert not AnnualServiceItem.objects.exists()


def test_a_keeper_removes_an_item(client: Client, hive: Any, year: int) -> None:
    item: Any = AnnualServiceItemFactory(hive=hive, year=year, title="夏季防暑降温")

    response = client.post(reverse("hives:annual_item_remove", args=[hive.pk, item.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(hive)}#annual-items"
    assert "删除“夏季防暑降温”" in client.get(response["Location"]).content.decode()
    assert not AnnualServiceItem.objects.exists()


def test_removing_another_stations_item_through_ones_own_station_is_404(client: Client, hive: Any) -> None:
    other: Any = AnnualServiceItemFactory()

    response = client.post(reverse("hives:annual_item_remove", args=[hive.pk, other.pk]))

    assert response.status_code == 404
    assert AnnualServiceItem.objects.filter(pk=other.pk).exists()
