"""Reads about volunteering, with the one rule per object type of who may see and manage what:

- tasks: anyone sees published tasks; `tasks_manageable_by` (organiser staff, city admins)
  decides who runs one (claimants, QR, review);
- claims: a worker sees their own; organisers see the claims of tasks they manage;
- point permissions: `permissions_editable_by` (district admins for their district, city admins);
- teams: anyone sees active teams; `teams_manageable_by` (organiser staff, city admins) and
  captains decide on members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import NotFound
from littlebee.core.geo import bounding_box, haversine_m
from littlebee.learning.models import LearningItem
from littlebee.learning.selectors import items_passed_by, published_now
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from .models import (
    LIVE_STATUSES,
    Certificate,
    Claim,
    ClaimStatus,
    CorrectionStatus,
    MembershipStatus,
    PointPermission,
    RecordCorrection,
    ServiceRecord,
    Task,
    TaskStatus,
    Team,
    TeamMember,
    TeamRole,
    VolunteerSettings,
)

ORGANISER_ROLES = (Role.HANDLER, Role.ADMIN, Role.KEEPER)
PUBLISHING_LEVELS = (RegionLevel.COMMUNITY, RegionLevel.STREET, RegionLevel.DISTRICT)
TEAM_LEVELS = (RegionLevel.COMMUNITY, RegionLevel.STREET)
TASK_ROW_RELATED = ("organiser", "team")
# Star titles at these many certified hours (the national volunteer star levels).
STAR_HOURS = (100, 300, 600, 1_000, 1_500)
STAR_TITLES = (_("一星志愿者"), _("二星志愿者"), _("三星志愿者"), _("四星志愿者"), _("五星志愿者"))


# --- Organisations: who publishes, who sets permissions -----------------------------------------
def _publishing_q() -> Q:
    """Organisations that publish tasks: communities', streets' and districts' party
    organisations, enterprise party organisations, and the units that run stations."""
    return (
        Q(kind=OrgKind.PARTY_ORG, region__level__in=PUBLISHING_LEVELS)
        | Q(kind=OrgKind.ENTERPRISE_PARTY_ORG)
        | Q(kind=OrgKind.ALLIANCE_UNIT)
    )


def organisers_for(user: User) -> QuerySet[Organisation]:
    """THE rule of who publishes for which organisation: its handlers, admins (and keepers of a
    station-running unit), or a city admin for any."""
    orgs = Organisation.objects.filter(_publishing_q(), is_active=True).select_related("region").order_by("name", "id")
    if not user.is_authenticated:
        return orgs.none()
    if is_city_admin(user):
        return orgs
    mine = Membership.objects.filter(user=user, role__in=ORGANISER_ROLES).values("organisation_id")
    return orgs.filter(pk__in=mine)


def tasks_manageable_by(user: User) -> QuerySet[Task]:
    """THE rule for running a task (claimants, QR code, review, cancel): staff of its organiser, or a
    city admin. Anything else answers 404."""
    base = Task.objects.select_related(*TASK_ROW_RELATED)
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    staff = Membership.objects.filter(user=user, organisation=OuterRef("organiser"), role__in=ORGANISER_ROLES)
    return base.filter(Exists(staff))


def manageable_task(user: User, task_id: int) -> Task:
    task = tasks_manageable_by(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def districts_administered_by(user: User) -> QuerySet[Region]:
    """Districts whose point permissions the user sets: admins of the district's party
    organisation; every district for a city admin."""
    districts = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    if not user.is_authenticated:
        return districts.none()
    if is_city_admin(user):
        return districts
    admin_of = Membership.objects.filter(
        user=user, role=Role.ADMIN, organisation__kind=OrgKind.PARTY_ORG, organisation__region__level="district"
    ).values("organisation__region_id")
    return districts.filter(pk__in=admin_of)


def district_of(region: Region) -> Region | None:
    if region.level == RegionLevel.DISTRICT:
        return region
    codes = [code for code in region.path.split("/") if code]
    return Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()


def publishing_orgs_in(district: Region) -> QuerySet[Organisation]:
    """The organisations of a district that may be given a point permission."""
    return (
        Organisation.objects.filter(_publishing_q(), is_active=True, region__path__startswith=district.path)
        .select_related("region", "volunteering_permission")
        .order_by("region__path", "name")
    )


def permissions_editable_by(user: User) -> QuerySet[PointPermission]:
    return PointPermission.objects.filter(district__in=districts_administered_by(user)).select_related(
        "organisation", "district"
    )


def month_bounds(at: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(at)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def budget_used(organisation_id: int, at: datetime, *, excluding: int | None = None) -> int:
    """Points the organisation has promised in the month of `at`: points × slots of its
    published tasks starting that month."""
    start, end = month_bounds(at)
    tasks = Task.objects.filter(
        organiser_id=organisation_id, status=TaskStatus.PUBLISHED, starts_at__gte=start, starts_at__lt=end, points__gt=0
    )
    if excluding is not None:
        tasks = tasks.exclude(pk=excluding)
    return int(tasks.aggregate(total=Sum(F("points") * F("slots")))["total"] or 0)


# --- Tasks ------------------------------------------------------------------------------------
@dataclass
class TaskHit:
    task: Task
    distance_m: float | None


def tasks_search(
    *,
    lat: float | None = None,
    lng: float | None = None,
    radius_km: float | None = None,
    kind: str | None = None,
    open_only: bool = True,
    now: datetime | None = None,
) -> list[TaskHit]:
    """Published tasks not yet over (with `open_only`, those a claim would get a place or a
    waiting-list place on): with a position, those within the radius, the ones starting
    within two hours first (nearest first among them), then the rest by distance; without one,
    by start time. Two queries at most, whatever the count (the rows and nothing else)."""
    now = now or timezone.now()
    tasks = Task.objects.select_related(*TASK_ROW_RELATED).filter(status=TaskStatus.PUBLISHED, ends_at__gt=now)
    if kind:
        tasks = tasks.filter(kind=kind)
    if open_only:
        # A full task whose waiting list has room is still open to a worker: as 候补.
        tasks = tasks.filter(Q(claimed_count__lt=F("slots")) | Q(waitlisted_count__lt=F("waitlist_slots")))
    if lat is None or lng is None:
        return [TaskHit(t, None) for t in tasks.order_by("starts_at", "id")[:500]]
    radius_m = (radius_km or 5.0) * 1000
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    rows = tasks.filter(lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng)[:2000]
    hits = [TaskHit(t, haversine_m(lat, lng, t.lat, t.lng)) for t in rows]
    hits = [h for h in hits if h.distance_m is not None and h.distance_m <= radius_m]
    soon = now + timedelta(hours=2)
    hits.sort(key=lambda h: (h.task.starts_at > soon, h.distance_m or 0.0, h.task.starts_at))
    return hits


def tasks_today(now: datetime | None = None) -> list[Task]:
    """Published tasks of the local day not yet over, by start: the map of today's tasks. Late in
    the evening "today" reaches six hours ahead, so the map is not empty at 23:00."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    end = max(local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1), now + timedelta(hours=6))
    return list(
        Task.objects.select_related(*TASK_ROW_RELATED)
        .filter(status=TaskStatus.PUBLISHED, ends_at__gt=now, starts_at__lt=end)
        .order_by("starts_at", "id")[:300]
    )


