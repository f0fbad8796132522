"""Everything the platform holds about one person, for them to take away (PIPL's right of access
and portability): GET /api/v1/me/export and the download button on /me/.

This app sits above every other one, so it may read them all; each section is one query, so an
export costs the same whatever the history's length. A section lists the person's own rows only:
other people appear by their role or organisation, never by name or number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from littlebee.accounts.models import ApiToken, AuthAttempt, Membership, ProfileEvent, SmsCode, User, WorkerProfile
from littlebee.appeals.models import Appeal
from littlebee.cases.models import CaseEvent, CaseFollower
from littlebee.hives.models import EventRegistration, HiveVisit
from littlebee.learning.models import LearningSession
from littlebee.notifications.models import Notification, message_part
from littlebee.points.models import HonoraryTitle, LedgerEntry, PointsAccount, WorkerBadge, ledger_note
from littlebee.reports.models import Report, ReportPhoto
from littlebee.rewards.models import Voucher
from littlebee.volunteering.models import (
    Certificate,
    Claim,
    ClaimLog,
    RecordCorrection,
    ServiceRecord,
    TeamMember,
    VolunteerSettings,
)

EXPORT_VERSION = 1


@dataclass(frozen=True)
class Section:
    """One list in the export: the rows of a table that belong to the person, these columns."""

    key: str
    rows: Callable[[User], QuerySet[Any]]
    fields: tuple[str, ...]
    # Turns a row of those columns into what the export shows (a stored message rendered).
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key.replace("__", "_"): _json_value(value) for key, value in row.items()} for row in rows]


def _notification_shape(row: dict[str, Any]) -> dict[str, Any]:
    """A message as the inbox shows it, in the reader's language (stored as keys and parameters)."""
    message = row.pop("message")
    return {
        **row,
        "title": message_part(message, "title", row["title"]),
        "body": message_part(message, "body", row["body"]),
    }


def _ledger_shape(row: dict[str, Any]) -> dict[str, Any]:
    """A points line's note as the points history shows it, in the reader's language (a gift's
    or an item's names, a refund's reason: stored texts, core.texts); words as written stay."""
    note_text = row.pop("note_text")
    return {**row, "note": ledger_note(row["note"], note_text)}


# What became of a report's or appeal's case: the same columns in both sections.
_CASE_OUTCOME = ("case__status", "case__organisation__name", "case__rating", "case__rating_comment")

SECTIONS: tuple[Section, ...] = (
    Section(
        "staff_roles",
        lambda u: Membership.objects.filter(user=u).order_by("created_at", "id"),
        ("organisation__name", "role", "created_at"),
    ),
    Section(
        "checkin_events",
        lambda u: ProfileEvent.objects.filter(profile__user=u).order_by("at", "id"),
        ("at", "action", "actor_role", "organisation__name", "from_status", "to_status", "note"),
    ),
    Section(
        "reports",
        # Where, when and how urgent are the case's; exported under the report's names as before.
        lambda u: (
            Report.objects.filter(case__reporter=u)
            .annotate(
                lat=F("case__lat"), lng=F("case__lng"), urgent=F("case__urgent"), created_at=F("case__created_at")
            )
            .order_by("created_at", "case_id")
        ),
        (
            "case_id",
            "category__code",
            "category__name",
            "description",
            "lat",
            "lng",
            "address",
            "urgent",
            "created_at",
            *_CASE_OUTCOME,
        ),
    ),
    Section(
        "report_photos",
        lambda u: ReportPhoto.objects.filter(report__case__reporter=u).order_by("created_at", "id"),
        ("report_id", "image", "status", "exif_lat", "exif_lng", "exif_taken_at", "created_at"),
    ),
    Section(
        "appeals",
        lambda u: Appeal.objects.filter(case__reporter=u).order_by("created_at", "case_id"),
        (
            "case_id",
            "type",
            "involves",
            "enterprise__name",
            "subject",
            "description",
            "anonymous_to_enterprise",
            "outcome_public",
            "created_at",
            *_CASE_OUTCOME,
        ),
    ),
    Section(
        # What the person did on cases: their reports' and appeals' timeline rows written by them
        # (submissions, confirmations, disputes, "me too").
        "case_actions",
        lambda u: CaseEvent.objects.filter(actor=u).order_by("at", "id"),
        ("case_id", "at", "action", "actor_role", "from_status", "to_status", "note"),
    ),
    Section(
        "followed_cases",
        lambda u: CaseFollower.objects.filter(user=u).order_by("created_at", "id"),
        ("case_id", "created_at"),
    ),
    Section(
        "points_ledger",
        lambda u: LedgerEntry.objects.filter(worker=u).order_by("created_at", "id"),
        ("created_at", "amount", "reason", "source", "category", "note", "note_text", "expires_at"),
        _ledger_shape,
    ),
    Section(
        "badges",
        lambda u: WorkerBadge.objects.filter(worker=u).order_by("awarded_at", "id"),
        ("badge__code", "badge__name", "awarded_at"),
    ),
    Section(
        "honorary_titles",
        lambda u: HonoraryTitle.objects.filter(worker=u).order_by("created_at", "id"),
        ("title", "citation", "granted_by_org__name", "created_at", "revoked_at"),
    ),
    Section(
        "vouchers",
        lambda u: Voucher.objects.filter(worker=u).order_by("created_at", "id"),
        (
            "code",
            "gift__name",
            "status",
            "points",
            "hive__name",
            "created_at",
            "expires_at",
            "fulfilled_at",
            "fulfilled_hive__name",
            "cancelled_at",
            "expired_at",
        ),
    ),
    Section(
        "station_visits",
        lambda u: HiveVisit.objects.filter(worker=u).order_by("at", "id"),
        ("hive__name", "method", "service__name", "at"),
    ),
    Section(
        "event_registrations",
        lambda u: EventRegistration.objects.filter(worker=u).order_by("created_at", "id"),
        (
            "event__title",
            "event__place",
            "event__starts_at",
            "status",
            "created_at",
            "checked_in_at",
            "cancelled_at",
            "promoted_at",
        ),
    ),
    Section(
        "notifications",
        lambda u: Notification.objects.filter(recipient=u).order_by("created_at", "id"),
        ("kind", "title", "body", "message", "link", "created_at", "read_at"),
        _notification_shape,
    ),
    Section(
        "api_tokens",
        lambda u: ApiToken.objects.filter(user=u).order_by("created_at", "id"),
        ("name", "prefix", "created_at", "last_used_at", "revoked_at"),
    ),
    Section(
        # Sign-in attempts and one-time codes are kept by phone number, not by account.
        "sign_in_attempts",
        lambda u: AuthAttempt.objects.filter(phone=u.phone).order_by("at", "id"),
        ("at", "method", "succeeded", "ip"),
    ),
    # 认真学: every opening of an item, what it earned and why not.
    Section(
        "learning",
        lambda u: LearningSession.objects.filter(worker=u).order_by("started_at", "id"),
        ("item__title", "activity", "status", "started_at", "finished_at", "score", "points", "reason"),
    ),
    Section(
        "sms_codes",
        lambda u: SmsCode.objects.filter(phone=u.phone).order_by("created_at", "id"),
        ("created_at", "purpose", "requested_ip", "used_at"),
    ),
)

