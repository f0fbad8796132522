"""Every write to a case: open it, then one service per transition (models.TRANSITIONS).

Each transition, in one transaction:
  1. lock the case row (SELECT … FOR UPDATE) and read it;
  2. 404 unless the actor may see the case (selectors.case_for_actor; the holder's staff and the
     reporter see it by the rule's own branches, so only others are asked the whole rule);
  3. 403 unless the actor may take this action (staff of the organisation holding it; the
     reporter for feedback);
  4. 409 `invalid_transition` unless the guard allows the action from the current status;
  5. change the row with save(update_fields=…) and append a CaseEvent, handed to the event
     listeners apps above registered (hooks.register_event_listener);
  6. queue notifications with transaction.on_commit (notify.case_notify).

Two handlers accepting at once: the second waits at step 1, then finds the case accepted and
gets 409. Lock order: case rows by ascending id (merge locks two), then whatever the kind's
accept hook takes (the worker's points account).

Points are not the engine's business: `case_accept(points=…)` hands them to the accept hook
the owning app registered for the kind (hooks.py), inside this transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from littlebee.core.raw_insert import insert_chain, insert_instance, insert_instances_ignoring_conflicts
from littlebee.core.texts import Text, t
from littlebee.orgs.models import Organisation, Region

from . import routing, selectors
from .hooks import event_listeners, hooks_for
from .models import (
    OPEN_STATUSES,
    STAFF_ACTIONS,
    SUPERVISION_ACTIONS,
    TRANSITIONS,
    ActorRole,
    AttachmentKind,
    Case,
    CaseAction,
    CaseAttachment,
    CaseEvent,
    CaseFollower,
    CaseKind,
    CaseOrganisation,
    CaseStatus,
    DeadlineRule,
)
from .notify import case_notify, case_notify_after_answer
from .workdays import add_working_days, add_working_hours

logger = logging.getLogger(__name__)

NOTE_MAX = 2000
MAX_ATTACHMENTS = 9


# --- Deadlines ------------------------------------------------------------------------------
def deadline_rules_query(kind: str, category: str) -> QuerySet[DeadlineRule]:
    """The rows deadline_rule_pick chooses from: the category's own and the kind's default."""
    return DeadlineRule.objects.filter(kind=kind, category__in=[category, ""])


def deadline_rule_pick(rows: Iterable[DeadlineRule], kind: str, category: str) -> DeadlineRule:
    """The category's own rule, else the kind's default row, else the built-in defaults
    (accept within 8 working hours, resolve within 5 working days, a dispute within 3)."""
    rules = {r.category: r for r in rows}
    return rules.get(category) or rules.get("") or DeadlineRule(kind=kind, category="")


def deadline_rule_for(kind: str, category: str) -> DeadlineRule:
    """deadline_rule_pick over its rows, read now."""
    return deadline_rule_pick(deadline_rules_query(kind, category), kind, category)


def _stage_due(case: Case, rule: DeadlineRule, status: str, at: datetime) -> datetime | None:
    """When the stage the case enters at `at` must be done."""
    if status == CaseStatus.SUBMITTED:
        if case.urgent:
            return at + timedelta(hours=rule.urgent_accept_within_hours)
        return add_working_hours(at, rule.accept_within_working_hours)
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return add_working_days(at, rule.resolve_within_working_days)
    if status == CaseStatus.DISPUTED:
        return add_working_days(at, rule.dispute_within_working_days)
    return None


_DUE_FIELD = {
    CaseStatus.SUBMITTED: "accept_due_at",
    CaseStatus.ACCEPTED: "resolve_due_at",
    CaseStatus.IN_PROGRESS: "resolve_due_at",
    CaseStatus.DISPUTED: "dispute_due_at",
}


def _stop_clock(case: Case) -> list[str]:
    """Nobody can miss a deadline now (the case is done, or escalation has nowhere further to
    go): the escalation sweep stops looking at it. The fields changed."""
    case.next_escalation_at = None
    case.overdue = False
    return ["next_escalation_at", "overdue"]


def _enter_stage(case: Case, status: str, at: datetime, rule: DeadlineRule | None = None) -> list[str]:
    """Set the new stage's deadline (and the escalation clock), or stop the clock for a status
    without one (resolved, closed, rejected, merged); the fields changed. `rule`: the case's
    deadline rule when the caller has read it already."""
    if status not in _DUE_FIELD:
        return _stop_clock(case)
    due = _stage_due(case, rule or deadline_rule_for(case.kind, case.category), status, at)
    fields = ["next_escalation_at", "overdue"]
    case.next_escalation_at = due
    case.overdue = False
    field = _DUE_FIELD.get(CaseStatus(status))
    if field is not None:
        setattr(case, field, due)
        fields.append(field)
    return fields


# --- Helpers --------------------------------------------------------------------------------
def _note(note: str | None, *, required: bool = False, field: str = "note") -> str:
    text = (note or "").strip()
    if required and not text:
        raise InvalidInput.one(field, _("请填写说明。"))
    if len(text) > NOTE_MAX:
        raise InvalidInput.one(field, _("说明不能超过 %(max)d 字。") % {"max": NOTE_MAX})
    return text


def _event(
    case: Case,
    *,
    action: str,
    actor: User | None,
    role: str,
    at: datetime,
    from_status: str,
    from_org: Organisation | int | None = None,
    to_org: Organisation | int | None = None,
    note: Text = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """A timeline row for the case, not yet stored."""
    # A person's note is kept as written; the system's words are a key and parameters
    # (core.texts), stored in data["note_text"] and read in the reader's language.
    data = dict(data or {})
    if not isinstance(note, str):
        data["note_text"], note = note, ""
    return CaseEvent(
        case=case,
        at=at,
        actor=actor,
        actor_role=role,
        action=action,
        from_status=from_status,
        to_status=case.status,
        from_org_id=from_org.pk if isinstance(from_org, Organisation) else from_org,
        to_org_id=to_org.pk if isinstance(to_org, Organisation) else to_org,
        note=note,
        data=data,
    )


def _recorded(case: Case, event: CaseEvent, *, notify_after_answer: bool = False) -> None:
    """What follows a stored timeline row: its listeners, and its notices after the commit."""
    for listener in event_listeners():
        listener(event)
    if notify_after_answer:
        transaction.on_commit(lambda: case_notify_after_answer(case, event))
    else:
        transaction.on_commit(lambda: case_notify(case, event))


def _record(
    case: Case,
    *,
    action: str,
    actor: User | None,
    role: str,
    at: datetime,
    from_status: str,
    from_org: Organisation | int | None = None,
    to_org: Organisation | int | None = None,
    note: Text = "",
    data: dict[str, Any] | None = None,
    notify_after_answer: bool = False,
) -> CaseEvent:
    event = _event(
        case,
        action=action,
        actor=actor,
        role=role,
        at=at,
        from_status=from_status,
        from_org=from_org,
        to_org=to_org,
        note=note,
        data=data,
    )
    # A plain INSERT made once per database (core.raw_insert): every step writes one, and the
    # ORM compiled it again each time.
    insert_instance(event, using=transaction.get_connection().alias)
    _recorded(case, event, notify_after_answer=notify_after_answer)
    return event


def _hold(case: Case, organisation_id: int, at: datetime) -> None:
    """Remember that the case sat with this organisation (read access afterwards)."""
    # bulk_create(ignore_conflicts=True)'s statement, made once per database (core.raw_insert).
    insert_instances_ignoring_conflicts(
        [CaseOrganisation(case=case, organisation_id=organisation_id, since=at)],
        using=transaction.get_connection().alias,
    )


def _guard(case: Case, action: str) -> None:
    if not case.can(action):
        raise Conflict(
            "invalid_transition",
            _("案件当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": case.get_status_display(), "action": CaseAction(action).label},
        )


def _transition(case: Case, action: str) -> str:
    """The guard (409 `invalid_transition`), then the status `action` leads to from here, as
    models.TRANSITIONS says: the one table decides, no service names a target status itself."""
    _guard(case, action)
    target = TRANSITIONS[action][1]
    return case.status if target is None else target


def _name_handler(case: Case, actor: User) -> list[str]:
    """Whoever first acts on the case at its organisation becomes its handler, unless someone
    is named already. The fields changed."""
    if case.handler_id is not None:
        return []
    case.handler = actor
    return ["handler"]


def _lock(case_id: int) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def _locked_for_staff(actor: User, case_id: int) -> tuple[Case, str]:
    """The case locked for a staff action, and the actor's role in the holding organisation:
    404 for a case the actor may not see, 403 for anyone else but the holder's staff.

    The holder's staff see the case by the visibility rule's own branch (the organisations they
    handle cases for), so only those without a role there are asked the whole rule, which cost a
    staff action more than the action itself (the demo city's build: 18 % of it)."""
    case = _lock(case_id)
    role = selectors.staff_role_in(actor, case.organisation_id)
    if role is None:
        selectors.case_for_actor(actor, case_id)  # 404 for a case the actor may not see
        raise PermissionDenied(_("只有承办单位的工作人员可以办理该案件。"))
    return case, role


def _save(case: Case, at: datetime, fields: Iterable[str]) -> None:
    case.updated_at = at
    case.save(update_fields=sorted({*fields, "updated_at"}))
    counted_rows_changed(Counted.CASE, case)


def _organisation(value: Organisation | int, field: str) -> Organisation:
    org_id = value.pk if isinstance(value, Organisation) else value
    org = Organisation.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise InvalidInput.one(field, _("找不到该单位。"))
    return org


# --- Open -----------------------------------------------------------------------------------
# No savepoint of its own: its callers (report and appeal intake) open it inside their own
# transaction and let any error roll that back whole; saves two statements per submission.
@transaction.atomic(savepoint=False)
def case_open(
    *,
    kind: str,
    reporter: User,
    category: str,
    region: Region | None = None,
    lat: float | None = None,
    lng: float | None = None,
    urgent: bool = False,
    confidential: bool = False,
    organisation: Organisation | None = None,
    note: Text = "",
    at: datetime | None = None,
    enterprise: Organisation | None = None,
    industry: str = "",
    data: dict[str, Any] | None = None,
    routing_inputs: routing.RoutingInputs | None = None,
    deadline_rule: DeadlineRule | None = None,
    notify_after_answer: bool = False,
) -> Case:
    """A new case, routed to its first receiving organisation (routing.route, which reads the
    enterprise and industry an appeal names) unless the owning app names one, with its
    acceptance deadline and the first timeline row (its data says which rule routed it).

    An intake that has read the routing's inputs and the deadline rule already (one statement
    with its own configuration) passes them; `notify_after_answer` tells the receiving office
    after the answer instead of inside the request (notify.case_notify_after_answer)."""
    at = at or timezone.now()
    if kind not in CaseKind.values:
        raise InvalidInput.one("kind", _("请从给定的选项中选择。"))
    if not category:
        raise InvalidInput.one("category", _("请选择类别。"))
    if (lat is None) != (lng is None):
        raise InvalidInput.one("lat" if lat is None else "lng", _("请同时提供纬度和经度。"))
    rule = None
    if organisation is not None:
        target: Organisation | None = organisation
    else:
        target, rule = routing.route_with_rule(
            kind, category, region, enterprise=enterprise, industry=industry, inputs=routing_inputs
        )
    if target is None:
        raise DomainError(code="no_receiving_office", detail=_("暂时没有可以接收该案件的单位。"), status=503)
    case = Case(
        kind=kind,
        status=CaseStatus.SUBMITTED,
        category=category,
        region=region,
        lat=lat,
        lng=lng,
        organisation=target,
        reporter=reporter,
        urgent=urgent,
        confidential=confidential,
        created_at=at,
        updated_at=at,
    )
    _enter_stage(case, CaseStatus.SUBMITTED, at, deadline_rule)
    event = _event(
        case,
        action=CaseAction.OPEN,
        actor=reporter,
        role=ActorRole.WORKER,
        at=at,
        from_status="",
        to_org=target,
        # The system's words (the routing's reason) are a text read in the reader's language.
        note=_note(note) if isinstance(note, str) else note,
        data={"routed": organisation is None, **({"rule": rule.pk} if rule is not None else {}), **(data or {})},
    )
    # The case, its holder row (_hold's) and its first timeline row: one statement on PostgreSQL
    # (core.raw_insert.insert_chain), made once per database, instead of three round trips for
    # every report and appeal.
    hold = CaseOrganisation(case=case, organisation_id=target.pk, since=at)
    insert_chain(case, [(hold, "case_id", True), (event, "case_id", False)], using=transaction.get_connection().alias)
    counted_rows_changed(Counted.CASE, case)
    _recorded(case, event, notify_after_answer=notify_after_answer)
    return case


# --- Staff transitions ----------------------------------------------------------------------
@transaction.atomic
def case_accept(
    *, case_id: int, actor: User, note: str = "", points: int | None = None, at: datetime | None = None
) -> Case:
    """Accept as valid: names the actor as handler if none is named, starts the resolve clock,
    and runs the kind's accept hook (points) in this transaction."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.ACCEPT)
    note = _note(note)
    was, case.status = case.status, to
    case.accepted_at = at
    _save(case, at, ["status", "accepted_at", *_enter_stage(case, to, at), *_name_handler(case, actor)])
    hook = hooks_for(case.kind).on_accept
    if hook is not None:
        data = hook(case=case, actor=actor, points=points, at=at) or {}
    elif points is not None:
        raise InvalidInput.one("points", _("该类案件不计积分。"))
    else:
        data = {}
    _record(case, action=CaseAction.ACCEPT, actor=actor, role=role, at=at, from_status=was, note=note, data=data)
    return case


@transaction.atomic
def case_reject(*, case_id: int, actor: User, note: str, at: datetime | None = None) -> Case:
    """Not valid (not a real problem, outside our remit…): the reporter is told why, so a reason
    is required. Nothing is awarded."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.REJECT)
    note = _note(note, required=True)
    was, case.status = case.status, to
    case.closed_at = at
    _save(case, at, ["status", "closed_at", *_stop_clock(case)])
    _record(case, action=CaseAction.REJECT, actor=actor, role=role, at=at, from_status=was, note=note)
    return case


@transaction.atomic
def case_start(*, case_id: int, actor: User, note: str = "", at: datetime | None = None) -> Case:
    """Work has begun on site (the stage's deadline is unchanged)."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.START)
    was, case.status = case.status, to
    _save(case, at, ["status", *_name_handler(case, actor)])
    _record(case, action=CaseAction.START, actor=actor, role=role, at=at, from_status=was, note=_note(note))
    return case


def _attach(event: CaseEvent, files: Iterable[File], at: datetime) -> None:
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = CaseAttachment(
            event=event, kind=AttachmentKind.PHOTO, content_hash=digest.hexdigest(), created_at=at
        )
        attachment.file.save(os.path.basename(upload.name or "file"), upload, save=False)
        attachment.save()


@transaction.atomic
def case_resolve(
    *, case_id: int, actor: User, note: str, attachments: Iterable[File] = (), at: datetime | None = None
) -> Case:
    """Done: tell the reporter what was done (required), with photos if any. The reporter may
    then confirm or dispute (case_feedback); staff may close it."""
    at = at or timezone.now()
    files = list(attachments)
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput.one("attachments", _("最多上传 %(max)d 个附件。") % {"max": MAX_ATTACHMENTS})
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.RESOLVE)
    note = _note(note, required=True)
    was, case.status = case.status, to
    case.resolved_at = at
    _save(case, at, ["status", "resolved_at", *_stop_clock(case), *_name_handler(case, actor)])
    event = _record(case, action=CaseAction.RESOLVE, actor=actor, role=role, at=at, from_status=was, note=note)
    _attach(event, files, at)
    return case


@transaction.atomic
def case_close(*, case_id: int, actor: User, note: str = "", at: datetime | None = None) -> Case:
    """Close a resolved case the reporter has not answered."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.CLOSE)
    was, case.status = case.status, to
    case.closed_at = at
    _save(case, at, ["status", "closed_at", *_stop_clock(case)])
    _record(case, action=CaseAction.CLOSE, actor=actor, role=role, at=at, from_status=was, note=_note(note))
    return case


def _hand_to(case: Case, to_org: Organisation, at: datetime) -> list[str]:
    """The case now sits with `to_org`, where nobody is named for it yet (and that organisation
    keeps read access afterwards). The fields changed."""
    case.organisation = to_org
    case.handler = None
    _hold(case, to_org.pk, at)
    return ["organisation", "handler"]


def _relocate(
    case: Case, target: Organisation, *, to: str, action: str, actor: User, role: str, at: datetime, note: str
) -> Case:
    """Move the case to another organisation (forward, return, take over) and record the hop:
    it must be accepted there again (`to`, the action's target status), within the acceptance
    deadline."""
    was, from_org = case.status, case.organisation_id
    case.status = to
    case.resolve_due_at = None
    _save(case, at, ["status", "resolve_due_at", *_hand_to(case, target, at), *_enter_stage(case, to, at)])
    _record(
        case,
        action=action,
        actor=actor,
        role=role,
        at=at,
        from_status=was,
        from_org=from_org,
        to_org=target,
        note=note,
    )
    return case


@transaction.atomic
def case_forward(
    *, case_id: int, actor: User, to_org: Organisation | int, note: str, at: datetime | None = None
) -> Case:
    """转办: send the case to the organisation that should handle it, with the reason."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.FORWARD)
    note = _note(note, required=True)
    target = _organisation(to_org, "to_org")
    if target.pk == case.organisation_id:
        raise InvalidInput.one("to_org", _("案件已在该单位。"))
    return _relocate(case, target, to=to, action=CaseAction.FORWARD, actor=actor, role=role, at=at, note=note)


def return_target(case: Case) -> Organisation | None:
    """Where a wrongly routed case goes back to: the organisation that forwarded it here, else
    the triage queue of its district (or the city)."""
    last_forward = (
        CaseEvent.objects.filter(case=case, action=CaseAction.FORWARD, to_org_id=case.organisation_id)
        .order_by("-at", "-id")
        .select_related("from_org")
        .first()
    )
    if last_forward is not None and last_forward.from_org is not None and last_forward.from_org.is_active:
        return last_forward.from_org
    return routing.triage_organisation(case.region)


@transaction.atomic
def case_return(*, case_id: int, actor: User, note: str, at: datetime | None = None) -> Case:
    """退回: not ours. Back to the organisation it came from, or to triage; reason required."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.RETURN)
    note = _note(note, required=True)
    target = return_target(case)
    if target is None or target.pk == case.organisation_id:
        raise Conflict("nowhere_to_return", _("该案件已在分拨单位，无法退回，请转办给相应单位。"))
    return _relocate(case, target, to=to, action=CaseAction.RETURN, actor=actor, role=role, at=at, note=note)


@transaction.atomic
def case_merge(
    *, case_id: int, actor: User, duplicate_of: Case | int, note: str = "", at: datetime | None = None
) -> Case:
    """A duplicate of another case of the same kind: closed as merged, and its reporter and
    followers follow the master from now on."""
    at = at or timezone.now()
    master_id = duplicate_of.pk if isinstance(duplicate_of, Case) else duplicate_of
    selectors.case_for_actor(actor, case_id)
    if master_id == case_id or not selectors.cases_visible_to(actor).filter(pk=master_id).exists():
        raise InvalidInput.one("duplicate_of", _("找不到要合并到的案件。"))
    # Both rows, by ascending id, so that two merges of the pair in opposite directions cannot deadlock.
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[case_id, master_id]).order_by("pk")}
    case, master = locked[case_id], locked[master_id]
    role = selectors.staff_role_in(actor, case.organisation_id)
    if role is None:
        raise PermissionDenied(_("只有承办单位的工作人员可以办理该案件。"))
    to = _transition(case, CaseAction.MERGE)
    if master.kind != case.kind or master.status in (CaseStatus.MERGED, CaseStatus.REJECTED):
        raise Conflict("invalid_merge", _("只能合并到同类、未被合并或驳回的案件。"))
    note = _note(note)
    was, case.status = case.status, to
    case.duplicate_of = master
    case.closed_at = at
    _save(case, at, ["status", "duplicate_of", "closed_at", *_stop_clock(case)])
    users = {case.reporter_id, *CaseFollower.objects.filter(case=case).values_list("user_id", flat=True)}
    users.discard(master.reporter_id)
    CaseFollower.objects.bulk_create(
        [CaseFollower(case=master, user_id=uid, created_at=at) for uid in sorted(users)], ignore_conflicts=True
    )
    _record(
        case,
        action=CaseAction.MERGE,
        actor=actor,
        role=role,
        at=at,
        from_status=was,
        note=note,
        data={"duplicate_of": master.pk},
    )
    # The master's own row: its holders hear that a duplicate joined it (notify.py).
    _record(
        master,
        action=CaseAction.MERGE,
        actor=actor,
        role=role,
        at=at,
        from_status=master.status,
        note=note,
        data={"merged_case": case.pk},
    )
    return case


