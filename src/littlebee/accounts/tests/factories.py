from __future__ import annotations

from typing import Any

import factory

from littlebee.accounts.models import Membership, Role, User, WorkerProfile, WorkerType
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


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PartyOrgFactory)
    role = Role.HANDLER


def worker(**kwargs: object) -> User:
    """A registered worker with a pending check-in."""
    profile: Any = WorkerProfileFactory(**kwargs)
    return profile.user


def staff(organisation: object, role: str = Role.HANDLER, **kwargs: object) -> User:
    membership: Any = MembershipFactory(organisation=organisation, role=role, **kwargs)
    return membership.user
