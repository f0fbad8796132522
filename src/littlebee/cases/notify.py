"""Who hears about each step of a case, sent after the step's transaction commits.

`case_notify(case, event)` picks the recipients and the message for a timeline row and hands
each group of them to the in-app inbox in one INSERT (`littlebee.notifications.inbox.notify_many`,
imported when first needed). Services call it through `transaction.on_commit`, so a rolled-back
step tells nobody. Tests replace `deliver` with a fake.

  open, forward, return, escalate   staff of the receiving organisation (by SMS too when urgent)
  escalate                          also the handler it was taken from
  assign                            the named handler
  dispute                           the handler, and staff of the organisation holding it
  supervise, set_deadline           staff of the organisation holding it (from its supervisor)
  take_over                         staff of the supervising organisation now holding it
  follow ("me too")                 the handler, else staff of the organisation holding it
  merge, on the case merged into    staff of the organisation holding that case

The kind's message hook words each message; it must not name a reporter hidden from staff
(hooks.KindHooks.reporter_visible) — the engine's own wording never names anyone.
  accept, reject, start, resolve,
  close, merge                      the reporter and the followers
  escalate, take_over               also the reporter and the followers (their case moved up)
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User
from littlebee.core.background import background_run
from littlebee.core.compiled_select import compiled_rows
from littlebee.core.texts import Text, t

from .hooks import hooks_for
from .models import Case, CaseAction, CaseEvent, CaseFollower
from .selectors import CASE_ROLES

logger = logging.getLogger(__name__)


def deliver(
    *, users: list[User], kind: str, title: Text, body: Text, link: str, data: dict[str, Any], sms: bool
) -> None:
    """One message to each of `users` (none twice), through the notifications app: their inbox rows
    in one statement, texts after commit."""
    from littlebee.notifications.inbox import notify_many

    notify_many(users, kind=kind, title=title, body=body, link=link, data=data, sms=sms)


def _note_text(event: CaseEvent) -> Text:
    """The event's note as a text: the system's (stored as a key) or a person's, cut to 500."""
    text = event.note_text
    return text[:500] if isinstance(text, str) else text


_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


def _staff_query(key: object, *, organisation_id: int) -> QuerySet[Any]:
    return (
        User.objects.filter(
            is_active=True, memberships__organisation_id=organisation_id, memberships__role__in=CASE_ROLES
        )
        .distinct()
        .values(*_USER_FIELDS)
    )


def _staff_of(organisation_id: int | None) -> list[User]:
    """The organisation's active case staff, as the ORM loads them. Every new case's notice asks:
    compiled once per process (core.compiled_select)."""
    if organisation_id is None:
        return []
    using = User.objects.db
    return [
        User.from_db(using, _USER_FIELDS, [row[name] for name in _USER_FIELDS])
        for row in compiled_rows(_staff_query, organisation_id=organisation_id)
    ]


def _reporter_and_followers(case: Case) -> list[User]:
    users = [case.reporter]
    users += [f.user for f in CaseFollower.objects.filter(case=case).select_related("user")]
    return users


_STAFF_TITLES = {
    CaseAction.OPEN: _("新案件待受理"),
    CaseAction.FORWARD: _("收到转办案件"),
    CaseAction.RETURN: _("案件被退回"),
    CaseAction.ESCALATE: _("超期案件升级"),
    CaseAction.ASSIGN: _("您被指定为经办人"),
    CaseAction.DISPUTE: _("提交人反馈问题未解决"),
    CaseAction.SUPERVISE: _("收到督办意见"),
    CaseAction.SET_DEADLINE: _("督办单位设定了办理期限"),
    CaseAction.TAKE_OVER: _("案件已提级办理"),
    CaseAction.FOLLOW: _("又有人反映遇到同一问题"),
}
# The master's row of a merge (its data names the merged case): its holders, not its reporter.
MERGED_INTO_TITLE = _("有重复案件并入本案")
_WORKER_TITLES = {
    CaseAction.ACCEPT: _("您的反映已受理"),
    CaseAction.REJECT: _("您的反映未被受理"),
    CaseAction.START: _("您的反映正在处置"),
    CaseAction.RESOLVE: _("您的反映已办结"),
    CaseAction.CLOSE: _("您的反映已关闭"),
    CaseAction.MERGE: _("您的反映已与同一问题合并办理"),
}


# Steps both sides hear of: the office that now holds the case, and the worker, who sees their
# case move up rather than wait in silence.
_WORKER_TOO = {
    CaseAction.ESCALATE: _("您的反映已升级办理"),
    CaseAction.TAKE_OVER: _("您的反映已提级办理"),
}