@transaction.atomic
def case_assign(*, case_id: int, actor: User, handler: User | int, note: str = "", at: datetime | None = None) -> Case:
    """Name the handler: a handler or admin of the organisation holding the case."""
    at = at or timezone.now()
    case, role = _locked_for_staff(actor, case_id)
    to = _transition(case, CaseAction.ASSIGN)
    handler_id = handler.pk if isinstance(handler, User) else handler
    new_handler = User.objects.filter(pk=handler_id, is_active=True).first()
    if new_handler is None or selectors.staff_role_in(new_handler, case.organisation_id) is None:
        raise InvalidInput.one("handler", _("经办人须是承办单位的工作人员。"))
    previous, was = case.handler_id, case.status
    case.status, case.handler = to, new_handler
    _save(case, at, ["status", "handler"])
    _record(
        case,
        action=CaseAction.ASSIGN,
        actor=actor,
        role=role,
        at=at,
        from_status=was,
        note=_note(note),
        data={"handler": handler_id, "previous_handler": previous},
    )
    return case


# --- The reporter ---------------------------------------------------------------------------
@transaction.atomic
def case_feedback(
    *,
    case_id: int,
    worker: User,
    rating: int,
    comment: str = "",
    resolved: bool,
    at: datetime | None = None,
) -> Case:
    """The reporter rates a resolved case 1–5. "Fixed" closes it; "not fixed" reopens it as a
    dispute with its own deadline, at the office that resolved it, and counts against that office
    (dispute_count, and the `dispute` event's from_org)."""
    at = at or timezone.now()
    case = _lock(case_id)
    if case.reporter_id != worker.pk:
        selectors.case_for_actor(worker, case_id)  # 404 for a case the worker may not see
    if not 1 <= rating <= 5:
        raise InvalidInput.one("rating", _("请给出 1 到 5 星的评价。"))
    comment = _note(comment, field="comment")[:500]
    if case.reporter_id != worker.pk:
        raise PermissionDenied(_("只有提交人可以评价。"))
    action = CaseAction.CONFIRM if resolved else CaseAction.DISPUTE
    to = _transition(case, action)
    was, case.status = case.status, to
    case.rating = rating
    case.rating_comment = comment
    fields = ["status", "rating", "rating_comment", *_enter_stage(case, to, at)]
    if resolved:
        case.closed_at = at
        fields.append("closed_at")
    else:
        case.dispute_count += 1
        fields.append("dispute_count")
    _save(case, at, fields)
    _record(
        case,
        action=action,
        actor=worker,
        role=ActorRole.WORKER,
        at=at,
        from_status=was,
        from_org=case.organisation_id,
        note=comment,
        data={"rating": rating},
    )
    return case


