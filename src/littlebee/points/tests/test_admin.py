"""The Django admin for points: city admins manage rules, badges and titles; the ledger and the
accounts can be read, never added to, changed or deleted there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from littlebee.points.models import EarningRule, LedgerEntry

from .factories import EarningRuleFactory as _EarningRuleFactory
from .factories import Town, city_admin, district_admin, earn, logged_in, rider

pytestmark = pytest.mark.django_db

EarningRuleFactory: Any = _EarningRuleFactory


def test_a_city_admin_browses_every_points_model(town: Town) -> None:
    me = rider(town)
    entry = earn(me, 10, "event:1")
    client = logged_in(city_admin(town))

    for model in ("earningrule", "badge", "honorarytitle", "ledgerentry", "pointsaccount"):
        assert client.get(reverse(f"admin:points_{model}_changelist")).status_code == 200, model
    entry_page = client.get(reverse("admin:points_ledgerentry_change", args=[entry.pk]))
    assert entry_page.status_code == 200 and entry_page.context["original"] == entry


def test_the_ledger_cannot_be_added_to_changed_or_deleted_in_the_admin(town: Town) -> None:
    # given
    me = rider(town)
    entry = earn(me, 10, "event:1")
    client = logged_in(city_admin(town))

    # when
    add = client.get(reverse("admin:points_ledgerentry_add"))
    change = client.post(reverse("admin:points_ledgerentry_change", args=[entry.pk]), {"amount": 9999})
    delete = client.post(reverse("admin:points_ledgerentry_delete", args=[entry.pk]), {"post": "yes"})
    account_add = client.get(reverse("admin:points_pointsaccount_add"))

    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert account_add.status_code == 403
    entry.refresh_from_db()
    assert entry.amount == 10
    assert LedgerEntry.objects.count() == 1


def test_other_staff_cannot_use_the_points_admin(town: Town) -> None:
    client = logged_in(district_admin(town))
    response = client.get(reverse("admin:points_earningrule_changelist"))
    assert response.status_code in (302, 403)


def test_a_rule_saved_in_the_admin_goes_through_the_rules_checks(town: Town) -> None:
    # given a city rule that lets districts give up to 50
    EarningRuleFactory(source="report", category="", points_min=5, points_max=30, district_max_points=50)
    admin = city_admin(town)
    client = logged_in(admin)
    body = {
        "source": "report",
        "category": "",
        "district": town.district.pk,
        "points_min": 10,
        "points_max": 80,
        "is_active": "on",
    }

    # when a district rule beyond the city's maximum is saved, and then one within it
    refused = client.post(reverse("admin:points_earningrule_add"), body)
    saved = client.post(reverse("admin:points_earningrule_add"), {**body, "points_max": 50})

    # then the first is explained on the form, the second saved by the service
    assert refused.status_code == 200
    assert "本区最多可设 50 分" in refused.content.decode()
    assert saved.status_code == 302
    rule = EarningRule.objects.get(district=town.district)
    assert (rule.points_max, rule.updated_by) == (50, admin)
