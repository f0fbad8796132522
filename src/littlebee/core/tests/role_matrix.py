"""The shared role matrix: every object type's permission rule tried with the same five people,
each row an explicit expected status (NetBox's utilities/testing/views.py does this with mixins;
here it is a parametrize decorator and two clients).

An app's test module defines a `cast` fixture — role → the person (None for anonymous) — built
around one object of its own (a station, an event, a district's earning rule, an appeal):

    @role_matrix(anonymous=302, worker=404, other_organisation=404, own_organisation=200, city_admin=200)
    def test_the_edit_page(role: str, status: int, cast: Cast, station: Hive) -> None:
        response = page_as(cast(role)).get(f"/hives/{station.pk}/edit/")
        assert response.status_code == status

The roles, always all five:

- anonymous: nobody signed in;
- worker: a signed-in worker with no staff post;
- other_organisation: staff with the post the rule asks for, but of another organisation
  (another station's keeper, another district's admin, another industry's committee);
- own_organisation: staff with that post in the organisation the rule names;
- city_admin: a city admin.

A matrix must refuse someone (a rule everybody passes is no rule), and must name every role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from littlebee.accounts.models import User

ROLES = ("anonymous", "worker", "other_organisation", "own_organisation", "city_admin")
REFUSALS = (302, 401, 403, 404)

Cast = Callable[[str], User | None]


def role_matrix(**expected: int) -> Any:
    """pytest.mark.parametrize(("role", "status"), …) over the five roles, ids by role."""
    missing = [role for role in ROLES if role not in expected]
    unknown = [role for role in expected if role not in ROLES]
    if missing or unknown:
        raise TypeError(f"role_matrix needs exactly {ROLES}: missing {missing}, unknown {unknown}")
    if not any(status in REFUSALS for status in expected.values()):
        raise TypeError("role_matrix: a permission rule must refuse someone")
    return pytest.mark.parametrize(("role", "status"), [pytest.param(r, expected[r], id=r) for r in ROLES])


def refused(response: Any) -> bool:
    """Whether the answer is a refusal: 401, 403, 404, or the sign-in page's redirect (a 302 after
    a successful form post is not one)."""
    if response.status_code == 302:
        return str(response["Location"]).startswith(resolve_url(settings.LOGIN_URL))
    return response.status_code in REFUSALS


def page_as(user: User | None) -> Client:
    """A browser session for the person (none for anonymous)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_for(api: Any, api_as: Any, user: User | None) -> Any:
    """The conftest's ApiClient: with a token for the person, or without one for anonymous."""
    return api if user is None else api_as(user)