@transaction.atomic
def case_follow(*, case_id: int, user: User, at: datetime | None = None) -> bool:
    """ "Me too": the user follows an open case (told of each step). The calling app decides which
    cases it offers (reports: public ones nearby); confidential cases are never followed.
    True if newly following."""
    at = at or timezone.now()
    case = Case.objects.filter(pk=case_id, confidential=False).first()
    if case is None:
        raise NotFound()
    if case.reporter_id == user.pk:
        return False
    to = _transition(case, CaseAction.FOLLOW)
    if CaseFollower.objects.filter(case=case, user=user).exists():
        return False
    try:
        with transaction.atomic():
            CaseFollower.objects.create(case=case, user=user, created_at=at)
    except IntegrityError:  # the same "me too" twice at once
        return False
    was, case.status = case.status, to
    _record(case, action=CaseAction.FOLLOW, actor=user, role=ActorRole.WORKER, at=at, from_status=was)
    return True


# --- Supervision ---------------------------------------------------------------------------
def _locked_for_supervisor(actor: User, case_id: int) -> tuple[Case, Organisation, str]:
    """The case locked for a supervision action, its supervising organisation, and the actor's
    role there: 404 for a case the actor may not see, 403 for anyone but its supervisor's staff."""
    selectors.case_for_actor(actor, case_id)
    case = _lock(case_id)
    supervisor_id = hooks_for(case.kind).supervisor_id(case)
    role = selectors.staff_role_in(actor, supervisor_id) if supervisor_id is not None else None
    supervisor = Organisation.objects.filter(pk=supervisor_id).first() if supervisor_id is not None else None
    if role is None or supervisor is None:
        raise PermissionDenied(_("只有监督单位的工作人员可以督办该案件。"))
    return case, supervisor, role


