"""Who may see and act on which case: the one place that decides. Every page, API call and
export goes through `cases_visible_to`.

Seeing a case (404 otherwise):
  * staff (handler or admin) of the organisation holding it now;
  * staff of an organisation it sat with before (forwarded, returned, escalated away): read only;
  * city admins: every case except confidential ones;
  * its reporter and its followers (reporters of cases merged into it, "me too");
  * staff of the organisation supervising it (hooks.KindHooks.supervisor_id: an enterprise
    appeal's industry committee), which may also supervise it (SUPERVISION_ACTIONS).
  A confidential case is seen only by staff of the organisation holding it now, and its reporter.

Acting on it (403 for those who see it but may not act): staff of the organisation holding it
now, for the staff actions; its reporter, for feedback (confirm / dispute).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import CharField, Count, Exists, Model, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from littlebee.accounts.models import Membership, Role, User
from littlebee.accounts.phones import mask_phone
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.compiled_select import compiled_count, compiled_rows
from littlebee.core.errors import NotFound
from littlebee.core.raw_rows import loaded_instance
from littlebee.orgs.models import Organisation, OrgKind, Region, RegionLevel

from .hooks import hooks_for, registered_hooks, registered_kinds
from .models import (
    OPEN_STATUSES,
    STAFF_ACTIONS,
    SUPERVISION_ACTIONS,
    Case,
    CaseEvent,
    CaseFollower,
    CaseOrganisation,
    CaseStatus,
    ResponseTemplate,
)

CASE_ROLES = (Role.HANDLER, Role.ADMIN)
# A case row shows where it is, who has it and who sent it: one query for a page of them.
CASE_RELATED = ("organisation", "handler", "reporter", "region")

QUEUES = ("mine", "assigned", "overdue", "urgent", "all")


def stage_due(case: Case) -> datetime | None:
    """The deadline of the stage the case is in now (none once it is done)."""
    if case.status == CaseStatus.SUBMITTED:
        return case.accept_due_at
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return case.resolve_due_at
    if case.status == CaseStatus.DISPUTED:
        return case.dispute_due_at
    return None


def staff_org_ids(user: User) -> list[int]:
    """Organisations the user handles cases for."""
    if not user.is_authenticated:
        return []
    # Read on every staff request: compiled once (core.compiled_select).
    return [row["organisation_id"] for row in compiled_rows(_staff_orgs, user_id=user.pk)]


def _staff_orgs(key: object, *, user_id: int) -> QuerySet[Any]:
    return Membership.objects.filter(user_id=user_id, role__in=CASE_ROLES).values("organisation_id").distinct()


def _visible_branches(user_id: int, org_ids: list[int], city_admin: bool) -> list[Q]:
    """The rule of cases_visible_to for a signed-in user as its branches (a case is visible when
    it passes any), from what it depends on: the user, the organisations they handle cases for,
    whether they are a city admin. Decides only on the length of org_ids and city_admin, so a
    statement compiled from it serves every user alike (cases_queue_page)."""
    branches = [
        Q(reporter_id=user_id),
        Q(Exists(CaseFollower.objects.filter(case=OuterRef("pk"), user_id=user_id))),
    ]
    if org_ids:
        branches.append(Q(organisation_id__in=org_ids))
        passed = Exists(CaseOrganisation.objects.filter(case=OuterRef("pk"), organisation_id__in=org_ids))
        branches.append(Q(passed) & Q(confidential=False))
        for hooks in registered_hooks():
            if hooks.supervised_scope is not None:
                branches.append(hooks.supervised_scope(org_ids) & Q(confidential=False))
    if city_admin:
        branches.append(Q(confidential=False))
    return branches


def _branch_ids(shape: QueueShape, *, user_id: int, org_ids: list[int], narrow: Q) -> list[QuerySet[Any]]:
    """The ids of the newest `shape.branch_limit` cases of each branch of the `all` queue's rule
    (narrowed by the filters), one queryset per branch, to be put together by UNION. Where the
    database takes a sliced SELECT in a UNION (PostgreSQL) it is given as is; SQLite's needs
    it wrapped (id IN (…)), which on PostgreSQL would cost a scan of the table."""
    members = []
    for branch in _visible_branches(user_id, org_ids, shape.city_admin):
        newest = Case.objects.filter(branch, narrow).order_by("-created_at", "-id").values("pk")
        newest = newest[: shape.branch_limit]
        if not connection.features.supports_slicing_ordering_in_compound:
            newest = Case.objects.filter(pk__in=newest).order_by().values("pk")
        members.append(newest)
    return members


def _visible_scope(user_id: int, org_ids: list[int], city_admin: bool) -> Q:
    scope = Q()
    for branch in _visible_branches(user_id, org_ids, city_admin):
        scope |= branch
    return scope


def cases_visible_to(user: User, org_ids: list[int] | None = None) -> QuerySet[Case]:
    """Every case the user may see; `org_ids` (staff_org_ids of the user), when the caller
    already has them, saves a query."""
    base = Case.objects.select_related(*CASE_RELATED)
    if not user.is_authenticated:
        return base.none()
    org_ids = staff_org_ids(user) if org_ids is None else org_ids
    return base.filter(_visible_scope(user.pk, org_ids, is_city_admin(user)))


def case_ids_of_reporter(user: User) -> QuerySet[Any]:
    """The ids of a worker's own cases and of those they follow, for `…__in`: each half read
    through its index (case_reporter_idx, casefollower_user_idx) and the two put together
    (UNION ALL: an id twice is still one match of IN), where `reporter = … OR EXISTS (follower …)`
    reads every case of the city."""
    own = Case.objects.filter(reporter_id=user.pk).order_by().values("pk")
    return own.union(CaseFollower.objects.filter(user_id=user.pk).order_by().values("case_id"), all=True)


def cases_of_reporter(user: User) -> QuerySet[Case]:
    """A worker's own cases and those they follow, newest first."""
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.select_related(*CASE_RELATED)
        .filter(pk__in=case_ids_of_reporter(user))
        .order_by("-created_at", "-id")
    )


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
    """The staff actions the user may take on the case now (empty for onlookers); for staff of
    the supervising organisation while another holds it, the supervision actions."""
    org_ids = staff_org_ids(user) if org_ids is None else org_ids
    if case.organisation_id not in org_ids:
        supervisor = hooks_for(case.kind).supervisor_id(case)
        if supervisor is not None and supervisor in org_ids:
            return list(_actions_in(case.status, supervising=True))
        return []
    return list(_actions_in(case.status, supervising=False))


