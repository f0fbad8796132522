"""accounts.services.worker_register, profile_update and the check-in decisions, called directly."""

from __future__ import annotations

import pytest

from littlebee.accounts import services
from littlebee.accounts.models import (
    CheckinStatus,
    EmploymentStatus,
    Membership,
    ProfileEvent,
    Role,
    User,
    WorkerProfile,
)
from littlebee.core.errors import Conflict, InvalidInput, NotFound

from .conftest import STRONG_PASSWORD
from .factories import UserFactory, pending_worker, sms_code_for, staff, worker

pytestmark = pytest.mark.django_db


def _data(city, enterprise, **changes) -> services.RegistrationInput:
    values = {
        "phone": "13800000001",
        "password": STRONG_PASSWORD,
        "name": "张三",
        "worker_type": "courier",
        "enterprise_id": enterprise.pk,
        "community_id": city.community.pk,
    }
    values.update(changes)
    if "code" not in values:
        # A live sign-up code for the phone, as if it had been texted.
        values["code"] = sms_code_for(str(values["phone"]))
    return services.RegistrationInput(**values)


def test_worker_register_creates_user_profile_and_timeline(city, enterprise):
    # when
    user = services.worker_register(data=_data(city, enterprise, party_member=True))

    # then
    assert user.check_password(STRONG_PASSWORD)
    assert user.password != STRONG_PASSWORD
    profile = user.worker_profile
    assert profile.community == city.community
    assert profile.enterprise == enterprise
    assert profile.party_member is True
    assert profile.checkin_status == CheckinStatus.PENDING
    assert profile.employment_status == EmploymentStatus.PENDING
    event = ProfileEvent.objects.get(profile=profile)
    assert (event.action, event.actor, event.actor_role) == ("registered", user, "worker")


def test_worker_register_trims_the_name(city, enterprise):
    # when
    user = services.worker_register(data=_data(city, enterprise, name="  张三 "))

    # then
    assert user.name == "张三"


@pytest.mark.parametrize("name", ["张\x00三", "张\u202e三", "张\n三", "\x1b[31m张三"])
def test_worker_register_refuses_control_characters_in_the_name(city, enterprise, name):
    # when
    with pytest.raises(InvalidInput) as raised:
        services.worker_register(data=_data(city, enterprise, name=name))

    # then
    assert [(e.field, str(e.detail)) for e in raised.value.errors] == [("name", "姓名含有无效字符。")]
    assert not User.objects.exists()


def test_worker_register_refuses_an_inactive_enterprise(city, enterprise):
    # given
    enterprise.is_active = False
    enterprise.save(update_fields=["is_active"])

    # when
    with pytest.raises(InvalidInput) as raised:
        services.worker_register(data=_data(city, enterprise))

    # then
    assert [e.field for e in raised.value.errors] == ["enterprise"]


def test_worker_register_refuses_a_phone_taken_by_staff(city, enterprise):
    # given
    UserFactory(phone="13800000001")

    # when / then
    with pytest.raises(Conflict) as raised:
        services.worker_register(data=_data(city, enterprise))
    assert raised.value.code == "already_registered"
    assert raised.value.status == 409
    assert not WorkerProfile.objects.exists()


def test_worker_register_validation_comes_before_the_duplicate_check(city, enterprise):
    # given
    services.worker_register(data=_data(city, enterprise))

    # when / then: bad input is reported as such, not as "already registered"
    with pytest.raises(InvalidInput):
        services.worker_register(data=_data(city, enterprise, password="123"))


# --- Decisions ------------------------------------------------------------------------------
def test_checkin_confirm_is_written_with_actor_time_and_event(city, enterprise):
    # given
    profile = pending_worker(community=city.community, enterprise=enterprise).worker_profile
    handler = staff(city.party_org(city.community))

    # when
    services.checkin_confirm(profile_id=profile.pk, actor=handler)

    # then
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.CONFIRMED
    assert profile.checkin_decided_by == handler
    event = profile.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "checkin_confirmed",
        "pending",
        "confirmed",
        handler,
    )
    assert event.at == profile.checkin_decided_at