def _merged_into(event: CaseEvent) -> bool:
    return event.action == CaseAction.MERGE and "merged_case" in (event.data or {})


def _staff_recipients(case: Case, event: CaseEvent) -> list[User]:
    if event.action == CaseAction.ASSIGN:
        return [case.handler] if case.handler is not None else []
    if event.action == CaseAction.FOLLOW and case.handler is not None:
        return [case.handler]
    recipients = _staff_of(event.to_org_id or case.organisation_id)
    previous_handler = event.data.get("previous_handler") if event.data else None
    if event.action == CaseAction.ESCALATE and previous_handler:
        recipients += list(User.objects.filter(pk=previous_handler, is_active=True))
    if event.action == CaseAction.DISPUTE and case.handler is not None:
        recipients.append(case.handler)
    return recipients


def case_notify(case: Case, event: CaseEvent) -> int:
    """Tell everyone concerned about `event`; returns how many were told. Never raises: a
    failing channel is logged, the case's step has happened anyway."""
    hooks = hooks_for(case.kind)
    action = event.action
    # (recipients, generic title, link, by SMS too, told as staff)
    groups: list[tuple[list[User], Any, str, bool, bool]] = []
    if _merged_into(event):
        groups.append((_staff_of(case.organisation_id), MERGED_INTO_TITLE, hooks.staff_link(case), False, True))
    elif action in _STAFF_TITLES:
        sms = case.urgent and action in (CaseAction.OPEN, CaseAction.FORWARD, CaseAction.ESCALATE)
        groups.append(
            (_staff_recipients(case, event), _STAFF_TITLES[CaseAction(action)], hooks.staff_link(case), sms, True)
        )
    if (action in _WORKER_TITLES or action in _WORKER_TOO) and not _merged_into(event):
        title = _WORKER_TITLES.get(CaseAction(action)) or _WORKER_TOO[CaseAction(action)]
        groups.append((_reporter_and_followers(case), title, hooks.worker_link(case), False, False))
    told = 0
    seen: set[int] = set()
    data = {"case": case.pk, "kind": case.kind, "action": action}
    for recipients, title, link, sms, to_staff in groups:
        users: list[User] = []
        for user in recipients:
            if user.pk in seen or (event.actor_id is not None and user.pk == event.actor_id):
                continue
            seen.add(user.pk)
            users.append(user)
        if not users:
            continue
        # Keys and parameters (core.texts), shown in each reader's language when read.
        text_title, text_body = hooks.message(
            case=case, event=event, title=t(title), body=_note_text(event), to_staff=to_staff
        )
        try:
            deliver(
                users=users,
                kind=f"case_{action}",
                title=text_title,
                body=text_body,
                link=link,
                data=dict(data),
                sms=sms,
            )
            # Counted as handed over, as one call per person counted them (an inactive
            # reporter or follower is skipped by the inbox).
            told += len(users)
        except Exception:
            logger.exception("could not notify users %s about case %s", [u.pk for u in users], case.pk)
    return told


# Publishing gives up quickly when the broker is down: the notices are then sent at once instead.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def case_notify_after_answer(case: Case, event: CaseEvent) -> None:
    """case_notify, but after the answer, for a step whose answer does not depend on who was
    told (a worker's new report: its office's staff learn of it a moment later, and the worker is
    not kept waiting for their inbox rows). Runs after commit, like case_notify.

    With Redis: the cases.notify_event task; if the broker refuses it, the notices are sent here
    and now rather than never. Without Redis (the embedded default): this process's job threads
    (core.background), with the case and event in memory (nothing read again) — a process
    stopped in the moment between the answer and the job drops its notices; the case itself is
    in the office's queue with its deadline all the same.
    CASES_NOTIFY_INLINE (the tests) sends them here, as case_notify does."""
    if settings.CASES_NOTIFY_INLINE:
        case_notify(case, event)
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The job runs in this process: it is handed the rows as this step wrote them (copies,
        # which the answer being built meanwhile does not share) instead of reading them again.
        background_run(("cases.notify_event", event.pk), case_notify, copy.copy(case), copy.copy(event))
        return
    from .tasks import cases_notify_event

    try:
        cases_notify_event.apply_async((event.pk,), retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception:
        logger.warning("notices of case event %s could not be queued; sending them now", event.pk, exc_info=True)
        case_notify(case, event)


def case_event_notify(event_id: int) -> int:
    """case_notify for a timeline row read again by id (a job after the answer); 0 when it is
    gone (its case deleted meanwhile)."""
    event = CaseEvent.objects.filter(pk=event_id).select_related("case", "to_org").first()
    if event is None:
        return 0
    return case_notify(event.case, event)