@functools.cache
def _actions_in(status: str, *, supervising: bool) -> tuple[str, ...]:
    """The staff (or supervision) actions a case in `status` allows (Case.can: a status's guard
    reads TRANSITIONS alone), worked out once per status rather than for each row of a queue."""
    probe = Case(status=status)
    return tuple(str(action) for action in (SUPERVISION_ACTIONS if supervising else STAFF_ACTIONS) if probe.can(action))


def reporter_visible(case: Case, user: User) -> bool:
    """Whether the user may learn who filed the case (hooks.KindHooks.reporter_visible)."""
    return hooks_for(case.kind).reporter_visible(case, user)


def reporter_phone_for(case: Case, user: User, org_ids: list[int] | None = None) -> str | None:
    """The reporter's phone number as this viewer may see it: the one rule for staff pages, lists
    and the API.

    In full only to those who may need to call the worker about this case now: staff (handler or
    admin) of the organisation holding the case, while it is open, and only if the reporter is
    not hidden from them. Everyone else who sees the case gets it masked (138****0001): city
    admins and supervisors looking on, offices it passed through, and the holder itself once the
    case is done. None where the reporter is hidden from the viewer (reporter_visible), and
    where the reporter has closed their account (its number is gone, a placeholder holds it).
    """
    if not reporter_visible(case, user) or not case.reporter.is_active:
        return None
    org_ids = staff_org_ids(user) if org_ids is None else org_ids
    phone = case.reporter.phone
    if case.is_open and case.organisation_id in org_ids:
        return phone
    return mask_phone(phone)


def cases_prefetch(cases: list[Case], done: frozenset[str] = frozenset()) -> list[Case]:
    """Prefetch, for a page of cases, what their kinds' hooks read (one query per lookup), but for
    the lookups `done` (read with the page)."""
    from django.db.models import prefetch_related_objects

    by_kind: dict[str, list[Case]] = {}
    for case in cases:
        by_kind.setdefault(case.kind, []).append(case)
    for kind, of_kind in by_kind.items():
        lookups = [lookup for lookup in hooks_for(kind).prefetch if lookup not in done]
        rest = [lookup for lookup in lookups if not _prefetch_one_to_one(of_kind, lookup)]
        if rest:
            prefetch_related_objects(of_kind, *rest)
    return cases


