"""The staff a new case's notice goes to (issue 13: every report submission asks): one statement
compiled once per process, the same people as the ORM's read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from littlebee.accounts.models import Role, User
from littlebee.accounts.tests.factories import staff
from littlebee.cases import notify
from littlebee.cases.selectors import CASE_ROLES
from littlebee.conftest import orm_compiles_watched
from littlebee.core import compiled_select

from .factories import World, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return world()


def _columns(user: User) -> dict[str, Any]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_staff_are_those_the_orm_read_loaded_the_same(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an office with its handler, an admin, a second handler who is also admin, a keeper
    # and an inactive handler (a station keeper handles no cases)
    admin = staff(w.community_org, role=Role.ADMIN)
    both = staff(w.community_org)
    staff(w.community_org, role=Role.ADMIN, user=both)
    staff(w.community_org, role=Role.KEEPER)
    gone = staff(w.community_org)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    compiled_select._compiled.clear()
    notify._staff_of(w.other_community_org.pk)  # compiled once for this process
    compiles = orm_compiles_watched(monkeypatch)

    # when its staff are read for a notice
    with CaptureQueriesContext(connection) as ctx:
        found = notify._staff_of(w.community_org.pk)

    # then one statement, nothing compiled
    assert len(ctx.captured_queries) == 1 and compiles == []
    # and the same people, in the same order, loaded the same, as the ORM's read
    expected = list(
        User.objects.filter(
            is_active=True, memberships__organisation_id=w.community_org.pk, memberships__role__in=CASE_ROLES
        ).distinct()
    )
    assert [_columns(u) for u in found] == [_columns(u) for u in expected]
    assert {u.pk for u in found} == {w.community_handler.pk, admin.pk, both.pk}
    assert all(not u._state.adding and u._state.db == "default" for u in found)
