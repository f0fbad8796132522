"""The shared role matrix (core.tests.role_matrix) for appeals seen by staff: an appeal (the case
engine's visibility rule through appeals.selectors.appeal_for) and the committee's supervision view
(appeals.selectors.appeals_supervision_of), through the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest

from littlebee.accounts.models import User
from littlebee.appeals.models import Appeal
from littlebee.core.tests.role_matrix import Cast, api_for, page_as, role_matrix

from .factories import AppealCity, appeal_city, file_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db: Any) -> AppealCity:
    return appeal_city()


@pytest.fixture
def appeal(c: AppealCity) -> Appeal:
    """The rider's appeal against 饿了么, held by 饿了么's party organisation."""
    return file_appeal(c)


@pytest.fixture
def cast(c: AppealCity) -> Cast:
    """Own organisation: 饿了么's party organisation, which holds the appeal; other: 美团's. The
    worker is another rider (the filer sees their own appeal: that is the worker pages' rule)."""
    people: dict[str, User | None] = {
        "anonymous": None,
        "worker": c.other_rider,
        "other_organisation": c.meituan_handler,
        "own_organisation": c.eleme_handler,
        "city_admin": c.w.city_admin,
    }
    return people.__getitem__


@role_matrix(anonymous=401, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
def test_an_appeal_through_the_api(role: str, status: int, cast: Cast, appeal: Appeal, api: Any, api_as: Any) -> None:
    # given the person's API client
    client = api_for(api, api_as, cast(role))

    # when they read the appeal
    response = client.get(f"/appeals/{appeal.pk}")

    # then
    assert response.status_code == status


@role_matrix(anonymous=302, worker=403, other_organisation=404, own_organisation=200, city_admin=200)
def test_an_appeal_on_the_staff_console(role: str, status: int, cast: Cast, appeal: Appeal) -> None:
    # given the person
    client = page_as(cast(role))

    # when they open the appeal's case page in the console
    response = client.get(f"/staff/cases/{appeal.pk}/")

    # then
    assert response.status_code == status


@pytest.fixture
def supervision_cast(c: AppealCity) -> Cast:
    """For the supervision view the post is an industry committee's: own, the food-delivery
    committee that supervises 饿了么; other, the express committee."""
    people: dict[str, User | None] = {
        "anonymous": None,
        "worker": c.other_rider,
        "other_organisation": c.express_handler,
        "own_organisation": c.committee_handler,
        "city_admin": c.w.city_admin,
    }
    return people.__getitem__


# The view is every committee's (and city admins'); which appeals it lists is the committee's own.
@role_matrix(anonymous=302, worker=403, other_organisation=200, own_organisation=200, city_admin=200)
def test_the_supervision_view(role: str, status: int, supervision_cast: Cast, appeal: Appeal) -> None:
    # given the person
    client = page_as(supervision_cast(role))

    # when they open the supervision view
    response = client.get("/appeals/supervision/")

    # then only the supervising committee sees the appeal listed
    assert response.status_code == status
    if status == 200:
        assert (appeal.subject in response.content.decode()) is (role == "own_organisation")


def test_a_staff_member_of_no_committee_is_refused_the_supervision_view(c: AppealCity) -> None:
    # given 饿了么's handler (staff, holding appeals, but no committee)
    client = page_as(c.eleme_handler)

    # when they open the supervision view
    response = client.get("/appeals/supervision/")

    # then 403, from the selector's rule
    assert response.status_code == 403
