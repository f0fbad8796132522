"""Who may see and act on which case: the one place that decides. Every page, API call and
export goes through `cases_visible_to`.

Seeing a case (404 otherwise):
  * staff (handler or admin) of the organisation holding it now;
  * staff of an organisation it sat with before (forwarded, returned, escalated away): read only;
  * city admins: every case except confidential ones;
  * its reporter and its followers (reporters of cases merged into it, "me too").
  A confidential case is seen only by staff of the organisation holding it now, and its reporter.

Acting on it (403 for those who see it but may not act): staff of the organisation holding it
now, for the staff actions; its reporter, for feedback (confirm / dispute).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import NotFound

from .models import OPEN_STATUSES, STAFF_ACTIONS, Case, CaseEvent, CaseFollower, CaseOrganisation, ResponseTemplate

CASE_ROLES = (Role.HANDLER, Role.ADMIN)
# A case row shows where it is, who has it and who sent it: one query for a page of them.
CASE_RELATED = ("organisation", "handler", "reporter", "region")

QUEUES = ("mine", "assigned", "overdue", "urgent", "all")


def staff_org_ids(user: User) -> list[int]:
    """Organisations the user handles cases for."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, role__in=CASE_ROLES).values_list("organisation_id", flat=True).distinct()
    )


def _staff_scope(org_ids: list[int]) -> Q:
    held = Q(organisation_id__in=org_ids)
    passed = Exists(CaseOrganisation.objects.filter(case=OuterRef("pk"), organisation_id__in=org_ids))
    return held | (Q(passed) & Q(confidential=False))


def _own_scope(user: User) -> Q:
    return Q(reporter=user) | Q(Exists(CaseFollower.objects.filter(case=OuterRef("pk"), user=user)))


def cases_visible_to(user: User) -> QuerySet[Case]:
    base = Case.objects.select_related(*CASE_RELATED)
    if not user.is_authenticated:
        return base.none()
    org_ids = staff_org_ids(user)
    scope = _own_scope(user)
    if org_ids:
        scope |= _staff_scope(org_ids)
    if is_city_admin(user):
        scope |= Q(confidential=False)
    return base.filter(scope)


def cases_of_reporter(user: User) -> QuerySet[Case]:
    """A worker's own cases and those they follow, newest first."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.select_related(*CASE_RELATED).filter(_own_scope(user)).order_by("-created_at", "-id")


def case_for_actor(user: User, case_id: int) -> Case:
    """The case if the user may see it; 404 (NotFound) otherwise, the same as for no such case."""
    case = cases_visible_to(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def staff_role_in(user: User, organisation_id: int) -> str | None:
    """The user's case role (admin before handler) in the organisation, or None."""
    if not user.is_authenticated:
        return None
    roles = set(
        Membership.objects.filter(user=user, organisation_id=organisation_id, role__in=CASE_ROLES).values_list(
            "role", flat=True
        )
    )
    if Role.ADMIN in roles:
        return Role.ADMIN
    return Role.HANDLER if roles else None


def case_actions_for(user: User, case: Case, org_ids: list[int] | None = None) -> list[str]:
    """The staff actions the user may take on the case now (empty for onlookers)."""
    org_ids = staff_org_ids(user) if org_ids is None else org_ids
    if case.organisation_id not in org_ids:
        return []
    return [str(action) for action in STAFF_ACTIONS if case.can(action)]


def cases_queue(
    user: User,
    name: str = "mine",
    *,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[Case]:
    """A staff queue, newest first.

    mine      cases sitting with the caller's organisations (API.md's "assigned to the caller's
              organisations")
    assigned  cases naming the caller as handler
    overdue   mine, past a deadline
    urgent    mine, marked urgent and still open
    all       every case the caller may see (cases it passed through; for city admins, the city)
    """
    if name == "all":
        qs = cases_visible_to(user)
    elif name == "assigned":
        qs = (
            Case.objects.select_related(*CASE_RELATED).filter(handler=user)
            if user.is_authenticated
            else Case.objects.none()
        )
    else:
        qs = Case.objects.select_related(*CASE_RELATED).filter(organisation_id__in=staff_org_ids(user))
        if name == "overdue":
            qs = qs.filter(overdue=True)
        elif name == "urgent":
            qs = qs.filter(urgent=True, status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    return qs.order_by("-created_at", "-id")


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, oldest first, with who and where and the attachments."""
    return (
        CaseEvent.objects.filter(case=case)
        .select_related("actor", "from_org", "to_org")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def response_templates_for(kind: str, category: str, action: str = "") -> QuerySet[ResponseTemplate]:
    """Replies to pick from: the category's own first, then the kind's general ones."""
    qs = ResponseTemplate.objects.filter(kind=kind, is_active=True).filter(Q(category=category) | Q(category=""))
    if action:
        qs = qs.filter(Q(action=action) | Q(action=""))
    return qs.order_by("-category", "title")