@transaction.atomic
def case_supervise(*, case_id: int, actor: User, note: str, at: datetime | None = None) -> Case:
    """督办意见: the supervising organisation's comment to the one holding the case (required)."""
    at = at or timezone.now()
    case, supervisor, role = _locked_for_supervisor(actor, case_id)
    to = _transition(case, CaseAction.SUPERVISE)
    note = _note(note, required=True)
    was, case.status = case.status, to
    _save(case, at, ["status"])
    _record(
        case,
        action=CaseAction.SUPERVISE,
        actor=actor,
        role=role,
        at=at,
        from_status=was,
        from_org=supervisor,
        to_org=case.organisation_id,
        note=note,
    )
    return case


MAX_SET_DEADLINE_DAYS = 60


@transaction.atomic
def case_set_deadline(
    *, case_id: int, actor: User, due_at: datetime, note: str = "", at: datetime | None = None
) -> Case:
    """设定期限: the supervisor sets when the current stage must be done; missing it escalates the
    case as any stage deadline does. Within the next 60 days."""
    at = at or timezone.now()
    if due_at is None or timezone.is_naive(due_at):
        raise InvalidInput.one("due_at", _("请填写带时区的期限。"))
    if due_at <= at:
        raise InvalidInput.one("due_at", _("期限必须晚于现在。"))
    if due_at > at + timedelta(days=MAX_SET_DEADLINE_DAYS):
        raise InvalidInput.one("due_at", _("期限不能超过 %(days)d 天。") % {"days": MAX_SET_DEADLINE_DAYS})
    case, supervisor, role = _locked_for_supervisor(actor, case_id)
    to = _transition(case, CaseAction.SET_DEADLINE)
    note = _note(note)
    was, case.status = case.status, to
    field = _DUE_FIELD[CaseStatus(case.status)]
    previous = getattr(case, field)
    setattr(case, field, due_at)
    case.next_escalation_at = due_at
    case.overdue = False
    _save(case, at, ["status", field, "next_escalation_at", "overdue"])
    _record(
        case,
        action=CaseAction.SET_DEADLINE,
        actor=actor,
        role=role,
        at=at,
        from_status=was,
        from_org=supervisor,
        to_org=case.organisation_id,
        note=note,
        data={
            "field": field,
            "due_at": due_at.isoformat(),
            "previous_due_at": previous.isoformat() if previous else None,
        },
    )
    return case