def task_get(task_id: int) -> Task:
    task = Task.objects.select_related(*TASK_ROW_RELATED, "hive", "required_item").filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def my_claims_by_task(user: User, task_ids: list[int]) -> dict[int, Claim]:
    """The worker's live or finished claim of each task (not a cancelled one), in one query."""
    if not user.is_authenticated or not task_ids:
        return {}
    claims = Claim.objects.filter(worker=user, task_id__in=task_ids).exclude(status=ClaimStatus.CANCELLED)
    found: dict[int, Claim] = {}
    for claim in claims.order_by("created_at", "id"):
        found[claim.task_id] = claim
    return found


def resident_visible(task: Task, claim: Claim | None) -> bool:
    """An errand's resident (name, phone) is shown only to the worker holding its claim, until
    the errand is done (checked out)."""
    return claim is not None and claim.status in (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN)


def requirable_items() -> QuerySet[LearningItem]:
    """Learning items an organiser may require of claimants: those published now."""
    return LearningItem.objects.filter(published_now()).order_by("title", "id")


def requirement_passed(user: User | None, task: Task) -> bool | None:
    """Whether the user passed the task's required learning item (None: the task requires none)."""
    if task.required_item_id is None:
        return None
    return user is not None and bool(items_passed_by(user, [task.required_item_id]))