def _prefetch_one_to_one(cases: list[Case], lookup: str) -> bool:
    """prefetch_related_objects(cases, lookup) for a kind's own row of a case (a reverse one-to-one,
    an appeal), through a statement compiled once per page length (core.compiled_select): the
    ORM's prefetch compiled it again for every queue page holding such a case. Each case gets
    its row, or None (reading it then raises DoesNotExist, as after the ORM's prefetch), and the
    row its case. False for any other lookup (the ORM prefetches it)."""
    try:
        relation: Any = Case._meta.get_field(lookup)
    except FieldDoesNotExist:
        return False  # a path through several relations
    if not (relation.one_to_one and relation.auto_created) or len(cases) >= 998:
        return False
    model, link = relation.related_model, relation.field
    rows = compiled_rows(_one_to_one_rows, key=(model._meta.label, link.name), ids=[case.pk for case in cases])
    names = [f.attname for f in model._meta.concrete_fields]
    db = model._base_manager.db
    by_case = {}
    for row in rows:
        instance = loaded_instance(model, db, names, [row[name] for name in names])
        by_case[row[link.attname]] = instance
    for case in cases:
        instance = by_case.get(case.pk)
        relation.set_cached_value(case, instance)
        if instance is not None:
            link.set_cached_value(instance, case)
    return True


def _one_to_one_rows(key: tuple[str, str], *, ids: list[int]) -> QuerySet[Any]:
    """core.compiled_select's builder of _prefetch_one_to_one: the rows of `ids`' cases."""
    from django.apps import apps

    label, link = key
    model = apps.get_model(label)
    names = [f.attname for f in model._meta.concrete_fields]
    return model._base_manager.filter(**{f"{link}__in": ids}).order_by().values(*names)


def cases_queue(
    user: User,
    name: str = "mine",
    *,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    category: str | None = None,
    case_id: int | None = None,
    org_ids: list[int] | None = None,
    rows: int | None = None,
) -> QuerySet[Case]:
    """A staff queue, newest first (`org_ids`: staff_org_ids of the user, when the caller has them;
    `rows`: how far the list will be read, when the caller reads no further, such as the console's
    bounded pages: the `all` queue then reads each branch of its rule only that far).

    mine      cases sitting with the caller's organisations (API.md's "assigned to the caller's
              organisations")
    assigned  cases naming the caller as handler
    overdue   mine, past a deadline
    urgent    mine, marked urgent and still open
    all       every case the caller may see (cases it passed through; for city admins, the city)

    Every queue narrows `cases_visible_to`, never the bare table: a handler whose membership has
    ended keeps the `handler` column on his old cases, but must not see them any more.
    """
    if not user.is_authenticated:
        return Case.objects.none()
    org_ids = staff_org_ids(user) if org_ids is None else org_ids
    shape = _queue_shape(name, status=status, kind=kind, overdue=overdue, category=category, case_id=case_id)
    if shape.queue == "all":
        shape = replace(shape, city_admin=is_city_admin(user), branch_limit=rows or 0)
    queryset = _queue_cases(
        shape,
        user_id=user.pk,
        org_ids=org_ids,
        status=status or None,
        kind=kind or None,
        category=category or None,
        case_id=case_id,
    )
    return queryset.select_related(*CASE_RELATED)


@dataclass(frozen=True)
class QueueShape:
    """What shapes a queue's SQL (core.compiled_select's key): the queue, which filters are
    given (their values are bound per call), the overdue filter's value, whether the caller is
    a city admin (the `all` queue's rule), the reader's language (a report's title names its
    category in it) and the kinds' registered hooks (titles, supervised scopes)."""

    queue: str
    status: bool
    kind: bool
    overdue: bool | None
    category: bool
    case_id: bool
    city_admin: bool = False
    language: str = ""
    hooks: tuple[tuple[str, int], ...] = ()
    # The `all` queue read as the union of its rule's branches, each its newest this many cases
    # (_queue_cases); 0: as one OR of them (the console's paginated queryset).
    branch_limit: int = 0
    # A held queue (mine, assigned, overdue, urgent) whose organisations are read in its own
    # statement (a subquery of the caller's memberships) rather than given as a list of ids read
    # before it: the API's list saves that round trip (cases_queue_page).
    by_membership: bool = False


