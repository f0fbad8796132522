"""Who may see and decide what about accounts. Every view, API and export goes through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from littlebee.orgs.models import Organisation, OrgKind, RegionLevel

from .models import ApiToken, Membership, ProfileEvent, Role, User, WorkerProfile

STAFF_DECISION_ROLES = (Role.HANDLER, Role.ADMIN)
# Staff who run a station for its managing unit (its keepers and admins); every clause of the
# stations' rule (hives.selectors.hives_managed_by) needs one of these roles.
STATION_STAFF_ROLES = (Role.KEEPER, Role.ADMIN)

# A profile row shows the community's full name (district, street, community): load the whole
# chain up to the city with the row, or every row costs three more queries.
PROFILE_ROW_RELATED = ("user", "enterprise", "outlet", "community__parent__parent__parent")


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation", "organisation__region")


def is_city_admin(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or Membership.objects.filter(user=user, role=Role.CITY_ADMIN).exists()


def is_staff_member(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or Membership.objects.filter(user=user).exists())


def staff_organisations(user: User, roles: tuple[str, ...] = STAFF_DECISION_ROLES) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    return [m.organisation for m in memberships_of(user).filter(role__in=roles)]


def _region_scope(orgs: list[Organisation], field: str) -> Q:
    """Profiles whose community lies under a party organisation's region."""
    q = Q(pk__in=[])
    for org in orgs:
        if org.kind == OrgKind.PARTY_ORG:
            q |= Q(**{f"{field}__path__startswith": org.region.path})
    return q


def worker_profiles_visible_to(user: User) -> QuerySet[WorkerProfile]:
    base = WorkerProfile.objects.select_related(*PROFILE_ROW_RELATED, "outlet__parent")
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    orgs = staff_organisations(user, roles=(Role.HANDLER, Role.ADMIN, Role.KEEPER))
    q = Q(user=user) | _region_scope(orgs, "community")
    for org in orgs:
        if org.kind == OrgKind.ENTERPRISE_PARTY_ORG and org.enterprise_id:
            q |= Q(enterprise_id=org.enterprise_id)
        elif org.kind == OrgKind.INDUSTRY_COMMITTEE:
            q |= Q(enterprise__industry=org.industry)
    return base.filter(q)


def checkins_reviewable_by(user: User) -> QuerySet[WorkerProfile]:
    """Profiles whose check-in the user may confirm: staff of the community or a region above it.
    A closed (inactive) account waits for nobody's decision."""
    base = WorkerProfile.objects.select_related(*PROFILE_ROW_RELATED).filter(user__is_active=True)
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    return base.filter(_region_scope(staff_organisations(user), "community"))


def employment_reviewable_by(user: User) -> QuerySet[WorkerProfile]:
    """Profiles whose employment the user may confirm: staff of the enterprise's party organisation.
    A closed (inactive) account waits for nobody's decision."""
    base = WorkerProfile.objects.select_related(*PROFILE_ROW_RELATED).filter(user__is_active=True)
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base.filter(enterprise__isnull=False)
    enterprise_ids = [
        org.enterprise_id
        for org in staff_organisations(user)
        if org.kind == OrgKind.ENTERPRISE_PARTY_ORG and org.enterprise_id
    ]
    return base.filter(enterprise_id__in=enterprise_ids)


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def worker_profile_of(user: User) -> WorkerProfile | None:
    try:
        return WorkerProfile.objects.select_related(
            "enterprise", "outlet__parent", "community__parent__parent__parent"
        ).get(user=user)
    except WorkerProfile.DoesNotExist:
        return None


# --- Staff console --------------------------------------------------------------------------
# What one membership lets a person decide. The apps that own a rule build it from these (points
# from the first two), and StaffAccess from the same, so a menu never offers what the rule refuses.
def administers_district(m: Membership) -> bool:
    """An admin of a district's party organisation: sets that district's earning rules (points.rules)."""
    return (
        m.role == Role.ADMIN
        and m.organisation.kind == OrgKind.PARTY_ORG
        and m.organisation.region.level == RegionLevel.DISTRICT
    )


