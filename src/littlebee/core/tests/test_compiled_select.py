"""core.compiled_select: a list query compiled once per shape, each call binding its own values and
getting exactly the rows the queryset itself gives (converted as the ORM converts them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from littlebee.core import compiled_select as module
from littlebee.core.compiled_select import compiled_count, compiled_rows
from littlebee.orgs.models import DepartmentType, Organisation, OrgKind
from littlebee.orgs.tests.factories import CityFactory, DistrictFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "name", "is_active", "created_at", "region__name", "region__lat")


def _offices(key: Any, *, region_ids: list[int], name: str | None = None) -> QuerySet[Any]:
    offices = Organisation.objects.filter(region_id__in=region_ids)
    if key == "active":
        offices = offices.filter(is_active=True)
    if name is not None:
        offices = offices.filter(name=name)
    return offices.order_by("-id").values(*COLUMNS)


def _office(**kwargs: Any) -> Any:
    return OrganisationFactory(kind=OrgKind.DEPARTMENT, department_type=DepartmentType.TRANSPORT, **kwargs)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The shapes compiled from here on (the cache emptied first)."""
    compiled: list[Any] = []
    compile_ = module._compile

    def counted(*args: Any) -> Any:
        compiled.append(args)
        return compile_(*args)

    monkeypatch.setattr(module, "_compile", counted)
    module._compiled.clear()
    return compiled


def test_each_call_binds_its_own_values_and_gets_the_querysets_rows(compiles: list[Any]) -> None:
    # given a city and a district with three offices, one of them inactive
    city: Any = CityFactory(name="武汉市", lat=30.59)
    district: Any = DistrictFactory(parent=city, name="武昌区")
    _office(region=city, name="市委组织部")
    _office(region=district, name="武昌区委")
    _office(region=district, name="旧区委", is_active=False)

    # when read with values of one shape twice, with a limit, and with a name filter
    first = compiled_rows(_offices, region_ids=[city.pk])
    second = compiled_rows(_offices, region_ids=[district.pk])
    paged = compiled_rows(_offices, region_ids=[district.pk], limit=1, offset=1)
    named = compiled_rows(_offices, key="active", region_ids=[district.pk], name="旧区委")

    # then each is exactly what the queryset gives (datetimes and booleans converted as the ORM does)
    def plain(key: Any, **values: Any) -> list[dict[str, Any]]:
        return list(_offices(key, **values))

    assert first == plain(None, region_ids=[city.pk]) and len(first) == 1
    assert second == plain(None, region_ids=[district.pk]) and len(second) == 2
    assert paged == plain(None, region_ids=[district.pk])[1:2]
    assert named == [] == plain("active", region_ids=[district.pk], name="旧区委")
    assert second[0]["is_active"] is False and second[0]["created_at"].tzinfo is not None
    # and the first three shared one compiled statement; the key and the name made a second
    assert len(compiles) == 2


def test_a_list_of_another_length_is_another_shape_and_an_empty_one_reads_nothing(compiles: list[Any]) -> None:
    # given two cities with an office each
    a: Any = CityFactory(name="甲市")
    b: Any = CityFactory(name="乙市")
    _office(region=a, name="甲")
    _office(region=b, name="乙")

    # when read for one city, for both, and for none
    one = compiled_rows(_offices, region_ids=[a.pk])
    both = compiled_rows(_offices, region_ids=[b.pk, a.pk])
    with CaptureQueriesContext(connection) as ctx:
        none = compiled_rows(_offices, region_ids=[])
        counted_none = compiled_count(_offices, cap=10, region_ids=[])

    # then each has its rows, and the empty list costs no statement, as the queryset runs none
    assert [r["name"] for r in one] == ["甲"]
    assert [r["name"] for r in both] == ["乙", "甲"]
    assert none == [] and counted_none == 0 and ctx.captured_queries == []
    assert len(compiles) == 4


def test_the_count_stops_after_the_cap(compiles: list[Any]) -> None:
    # given five offices in a city
    city: Any = CityFactory()
    for i in range(5):
        _office(region=city, name=f"办{i}")

    # when counted with a cap of 3, of 10, and again with 3
    with CaptureQueriesContext(connection) as ctx:
        capped = compiled_count(_offices, cap=3, region_ids=[city.pk])
    exact = compiled_count(_offices, cap=10, region_ids=[city.pk])
    again = compiled_count(_offices, cap=3, region_ids=[city.pk])

    # then at most cap + 1 rows are read, and every cap is a shape compiled once
    assert (capped, exact, again) == (4, 5, 4)
    assert "LIMIT 4" in ctx.captured_queries[0]["sql"]
    assert len(compiles) == 2


def test_values_must_be_ids_or_texts() -> None:
    with pytest.raises(TypeError):
        compiled_rows(_offices, region_ids=[True])  # type: ignore[arg-type]


def _offices_between(key: Any, *, low: float, high: float) -> QuerySet[Any]:
    return Organisation.objects.filter(region__lat__range=(low, high)).order_by("id").values("name")


def test_a_float_is_bound_as_a_float(compiles: list[Any]) -> None:
    # given offices in two cities at different latitudes
    _office(region=CityFactory(lat=30.59), name="武汉")
    _office(region=CityFactory(lat=39.90), name="北京")

    # when read between latitudes twice, with the same shape
    south = compiled_rows(_offices_between, low=30.0, high=31.0)
    north = compiled_rows(_offices_between, low=39.5, high=40.5)

    # then each call has its own bounds' rows, from one compiled statement
    assert [r["name"] for r in south] == ["武汉"]
    assert [r["name"] for r in north] == ["北京"]
    assert len(compiles) == 1