@transaction.atomic
def case_take_over(*, case_id: int, actor: User, note: str, at: datetime | None = None) -> Case:
    """提级办理: the supervising organisation takes the case over from the one holding it (as a
    forward to itself: to be accepted there, within the acceptance deadline). Reason required."""
    at = at or timezone.now()
    case, supervisor, role = _locked_for_supervisor(actor, case_id)
    to = _transition(case, CaseAction.TAKE_OVER)
    note = _note(note, required=True)
    if case.organisation_id == supervisor.pk:
        raise Conflict("already_held", _("案件已由本单位办理。"))
    return _relocate(case, supervisor, to=to, action=CaseAction.TAKE_OVER, actor=actor, role=role, at=at, note=note)


# --- Escalation -----------------------------------------------------------------------------
def _escalate_up(case: Case, to_org: Organisation, at: datetime) -> list[str]:
    """One level up: the case sits with `to_org`, nobody named there yet, with a fresh deadline
    for the stage it is in. The fields changed."""
    case.escalation_level += 1
    return ["escalation_level", *_hand_to(case, to_org, at), *_enter_stage(case, case.status, at)]


@transaction.atomic
def case_escalate_to(
    *, case_id: int, to_org: Organisation, reason: Text, data: dict[str, Any] | None = None, at: datetime | None = None
) -> Case:
    """The system sends an open case up to `to_org` for a reason the owning app gives (an
    appeal's dispute at an enterprise goes to its industry committee): same status, nobody named
    there yet, a fresh deadline for the stage. Not marked overdue."""
    at = at or timezone.now()
    case = _lock(case_id)
    if not case.can(CaseAction.ESCALATE):
        raise Conflict("invalid_transition", _("案件已办结，无法升级。"))
    if case.organisation_id == to_org.pk:
        return case
    from_org, was_handler = case.organisation_id, case.handler_id
    was, case.status = case.status, _transition(case, CaseAction.ESCALATE)
    _save(case, at, ["status", *_escalate_up(case, to_org, at)])
    _record(
        case,
        action=CaseAction.ESCALATE,
        actor=None,
        role=ActorRole.SYSTEM,
        at=at,
        from_status=was,
        from_org=from_org,
        to_org=to_org,
        note=_note(reason) if isinstance(reason, str) else reason,
        data={"previous_handler": was_handler, "level": case.escalation_level, **(data or {})},
    )
    return case


