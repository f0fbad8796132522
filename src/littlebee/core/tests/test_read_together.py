"""core.read_together: several querysets in one statement, compiled once per shape, each call
reading with its own values."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.core import read_together as module
from littlebee.core.read_together import Part, read_together
from littlebee.orgs.models import Organisation, Region
from littlebee.orgs.tests.factories import CityFactory, DistrictFactory, PartyOrgFactory

pytestmark = pytest.mark.django_db


def _regions_and_offices(codes: list[str], name: str) -> dict[str, Part]:
    return {
        "region": Part(Region.objects.filter(code__in=codes), ("id", "code", "name", "lat")),
        "office": Part(
            Organisation.objects.filter(name=name), ("id", "name", "is_active"), related={"region": ("id", "code")}
        ),
    }


def test_each_call_reads_its_own_values_in_one_statement_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a city and a district, each with an office
    city: Any = CityFactory(name="武汉市", lat=30.59)
    district: Any = DistrictFactory(parent=city, name="武昌区")
    PartyOrgFactory(region=city, name="市委组织部")
    PartyOrgFactory(region=district, name="武昌区委")
    compiled: list[Any] = []
    compile_ = module._compile

    def counted(*args: Any) -> Any:
        compiled.append(args)
        return compile_(*args)

    monkeypatch.setattr(module, "_compile", counted)
    module._compiled.clear()
    assert connection.features.supports_json_field  # SQLite's one question per connection, asked

    # when read twice with values of the same shape (one code), and once with two codes
    with CaptureQueriesContext(connection) as ctx:
        first = read_together(_regions_and_offices, codes=[city.code], name="武昌区委")
        second = read_together(_regions_and_offices, codes=[district.code], name="市委组织部")
    both = read_together(_regions_and_offices, codes=[city.code, district.code], name="nobody")

    # then one statement each, the first two compiled once, and each call's own rows
    assert len(ctx.captured_queries) == 2
    assert len(compiled) == 2
    assert [(r.pk, r.code, r.name, r.lat) for r in first["region"]] == [(city.pk, city.code, "武汉市", 30.59)]
    assert [(o.name, o.is_active, o.region.code) for o in first["office"]] == [("武昌区委", True, district.code)]
    assert [r.pk for r in second["region"]] == [district.pk]
    assert [(o.name, o.region_id) for o in second["office"]] == [("市委组织部", city.pk)]
    assert sorted(r.pk for r in both["region"]) == sorted([city.pk, district.pk]) and both["office"] == []
    # and a column not read is loaded when asked for, not made up
    region = first["region"][0]
    assert region.get_deferred_fields() >= {"level", "path"}
    assert region.level == city.level


def test_the_statement_binds_only_the_values_so_that_psycopg_keeps_it_parsed() -> None:
    # given the report intake's read for a community four levels down, compiled
    from littlebee.reports.selectors import _intake_parts

    module._compiled.clear()
    codes = ["420100", "420106", "420106001", "420106001001"]

    # when it is compiled
    compiled = module._compile(_intake_parts, {"category_code": "garbage", "codes": codes})

    # then its parameters are the values its filters compare (not a key per column), and the
    # statement is within what psycopg keeps parsed between calls (50 parameters, 4,096 bytes;
    # beyond either it parses the statement again on every call)
    assert len(compiled.params) <= 50, len(compiled.params)
    assert len(compiled.sql.encode()) <= 4096, len(compiled.sql)
    assert not any(p in ("id", "code", "name") for p in compiled.params)
