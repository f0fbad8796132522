"""Reconcile: one known history, and every page, export and API call gives the same numbers, the
ones the history says; the rollups kept up as things happened equal a rebuild from the source rows."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from littlebee.appeals.tests.factories import AppealCity
from littlebee.conftest import client_for

from .. import measures
from ..measures import Scope
from ..models import Export
from ..rollups import rollups_rebuild
from ..selectors import stats_scope_of
from .history import build, since_march

pytestmark = pytest.mark.django_db(transaction=True)


def _page_numbers(html: str) -> dict[str, float]:
    return {code: float(value) for code, value in re.findall(r'data-measure="([a-z_.]+)">([-\d.]+)<', html)}


def _export(client: Any, kind: str, fmt: str, period: measures.Period) -> Export:
    query = f"from={period.start}&to={period.end}"
    answer = client.post(f"/staff/stats/exports/?{query}", {"kind": kind, "format": fmt})
    assert answer.status_code == 302
    return Export.objects.filter(kind=kind, format=fmt).latest("pk")


def _csv_rows(client: Any, export: Export) -> list[list[str]]:
    answer = client.get(f"/staff/stats/exports/{export.pk}/")
    assert answer.status_code == 200
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_every_page_export_and_api_call_gives_the_same_numbers(c: AppealCity, api_as: Any) -> None:
    # given a known history, the rollups kept up as it happened
    history = build(c)
    period = since_march()
    admin = c.w.city_admin
    scope = stats_scope_of(admin)
    assert scope is not None

    # when the figures are read by the measures, the API, the dashboard and the exports
    figures = measures.overview(scope, period).flat()
    api = api_as(admin).get("/stats/overview", {"from": str(period.start), "to": str(period.end)}).json()
    client = client_for(admin)
    page = _page_numbers(client.get(f"/staff/stats/?from={period.start}&to={period.end}").content.decode())
    csv_rows = _csv_rows(client, _export(client, "overview", "csv", period))
    exported = {row[0]: float(row[2]) for row in csv_rows[1:]}
    xlsx = _export(client, "overview", "xlsx", period)
    sheet = load_workbook(xlsx.file.open("rb"), read_only=True).active
    excel = {row[0]: float(row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)}

    # then the history's numbers come out everywhere
    for code, value in history.expected.items():
        assert figures[code] == value, code
    api_flat = {f"{g}.{name}": v for g, values in api.items() if isinstance(values, dict) for name, v in values.items()}
    assert {k: api_flat[k] for k in figures} == figures
    assert page == figures
    assert exported == figures
    assert excel == figures
    # and the seed's line reads the same numbers
    assert (
        "收到诉求 <strong>7</strong> 件，解决 <strong>1</strong> 件"
        in client.get(f"/staff/stats/?from={period.start}&to={period.end}").content.decode()
    )
    # and the map's reports per community add up to the reports submitted, the community's too
    html = client.get(f"/staff/stats/?from={period.start}&to={period.end}").content.decode()
    charts = json.loads(html.split('id="stats-charts" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert sum(point["reports"] for point in charts["map"]) == figures["reports.submitted"] > 0
    community = Scope(community_ids=(c.w.community.pk,))
    mine = measures.overview(community, period).reports["submitted"]
    assert {p["name"]: p["reports"] for p in charts["map"]}[c.w.community.name] == mine
    # and the rollups kept up with every change: a rebuild finds nothing to correct
    assert rollups_rebuild(dry_run=True) == []


def test_the_offices_rates_are_the_same_on_the_page_the_export_and_the_api(c: AppealCity, api_as: Any) -> None:
    # given the history
    build(c)
    period = since_march()
    admin = c.w.city_admin
    scope = stats_scope_of(admin)
    assert scope is not None

    # when
    rows = {r.organisation_id: r for r in measures.office_rows(scope, period)}
    api = api_as(admin).get("/stats/offices", {"from": str(period.start), "to": str(period.end)}).json()
    client = client_for(admin)
    html = client.get(f"/staff/stats/offices/?from={period.start}&to={period.end}").content.decode()
    exported = _csv_rows(client, _export(client, "offices", "csv", period))

    # then the community's reports: 6 received, 4 signed on time, 3 resolved, 1 reopened
    community = rows[c.w.community_org.pk]
    assert community.received == 6
    assert community.rates["signed_on_time_rate"].value == round(4 / 6, 4)
    assert community.rates["reopened_rate"].part == 1
    # and the API, the page and the export carry the same
    by_api = {item["organisation"]: item for item in api["items"]}
    for org, row in rows.items():
        item = by_api[org]
        assert item["received"] == row.received
        for name in measures.RATE_NAMES:
            assert item[name] == row.rates[name].value
        assert item["overdue_now"] == row.overdue
        assert f'data-office="{org}"' in html
    by_name = {r[0]: r for r in exported[1:]}
    assert by_name[c.w.community_org.name][1] == "6"
    assert float(by_name[c.w.community_org.name][3]) == round(4 / 6, 4)
