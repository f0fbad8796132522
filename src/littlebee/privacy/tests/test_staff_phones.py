"""Staff lists of the API mask workers' phone numbers (the full number only where
cases.selectors.reporter_phone_for allows it, tested in the cases app)."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.tests.factories import worker
from littlebee.cases.tests.factories import World

pytestmark = pytest.mark.django_db


def test_the_checkin_queue_of_the_api_masks_phones(w: World, api_as: Any) -> None:
    # given a worker waiting for the community's confirmation
    worker(user__phone="13800000001", community=w.community)

    # when the community's staff list the check-ins
    body = api_as(w.community_handler).get("/checkins").json()

    # then the number is masked, as on the console's page
    assert [item["phone"] for item in body["items"]] == ["138****0001"]
    assert "13800000001" not in str(body)
