"""Who may see and decide what about accounts. Every view, API and export goes through here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from littlebee.orgs.models import Organisation, OrgKind

from .models import ApiToken, Membership, Role, User, WorkerProfile

STAFF_DECISION_ROLES = (Role.HANDLER, Role.ADMIN)


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
    base = WorkerProfile.objects.select_related("user", "enterprise", "outlet", "outlet__parent", "community")
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
    """Profiles whose check-in the user may confirm: staff of the community or a region above it."""
    base = WorkerProfile.objects.select_related("user", "enterprise", "outlet", "community", "community__parent")
    if not user.is_authenticated:
        return base.none()
    if is_city_admin(user):
        return base
    return base.filter(_region_scope(staff_organisations(user), "community"))


def employment_reviewable_by(user: User) -> QuerySet[WorkerProfile]:
    """Profiles whose employment the user may confirm: staff of the enterprise's party organisation."""
    base = WorkerProfile.objects.select_related("user", "enterprise", "outlet", "community")
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
            "enterprise", "outlet", "outlet__parent", "community", "community__parent", "community__parent__parent"
        ).get(user=user)
    except WorkerProfile.DoesNotExist:
        return None