@transaction.atomic
def case_escalate(*, case_id: int, at: datetime) -> bool:
    """The system's step for a case past its stage deadline: mark it overdue and move it to the
    parent organisation (community → street → district), with a fresh deadline for the same stage
    there. At the top, mark it overdue and stop the clock. True if anything changed."""
    case = Case.objects.select_for_update().filter(pk=case_id).select_related("organisation__region").first()
    if case is None or not case.can(CaseAction.ESCALATE):
        return False
    if case.next_escalation_at is None or case.next_escalation_at > at:
        return False  # done meanwhile, or escalated by another run
    from_org = case.organisation
    parent = routing.escalation_parent(from_org, confidential=case.confidential)
    was_handler = case.handler_id
    was, case.status = case.status, _transition(case, CaseAction.ESCALATE)
    if parent is None or parent.pk == from_org.pk:
        fields = _stop_clock(case)
        note: Text = t(_("已超期，已是最高一级，请尽快办理。"))
        to_org = from_org
    else:
        fields = _escalate_up(case, parent, at)
        note = t(_("超期未办理，升级至 %(org)s。"), org=parent.name)
        to_org = parent
    # Marked overdue after the stage's clock is reset or stopped, which clears the mark.
    case.overdue = True
    _save(case, at, ["status", "overdue", *fields])
    _record(
        case,
        action=CaseAction.ESCALATE,
        actor=None,
        role=ActorRole.SYSTEM,
        at=at,
        from_status=was,
        from_org=from_org,
        to_org=to_org,
        note=note,
        data={"previous_handler": was_handler, "level": case.escalation_level},
    )
    return True