# --- Claims ------------------------------------------------------------------------------------
def claims_of(worker: User) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(worker=worker)
        .select_related("task", "task__organiser", "task__team")
        .order_by("-task__starts_at", "-id")
    )


def claim_of_worker(worker: User, claim_id: int) -> Claim:
    claim = Claim.objects.select_related("task").filter(pk=claim_id, worker_id=worker.pk).first()
    if claim is None:
        raise NotFound()
    return claim


def claims_manageable_by(user: User) -> QuerySet[Claim]:
    return Claim.objects.filter(task__in=tasks_manageable_by(user)).select_related(
        "task", "worker", "worker__worker_profile", "worker__worker_profile__enterprise"
    )


def claims_of_task(task: Task) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(task=task)
        .select_related("worker", "worker__worker_profile", "worker__worker_profile__enterprise")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Pause:
    until: datetime
    no_shows: int


def claiming_paused(worker: User, now: datetime | None = None) -> Pause | None:
    """Whether repeated no-shows pause the worker's claiming, and until when: LIMIT no-shows within
    WINDOW_DAYS pause it for PAUSE_DAYS after the latest of them."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.VOLUNTEERING_NO_SHOW_WINDOW_DAYS)
    stamps = list(
        Claim.objects.filter(worker_id=worker.pk, status=ClaimStatus.NO_SHOW, updated_at__gte=since)
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
    )
    if len(stamps) < settings.VOLUNTEERING_NO_SHOW_LIMIT:
        return None
    until = stamps[0] + timedelta(days=settings.VOLUNTEERING_NO_SHOW_PAUSE_DAYS)
    return Pause(until=until, no_shows=len(stamps)) if until > now else None


def overlapping_claim(worker: User, task: Task) -> Claim | None:
    return (
        Claim.objects.filter(
            worker_id=worker.pk,
            status__in=LIVE_STATUSES,
            task__starts_at__lt=task.ends_at,
            task__ends_at__gt=task.starts_at,
        )
        .exclude(task_id=task.pk)
        .select_related("task")
        .first()
    )


def settings_of(worker: User) -> VolunteerSettings:
    """The worker's settings as they stand (an unsaved all-off row before the first change)."""
    return VolunteerSettings.objects.filter(worker_id=worker.pk).first() or VolunteerSettings(worker_id=worker.pk)


# --- Records, hours, stars -----------------------------------------------------------------------
def records_of(worker: User) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(worker=worker).select_related("organiser", "claim").order_by("-started_at")


def minutes_total(worker: User, *, since: date | None = None, until: date | None = None) -> int:
    records = ServiceRecord.objects.filter(worker_id=worker.pk)
    if since is not None:
        records = records.filter(started_at__gte=_day_start(since))
    if until is not None:
        records = records.filter(started_at__lt=_day_start(until + timedelta(days=1)))
    return int(records.aggregate(total=Sum("minutes"))["total"] or 0)


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def star_of(hours: float) -> int:
    """0 to 5: one star per threshold of STAR_HOURS reached."""
    return sum(1 for threshold in STAR_HOURS if hours >= threshold)


def star_title(star: int) -> str | None:
    """The title a star level gives (一星志愿者…), in the active language; None under 100 hours."""
    return str(STAR_TITLES[star - 1]) if 1 <= star <= len(STAR_TITLES) else None


@dataclass(frozen=True)
class NextStar:
    title: str
    hours_left: float


def next_star(hours: float) -> NextStar | None:
    """The next title and the certified hours still to serve for it; None at five stars."""
    star = star_of(hours)
    if star >= len(STAR_HOURS):
        return None
    return NextStar(title=str(STAR_TITLES[star]), hours_left=round(STAR_HOURS[star] - hours, 1))


@dataclass(frozen=True)
class Standing:
    hours: float
    star: int
    title: str | None


def standing_of(worker: User) -> Standing:
    """The worker's certified hours, star level and its title: what the profile page shows."""
    hours = minutes_total(worker) / 60
    star = star_of(hours)
    return Standing(hours=round(hours, 1), star=star, title=star_title(star))


