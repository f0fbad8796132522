"""The console's overview counts the cases waiting at the caller's organisations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from littlebee.accounts.tests.factories import staff
from littlebee.cases.models import Case

from .test_pages import report_city, submit

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_overview_counts_open_overdue_and_urgent_cases_of_my_organisation(
    django_assert_max_num_queries: Any,
) -> None:
    # given three open reports at the community (one overdue, one urgent), one closed elsewhere
    w = report_city()
    submit("garbage")
    late = submit("road_damage")
    submit("flooding", urgent=True)
    Case.objects.filter(pk=late.pk).update(overdue=True)
    submit("traffic_signal")  # the traffic police's, not the community's

    # when its handler opens the console
    client = _client(w.community_handler)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("staff"))

    # then the casework tile shows them, with a link to the queue
    assert response.context["casework"] == {"open": 3, "overdue": 1, "urgent": 1}
    page = response.content.decode()
    assert reverse("cases:queue") in page
    assert "其中超期 1 件，紧急 1 件" in page


def test_staff_without_casework_see_no_casework_tile() -> None:
    # given a keeper-like staff member of an organisation kind with no case role
    from littlebee.accounts.models import Role
    from littlebee.orgs.tests.factories import OrganisationFactory

    keeper = staff(OrganisationFactory(), role=Role.KEEPER)

    # when they open the console, then there is no casework tile
    response = _client(keeper).get(reverse("staff"))
    assert response.status_code in (200, 403)
    assert "casework" not in (response.context or {})
