"""The statistics bench's generator (bench/analytics_panels.py) writes a city's history and fills its
rollups in bulk by SQL (INSERT … SELECT … GROUP BY over the generated rows, no foreign-key checks,
indexes built after), so that ten million cases take minutes rather than hours: what it fills must
be what the product computes, or the bench times figures nobody would see. At a small size, the
rebuild (`analytics_rebuild --dry-run`, every daily and panel rollup recomputed from the source
rows) finds no difference; and it does find one changed value, so that "none" is not vacuous."""

from __future__ import annotations

import importlib
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from .. import measures
from ..measures import Period, Scope
from ..models import (
    ActivityDay,
    ActivityMonth,
    EnterpriseCityRollup,
    EnterpriseRollup,
    IndustryPlaceMonth,
    IndustryRollup,
    LastActiveCount,
    OfficeDay,
    OfficeMonth,
    OfficeMonthTotal,
    OfficeNow,
    PlaceRollup,
    ServiceRollup,
    StationDay,
    StationMonth,
    WorkerDay,
    WorkerPlace,
)
from ..rollups import rollups_rebuild

# The generator writes on parallel connections, each committing: they must see the city's rows.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASES = 3000


def bench() -> ModuleType:
    folder = str(Path(__file__).resolve().parents[4] / "bench")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("analytics_panels")


def test_the_generators_bulk_rollups_are_what_the_rebuild_computes() -> None:
    # given a small city grown by the bench's generator, its rollups filled in bulk by SQL
    b = bench()
    size = b.Size(districts=2, streets=2, communities=3, enterprises=6, workers=60, hives=6, years=1)
    city = b.build_city(size)
    b.add_rows(city, 1, CASES + 1, workers=2)
    b.fill_daily_rollups(workers=2)
    year = Period.last_days(365)
    before = measures.office_rows(Scope(everything=True), year)  # kept in the cache
    b.fill_panel_rollups(workers=2)

    # then the rate table kept in the cache before the panel rollups were filled is not read
    received = OfficeDay.objects.filter(year.q()).aggregate(n=Sum("received"))["n"]
    assert sum(r.received for r in measures.office_rows(Scope(everything=True), year)) == received > 0
    assert sum(r.received for r in before) != received

    # when the product recomputes every rollup from the source rows, changing nothing
    differences = rollups_rebuild(dry_run=True)

    # then it finds no difference, in a history with rows in every rollup
    assert [str(d) for d in differences] == []
    sums = ActivityDay.objects.aggregate(r=Sum("reports_submitted"), a=Sum("appeals_received"))
    assert sums["r"] + sums["a"] == CASES
    city_months = PlaceRollup.objects.filter(level="city", grain="month").aggregate(
        n=Sum(F("reports_submitted") + F("appeals_received"))
    )
    assert city_months["n"] == CASES
    for model in (
        WorkerDay,
        StationDay,
        OfficeDay,
        OfficeNow,
        EnterpriseRollup,
        EnterpriseCityRollup,
        ServiceRollup,
        ActivityMonth,
        IndustryPlaceMonth,
        IndustryRollup,
        StationMonth,
        OfficeMonth,
        OfficeMonthTotal,
        WorkerPlace,
        LastActiveCount,
    ):
        assert model.objects.exists(), model.__name__

    # when one stored value is off, the command reports it (and still changes nothing)
    row = OfficeMonth.objects.order_by("pk").first()
    assert row is not None
    OfficeMonth.objects.filter(pk=row.pk).update(received=F("received") + 1)
    out = StringIO()
    call_command("analytics_rebuild", "--dry-run", stdout=out)

    # then exactly that value
    assert out.getvalue().splitlines()[-1] == "1 difference(s) found."
    assert f"received: {row.received + 1} → {row.received}" in out.getvalue()