def _queue_shape(
    name: str,
    *,
    status: str | None,
    kind: str | None,
    overdue: bool | None,
    category: str | None,
    case_id: int | None,
) -> QueueShape:
    return QueueShape(
        queue=name if name in QUEUES else "mine",
        status=bool(status),
        kind=bool(kind),
        overdue=overdue,
        category=bool(category),
        case_id=case_id is not None,
        language=get_language() or "",
        hooks=tuple((kind_name, id(hooks)) for kind_name, hooks in sorted(registered_kinds().items())),
    )


def _narrowing(
    shape: QueueShape, *, status: str | None, kind: str | None, category: str | None, case_id: int | None
) -> Q:
    """The queue's filters (those the shape says are given)."""
    narrow = Q()
    if shape.status:
        narrow &= Q(status=status)
    if shape.kind:
        narrow &= Q(kind=kind)
    if shape.overdue is not None:
        narrow &= Q(overdue=shape.overdue)
    if shape.category:
        narrow &= Q(category=category)
    if shape.case_id and case_id is not None:
        narrow &= Q(pk=case_id)
    return narrow


def _queue_cases(
    shape: QueueShape,
    *,
    user_id: int,
    org_ids: list[int],
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    case_id: int | None = None,
) -> QuerySet[Case]:
    """The queue's cases, newest first, deciding only on `shape` (the values are compared)."""
    narrow = _narrowing(shape, status=status, kind=kind, category=category, case_id=case_id)
    if shape.queue == "all" and shape.branch_limit:
        # Each branch of the rule read newest first through its own index, at most branch_limit
        # rows, and the page taken from their union: the newest n of the union are among the
        # newest n of each branch. One OR of the branches makes the database walk the whole
        # history newest first, testing each case against every branch, until it has a page:
        # for an office with a few cases in a long history, every case of the city.
        newest = _branch_ids(shape, user_id=user_id, org_ids=org_ids, narrow=narrow)
        qs = Case.objects.filter(pk__in=newest[0].union(*newest[1:], all=True))
    elif shape.queue == "all":
        qs = Case.objects.filter(_visible_scope(user_id, org_ids, shape.city_admin), narrow)
    else:
        # Held by one of the caller's organisations now: the queues of work to do. That is the
        # `held` branch of _visible_branches, so within cases_visible_to by its own rule, and asking
        # the wider rule (is the caller a city admin?) would cost a query and add nothing.
        held: Any = org_ids
        if shape.by_membership:
            # A semi-join: a role held twice in one organisation lists its cases once.
            held = Membership.objects.filter(user_id=user_id, role__in=CASE_ROLES).values("organisation_id")
        qs = Case.objects.filter(organisation_id__in=held)
        if shape.queue == "assigned":
            qs = qs.filter(handler_id=user_id)
        elif shape.queue == "overdue":
            qs = qs.filter(overdue=True)
        elif shape.queue == "urgent":
            qs = qs.filter(urgent=True, status__in=OPEN_STATUSES)
        qs = qs.filter(narrow)
    return qs.order_by("-created_at", "-id")


# What a row of the API's staff list reads (cases.api.case_payload, case_actions_for,
# reporter_phone_for, the kinds' hooks): the case's own columns it shows or decides on, and the
# names around it, never whole rows (a region's boundary, a user's password hash).
QUEUE_CASE_COLUMNS = tuple(
    f.attname
    for f in Case._meta.concrete_fields
    if f.attname
    in {
        "id",
        "kind",
        "status",
        "category",
        "region_id",
        "lat",
        "lng",
        "organisation_id",
        "handler_id",
        "reporter_id",
        "duplicate_of_id",
        "urgent",
        "confidential",
        "overdue",
        "escalation_level",
        "dispute_count",
        "accept_due_at",
        "resolve_due_at",
        "dispute_due_at",
        "rating",
        "created_at",
        "updated_at",
    }
)
# Per relation: its model and the columns read of it (in the model's field order, for from_db).
QUEUE_RELATED: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    relation: (
        model,
        tuple(f.attname for f in model._meta.concrete_fields if f.attname in names),
    )
    for relation, model, names in (
        ("organisation", Organisation, {"id", "name"}),
        ("handler", User, {"id", "name"}),
        ("reporter", User, {"id", "name", "phone", "is_active"}),
        ("region", Region, {"id", "name"}),
    )
}


