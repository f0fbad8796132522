"""Writes about station visits: a worker scans the station's QR, or a keeper scans the worker's code.

One counted visit per worker per station within VISIT_COOLDOWN_HOURS. A repeat inside that
window changes nothing and answers the visit already counted, with counted=False. Both paths
take a row lock on the worker's profile before looking for a recent visit, so simultaneous
scans by one worker queue up and only the first one writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User, WorkerProfile
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound

from .. import selectors
from ..models import Hive, HiveVisit, Service, VisitMethod
from ..visit_tokens import InvalidMemberCode, token_check, user_id_from_member_code


class NotAWorker(DomainError):
    def __init__(self) -> None:
        super().__init__(
            code="not_a_worker",
            detail=_("只有已注册的新就业群体（小哥）可以在驿站签到。"),
            status=403,
        )


@dataclass(frozen=True)
class VisitResult:
    visit: HiveVisit
    counted: bool


def visit_cooldown_hours() -> int:
    return int(settings.VISIT_COOLDOWN_HOURS)


def visit_cooldown() -> timedelta:
    return timedelta(hours=visit_cooldown_hours())


def _active_hive(hive_id: int) -> Hive:
    hive = Hive.objects.filter(pk=hive_id, is_active=True).first()
    if hive is None:
        raise NotFound()
    return hive


def _service(hive: Hive, service_code: str | None) -> Service | None:
    """The service the worker came for, if named; it must be one this station offers."""
    if not service_code:
        return None
    service = hive.services.filter(code=service_code).first()
    if service is None:
        raise InvalidInput.one("service", _("该驿站不提供这项服务。"))
    return service


def _record(
    *,
    worker_id: int,
    hive: Hive,
    method: str,
    recorded_by: User | None,
    service: Service | None,
    at: datetime,
    not_a_worker: Callable[[], DomainError],
) -> VisitResult:
    with transaction.atomic():
        # The lock serialises one worker's scans (PostgreSQL); SQLite's IMMEDIATE transactions
        # already serialise every writer.
        profile = WorkerProfile.objects.select_for_update().filter(user_id=worker_id).only("pk").first()
        if profile is None:
            raise not_a_worker()
        recent = (
            HiveVisit.objects.filter(worker_id=worker_id, hive=hive, at__gt=at - visit_cooldown())
            .select_related("hive", "service")
            .order_by("-at", "-id")
            .first()
        )
        if recent is not None:
            return VisitResult(visit=recent, counted=False)
        visit = HiveVisit.objects.create(
            hive=hive, worker_id=worker_id, method=method, recorded_by=recorded_by, service=service, at=at
        )
        counted_rows_changed(Counted.HIVE_VISIT, visit)
        return VisitResult(visit=visit, counted=True)


def visit_record_by_qr(
    *, worker: User, hive_id: int, token: str, service_code: str | None = None, at: datetime | None = None
) -> VisitResult:
    """A worker scanned the station's QR code (or its app submitted the token)."""
    at = at or timezone.now()
    hive = _active_hive(hive_id)
    token_check(token, hive_id=hive.pk, at=at)
    service = _service(hive, service_code)
    return _record(
        worker_id=worker.pk,
        hive=hive,
        method=VisitMethod.QR,
        recorded_by=None,
        service=service,
        at=at,
        not_a_worker=NotAWorker,
    )


def visit_record_by_member_code(
    *, keeper: User, hive_id: int, member_code: str, service_code: str | None = None, at: datetime | None = None
) -> VisitResult:
    """Someone who manages the station (selectors.hives_managed_by: its keepers, admins of its
    managing unit or of a party organisation over its community, city admins) scanned or typed a
    worker's member code at the counter. Anyone else, another station's keeper included, gets 404."""
    at = at or timezone.now()
    hive = selectors.hive_managed(keeper, hive_id, active_only=True)
    user_id = user_id_from_member_code(member_code)
    if not User.objects.filter(pk=user_id, is_active=True).exists():
        raise InvalidMemberCode()
    service = _service(hive, service_code)
    return _record(
        worker_id=user_id,
        hive=hive,
        method=VisitMethod.MEMBER_CODE,
        recorded_by=keeper,
        service=service,
        at=at,
        not_a_worker=InvalidMemberCode,
    )


@transaction.atomic
def visit_set_service(*, visit_id: int, worker: User, service_code: str, at: datetime | None = None) -> HiveVisit:
    """The worker says which service their visit used (the chips on the page after a scan).

    Only the worker's own visit (anyone else's answers NotFound), only within the cooldown window
    after it was recorded (Conflict `visit_window_closed`), and only a service the station offers
    (InvalidInput on "service"). Choosing again within the window replaces the choice."""
    at = at or timezone.now()
    visit = (
        HiveVisit.objects.select_for_update(of=("self",))
        .select_related("hive")
        .filter(pk=visit_id, worker_id=worker.pk)
        .first()
    )
    if visit is None:
        raise NotFound()
    if not visit.at > at - visit_cooldown():
        raise Conflict(
            "visit_window_closed",
            _("只能在到访后 %(hours)d 小时内选择本次使用的服务。") % {"hours": visit_cooldown_hours()},
        )
    if not isinstance(service_code, str) or not service_code:
        raise InvalidInput.one("service", _("请选择一项服务。"))
    service = _service(visit.hive, service_code)
    assert service is not None  # a code was given: _service found it or refused
    changed = service.pk != visit.service_id
    visit.service = service
    if changed:
        visit.save(update_fields=["service"])
        counted_rows_changed(Counted.HIVE_VISIT, visit)
    return visit