def me_volunteering_columns(quote: Callable[[str], str], user_id: str) -> list[str]:
    """GET /me's column of volunteering (accounts.hooks.me_columns): the user's certified minutes,
    a scalar subquery on the records' (worker, started_at) index inside GET /me's one statement."""
    records = quote(ServiceRecord._meta.db_table)
    return [f"(SELECT SUM({quote('minutes')}) FROM {records} WHERE {quote('worker_id')} = {user_id})"]  # noqa: S608


def me_volunteering_from(values: Sequence[Any], *, worker: bool) -> dict[str, Any]:
    """GET /me's `volunteer_title`: the star title of the certified hours (一星志愿者…, in the
    request's language), as standing_of gives it; None under 100 hours and for staff."""
    minutes = int(values[0] or 0)
    return {"volunteer_title": star_title(star_of(minutes / 60)) if worker else None}


def corrections_answerable_by(user: User) -> QuerySet[RecordCorrection]:
    """Corrections of records of the tasks the user manages (the organiser answers them)."""
    return (
        RecordCorrection.objects.filter(record__claim__task__in=tasks_manageable_by(user))
        .select_related("record", "requested_by")
        .order_by("status", "created_at")
    )


def corrections_pending_for(user: User) -> QuerySet[RecordCorrection]:
    return corrections_answerable_by(user).filter(status=CorrectionStatus.PENDING)


def certificate_get(number: str) -> Certificate:
    certificate = Certificate.objects.select_related("issuer").filter(number=number).first()
    if certificate is None:
        raise NotFound()
    return certificate


# --- Teams -----------------------------------------------------------------------------------
def teams_list(*, street_id: int | None = None) -> QuerySet[Team]:
    teams = Team.objects.filter(is_active=True).select_related("organiser", "street").order_by("name", "id")
    if street_id is not None:
        teams = teams.filter(street_id=street_id)
    return teams


def team_get(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id, is_active=True).select_related("organiser", "street").first()
    if team is None:
        raise NotFound()
    return team


def teams_manageable_by(user: User) -> QuerySet[Team]:
    """Teams the user runs as staff of the organiser (or a city admin)."""
    base = Team.objects.filter(is_active=True).select_related("organiser", "street")
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    staff = Membership.objects.filter(user=user, organisation=OuterRef("organiser"), role__in=ORGANISER_ROLES)
    return base.filter(Exists(staff))


def team_orgs_for(user: User) -> QuerySet[Organisation]:
    """Organisations the user may found a team for: streets' and communities' party organisations."""
    return organisers_for(user).filter(kind=OrgKind.PARTY_ORG, region__level__in=TEAM_LEVELS)


def is_captain(user: User, team_id: int) -> bool:
    return TeamMember.objects.filter(
        team_id=team_id, worker_id=user.pk, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER
    ).exists()


def is_member(user: User, team_id: int) -> bool:
    return TeamMember.objects.filter(team_id=team_id, worker_id=user.pk, status=MembershipStatus.MEMBER).exists()


@dataclass
class TeamFacts:
    captains: list[User]
    members: int
    minutes: int
    my_status: str | None


def team_facts(teams: list[Team], user: User | None = None) -> dict[int, TeamFacts]:
    """Captains, member count and certified minutes of each team, and the user's own status:
    three queries for any number of teams. A team's hours are its members' certified minutes on
    tasks for the team or published by its organiser."""
    ids = [t.pk for t in teams]
    facts = {t.pk: TeamFacts(captains=[], members=0, minutes=0, my_status=None) for t in teams}
    if not ids:
        return facts
    rows = TeamMember.objects.filter(team_id__in=ids, status=MembershipStatus.MEMBER).select_related("worker")
    members_by_team: dict[int, list[int]] = {}
    for member in rows:
        facts[member.team_id].members += 1
        members_by_team.setdefault(member.team_id, []).append(member.worker_id)
        if member.role == TeamRole.CAPTAIN:
            facts[member.team_id].captains.append(member.worker)
    minutes = (
        ServiceRecord.objects.filter(claim__task__team_id__in=ids)
        .values_list("claim__task__team_id")
        .annotate(total=Sum("minutes"))
    )
    for team_id, total in minutes:
        facts[team_id].minutes = int(total or 0)
    if user is not None and user.is_authenticated:
        mine = (
            TeamMember.objects.filter(team_id__in=ids, worker_id=user.pk)
            .exclude(status=MembershipStatus.LEFT)
            .values_list("team_id", "status")
        )
        for team_id, status in mine:
            facts[team_id].my_status = status
    return facts


