from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from littlebee.accounts.models import (
    CheckinStatus,
    Membership,
    Role,
    SmsCode,
    SmsPurpose,
    User,
    WorkerProfile,
    WorkerType,
)
from littlebee.accounts.services import _hash_code
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.orgs.tests.factories import CommunityFactory, EnterpriseFactory, PartyOrgFactory

PASSWORD = "Bee-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"137{n:08d}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerProfile

    user = factory.SubFactory(UserFactory)
    worker_type = WorkerType.COURIER
    enterprise = factory.SubFactory(EnterpriseFactory)
    community = factory.SubFactory(CommunityFactory)
    # Checked in, as most workers are: redeeming, events and tasks need it. Tests of the
    # check-in itself ask for `checkin_status=CheckinStatus.PENDING`.
    checkin_status = CheckinStatus.CONFIRMED

    @classmethod
    def _create(cls, model_class: type[WorkerProfile], *args: Any, **kwargs: Any) -> WorkerProfile:
        # As the registration service does: the figures that count workers are told (core.counted).
        profile = super()._create(model_class, *args, **kwargs)
        counted_rows_changed(Counted.WORKER_PROFILE, profile)
        return profile


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PartyOrgFactory)
    role = Role.HANDLER


def worker(**kwargs: object) -> User:
    """A registered worker whose check-in the community confirmed."""
    profile: Any = WorkerProfileFactory(**kwargs)
    return profile.user


def staff(organisation: object, role: str = Role.HANDLER, **kwargs: object) -> User:
    membership: Any = MembershipFactory(organisation=organisation, role=role, **kwargs)
    return membership.user


def pending_worker(**kwargs: object) -> User:
    """A registered worker still waiting for the community to confirm the check-in."""
    return worker(**{"checkin_status": CheckinStatus.PENDING, **kwargs})


def sms_code_for(phone: str, purpose: str = SmsPurpose.REGISTER, code: str = "246810") -> str:
    """A live one-time code for the phone, as if POST /auth/sms-code had sent it: returns it."""
    now = timezone.now()
    SmsCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_hash_code(phone, code),
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    return code
