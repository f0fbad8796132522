"""Who may see and decide what about accounts. Every view, API and export goes through here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from littlebee.core.hot_cursor import hot_cursor
from littlebee.orgs.models import Organisation, OrgKind, Outlet, Region, RegionLevel

from . import hooks
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


# A region's boundary is a GeoJSON value of kilobytes (a city's is 6.5 KB) that no per-request
# read shows: every select_related of a region chain leaves it behind.
COMMUNITY_CHAIN_BOUNDARIES = (
    "community__boundary",
    "community__parent__boundary",
    "community__parent__parent__boundary",
    "community__parent__parent__parent__boundary",
)


def worker_profile_of(user: User) -> WorkerProfile | None:
    return (
        WorkerProfile.objects.select_related("enterprise", "outlet__parent", "community__parent__parent__parent")
        .defer(*COMMUNITY_CHAIN_BOUNDARIES)
        .filter(user=user)
        .first()
    )


@dataclass(frozen=True)
class MeRole:
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    role: str


@dataclass(frozen=True)
class MeSummary:
    """What GET /me shows of the account itself; `profile` is None for staff without one."""

    profile: dict[str, Any] | None
    roles: list[MeRole]
    # The fields other apps add (hooks.me_columns: the points balance and title), read with the rest.
    fields: dict[str, Any]


@dataclass(frozen=True)
class TokenRide:
    """A read of the caller's own rows made by the token lookup's statement (services.token_lookup),
    for an endpoint whose first statement would read them by the user's id (GET /me): one round
    trip, not two, on the call a phone makes most. `columns(user_id)` are SQL expressions and
    `joins(user_id)` LEFT JOINs of one row at most per user, in terms of the SQL `user_id` (the
    token's user); they must not use the aliases t and u. Each ride's statement is built once
    per process."""

    name: str
    columns: Callable[[str], list[str]]
    joins: Callable[[str], list[str]]


# GET /me is the call a phone makes most. Its read is one statement of plain SQL built once per
# process (quoted names from the models, "%s" placeholders): the profile with only the columns
# the answer shows, the community's chain of names (never a region's boundary), and whether the
# person holds any staff role; the roles themselves are read only for someone who holds one.
_ME_SQL: list[str] = []


def _me_columns(user_id: str) -> list[str]:
    """The select list of GET /me's read for the user whose id is the SQL `user_id` (me_from_row's row)."""
    q = connection.ops.quote_name
    chain = [f"r{i}.{q('name')}, r{i}.{q('level')}" for i in range(4)]
    return [
        f"p.{q('id')}, p.{q('worker_type')}, p.{q('party_member')}, p.{q('checkin_status')}",
        f"p.{q('employment_status')}, e.{q('id')}, e.{q('name')}, e.{q('short_name')}",
        f"o.{q('id')}, o.{q('name')}, op.{q('name')}, r0.{q('id')}",
        *chain,
        f"EXISTS (SELECT 1 FROM {q(Membership._meta.db_table)} m WHERE m.{q('user_id')} = {user_id})",  # noqa: S608
        *(column for hook in hooks.me_columns() for column in hook.columns(q, user_id)),
    ]


def _me_joins(user_id: str) -> list[str]:
    """The LEFT JOINs of GET /me's read, one row at most each, on the user whose id is `user_id`."""
    q = connection.ops.quote_name
    region, org, outlet = q(Region._meta.db_table), q(Organisation._meta.db_table), q(Outlet._meta.db_table)
    return [
        f"LEFT JOIN {q(WorkerProfile._meta.db_table)} p ON p.{q('user_id')} = {user_id}",
        f"LEFT JOIN {org} e ON e.{q('id')} = p.{q('enterprise_id')}",
        f"LEFT JOIN {outlet} o ON o.{q('id')} = p.{q('outlet_id')}",
        f"LEFT JOIN {outlet} op ON op.{q('id')} = o.{q('parent_id')}",
        f"LEFT JOIN {region} r0 ON r0.{q('id')} = p.{q('community_id')}",
        *(f"LEFT JOIN {region} r{i} ON r{i}.{q('id')} = r{i - 1}.{q('parent_id')}" for i in range(1, 4)),
        *(join for hook in hooks.me_columns() for join in hook.joins(q, user_id)),
    ]


