"""Writes about events (活动): publish, register, waiting list, cancel, check in.

Every change writes an EventLog row (who, when, what, from and to which status) in its own
transaction (`_log`), as cases write their timeline.

Lock order, always: the event row, then registration rows. The event row carries the counts
(`registered_count`, `waitlisted_count`), changed only by conditional updates in the same
transaction as the registration they count; the database check `event_not_overfull` is the
last guard that capacity is never exceeded.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User, WorkerProfile
from littlebee.accounts.services import worker_require_checked_in
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)
from littlebee.core.texts import Text, t
from littlebee.core.time_windows import time_window_errors
from littlebee.notifications.inbox import notify_many
from littlebee.orgs.models import Organisation, Region
from littlebee.points.models import PointsSource
from littlebee.points.rules import rule_for
from littlebee.points.services import points_award

from ..models import (
    Event,
    EventAction,
    EventCheckinFailure,
    EventLog,
    EventRegistration,
    EventStatus,
    Hive,
    RegistrationStatus,
)
from ..selectors import events as event_selectors

logger = logging.getLogger(__name__)

CAPACITY_RANGE = (1, 10_000)
POINTS_RANGE = (0, 1_000)
TITLE_MAX = 120
PLACE_MAX = 255
DESCRIPTION_MAX = 5_000
# The door opens this long before the start; check-in closes when the event ends.
PUBLISH_HORIZON = timedelta(days=730)
MAX_DURATION = timedelta(days=30)
# No 0/O, 1/I/L: read aloud at a door or typed on a phone without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
# Guessing the door code: at most this many wrong codes per worker and event within the window;
# then every try (the right code too) answers 429 until the oldest of them leaves the window.
CHECKIN_MAX_FAILURES = 5
CHECKIN_FAILURE_WINDOW = timedelta(minutes=15)


def _log(
    event: Event,
    action: str,
    *,
    actor: User | None,
    at: datetime,
    registration: EventRegistration | None = None,
    from_status: str = "",
    to_status: str = "",
) -> EventLog:
    """The audit row of a change, written in the change's transaction."""
    return EventLog.objects.create(
        event=event,
        registration=registration,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
    )