ESCALATION_BATCH = 500


def _sweep(due: QuerySet[Case], order: str, step: Callable[[int], bool], what: str) -> int:
    """Run `step` on every case of `due`, oldest `order` first, in batches, each case in its own
    transaction; a case whose step fails is logged and not tried again in this sweep (nor does
    it hold back the cases after it). Returns how many steps did something."""
    done = 0
    seen: set[int] = set()
    while True:
        ids = list(due.exclude(pk__in=seen).order_by(order, "pk").values_list("pk", flat=True)[:ESCALATION_BATCH])
        if not ids:
            return done
        for pk in ids:
            seen.add(pk)
            try:
                done += step(pk)
            except Exception:
                logger.exception("could not %s case %s", what, pk)


def cases_escalate_overdue(*, now: datetime | None = None) -> int:
    """The periodic sweep: escalate every open case past its current stage's deadline, each in
    its own transaction. Idempotent: an escalated case has a new deadline (or none), so running
    again at once changes nothing. Returns how many cases were escalated or marked overdue."""
    at = now or timezone.now()
    due = Case.objects.filter(next_escalation_at__lte=at, status__in=OPEN_STATUSES)
    return _sweep(due, "next_escalation_at", lambda pk: case_escalate(case_id=pk, at=at), "escalate")


# --- Resolution photos ----------------------------------------------------------------------
RESOLVE_PHOTOS_FIELD = "photos"