# GET /me by bearer token reads the account in the token lookup's statement (accounts.api_auth):
# the columns and joins are the same as _me_sql's, on the token's user.
ME_RIDE = TokenRide("me", _me_columns, _me_joins)


def _me_sql() -> str:
    """Built once per process, after every app has added its columns (hooks.me_columns, in ready())."""
    if not _ME_SQL:
        q = connection.ops.quote_name
        user_id = f"u.{q('id')}"
        _ME_SQL.append(
            f"SELECT {', '.join(_me_columns(user_id))} FROM {q(User._meta.db_table)} u"  # noqa: S608
            f" {' '.join(_me_joins(user_id))} WHERE {user_id} = %s"
        )
    return _ME_SQL[0]


def me_summary(user: User, row: Sequence[Any] | None = None) -> MeSummary:
    """The account as GET /me shows it: one query, and one more for someone with staff roles.
    `row`: the values of ME_RIDE's columns, read already with the caller's token (no query)."""
    if row is None:
        with hot_cursor(connection) as cursor:
            cursor.execute(_me_sql(), [user.pk])
            row = cursor.fetchone()
    columns = hooks.me_columns()
    if row is None:
        return MeSummary(profile=None, roles=[], fields=_me_fields(columns, [], worker=False))
    widths = [len(hook.columns(str, "")) for hook in columns]
    extra = list(row[len(row) - sum(widths) :]) if widths else []
    row = row[: len(row) - sum(widths)]
    (profile_id, worker_type, party_member, checkin_status, employment_status, enterprise_id, enterprise_name,
     enterprise_short, outlet_id, outlet_name, outlet_parent_name, community_id, *chain, has_roles) = row  # fmt: skip
    profile = None
    if profile_id is not None:
        names = []
        # Region.full_name(): the names below the city, community last.
        for name, level in zip(chain[0::2], chain[1::2], strict=True):
            if name is None or level == RegionLevel.CITY:
                break
            names.append(name)
        profile = {
            "worker_type": worker_type,
            "party_member": bool(party_member),
            "checkin_status": checkin_status,
            "employment_status": employment_status,
            "enterprise": {"id": enterprise_id, "name": enterprise_short or enterprise_name}
            if enterprise_id is not None
            else None,
            # Outlet.__str__: the parent's name before the outlet's own.
            "outlet": {
                "id": outlet_id,
                "name": outlet_name if outlet_parent_name is None else f"{outlet_parent_name} {outlet_name}",
            }
            if outlet_id is not None
            else None,
            "community": {"id": community_id, "name": chain[0], "full_name": " ".join(reversed(names))},
        }
    roles: list[MeRole] = []
    if has_roles:
        rows = (
            Membership.objects.filter(user_id=user.pk)
            .order_by("organisation__name", "role")
            .values_list("organisation_id", "organisation__name", "organisation__kind", "role")
        )
        roles = [MeRole(*r) for r in rows]
    return MeSummary(profile=profile, roles=roles, fields=_me_fields(columns, extra, worker=profile is not None))


def _me_fields(columns: list[hooks.MeColumns], values: list[Any], *, worker: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    start = 0
    for hook in columns:
        width = len(hook.columns(str, ""))
        fields.update(hook.fields(values[start : start + width] or [None] * width, worker=worker))
        start += width
    return fields


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


def writes_learning(m: Membership) -> bool:
    """A handler or admin of a city's or district's party organisation: writes and reviews that
    organisation's learning items (learning.selectors.learning_editor_of)."""
    return (
        m.role in STAFF_DECISION_ROLES
        and m.organisation.kind == OrgKind.PARTY_ORG
        and m.organisation.region.level in (RegionLevel.CITY, RegionLevel.DISTRICT)
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
    def writes_learning(self) -> bool:
        """City admins, and staff of a city's or district's party organisation (writes_learning)."""
        return self.city_admin or any(writes_learning(m) for m in self.memberships)

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
