"""The figures page of the casework console is the statistics' offices table now (analytics,
/staff/stats/offices/): one definition of each rate for every page. Its address leads there."""

from __future__ import annotations

import pytest

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff, worker
from littlebee.conftest import client_for

from .factories import World, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def test_the_figures_address_leads_to_the_offices_table_with_its_period_and_kind(w: World) -> None:
    # when a handler opens the old address
    response = client_for(w.community_handler).get("/staff/cases/figures/", {"period": "all", "kind": "report"})

    # then the statistics' table answers, for the same period and kind
    assert response.status_code == 302
    assert response["Location"] == "/staff/stats/offices/?period=all&kind=report"
    assert client_for(w.community_handler).get(response["Location"]).status_code == 200


def test_nonsense_periods_and_kinds_are_dropped(w: World) -> None:
    response = client_for(w.city_admin).get("/staff/cases/figures/", {"period": "nonsense", "kind": "nonsense"})
    assert response["Location"] == "/staff/stats/offices/?period=30"


def test_staff_without_a_case_role_and_workers_are_refused(w: World) -> None:
    keeper = staff(w.community_org, role=Role.KEEPER)
    assert client_for(keeper).get("/staff/cases/figures/").status_code == 403
    assert client_for(worker()).get("/staff/cases/figures/").status_code == 403