# QUEUE_RELATED as _case_from_row reads it for every row: the relation's field, its model, the
# names loaded and the row's columns (its id's first, then those of the names).
_QUEUE_RELATED_READ: tuple[tuple[Any, type[Model], tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (
        Case._meta.get_field(relation),
        model,
        names,
        (f"{relation}__id", *(f"{relation}__{name}" for name in names)),
    )
    for relation, (model, names) in QUEUE_RELATED.items()
)


def _queue_page_rows(
    shape: QueueShape,
    *,
    user_id: int,
    org_ids: list[int],
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    case_id: int | None = None,
) -> QuerySet[Any]:
    """core.compiled_select's builder of a queue page: the rows' columns and titles."""
    cases = _queue_cases(
        shape, user_id=user_id, org_ids=org_ids, status=status, kind=kind, category=category, case_id=case_id
    )
    related = [f"{relation}__{name}" for relation, (_model, names) in QUEUE_RELATED.items() for name in names]
    kind_rows = _kind_rows(shape.hooks)
    own = [f"{lookup}__{name}" for lookup, (_model, names, _marker) in kind_rows.items() for name in names]
    return cases_with_titles(cases).values(*QUEUE_CASE_COLUMNS, *related, *own, "title")


KindRows = dict[str, tuple[type[Model], tuple[str, ...], str]]
_KIND_ROWS: dict[Hashable, KindRows] = {}


def _kind_rows(hooks: Hashable) -> KindRows:
    """The kinds' own rows their hooks read (their `prefetch` lookups that are a case's reverse
    one-to-one, an appeal), read with a queue page's rows: per lookup, its model, its columns
    (every concrete one, as the prefetch loaded them) and a column never NULL in a row that exists
    (its LEFT JOIN's NULL there says the case has none). The page's statement is compiled per
    QueueShape, which names the registered hooks (`hooks`, the key they are kept under)."""
    kept = _KIND_ROWS.get(hooks)
    if kept is not None:
        return kept
    found: KindRows = {}
    for kind_hooks in registered_kinds().values():
        for lookup in kind_hooks.prefetch:
            try:
                relation: Any = Case._meta.get_field(lookup)
            except FieldDoesNotExist:
                continue
            if not (relation.one_to_one and relation.auto_created):
                continue
            model, link = relation.related_model, relation.field
            fields = model._meta.concrete_fields
            marker = next((f.attname for f in fields if f is not link and not f.null and not f.is_relation), None)
            if marker is not None:
                found[lookup] = (model, tuple(f.attname for f in fields), marker)
    _KIND_ROWS[hooks] = found
    return found


@dataclass
class QueuePage:
    cases: list[Case]
    # At most COUNT_CAP (count_bounded): `capped` says there are more.
    count: int
    capped: bool
    # What the rows' rules (case_actions_for, reporter_phone_for) are to be given as the caller's
    # organisations: staff_org_ids for the `all` queue; for a held queue read without them, the
    # organisations holding its rows (each row is held by one of the caller's, and those rules
    # ask only whether the row's holder, or its supervisor, is among them: a held row's holder is).
    org_ids: list[int] = field(default_factory=list)


def cases_queue_page(
    user: User,
    name: str = "mine",
    *,
    limit: int,
    offset: int = 0,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    org_ids: list[int] | None = None,
) -> QueuePage:
    """A page of a staff queue (cases_queue: the same rows, in the same order) and its bounded
    count, for the API's list: the cases carry their `title` and only QUEUE_CASE_COLUMNS and the
    names of QUEUE_RELATED (the rest deferred), and what their kinds' hooks read is prefetched.

    A hot path: both statements are compiled once per QueueShape (core.compiled_select), where
    building and compiling them through the ORM cost more than running them. The count is read
    only when the page does not tell it: a first page shorter than `limit` is the whole list.
    Without `org_ids`, a held queue reads the caller's organisations in its own statement (one
    round trip less than staff_org_ids first); the page's `org_ids` are then its rows' holders."""
    if not user.is_authenticated:
        return QueuePage([], 0, False)
    shape = _queue_shape(name, status=status, kind=kind, overdue=overdue, category=None, case_id=None)
    if shape.queue == "all":
        org_ids = staff_org_ids(user) if org_ids is None else org_ids
        shape = replace(shape, city_admin=is_city_admin(user), branch_limit=_branch_limit(offset + limit))
    elif org_ids is None:
        shape = replace(shape, by_membership=True)
    values: dict[str, Any] = {"user_id": user.pk, "org_ids": list(org_ids or ()), "status": status or None}
    values["kind"] = kind or None
    rows = compiled_rows(_queue_page_rows, key=shape, limit=limit, offset=offset, **values)
    # The kinds' own rows come with the page (_kind_rows): one round trip, not one more per kind.
    kind_rows = _kind_rows(shape.hooks)
    db = Case.objects.db
    cases = cases_prefetch([_case_from_row(row, kind_rows, db) for row in rows], done=frozenset(kind_rows))
    if len(rows) < limit and (rows or offset == 0):
        found = offset + len(rows)
    else:
        build = _queue_count_ids if shape.branch_limit else _queue_page_rows
        found = compiled_count(build, key=replace(shape, branch_limit=0), cap=COUNT_CAP, **values)
    if org_ids is None:
        org_ids = sorted({case.organisation_id for case in cases})
    return QueuePage(cases, min(found, COUNT_CAP), found > COUNT_CAP, list(org_ids))


def _queue_count_ids(
    shape: QueueShape,
    *,
    user_id: int,
    org_ids: list[int],
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    case_id: int | None = None,
) -> QuerySet[Any]:
    """core.compiled_select's builder of the `all` queue's bounded count: the distinct ids of the
    union of its branches (_branch_ids), each read at most COUNT_CAP + 1 deep (more than the cap
    in one is enough to say so), without joining the cases again."""
    shape = replace(shape, branch_limit=COUNT_CAP + 1)
    narrow = _narrowing(shape, status=status, kind=kind, category=category, case_id=case_id)
    members = _branch_ids(shape, user_id=user_id, org_ids=org_ids, narrow=narrow)
    return members[0].union(*members[1:])


def _branch_limit(rows: int) -> int:
    """How far each branch of the `all` queue is read for a page ending at `rows`: the next power
    of two, at least 32, so a handful of compiled shapes serve every page."""
    limit = 32
    while limit < rows:
        limit *= 2
    return limit


def _case_from_row(row: dict[str, Any], kind_rows: KindRows, db: str) -> Case:
    """A Case of QUEUE_CASE_COLUMNS (the others deferred) with its related rows' names set, as
    select_related with only() would give it, its title, and its kind's own row where its kind's
    hooks prefetch it (as cases_prefetch would: the row, or None for a case without one)."""
    case = loaded_instance(Case, db, QUEUE_CASE_COLUMNS, [row[name] for name in QUEUE_CASE_COLUMNS])
    for relation, model, names, columns in _QUEUE_RELATED_READ:
        related = None
        if row[columns[0]] is not None:
            related = loaded_instance(model, db, names, [row[column] for column in columns[1:]])
        relation.set_cached_value(case, related)
    prefetched = hooks_for(case.kind).prefetch
    for lookup, (model, names, marker) in kind_rows.items():
        if lookup not in prefetched:
            continue
        own = None
        if row[f"{lookup}__{marker}"] is not None:
            own = loaded_instance(model, model._base_manager.db, names, [row[f"{lookup}__{name}"] for name in names])
        reverse: Any = Case._meta.get_field(lookup)
        reverse.set_cached_value(case, own)
        if own is not None:
            reverse.field.set_cached_value(own, case)
    case.title = row["title"] or ""  # type: ignore[attr-defined]
    return case


# A staff list counts at most this many rows: "1000+" says as much as 187,000 and costs a
# bounded scan, however long the city's history grows.
COUNT_CAP = 1000


def count_bounded(queryset: QuerySet[Case], cap: int | None = None) -> tuple[int, bool]:
    """(rows, capped): the rows of the list when at most `cap` (COUNT_CAP), else (`cap`, True).
    The database stops after cap + 1 rows (SELECT COUNT(*) FROM (… LIMIT cap + 1))."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def timeline_events() -> QuerySet[CaseEvent]:
    """Timeline rows, oldest first, with who and where and the attachments: for one case
    (case_timeline) or prefetched for a page of cases."""
    return (
        CaseEvent.objects.select_related("actor", "from_org", "to_org")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def timeline_brief() -> QuerySet[CaseEvent]:
    """Timeline rows, oldest first, with only what a worker's list shows of them (when, the
    actor's role, the action, the note, its data): prefetched for a page of the worker's cases."""
    return CaseEvent.objects.only("id", "case_id", "at", "actor_role", "action", "note", "data").order_by("at", "id")


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, oldest first, with who and where and the attachments."""
    return timeline_events().filter(case=case)


def cases_with_titles(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases, each with `title` (what its kind's hooks.KindHooks.title says: an appeal's
    subject, a report's category and first words; "" otherwise), read in the same statement."""
    parts = [hooks.title() for hooks in registered_hooks() if hooks.title is not None]
    return cases.annotate(title=Coalesce(*parts, Value(""), output_field=CharField()))


def case_title(case: Case) -> str:
    """One case's title (cases_with_titles): one query."""
    found = cases_with_titles(Case.objects.filter(pk=case.pk).only("pk")).first()
    return str(getattr(found, "title", "") or "")


def response_templates_for(kind: str, category: str, action: str = "") -> QuerySet[ResponseTemplate]:
    """Replies to pick from: the category's own first, then the kind's general ones."""
    qs = ResponseTemplate.objects.filter(kind=kind, is_active=True).filter(Q(category=category) | Q(category=""))
    if action:
        qs = qs.filter(Q(action=action) | Q(action=""))
    return qs.order_by("-category", "title")


def handles_cases(user: User) -> bool:
    """Whether the staff console's casework pages are for this person: a case role somewhere,
    or a city admin (who looks on across the city)."""
    return bool(staff_org_ids(user)) or is_city_admin(user)


def open_cases_count(org_ids: list[int]) -> int:
    """Open cases sitting with these organisations (the sidebar's badge)."""
    if not org_ids:
        return 0
    return Case.objects.filter(organisation_id__in=org_ids, status__in=OPEN_STATUSES).count()


def casework_counts(org_ids: list[int]) -> dict[str, int]:
    """Open, overdue and urgent cases sitting with these organisations, in one query (the
    console's overview)."""
    if not org_ids:
        return {"open": 0, "overdue": 0, "urgent": 0}
    open_here = Q(organisation_id__in=org_ids, status__in=OPEN_STATUSES)
    return Case.objects.filter(open_here).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(overdue=True)),
        urgent=Count("pk", filter=Q(urgent=True)),
    )


def case_assignees(case: Case) -> QuerySet[User]:
    """Who may be named handler: active handlers and admins of the organisation holding it."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=case.organisation_id,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("name", "pk")
    )


FORWARD_KINDS = (OrgKind.DEPARTMENT, OrgKind.PARTY_ORG)
FORWARD_LEVELS = (RegionLevel.COMMUNITY, RegionLevel.STREET)
FORWARD_SEARCH_LIMIT = 20


def forward_candidates(case: Case, query: str = "") -> list[Organisation]:
    """Where a case may sensibly be forwarded: the functional departments and the street and
    community party organisations of its district (departments first); with a search text,
    active organisations anywhere whose name contains it. Never the one holding it now."""
    base = Organisation.objects.filter(is_active=True).exclude(pk=case.organisation_id).select_related("region")
    text = query.strip()[:50]
    if text:
        found = base.filter(Q(name__icontains=text) | Q(short_name__icontains=text))
        return list(found.order_by("kind", "name", "pk")[:FORWARD_SEARCH_LIMIT])
    district = _district_path(case)
    if district is None:
        return list(base.filter(kind=OrgKind.DEPARTMENT).order_by("name", "pk")[:FORWARD_SEARCH_LIMIT])
    nearby = base.filter(region__path__startswith=district).filter(
        Q(kind=OrgKind.DEPARTMENT) | Q(kind=OrgKind.PARTY_ORG, region__level__in=FORWARD_LEVELS)
    )
    return sorted(nearby, key=lambda o: (o.kind != OrgKind.DEPARTMENT, o.region.path, o.name, o.pk))


def _district_path(case: Case) -> str | None:
    """The materialised path of the case's district (that of its holder when it lies nowhere)."""
    region = case.region or case.organisation.region
    codes = [code for code in region.path.split("/") if code]
    district = Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT).first()
    return district.path if district is not None else None