def team_members(team: Team) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(team=team, status__in=[MembershipStatus.PENDING, MembershipStatus.MEMBER])
        .select_related("worker")
        .order_by("status", "-role", "created_at")
    )


def teams_of(worker: User) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(worker=worker)
        .exclude(status=MembershipStatus.LEFT)
        .select_related("team", "team__organiser")
        .order_by("team__name")
    )


def distance_to(task: Task, lat: float, lng: float) -> float:
    return haversine_m(lat, lng, task.lat, task.lng)


def review_waiting_counts(task_ids: list[int]) -> dict[int, int]:
    """Claims checked out and waiting for the organiser's review, per task, in one query."""
    if not task_ids:
        return {}
    rows = (
        Claim.objects.filter(task_id__in=task_ids, status=ClaimStatus.CHECKED_OUT)
        .values_list("task_id")
        .annotate(n=Count("id"))
    )
    return {task_id: int(n) for task_id, n in rows}


@dataclass(frozen=True)
class OrganiserCounts:
    review_waiting: int
    corrections_pending: int
    tasks_today: int


class _CountOf(Subquery):
    """The number of rows of a queryset, as a value of the outer statement."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def organiser_counts(user: User, now: datetime | None = None) -> OrganiserCounts | None:
    """The staff console's tile for organisers: claims checked out and waiting for review,
    corrections asked and not answered, and published tasks starting today, over the tasks the
    user manages (tasks_manageable_by). None for someone who publishes for no organisation.
    One statement (with the two city-admin checks of the rules it reads, three queries),
    whatever the number of tasks and claims."""
    if not user.is_authenticated:
        return None
    local = timezone.localtime(now or timezone.now())
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tasks = tasks_manageable_by(user).order_by().values("pk")
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            organiser=Exists(organisers_for(user).order_by()),
            review_waiting=_CountOf(
                Claim.objects.filter(task__in=tasks, status=ClaimStatus.CHECKED_OUT).order_by().values("pk")
            ),
            corrections_pending=_CountOf(
                RecordCorrection.objects.filter(record__claim__task__in=tasks, status=CorrectionStatus.PENDING)
                .order_by()
                .values("pk")
            ),
            tasks_today=_CountOf(
                tasks.filter(status=TaskStatus.PUBLISHED, starts_at__gte=day, starts_at__lt=day + timedelta(days=1))
            ),
        )
        .values("organiser", "review_waiting", "corrections_pending", "tasks_today")
        .first()
    )
    if row is None or not row["organiser"]:
        return None
    return OrganiserCounts(
        review_waiting=row["review_waiting"],
        corrections_pending=row["corrections_pending"],
        tasks_today=row["tasks_today"],
    )


def teams_captained_by(user: User) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    captained = TeamMember.objects.filter(worker_id=user.pk, role=TeamRole.CAPTAIN, status=MembershipStatus.MEMBER)
    return Team.objects.filter(is_active=True, pk__in=captained.values("team_id")).select_related("organiser", "street")


def budgets_used(organisation_ids: list[int], at: datetime) -> dict[int, int]:
    """budget_used for many organisations in one query."""
    if not organisation_ids:
        return {}
    start, end = month_bounds(at)
    rows = (
        Task.objects.filter(
            organiser_id__in=organisation_ids,
            status=TaskStatus.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=end,
            points__gt=0,
        )
        .values_list("organiser_id")
        .annotate(total=Sum(F("points") * F("slots")))
    )
    return {org_id: int(total or 0) for org_id, total in rows}


def team_tasks_open(team_ids: list[int], now: datetime | None = None) -> dict[int, list[Task]]:
    """Published team-only tasks not yet over, per team, in one query: what a captain assigns members to."""
    now = now or timezone.now()
    found: dict[int, list[Task]] = {team_id: [] for team_id in team_ids}
    if not team_ids:
        return found
    tasks = Task.objects.filter(team_id__in=team_ids, status=TaskStatus.PUBLISHED, ends_at__gt=now).order_by(
        "starts_at", "id"
    )
    for task in tasks:
        if task.team_id is not None:
            found[task.team_id].append(task)
    return found
