"""The admin of 认真学: city admins read items and sessions and correct the bank; others see nothing."""

from __future__ import annotations

from typing import Any

from littlebee.accounts.models import Role
from littlebee.accounts.tests.factories import staff
from littlebee.conftest import client_for
from littlebee.learning.tests.factories import LearningCity, article, question
from littlebee.orgs.tests.factories import CityFactory, PartyOrgFactory


def test_a_city_admin_reads_items_and_the_bank_and_a_district_admin_may_not(c: LearningCity) -> None:
    # given
    article(title="管理后台里的文章")
    q = question("管理后台里的题")
    city_admin: Any = staff(PartyOrgFactory(region=CityFactory()), Role.CITY_ADMIN, user__is_staff=True)
    client = client_for(city_admin)

    # then
    assert "管理后台里的文章" in client.get("/admin/learning/learningitem/").content.decode()
    assert client.get(f"/admin/learning/question/{q.pk}/change/").status_code == 200
    assert client.get("/admin/learning/learningsession/").status_code == 200
    c.reviewer.is_staff = True
    c.reviewer.save(update_fields=["is_staff"])
    assert client_for(c.reviewer).get("/admin/learning/learningitem/").status_code in (302, 403)
