"""Reads about events (活动) and registrations, with the rules of who may see and manage what."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import NotFound
from littlebee.orgs.models import OrgKind, RegionLevel

from . import selectors as hive_selectors
from .models import Event, EventRegistration, EventStatus, RegistrationStatus

# A party organisation of these levels may publish events: community, street and district.
PUBLISHING_LEVELS = (RegionLevel.COMMUNITY, RegionLevel.STREET, RegionLevel.DISTRICT)
ORGANISER_ROLES = (Role.HANDLER, Role.ADMIN)

EVENT_ROW_RELATED = ("hive", "organiser")
LIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED, RegistrationStatus.ATTENDED)


def events_upcoming(
    *, hive_id: int | None = None, upcoming: bool = True, now: datetime | None = None
) -> QuerySet[Event]:
    """Published events, soonest first; `upcoming=False` lists past ones too (newest first)."""
    now = now or timezone.now()
    events = Event.objects.select_related(*EVENT_ROW_RELATED).filter(status=EventStatus.PUBLISHED)
    if hive_id is not None:
        events = events.filter(hive_id=hive_id)
    if upcoming:
        # An event still running counts as upcoming: workers may be on their way.
        return events.filter(ends_at__gt=now).order_by("starts_at", "id")
    return events.order_by("-starts_at", "-id")


def event_get(event_id: int) -> Event:
    """One published event, as anyone may see it; cancelled events stay visible to explain themselves."""
    event = Event.objects.select_related(*EVENT_ROW_RELATED).filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


def _manages_q(user: User) -> Q:
    """Staff of the organiser, or anyone who manages the host station through a membership
    (the stations' one rule, selectors.hives_managed_by)."""
    organiser_staff = Membership.objects.filter(user=user, organisation=OuterRef("organiser"), role__in=ORGANISER_ROLES)
    return Q(Exists(organiser_staff)) | Q(hive__in=hive_selectors.hives_managed_by(user, through_membership=True))


def events_manageable_by(user: User) -> QuerySet[Event]:
    """Events the user may manage (attendance, staff check-in, cancel): organiser staff, whoever
    manages the host station (its managing unit's keepers and admins, admins of a party
    organisation over its community), or a city admin. Anything else answers 404."""
    base = Event.objects.select_related(*EVENT_ROW_RELATED)
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    return base.filter(_manages_q(user))


def manageable_event(user: User, event_id: int) -> Event:
    event = events_manageable_by(user).filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


def manageable_ids(user: User, event_ids: list[int]) -> set[int]:
    if not user.is_authenticated or not event_ids:
        return set()
    if is_city_admin(user):
        return set(event_ids)
    return set(Event.objects.filter(pk__in=event_ids).filter(_manages_q(user)).values_list("pk", flat=True))


def is_event_organiser_staff(user: User, event: Event) -> bool:
    """Staff acting for the event's organiser or host station (not merely a city admin)."""
    if not user.is_authenticated:
        return False
    return Event.objects.filter(pk=event.pk).filter(_manages_q(user)).exists()


def can_publish_for(user: User, *, organiser_id: int, hive_id: int | None) -> bool:
    """Staff (handler/admin) of a community, street or district party organisation; someone who
    manages the host station (selectors.hives_managed_by) publishing as its managing unit, of which
    they are a keeper or admin; or a city admin."""
    if not user.is_authenticated:
        return False
    if is_city_admin(user):
        return True
    memberships = Membership.objects.filter(user=user, organisation_id=organiser_id)
    if memberships.filter(
        role__in=ORGANISER_ROLES,
        organisation__kind=OrgKind.PARTY_ORG,
        organisation__region__level__in=PUBLISHING_LEVELS,
    ).exists():
        return True
    if hive_id is None or not memberships.filter(role__in=hive_selectors.STATION_STAFF_ROLES).exists():
        return False
    managed = hive_selectors.hives_managed_by(user, through_membership=True)
    return managed.filter(pk=hive_id, managing_unit_id=organiser_id).exists()


def my_statuses(user: User, event_ids: list[int]) -> dict[int, str]:
    """The caller's live registration status for each of these events, in one query."""
    if not user.is_authenticated or not event_ids:
        return {}
    rows = EventRegistration.objects.filter(worker=user, event_id__in=event_ids, status__in=LIVE)
    return dict(rows.values_list("event_id", "status"))


def registration_live(*, event_id: int, worker: User) -> EventRegistration | None:
    return EventRegistration.objects.filter(event_id=event_id, worker=worker, status__in=LIVE).first()


def waitlist_position(registration: EventRegistration) -> int | None:
    """1 for the next to move up; None when not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = EventRegistration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
    ).filter(Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, id__lt=registration.pk))
    return ahead.count() + 1


def registrations_of(worker: User) -> QuerySet[EventRegistration]:
    """A worker's registrations, newest event first, cancelled ones included as history."""
    return (
        EventRegistration.objects.filter(worker=worker)
        .select_related("event__hive", "event__organiser")
        .order_by("-event__starts_at", "-id")
    )


def attendance_list(event: Event) -> QuerySet[EventRegistration]:
    """Everyone with a live registration (registered, attended, waitlisted), in registration order."""
    return (
        EventRegistration.objects.filter(event=event, status__in=LIVE)
        .select_related("worker__worker_profile__enterprise")
        .order_by("created_at", "id")
    )