def grants_community_titles(m: Membership) -> bool:
    """A handler or admin of a community's party organisation: grants honorary titles
    (points.selectors.title_granting_orgs)."""
    return (
        m.role in STAFF_DECISION_ROLES
        and m.organisation.kind == OrgKind.PARTY_ORG
        and m.organisation.region.level == RegionLevel.COMMUNITY
    )


@dataclass(frozen=True)
class StaffAccess:
    """What a signed-in person may do in the staff console, read in one query."""

    memberships: list[Membership]
    city_admin: bool

    @property
    def is_staff(self) -> bool:
        return self.city_admin or bool(self.memberships)

    def _decides_for(self, kind: str) -> bool:
        return any(m.role in STAFF_DECISION_ROLES and m.organisation.kind == kind for m in self.memberships)

    @property
    def handles_cases(self) -> bool:
        """Case handlers and admins of any organisation, and city admins (cases.selectors.handles_cases)."""
        return self.city_admin or any(m.role in STAFF_DECISION_ROLES for m in self.memberships)

    @property
    def can_review_checkins(self) -> bool:
        return self.city_admin or self._decides_for(OrgKind.PARTY_ORG)

    @property
    def can_review_employment(self) -> bool:
        return self.city_admin or self._decides_for(OrgKind.ENTERPRISE_PARTY_ORG)

    @property
    def manages_hives(self) -> bool:
        """Whether the console offers the stations page: a city admin, or anyone with a role every
        clause of hives.selectors.hives_managed_by needs (that selector decides which stations;
        a keeper not yet linked to one sees an empty list, not a refusal)."""
        return self.city_admin or any(m.role in STATION_STAFF_ROLES for m in self.memberships)

    @property
    def runs_events(self) -> bool:
        """Station staff and party-organisation staff publish and run events (hives.selectors.events)."""
        return self.manages_hives or self._decides_for(OrgKind.PARTY_ORG)

    @property
    def edits_point_rules(self) -> bool:
        """City admins, and admins of a district's party organisation (points.rules.rule_editor_of,
        built from the same memberships)."""
        return self.city_admin or any(administers_district(m) for m in self.memberships)

    @property
    def grants_titles(self) -> bool:
        """Handlers and admins of a community's party organisation grant honorary titles."""
        return any(grants_community_titles(m) for m in self.memberships)


def staff_access_of(user: User) -> StaffAccess:
    if not user.is_authenticated:
        return StaffAccess(memberships=[], city_admin=False)
    memberships = list(memberships_of(user).order_by("organisation__name", "role"))
    city_admin = bool(user.is_superuser) or any(m.role == Role.CITY_ADMIN for m in memberships)
    return StaffAccess(memberships=memberships, city_admin=city_admin)


# A queue row shows the community with its street and district: load the whole chain at once.
_QUEUE_RELATED = ("user", "enterprise", "outlet", "community__parent__parent__parent")


def queue_counts(queryset: QuerySet[WorkerProfile], status_field: str, statuses: list[str]) -> dict[str, int]:
    """How many profiles of a queue are in each status, in one query."""
    aggregates = {status: Count("pk", filter=Q(**{status_field: status})) for status in statuses}
    return {status: int(count or 0) for status, count in queryset.aggregate(**aggregates).items()}


def queue_page_rows(queryset: QuerySet[WorkerProfile], status_field: str, status: str) -> QuerySet[WorkerProfile]:
    """One status of a queue: pending oldest first (first come, first served), decided newest first."""
    decided_at = status_field.replace("_status", "_decided_at")
    decided_by = status_field.replace("_status", "_decided_by")
    rows = queryset.select_related(*_QUEUE_RELATED, decided_by).filter(**{status_field: status})
    if status == "pending":
        return rows.order_by("created_at", "id")
    return rows.order_by(f"-{decided_at}", "-id")


def profile_timeline(profile: WorkerProfile) -> QuerySet[ProfileEvent]:
    """A worker's registration and check-in history, oldest first."""
    return profile.events.select_related("organisation").order_by("at", "id")