def checkin_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _clean_text(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def _validate(
    *, title: str, place: str, description: str, starts_at: datetime, ends_at: datetime, capacity: int, points: int
) -> None:
    errors: list[FieldError] = []
    if not title:
        errors.append(FieldError("title", _("请填写活动标题。")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("活动标题过长。")))
    if not place:
        errors.append(FieldError("place", _("请填写活动地点。")))
    elif len(place) > PLACE_MAX:
        errors.append(FieldError("place", _("活动地点过长。")))
    if len(description) > DESCRIPTION_MAX:
        errors.append(FieldError("description", _("活动介绍过长。")))
    errors += time_window_errors(
        starts_at,
        ends_at,
        now=timezone.now(),
        horizon=PUBLISH_HORIZON,
        longest=MAX_DURATION,
        noun=pgettext_lazy("time window", "活动"),
    )
    if not CAPACITY_RANGE[0] <= capacity <= CAPACITY_RANGE[1]:
        errors.append(FieldError("capacity", _("名额须在 1 到 10000 之间。")))
    if not POINTS_RANGE[0] <= points <= POINTS_RANGE[1]:
        errors.append(FieldError("points", _("积分须在 0 到 1000 之间。")))
    if errors:
        raise InvalidInput(errors)


def _points_check(points: int, *, region: Region | None, on: datetime) -> None:
    """Promise only attendance points the earning rule will pay, or workers would check in for nothing."""
    if points == 0:
        return
    rule = rule_for(source=PointsSource.EVENT_ATTENDANCE, category="", region=region, on=on)
    if rule is None:
        raise InvalidInput.one("points", _("参加活动暂无积分规则，请把积分设为 0，或请管理员先设置规则。"))
    if not rule.points_min <= points <= rule.points_max:
        raise InvalidInput.one(
            "points",
            _("按积分规则，参加活动的积分应在 %(low)d 到 %(high)d 之间。")
            % {"low": rule.points_min, "high": rule.points_max},
        )


@transaction.atomic
def event_create(
    *,
    actor: User,
    organiser: Organisation | int,
    title: str,
    description: str = "",
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    points: int = 0,
    hive: Hive | int | None = None,
) -> Event:
    organiser_obj = (
        organiser
        if isinstance(organiser, Organisation)
        else Organisation.objects.filter(pk=organiser, is_active=True).first()
    )
    if organiser_obj is None:
        raise InvalidInput.one("organiser", _("找不到该组织。"))
    hive_obj: Hive | None = None
    if hive is not None:
        hive_obj = hive if isinstance(hive, Hive) else Hive.objects.filter(pk=hive, is_active=True).first()
        if hive_obj is None:
            raise InvalidInput.one("hive", _("找不到该蜂巢驿站。"))
    if not event_selectors.can_publish_for(
        actor, organiser_id=organiser_obj.pk, hive_id=hive_obj.pk if hive_obj else None
    ):
        raise PermissionDenied(_("只有社区、街道、区党组织或驿站的工作人员可以发布活动。"))
    title, place, description = _clean_text(title), _clean_text(place), _clean_text(description)
    _validate(
        title=title,
        place=place,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        points=points,
    )
    _points_check(points, region=hive_obj.community if hive_obj else organiser_obj.region, on=starts_at)
    event = Event.objects.create(
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        points=points,
        hive=hive_obj,
        organiser=organiser_obj,
        checkin_code=checkin_code_new(),
        created_by=actor,
    )
    _log(event, EventAction.PUBLISH, actor=actor, at=event.created_at, to_status=event.status)
    return event


def _lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


@transaction.atomic
def event_register(*, event_id: int, worker: User) -> EventRegistration:
    """A place if one is free, else the waiting list. Returns the registration with its status."""
    if not worker.is_authenticated or not WorkerProfile.objects.filter(user=worker).exists():
        raise PermissionDenied(_("只有注册报到的新就业群体可以报名活动。"))
    # Looking around is open to all; taking part waits for the community's confirmation.
    worker_require_checked_in(worker, doing="event")
    event = _lock_event(event_id)
    if not event.accepts_registrations(timezone.now()):
        raise Conflict("registration_closed", _("该活动已不再接受报名。"))
    if event_selectors.registration_live(event_id=event.pk, worker=worker) is not None:
        raise Conflict("already_registered", _("您已报名该活动。"))
    # The row lock already serialises registrations; the conditional update keeps the count
    # honest even without it, and the database check refuses an overfull row outright.
    took_place = Event.objects.filter(pk=event.pk, registered_count__lt=F("capacity")).update(
        registered_count=F("registered_count") + 1
    )
    if took_place:
        status = RegistrationStatus.REGISTERED
    else:
        Event.objects.filter(pk=event.pk).update(waitlisted_count=F("waitlisted_count") + 1)
        status = RegistrationStatus.WAITLISTED
    try:
        with transaction.atomic():
            registration = EventRegistration.objects.create(event=event, worker=worker, status=status)
        counted_rows_changed(Counted.EVENT_REGISTRATION, registration)
    except IntegrityError as exc:  # one live registration per worker: the constraint's answer
        raise Conflict("already_registered", _("您已报名该活动。")) from exc
    _log(
        event,
        EventAction.REGISTER,
        actor=worker,
        at=registration.created_at,
        registration=registration,
        to_status=status,
    )
    return registration


def _promotion_notify(event: Event, *, worker_id: int) -> None:
    """Tell the worker they moved up from the waiting list: an inbox entry linking to the event
    and, as before the inbox, a text, once the promotion commits.

    Both are stored as keys and parameters (core.texts): the inbox shows the worker's language
    when read, the text is written in the worker's language, never in the language of whoever's
    cancellation freed the place.
    """
    user = User.objects.filter(pk=worker_id, is_active=True).first()
    if user is None:
        return
    facts = _event_facts(event)
    message = t(_("【小蜜蜂】您报名的活动“%(title)s”（%(time)s）已有名额，您已由候补转为正式报名。"), **facts)
    title = t(_("候补转正：%(title)s"), title=facts["title"])
    body = t(_("您报名的活动“%(title)s”（%(time)s）已有名额，您已由候补转为正式报名。"), **facts)
    _tell_registrants(event, [user], kind="event_promoted", title=title, body=body, sms_text=message)


def _event_facts(event: Event) -> dict[str, str]:
    """What a notice about the event names: its title and local start time."""
    return {"title": event.title, "time": timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")}


def _tell_registrants(
    event: Event, users: Iterable[User], *, kind: str, title: Text, body: Text, sms_text: Text
) -> None:
    """A notice about the event in each person's inbox, linking to the event, and as a text."""
    notify_many(
        users,
        kind=kind,
        title=title,
        body=body,
        link=reverse("hives:event", args=[event.pk]),
        data={"event_id": event.pk},
        sms=True,
        sms_text=sms_text,
    )


def _promote_next(event: Event, now: datetime) -> EventRegistration | None:
    """Give the freed place to the earliest waitlisted registration (the event row is locked)."""
    nxt = (
        EventRegistration.objects.select_for_update()
        .filter(event=event, status=RegistrationStatus.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    was = nxt.status
    nxt.status = RegistrationStatus.REGISTERED
    nxt.promoted_at = now
    nxt.save(update_fields=["status", "promoted_at", "updated_at"])
    counted_rows_changed(Counted.EVENT_REGISTRATION, nxt)
    # The system's step (a place was freed), not the cancelling worker's.
    _log(event, EventAction.PROMOTE, actor=None, at=now, registration=nxt, from_status=was, to_status=nxt.status)
    Event.objects.filter(pk=event.pk).update(
        registered_count=F("registered_count") + 1, waitlisted_count=F("waitlisted_count") - 1
    )
    _promotion_notify(event, worker_id=nxt.worker_id)
    return nxt


@transaction.atomic
def event_cancel_registration(*, registration_id: int, worker: User) -> EventRegistration:
    """The worker cancels their own registration; a freed place goes to the waiting list's head."""
    found = EventRegistration.objects.filter(pk=registration_id, worker=worker).values_list("event_id", flat=True)
    event_id = found.first() if worker.is_authenticated else None
    if event_id is None:
        raise NotFound()  # someone else's registration is not visible to this worker
    event = _lock_event(event_id)
    registration = EventRegistration.objects.select_for_update().get(pk=registration_id)
    if not registration.can_cancel():
        raise Conflict("invalid_transition", _("该报名无法取消。"))
    now = timezone.now()
    if not event.accepts_registrations(now):
        raise Conflict("registration_closed", _("活动已开始或已取消，无法取消报名。"))
    was = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    counted_rows_changed(Counted.EVENT_REGISTRATION, registration)
    _log(
        event,
        EventAction.CANCEL_REGISTRATION,
        actor=worker,
        at=now,
        registration=registration,
        from_status=was,
        to_status=registration.status,
    )
    if was == RegistrationStatus.REGISTERED:
        Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") - 1)
        _promote_next(event, now)
    else:
        Event.objects.filter(pk=event.pk).update(waitlisted_count=F("waitlisted_count") - 1)
    return registration


def event_cancel_my_registration(*, event_id: int, worker: User) -> EventRegistration:
    live = event_selectors.registration_live(event_id=event_id, worker=worker) if worker.is_authenticated else None
    if live is None:
        raise NotFound()
    return event_cancel_registration(registration_id=live.pk, worker=worker)


@transaction.atomic
def event_cancel(*, event_id: int, actor: User) -> Event:
    """The organiser calls the event off; registrations stay, so workers see what happened."""
    event_selectors.manageable_event(actor, event_id)
    event = _lock_event(event_id)
    if not event.can_cancel():
        raise Conflict("invalid_transition", _("该活动已取消。"))
    was = event.status
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    _log(event, EventAction.CANCEL, actor=actor, at=event.updated_at, from_status=was, to_status=event.status)
    _cancellation_notify(event)
    return event


def _cancellation_notify(event: Event) -> None:
    """Tell everyone still registered or waiting that the event is off: an inbox entry and a
    text each, once the cancellation commits."""
    registrations = (
        EventRegistration.objects.filter(
            event=event,
            status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED),
            worker__is_active=True,
        )
        .select_related("worker")
        .order_by("id")
    )
    facts = _event_facts(event)
    message = t(_("【小蜜蜂】很抱歉，您报名的活动“%(title)s”（%(time)s）已取消。"), **facts)
    title = t(_("活动已取消：%(title)s"), title=facts["title"])
    body = t(_("很抱歉，您报名的活动“%(title)s”（%(time)s）已取消。"), **facts)
    _tell_registrants(
        event, (r.worker for r in registrations), kind="event_cancelled", title=title, body=body, sms_text=message
    )


def _checkin_window_check(event: Event, now: datetime) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise Conflict("event_cancelled", _("该活动已取消。"))
    if not event.checkin_open(now):
        raise Conflict("checkin_closed", _("现在不在活动签到时间内。"))


def _mark_attended(registration: EventRegistration, *, by: User, now: datetime) -> EventRegistration:
    if registration.status == RegistrationStatus.ATTENDED:
        return registration  # a second scan at the door changes nothing
    if registration.status == RegistrationStatus.WAITLISTED:
        raise Conflict("waitlisted", _("候补名单中的报名不能签到。"))
    if not registration.can_check_in():
        raise Conflict("not_registered", _("没有有效的报名，不能签到。"))
    was = registration.status
    registration.status = RegistrationStatus.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by = by
    registration.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    counted_rows_changed(Counted.EVENT_REGISTRATION, registration)
    # The event's points, awarded once per registration in this transaction; a refusal (no rule,
    # a cap, more points than the rule allows) is logged and the check-in stands.
    event = Event.objects.select_related("hive__community").get(pk=registration.event_id)
    _log(
        event,
        EventAction.CHECK_IN,
        actor=by,
        at=now,
        registration=registration,
        from_status=was,
        to_status=registration.status,
    )
    if event.points > 0:
        try:
            result = points_award(
                worker=registration.worker,
                source=PointsSource.EVENT_ATTENDANCE,
                idempotency_key=f"event_attendance:{registration.pk}",
                source_object=registration,
                region=event.hive.community if event.hive else None,
                amount=event.points,
                actor=by,
                note=event.title,
                at=now,
            )
        except DomainError as exc:
            logger.warning("attendance points for registration %s refused: %s", registration.pk, exc)
        else:
            if result.refusal:
                logger.info("no attendance points for registration %s: %s", registration.pk, result.refusal)
    return registration


def _checkin_failures_check(event: Event, worker: User, now: datetime) -> None:
    """429 while the worker has CHECKIN_MAX_FAILURES wrong codes for this event inside the window."""
    failures = list(
        EventCheckinFailure.objects.filter(event=event, worker=worker, at__gt=now - CHECKIN_FAILURE_WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:CHECKIN_MAX_FAILURES]
    )
    if len(failures) < CHECKIN_MAX_FAILURES:
        return
    retry_after = max(1, math.ceil((failures[-1] + CHECKIN_FAILURE_WINDOW - now).total_seconds()))
    raise TooManyRequests(
        gettext("签到码错误次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": max(1, math.ceil(retry_after / 60))},
        retry_after=retry_after,
    )


def event_checkin(*, event_id: int, worker: User, code: str) -> EventRegistration:
    """At the door: the worker enters or scans the event's check-in code.

    Guessing is limited: after CHECKIN_MAX_FAILURES wrong codes for one event within
    CHECKIN_FAILURE_WINDOW the worker is refused (429, even with the right code) until the oldest
    of them leaves the window. A wrong code changes nothing but that count, which is committed
    before the error is raised: call this outside any transaction of your own, or a rollback of
    yours takes the count with it.
    """
    if not worker.is_authenticated:
        raise Conflict("not_registered", _("您没有报名该活动。"))
    now = timezone.now()
    given = _clean_text(code).upper().replace(" ", "")
    with transaction.atomic():
        # The event row lock serialises every check-in at this event, so simultaneous guesses
        # cannot all read a count below the limit.
        event = _lock_event(event_id)
        _checkin_failures_check(event, worker, now)
        if given and hmac.compare_digest(given.encode(), event.checkin_code.upper().encode()):
            _checkin_window_check(event, now)
            registration = (
                EventRegistration.objects.select_for_update()
                .filter(event=event, worker=worker, status__in=event_selectors.LIVE)
                .first()
            )
            if registration is None:
                raise Conflict("not_registered", _("您没有报名该活动。"))
            return _mark_attended(registration, by=worker, now=now)
        EventCheckinFailure.objects.create(event=event, worker=worker, at=now)
    raise DomainError(code="invalid_code", detail=_("签到码不正确。"), status=400)


@transaction.atomic
def event_checkin_by_staff(*, event_id: int, registration_id: int, actor: User) -> EventRegistration:
    """From the attendance list: staff of the event check a registered worker in."""
    event_selectors.manageable_event(actor, event_id)
    event = _lock_event(event_id)
    registration = EventRegistration.objects.select_for_update().filter(pk=registration_id, event=event).first()
    if registration is None:
        raise NotFound()
    now = timezone.now()
    _checkin_window_check(event, now)
    return _mark_attended(registration, by=actor, now=now)