# 用心做, under one key: the person's claims and their steps, the service records the organisers
# certified, the corrections asked, the certificates issued, the teams joined. Staff appear by
# their organisation only (the organiser, the issuer), never by name.
VOLUNTEERING_SECTIONS: tuple[Section, ...] = (
    Section(
        "claims",
        lambda u: Claim.objects.filter(worker=u).order_by("created_at", "id"),
        (
            "id",
            "task__title",
            "task__organiser__name",
            "task__address",
            "task__starts_at",
            "task__ends_at",
            "status",
            "created_at",
            "promoted_at",
            "cancelled_at",
            "checked_in_at",
            "check_in_method",
            "checked_out_at",
            "check_out_method",
            "flagged",
            "presence_minutes",
            "minutes",
            "review_note",
        ),
    ),
    Section(
        "claim_steps",
        lambda u: ClaimLog.objects.filter(claim__worker=u).order_by("at", "id"),
        ("claim_id", "at", "action", "from_status", "to_status", "note"),
    ),
    Section(
        "service_records",
        lambda u: ServiceRecord.objects.filter(worker=u).order_by("started_at", "id"),
        (
            "id",
            "claim_id",
            "task_title",
            "category",
            "organiser__name",
            "address",
            "started_at",
            "ended_at",
            "minutes",
            "points",
            "recorded_at",
        ),
    ),
    Section(
        "corrections",
        lambda u: RecordCorrection.objects.filter(record__worker=u).order_by("created_at", "id"),
        (
            "record_id",
            "reason",
            "minutes_asked",
            "status",
            "minutes_before",
            "minutes_after",
            "answer_note",
            "created_at",
            "answered_at",
        ),
    ),
    Section(
        "certificates",
        lambda u: Certificate.objects.filter(worker=u).order_by("issued_at", "id"),
        (
            "number",
            "holder_name",
            "holder_phone_masked",
            "period_from",
            "period_to",
            "minutes",
            "records",
            "issuer_name",
            "contact",
            "issued_at",
        ),
    ),
    Section(
        "team_memberships",
        lambda u: TeamMember.objects.filter(worker=u).order_by("created_at", "id"),
        ("team__name", "team__organiser__name", "role", "status", "created_at", "decided_at"),
    ),
    Section(
        "settings",
        lambda u: VolunteerSettings.objects.filter(worker=u),
        ("sms_on_promotion", "updated_at"),
    ),
)


def _profile(user: User) -> dict[str, Any]:
    profile = (
        WorkerProfile.objects.filter(user=user)
        .values(
            "worker_type",
            "enterprise__name",
            "outlet__name",
            "community__name",
            "party_member",
            "checkin_status",
            "checkin_note",
            "checkin_decided_at",
            "employment_status",
            "employment_note",
            "employment_decided_at",
            "created_at",
        )
        .first()
    )
    return {
        "id": user.pk,
        "phone": user.phone,
        "name": user.name,
        "date_joined": _json_value(user.date_joined),
        "last_login": _json_value(user.last_login),
        "worker_profile": _rows([dict(profile)])[0] if profile else None,
    }


def _points_account(user: User) -> dict[str, Any] | None:
    account = (
        PointsAccount.objects.filter(worker=user)
        .values("balance", "lifetime_earned", "hide_from_boards", "show_name_on_boards")
        .first()
    )
    return dict(account) if account is not None else None


def personal_data_of(user: User) -> dict[str, Any]:
    """The export: the person's profile and every list of their rows, in JSON-ready values
    (times in the city's time zone, ISO 8601). A fixed number of queries."""
    data: dict[str, Any] = {
        "format": "littlebee-personal-data",
        "version": EXPORT_VERSION,
        "exported_at": _json_value(timezone.now()),
        "profile": _profile(user),
        "points_account": _points_account(user),
    }
    for section in SECTIONS:
        rows = section.rows(user).values(*section.fields)
        data[section.key] = _rows(map(section.shape, rows) if section.shape else rows)
    data["volunteering"] = {
        section.key: _rows(section.rows(user).values(*section.fields)) for section in VOLUNTEERING_SECTIONS
    }
    return data
