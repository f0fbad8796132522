"""Races that only a real multi-connection database can show: run on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from littlebee.accounts.models import CheckinStatus, ProfileEvent, User, WorkerProfile
from littlebee.accounts.services import RegistrationInput, checkin_confirm, worker_register
from littlebee.core.errors import DomainError
from littlebee.core.tests.races import run_together
from littlebee.orgs.tests.factories import CommunityFactory, EnterpriseFactory, PartyOrgFactory

from .factories import WorkerProfileFactory, sms_code_for, staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_registrations_of_one_phone_create_one_account() -> None:
    # given the phone's owner holds a sign-up code
    code = sms_code_for("13812340000")
    community: Any = CommunityFactory()
    enterprise: Any = EnterpriseFactory()
    data = RegistrationInput(
        phone="13812340000",
        password="Quick-bee-42",
        name="并发",
        worker_type="courier",
        enterprise_id=enterprise.pk,
        community_id=community.pk,
        code=code,
    )

    # when eight clients register the same phone with that code at once
    results = run_together([lambda: worker_register(data=data) for _ in range(8)])

    # then exactly one succeeds; the rest are refused (the code is used up, or the phone taken)
    users = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, DomainError) and r.code in {"invalid_code", "already_registered"}]
    assert len(users) == 1
    assert len(refused) == 7
    assert User.objects.filter(phone="13812340000").count() == 1
    assert WorkerProfile.objects.filter(user__phone="13812340000").count() == 1


def test_two_staff_confirming_one_checkin_at_once_write_one_decision() -> None:
    # given a pending worker and two handlers of the community
    community: Any = CommunityFactory()
    party_org = PartyOrgFactory(region=community)
    profile: Any = WorkerProfileFactory(checkin_status=CheckinStatus.PENDING, community=community)
    handlers = [staff(party_org), staff(party_org)]

    # when both confirm at the same moment
    calls: list[Callable[[], Any]] = [
        lambda h=h: checkin_confirm(profile_id=profile.pk, actor=h)  # type: ignore[misc]
        for h in handlers
    ]
    results = run_together(calls)

    # then one decision is recorded and the other is refused as an invalid transition
    assert sum(isinstance(r, WorkerProfile) for r in results) == 1
    assert sum(isinstance(r, DomainError) and r.code == "invalid_transition" for r in results) == 1
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.CONFIRMED
    assert ProfileEvent.objects.filter(profile=profile, action="checkin_confirmed").count() == 1
