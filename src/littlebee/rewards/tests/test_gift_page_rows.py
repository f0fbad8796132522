"""rewards.selectors.gift_page (GET /rewards): rows of plain SQL with the values and types the ORM loads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db.models.query import RawQuerySet
from django.utils import timezone

from littlebee.accounts.tests.factories import worker
from littlebee.rewards.models import Gift
from littlebee.rewards.selectors import GiftRow, gift_page

from .factories import GiftFactory, HiveFactory, give_points, listed_gift

pytestmark = pytest.mark.django_db


def test_the_pages_rows_are_the_orms_values_and_no_raw_queryset_reads_them() -> None:
    # given a worker with points, an any-station gift with dates and a station-bound one
    me = worker()
    give_points(me, 500)
    now = timezone.now()
    dated = GiftFactory(points_cost=100, active_from=now - timedelta(days=1), active_until=now + timedelta(days=9))
    bound = listed_gift([HiveFactory(name="乙站"), HiveFactory(name="甲站")], points_cost=200)

    # when the page is read, with a RawQuerySet (which works its columns out per query) refused
    def refuse(self: Any) -> Any:
        raise AssertionError("a RawQuerySet on the hot path")

    with mock.patch.object(RawQuerySet, "__iter__", refuse):
        page = gift_page(worker=me, limit=20, offset=0)

    # then each row's values have the value and type the ORM gives, with the donor and stations
    assert (page.count, page.balance) == (2, 500)
    by_id = {g.id: g for g in page.gifts}
    for loaded in Gift.objects.filter(pk__in=[dated.pk, bound.pk]):
        mine = by_id[loaded.pk]
        for name in GiftRow._fields:
            if name in ("donor_name", "station_ids"):
                continue
            value, orms = getattr(mine, name), getattr(loaded, name)
            if name == "picture":
                orms = orms.name
            assert (value, type(value)) == (orms, type(orms)), name
        assert mine.donor_name == loaded.donor.name
    assert by_id[dated.pk].station_ids == []
    assert by_id[bound.pk].station_ids == [s.hive_id for s in bound.stations.order_by("hive__name")]


@pytest.mark.postgres
def test_the_page_reads_its_donors_by_key_not_every_organisation_of_the_city() -> None:
    # given three gifts on sale and a city of 1,500 enterprises besides their donors, analysed
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from littlebee.orgs.models import Organisation
    from littlebee.orgs.tests.factories import EnterpriseFactory

    me = worker()
    gifts = [GiftFactory(points_cost=100 + i) for i in range(3)]
    template: Any = EnterpriseFactory()
    Organisation.objects.bulk_create(
        Organisation(
            code=f"bench-org-{i}",
            kind=template.kind,
            industry=template.industry,
            name=f"企业{i}",
            region=template.region,
        )
        for i in range(1500)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # when the page's statement is run, and run again to see what PostgreSQL read
    with CaptureQueriesContext(connection) as captured:
        page = gift_page(worker=me, limit=20, offset=0)
    assert [g.id for g in page.gifts] == [g.pk for g in gifts] and len(captured) == 1
    statement = captured[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
        plan = cursor.fetchone()[0]

    # then organisations were read by key, a row per gift, never the whole table
    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    read = [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "orgs_organisation"]
    assert read and all(n["Actual Rows"] <= 1 for n in read), read