def test_checkin_confirm_by_a_stranger_raises_not_found(city, enterprise):
    # given
    profile = pending_worker(community=city.community, enterprise=enterprise).worker_profile
    stranger = staff(city.party_org(city.other_district_community))

    # when / then
    with pytest.raises(NotFound):
        services.checkin_confirm(profile_id=profile.pk, actor=stranger)
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.PENDING
    assert not profile.events.exists()


def test_checkin_reject_refuses_a_note_with_a_nul(city, enterprise):
    # given
    profile = pending_worker(community=city.community, enterprise=enterprise).worker_profile
    handler = staff(city.party_org(city.community))

    # when / then
    with pytest.raises(InvalidInput) as raised:
        services.checkin_reject(profile_id=profile.pk, actor=handler, note="不在\x00本社区")
    assert raised.value.errors[0].field == "note"


def test_a_note_may_span_lines(city, enterprise):
    # given
    profile = pending_worker(community=city.community, enterprise=enterprise).worker_profile
    handler = staff(city.party_org(city.community))

    # when
    services.checkin_reject(profile_id=profile.pk, actor=handler, note="第一行\n第二行")

    # then
    profile.refresh_from_db()
    assert profile.checkin_note == "第一行\n第二行"


def test_employment_of_a_worker_without_enterprise_cannot_be_decided(city):
    # given
    profile = worker(community=city.community, enterprise=None, worker_type="other").worker_profile
    root = UserFactory(is_superuser=True)

    # when / then
    with pytest.raises(NotFound):
        services.employment_confirm(profile_id=profile.pk, actor=root)


def test_checkin_resubmit_to_an_unknown_community_changes_nothing(city):
    # given
    profile = worker(community=city.community, checkin_status=CheckinStatus.REJECTED).worker_profile

    # when / then
    with pytest.raises(InvalidInput):
        services.checkin_resubmit(worker=profile.user, community_id=999_999)
    profile.refresh_from_db()
    assert profile.checkin_status == CheckinStatus.REJECTED


# --- Roles ----------------------------------------------------------------------------------
def test_granting_city_admin_opens_the_admin_site(city):
    # given
    person = UserFactory()

    # when
    services.membership_grant(user=person, organisation=city.party_org(city.city), role=Role.CITY_ADMIN, actor=None)

    # then
    person.refresh_from_db()
    assert person.is_staff is True


def test_granting_twice_keeps_one_membership(city):
    # given
    person = UserFactory()
    org = city.party_org(city.community)

    # when
    first = services.membership_grant(user=person, organisation=org, role=Role.HANDLER, actor=None)
    second = services.membership_grant(user=person, organisation=org, role=Role.HANDLER, actor=None)

    # then
    assert first.pk == second.pk
    assert Membership.objects.filter(user=person).count() == 1


def test_granting_an_unknown_role_is_refused(city):
    with pytest.raises(InvalidInput):
        services.membership_grant(user=UserFactory(), organisation=city.party_org(city.city), role="king", actor=None)


def test_revoking_the_last_city_admin_role_closes_the_admin_site(city):
    # given
    person = UserFactory()
    membership = services.membership_grant(
        user=person, organisation=city.party_org(city.city), role=Role.CITY_ADMIN, actor=None
    )

    # when
    services.membership_revoke(membership=membership)

    # then
    person.refresh_from_db()
    assert person.is_staff is False


def test_revoking_does_not_demote_a_superuser(city):
    # given
    root = UserFactory(is_superuser=True, is_staff=True)
    membership = services.membership_grant(
        user=root, organisation=city.party_org(city.city), role=Role.CITY_ADMIN, actor=None
    )

    # when
    services.membership_revoke(membership=membership)

    # then
    root.refresh_from_db()
    assert root.is_staff is True
