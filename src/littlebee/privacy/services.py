"""Closing an account (PIPL's right to deletion), as the privacy page (/privacy/) tells it.

What goes, at once:
  * the name and phone number (replaced by a placeholder, so the number is free to register
    again), the password (unusable), every API token and session, staff roles;
  * the inbox, sign-in attempts and one-time codes kept under the number;
  * the person's own name and number wherever they wrote them in free text (report
    descriptions, appeal subjects and descriptions, ratings, timeline notes), and the outlet and
    review notes on the worker profile, the citations of honorary titles;
  * live event registrations and unclaimed vouchers are cancelled (places and gifts go back);
  * 用心做: claims still waiting or holding a place are cancelled (the place goes to the waiting
    list's head), team memberships (and captaincies) and notification settings are removed,
    and the person's name and number go from the reasons they gave for corrections and from
    the notes on their claims;
    their certificates no longer name them (the holder becomes the closed account's name, the
    masked number "****"), while the number, period, hours and issuer stay verifiable.

What stays, without the person: the user row itself, anonymised (points ledgers, vouchers,
case records and their timelines point at it and must keep adding up), the cases and what they
say about the street (a report's description, place and photos are a public-interest record),
station visits and event attendance, and the profile's worker type, enterprise, community and
check-in status (the city's statistics count them).

Volunteer service records stay, pseudonymised. They are legal records, not the person's
belongings: the organiser must keep true and complete records and certify from them
(《志愿服务条例》 art. 19, 民政部《志愿服务记录与证明出具办法》, "谁记录谁证明"), the points
ledger points at them, and team and city hours add them up; PIPL art. 47 lets a handler keep what
a law requires, stored and no longer used to identify anyone. A record holds no name or number
of its own (who served is the account, now anonymised), so after closing it says that some
closed account served these minutes, which is all the organiser's books need. Claims that were
served (checked in, awaiting review, approved, declined) stay for the same reason: they are the
attendance behind the records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import AuthAttempt, Membership, SmsCode, User, WorkerProfile
from littlebee.accounts.services import sign_out_everywhere
from littlebee.appeals.models import Appeal
from littlebee.cases.models import Case, CaseEvent, CaseFollower
from littlebee.core.errors import DomainError, InvalidInput, TooManyRequests
from littlebee.hives.models import EventCheckinFailure, EventRegistration, RegistrationStatus
from littlebee.hives.services import events as event_services
from littlebee.notifications.models import Notification
from littlebee.points.models import HonoraryTitle, PointsAccount
from littlebee.reports.models import Report
from littlebee.rewards import services as reward_services
from littlebee.rewards.models import Voucher, VoucherStatus
from littlebee.volunteering import services as volunteering_services
from littlebee.volunteering.models import (
    Certificate,
    Claim,
    ClaimLog,
    ClaimStatus,
    RecordCorrection,
    TeamMember,
    VolunteerSettings,
)

from .models import AccountClosure

# What a closed account is called wherever its rows still show (case records, ledgers).
CLOSED_NAME = "已注销用户"
REDACTED = "***"
WRONG_PASSWORD = _("密码不正确。")
# Any mainland mobile number in free text, with or without separators.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)")


def closed_phone(user_id: int) -> str:
    """The placeholder that takes a closed account's phone number: 11 characters like the column,
    unique, and never a number anyone can register (it starts with a letter)."""
    return f"x{user_id:010d}"


def _check_password(user: User, password: str, ip: str) -> None:
    """A wrong password counts like a wrong login (a stolen token must not guess the password)
    and past LOGIN_MAX_FAILURES the door stays shut for LOGIN_LOCKOUT_SECONDS."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    failures = AuthAttempt.objects.filter(phone=user.phone, succeeded=False, at__gte=since).count()
    if failures >= settings.LOGIN_MAX_FAILURES:
        raise TooManyRequests(_("密码错误次数过多，请稍后再试。"), retry_after=settings.LOGIN_LOCKOUT_SECONDS)
    if not password or not user.check_password(password):
        AuthAttempt.objects.create(phone=user.phone, ip=ip, method="close_account", succeeded=False)
        raise InvalidInput.one("password", WRONG_PASSWORD)


def redact(text: str, *, name: str, phone: str) -> str:
    """The text without the person's name and without any mobile number (theirs, typed however)."""
    if not text:
        return text
    text = _PHONE_IN_TEXT.sub(REDACTED, text)
    if phone:
        text = text.replace(phone, REDACTED)
    # A one-character name would blank out ordinary words; only names of two or more go.
    if len(name.strip()) >= 2:
        text = text.replace(name.strip(), REDACTED)
    return text


