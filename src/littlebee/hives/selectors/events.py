"""Reads about events (活动) and registrations, with the rules of who may see and manage what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.lookups import StartsWith
from django.utils import timezone

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import NotFound
from littlebee.orgs.models import Organisation, OrgKind, RegionLevel

from ..models import Event, EventRegistration, EventStatus, Hive, RegistrationStatus
from . import stations as hive_selectors

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


def events_manageable_by(user: User, *, through_membership: bool = False) -> QuerySet[Event]:
    """THE permission rule for events: which ones the user may manage (attendance, staff check-in,
    cancel, the full phone numbers of the attendance export): organiser staff, whoever manages the
    host station (its managing unit's keepers and admins, admins of a party organisation over its
    community), or a city admin, unless `through_membership` asks only for the events the user
    runs through a membership of their own. Anything else answers 404."""
    base = Event.objects.select_related(*EVENT_ROW_RELATED)
    if not user.is_authenticated:
        return base.none()
    if not through_membership and is_city_admin(user):
        return base
    return base.filter(_manages_q(user))


def manageable_event(user: User, event_id: int) -> Event:
    event = events_manageable_by(user).filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


def manageable_ids(user: User, event_ids: list[int]) -> set[int]:
    """Which of these events the user may manage (events_manageable_by), in one query."""
    if not event_ids:
        return set()
    return set(events_manageable_by(user).filter(pk__in=event_ids).values_list("pk", flat=True))


def is_event_organiser_staff(user: User, event: Event) -> bool:
    """Staff acting for the event's organiser or host station (not merely a city admin)."""
    return events_manageable_by(user, through_membership=True).filter(pk=event.pk).exists()


def _publishing_party_org_ids(user: User) -> QuerySet[Membership, Any]:
    """Party organisations (community, street, district) the user publishes for as handler or admin."""
    return Membership.objects.filter(
        user=user,
        role__in=ORGANISER_ROLES,
        organisation__kind=OrgKind.PARTY_ORG,
        organisation__region__level__in=PUBLISHING_LEVELS,
    ).values("organisation_id")


def organisers_for(user: User) -> QuerySet[Organisation]:
    """The organisations the user may publish events for, as a pick-list: can_publish_for's rule.

    A party organisation's handlers and admins publish for it (with or without a station); a
    station's keepers and admins publish for its managing unit, at that station. A city admin may
    publish for anyone: the list offers every publishing party organisation, every managing unit of
    an active station and the admin's own organisations.
    """
    active = Organisation.objects.filter(is_active=True).select_related("region").order_by("name", "id")
    if not user.is_authenticated:
        return active.none()
    if is_city_admin(user):
        return active.filter(
            Q(kind=OrgKind.PARTY_ORG, region__level__in=PUBLISHING_LEVELS)
            | Q(pk__in=Hive.objects.filter(is_active=True).values("managing_unit_id"))
            | Q(pk__in=Membership.objects.filter(user=user).values("organisation_id"))
        )
    runs_a_station = Exists(
        hive_selectors.hives_managed_by(user, through_membership=True).filter(
            is_active=True, managing_unit_id=OuterRef("pk")
        )
    )
    return active.filter(
        Q(pk__in=_publishing_party_org_ids(user))
        | (Q(pk__in=hive_selectors.station_unit_ids(user)) & Q(runs_a_station))
    )


def hives_hostable_by(user: User, *, organiser_id: int | None = None) -> QuerySet[Hive]:
    """Active stations where the user may hold an event for this organiser (for any organiser of
    organisers_for when None): can_publish_for's rule.

    - for a party organisation the user publishes for: the stations of its region, and the
      stations the user runs (selectors.hives_managed_by through a membership);
    - for a managing unit the user is keeper or admin of: its stations the user runs;
    - a city admin: every active station.
    """
    active = Hive.objects.filter(is_active=True).order_by("name", "id")
    if not user.is_authenticated:
        return active.none()
    if is_city_admin(user):
        return active
    party_orgs = Organisation.objects.filter(pk__in=_publishing_party_org_ids(user))
    units = hive_selectors.station_unit_ids(user)
    if organiser_id is not None:
        party_orgs = party_orgs.filter(pk=organiser_id)
        units = units.filter(organisation_id=organiser_id)
    # Subqueries only: one query for the list, one for a check.
    in_region = Exists(party_orgs.filter(StartsWith(OuterRef("community__path"), F("region__path"))))
    managed = hive_selectors.hives_managed_by(user, through_membership=True)
    return active.filter(
        Q(in_region)
        | (Q(Exists(party_orgs)) & Q(pk__in=managed.values("pk")))
        | Q(pk__in=managed.filter(managing_unit_id__in=units).values("pk"))
    )


def can_publish_for(user: User, *, organiser_id: int, hive_id: int | None) -> bool:
    """Staff (handler/admin) of a community, street or district party organisation, at a station of
    its region or one they run, or at none; someone who manages the host station
    (selectors.hives_managed_by) publishing as its managing unit, of which they are a keeper or
    admin; or a city admin. The pick-lists of the publishing page are organisers_for and
    hives_hostable_by, the same rule."""
    if not user.is_authenticated:
        return False
    if is_city_admin(user):
        return True
    if hive_id is None:
        return _publishing_party_org_ids(user).filter(organisation_id=organiser_id).exists()
    return hives_hostable_by(user, organiser_id=organiser_id).filter(pk=hive_id).exists()


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


# --- The organisers' list of events (staff console) -------------------------------------------
MANAGE_TABS = ("upcoming", "past", "cancelled")


def _manage_tab_q(tab: str, now: datetime) -> Q:
    """Upcoming: published and not yet over (a running event still needs its door list); past:
    published and over; cancelled: called off, whenever it was."""
    if tab == "cancelled":
        return Q(status=EventStatus.CANCELLED)
    if tab == "past":
        return Q(status=EventStatus.PUBLISHED, ends_at__lte=now)
    return Q(status=EventStatus.PUBLISHED, ends_at__gt=now)


def events_manageable_counts(user: User, *, now: datetime | None = None) -> dict[str, int]:
    """How many manageable events each tab of the organisers' list has, in one query."""
    now = now or timezone.now()
    aggregates = {tab: Count("pk", filter=_manage_tab_q(tab, now)) for tab in MANAGE_TABS}
    counts = events_manageable_by(user).order_by().aggregate(**aggregates)
    return {tab: int(counts[tab] or 0) for tab in MANAGE_TABS}


def events_manageable_in_tab(user: User, tab: str, *, now: datetime | None = None) -> QuerySet[Event]:
    """One tab of the organisers' list: upcoming soonest first, past and cancelled newest first."""
    now = now or timezone.now()
    events = events_manageable_by(user).filter(_manage_tab_q(tab, now))
    if tab == "upcoming":
        return events.order_by("starts_at", "id")
    return events.order_by("-starts_at", "-id")