def case_resolve_with_photos(
    *, case_id: int, actor: User, note: str, photos: Iterable[Any] = (), at: datetime | None = None
) -> Case:
    """case_resolve for uploads from a page: each photo is checked and re-encoded (pixels only,
    no EXIF or GPS: core.images) before anything is stored; one bad photo refuses the whole
    resolution (InvalidInput on "photos", or PayloadTooLarge)."""
    from django.core.files.base import ContentFile

    from littlebee.core.images import PixelBudget, image_prepare

    uploads = list(photos)
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput.one(RESOLVE_PHOTOS_FIELD, _("最多上传 %(max)d 张照片。") % {"max": MAX_ATTACHMENTS})
    files: list[File] = []
    budget = PixelBudget()  # the pixels the whole resolution may have decoded, not each photo
    for index, upload in enumerate(uploads):
        prepared = image_prepare(upload, RESOLVE_PHOTOS_FIELD, budget)
        files.append(ContentFile(prepared.content, name=f"resolve-{case_id}-{index}.{prepared.extension}"))
    return case_resolve(case_id=case_id, actor=actor, note=note, attachments=files, at=at)


# --- One way in for staff ------------------------------------------------------------------
# What staff may ask for through case_act: the holder's actions, then the supervisor's.
ACT_ACTIONS: tuple[str, ...] = (*STAFF_ACTIONS, *SUPERVISION_ACTIONS)


def _required(value: Any, field: str) -> Any:
    if value is None or value == "":
        raise InvalidInput.one(field, _("此项为必填项。"))
    return value


def case_act(
    *,
    case_id: int,
    actor: User,
    action: str,
    note: str = "",
    points: int | None = None,
    to_org: Organisation | int | None = None,
    duplicate_of: Case | int | None = None,
    handler: User | int | None = None,
    due_at: datetime | None = None,
    photos: Iterable[Any] = (),
    at: datetime | None = None,
) -> Case:
    """A staff action on a case by name: the one entry the API (POST /cases/{id}/actions) and the
    console's case page both use, so they take the same arguments and refuse alike — 400
    `invalid_input` for an unknown action or a missing argument (to_org for forward,
    duplicate_of for merge, handler for assign, due_at for set_deadline), then the transition's
    own 404, 403 and 409 `invalid_transition`. Arguments the action does not take are ignored;
    `photos` (resolve) are checked and re-encoded first (case_resolve_with_photos)."""
    if action not in ACT_ACTIONS:
        raise InvalidInput.one("action", _("请选择要执行的操作。"))
    common: dict[str, Any] = {"case_id": case_id, "actor": actor, "note": note, "at": at}
    if action == CaseAction.ACCEPT:
        return case_accept(**common, points=points)
    if action == CaseAction.REJECT:
        return case_reject(**common)
    if action == CaseAction.START:
        return case_start(**common)
    if action == CaseAction.RESOLVE:
        return case_resolve_with_photos(**common, photos=photos)
    if action == CaseAction.CLOSE:
        return case_close(**common)
    if action == CaseAction.FORWARD:
        return case_forward(**common, to_org=_required(to_org, "to_org"))
    if action == CaseAction.RETURN:
        return case_return(**common)
    if action == CaseAction.MERGE:
        return case_merge(**common, duplicate_of=_required(duplicate_of, "duplicate_of"))
    if action == CaseAction.ASSIGN:
        return case_assign(**common, handler=_required(handler, "handler"))
    if action == CaseAction.SUPERVISE:
        return case_supervise(**common)
    if action == CaseAction.SET_DEADLINE:
        return case_set_deadline(**common, due_at=_required(due_at, "due_at"))
    return case_take_over(**common)


# --- Closing what the reporter never rated ----------------------------------------------------
def auto_close_days() -> int:
    return max(1, int(settings.CASES_AUTO_CLOSE_DAYS))


@transaction.atomic
def case_close_unrated(*, case_id: int, at: datetime, days: int | None = None) -> bool:
    """The system closes a resolved case its reporter has not rated within `days` of its
    resolution. Conditional under the row lock: a case rated, disputed or closed meanwhile is
    left alone. True if it was closed."""
    days = auto_close_days() if days is None else days
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.status != CaseStatus.RESOLVED or case.rating is not None:
        return False
    if case.resolved_at is None or case.resolved_at > at - timedelta(days=days):
        return False
    was, case.status = case.status, _transition(case, CaseAction.CLOSE)
    case.closed_at = at
    _save(case, at, ["status", "closed_at", *_stop_clock(case)])
    _record(
        case,
        action=CaseAction.CLOSE,
        actor=None,
        role=ActorRole.SYSTEM,
        at=at,
        from_status=was,
        note=t(_("提交人超过 %(days)d 天未评价，系统自动关闭。"), days=days),
        data={"auto": True},
    )
    return True


def cases_close_unrated(*, now: datetime | None = None) -> int:
    """The periodic sweep: close every resolved, unrated case past CASES_AUTO_CLOSE_DAYS, each
    in its own transaction. Idempotent: a closed case is no longer found. Returns how many."""
    at = now or timezone.now()
    days = auto_close_days()
    due = Case.objects.filter(
        status=CaseStatus.RESOLVED, rating__isnull=True, resolved_at__lte=at - timedelta(days=days)
    )
    return _sweep(due, "resolved_at", lambda pk: case_close_unrated(case_id=pk, at=at, days=days), "close")