def _redact_rows(rows: Sequence[Model], fields: tuple[str, ...], *, name: str, phone: str) -> None:
    for row in rows:
        changed = []
        for field in fields:
            before = getattr(row, field)
            after = redact(before, name=name, phone=phone)
            if after != before:
                setattr(row, field, after)
                changed.append(field)
        if changed:
            row.save(update_fields=changed)


def _release_live_bookings(user: User) -> None:
    """Give back what the person holds for later: event places (to the waiting list) and
    reserved gifts (stock back). Each through its app's own service, each in a savepoint: one
    that can no longer be cancelled (the event has started) stays as it is."""
    now = timezone.now()
    live = EventRegistration.objects.filter(
        worker=user,
        status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED),
        event__starts_at__gt=now,
    ).values_list("pk", flat=True)
    for registration_id in list(live):
        try:
            with transaction.atomic():
                event_services.event_cancel_registration(registration_id=registration_id, worker=user)
        except DomainError:
            pass
    waiting = Claim.objects.filter(worker=user, status__in=(ClaimStatus.WAITLISTED, ClaimStatus.CLAIMED))
    for claim_id in list(waiting.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                volunteering_services.claim_cancel(claim_id=claim_id, worker=user)
        except DomainError:
            pass
    reserved = Voucher.objects.filter(worker=user, status=VoucherStatus.RESERVED).values_list("pk", flat=True)
    for voucher_id in list(reserved):
        try:
            with transaction.atomic():
                reward_services.voucher_cancel(worker=user, voucher_id=voucher_id, at=now)
        except DomainError:
            pass


def account_close(*, user: User, password: str, ip: str = "") -> User:
    """The person closes their own account, confirming with their password (400 when wrong,
    nothing changed; 429 after too many wrong ones). Afterwards they cannot sign in, every token
    answers 401, and their phone number may register a new account."""
    if not user.is_authenticated or not user.is_active:
        raise DomainError("account_closed", _("该账号已注销。"), status=409)
    # Outside the transaction: a wrong password's attempt row must stay when the refusal rolls back.
    _check_password(user, password, ip)
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        if locked is None:  # closed by a request that raced this one
            raise DomainError("account_closed", _("该账号已注销。"), status=409)
        return _erase(locked)


def _erase(user: User) -> User:
    name, phone = user.name, user.phone
    now = timezone.now()

    _release_live_bookings(user)

    # Free text the person wrote, and the timelines of their own cases (a note by staff may
    # quote their number).
    _redact_rows(
        list(Report.objects.filter(case__reporter=user).only("case_id", "description", "address")),
        ("description", "address"),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(Appeal.objects.filter(case__reporter=user).only("case_id", "subject", "description")),
        ("subject", "description"),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(Case.objects.filter(reporter=user).only("pk", "rating_comment")),
        ("rating_comment",),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(CaseEvent.objects.filter(case__reporter=user).only("pk", "note"))
        + list(CaseEvent.objects.filter(actor=user).exclude(case__reporter=user).only("pk", "note")),
        ("note",),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(HonoraryTitle.objects.filter(worker=user).only("pk", "citation", "citation_en")),
        ("citation", "citation_en"),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(RecordCorrection.objects.filter(record__worker=user).only("pk", "reason", "answer_note")),
        ("reason", "answer_note"),
        name=name,
        phone=phone,
    )
    _redact_rows(
        list(Claim.objects.filter(worker=user).only("pk", "review_note")), ("review_note",), name=name, phone=phone
    )
    _redact_rows(
        list(ClaimLog.objects.filter(claim__worker=user).only("pk", "note")), ("note",), name=name, phone=phone
    )
    Certificate.objects.filter(worker=user).update(holder_name=CLOSED_NAME, holder_phone_masked="****")

    # What only served the person: gone.
    Notification.objects.filter(recipient=user).delete()
    CaseFollower.objects.filter(user=user).delete()
    EventCheckinFailure.objects.filter(worker=user).delete()
    SmsCode.objects.filter(phone=phone).delete()
    AuthAttempt.objects.filter(phone=phone).delete()
    Membership.objects.filter(user=user).delete()
    TeamMember.objects.filter(worker=user).delete()
    VolunteerSettings.objects.filter(worker=user).delete()
    sign_out_everywhere(user=user)  # every token revoked, every session ended

    # What the statistics count stays on the profile; what tells who it was goes (no figure
    # reads these fields, so core.counted is not told).
    WorkerProfile.objects.filter(user=user).update(outlet=None, checkin_note="", employment_note="", updated_at=now)
    PointsAccount.objects.filter(worker=user).update(hide_from_boards=True, show_name_on_boards=False)

    user.name = CLOSED_NAME
    user.phone = closed_phone(user.pk)
    user.set_unusable_password()  # also ends every session: its hash no longer matches
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.save(update_fields=["name", "phone", "password", "is_active", "is_staff", "is_superuser"])
    AccountClosure.objects.create(user=user, closed_at=now)
    return user
