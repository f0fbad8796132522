"""Writes for the rewards mall: redeem a gift, hand it over, cancel, expire; restock.

Every transition is one transaction that checks the voucher's guard, changes its status with
`save(update_fields=…)` and writes a VoucherEvent row. Points move only through
littlebee.points.services (`points_spend` to redeem, `points_reverse` to refund); stock moves only
by conditional updates (`… SET stock_available = stock_available - 1 WHERE stock_available > 0`),
with check constraints on the tables as the last guard.

Lock order, always the same so that two transactions never wait for each other in a circle:

    1. the worker's profile row (accounts.WorkerProfile) — serialises one worker's redemptions,
       so the per-worker limit counts every committed voucher;
    2. the voucher row (a new one when redeeming);
    3. the worker's points account (taken by points_spend / points_reverse);
    4. the gift row (by the conditional stock update);
    5. the gift's station row (by the conditional stock update).

Redeeming takes the contended lock, the gift row, as late as possible: everything else is written
first, so the gift row is held only for its update, the station's, and the commit. Handing a gift
over locks the voucher alone (2), and goes on to 3-5 only to expire a voucher found past its date.
Such a voucher is expired by whichever comes first: the sweep, the keeper's scan, the worker's cancel.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.accounts.services import worker_require_checked_in
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from littlebee.core.hot_cursor import hot_cursor
from littlebee.core.raw_insert import insert_instance
from littlebee.core.raw_rows import instance_from_row
from littlebee.core.texts import names, t
from littlebee.hives.models import Hive
from littlebee.notifications.inbox import notify
from littlebee.points.services import points_reverse, points_spend

from . import selectors
from .codes import voucher_code_new, voucher_code_normalise
from .models import LIVE_STATUSES, Gift, GiftStation, PickupRule, Voucher, VoucherEvent, VoucherStatus
from .selectors import KeeperVoucher

logger = logging.getLogger(__name__)


# --- Codes ----------------------------------------------------------------------------------
def _code_or_invalid(raw: str | None, field: str = "code") -> str:
    code = voucher_code_normalise(raw)
    if not code:
        raise InvalidInput.one(field, _("兑换码应为 10 位字母和数字，例如 ABCDE-FGHJK。"))
    return code


# --- Helpers --------------------------------------------------------------------------------
def _event(
    voucher: Voucher,
    *,
    at: datetime,
    actor: User | None,
    from_status: str,
    to_status: str,
    hive: Hive | None = None,
    note: str = "",
) -> VoucherEvent:
    return VoucherEvent.objects.create(
        voucher=voucher,
        at=at,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        hive=hive,
        note=note[:255],
    )


def _status_conflict(voucher: Voucher) -> Conflict:
    """Why a voucher no longer accepts a transition, in the words a counter needs."""
    if voucher.status == VoucherStatus.FULFILLED:
        when = timezone.localtime(voucher.fulfilled_at).strftime("%Y-%m-%d %H:%M") if voucher.fulfilled_at else ""
        return Conflict("already_fulfilled", _("这张兑换券已于 %(when)s 领取过，不能重复领取。") % {"when": when})
    if voucher.status == VoucherStatus.CANCELLED:
        return Conflict("voucher_cancelled", _("这张兑换券已取消，积分已退回。"))
    if voucher.status == VoucherStatus.EXPIRED:
        return Conflict("voucher_expired", _("这张兑换券已过期作废，积分已退回。"))
    return Conflict("invalid_transition", _("这张兑换券当前不能这样操作。"))


def _lock_profile(worker_id: int) -> tuple[int, str] | None:
    """Lock the worker's profile row (1 in the lock order): its id and check-in status, or None
    for a non-worker."""
    return (
        WorkerProfile.objects.select_for_update().filter(user_id=worker_id).values_list("pk", "checkin_status").first()
    )


def _lock_voucher(voucher_id: int) -> Voucher:
    return Voucher.objects.select_for_update().select_related("gift").get(pk=voucher_id)


def _release(voucher: Voucher, *, to_status: str, actor: User | None, at: datetime, note: Promise) -> Voucher:
    """Cancel or expire a reserved voucher (locked by the caller): refund its points, give its
    stock back, record it. Lock order: voucher (held) → points account → gift → station. The
    refund's line in the points history carries `note` as a text read in the reader's language."""
    assert voucher.status == VoucherStatus.RESERVED and voucher.points_entry_id is not None
    refund = points_reverse(
        entry_id=voucher.points_entry_id,
        actor=actor,
        note=t(note),
        at=at,
        key=f"refund:{voucher.code}",
    )
    returned = Gift.objects.filter(pk=voucher.gift_id, stock_available__lt=F("total_stock")).update(
        stock_available=F("stock_available") + 1
    )
    if not returned:  # the total was cut below what was out; nothing to give back to
        logger.warning("voucher %s released but gift %s is already at its total stock", voucher.pk, voucher.gift_id)
    if voucher.took_station_stock and voucher.hive_id is not None:
        GiftStation.objects.filter(
            gift_id=voucher.gift_id, hive_id=voucher.hive_id, stock_available__isnull=False
        ).update(stock_available=F("stock_available") + 1)
    was = voucher.status
    voucher.status = to_status
    voucher.refund_entry = refund
    fields = ["status", "refund_entry"]
    if to_status == VoucherStatus.CANCELLED:
        voucher.cancelled_at = at
        fields.append("cancelled_at")
    else:
        voucher.expired_at = at
        fields.append("expired_at")
    voucher.save(update_fields=fields)
    _event(voucher, at=at, actor=actor, from_status=was, to_status=to_status, note=str(note))
    return voucher


def _expire_locked(voucher: Voucher, at: datetime) -> Voucher:
    _release(voucher, to_status=VoucherStatus.EXPIRED, actor=None, at=at, note=_("兑换券到期未领取"))
    _voucher_notify(voucher, "voucher_expired")
    return voucher


def _voucher_notify(voucher: Voucher, kind: str) -> None:
    """An inbox entry for the voucher's worker, linking to the voucher. Stored as keys and
    parameters (the gift's names in both languages), shown in the reader's language."""
    gift = names(voucher.gift.name, voucher.gift.name_en)
    if kind == "voucher_expired":
        title = t(_("兑换券已过期：%(gift)s"), gift=gift)
        body = t(
            _("“%(gift)s”未在有效期内领取，兑换券已作废，%(points)d 积分已退回。"), gift=gift, points=voucher.points
        )
    else:
        hive = voucher.fulfilled_hive.name if voucher.fulfilled_hive else ""
        title = t(_("礼品已领取：%(gift)s"), gift=gift)
        body = t(_("您已在“%(hive)s”领取“%(gift)s”，感谢您的付出！"), gift=gift, hive=hive)
    notify(
        user=voucher.worker,
        kind=kind,
        title=title,
        body=body,
        link=reverse("rewards:voucher", args=[voucher.code]),
        data={"voucher_id": voucher.pk, "gift_id": voucher.gift_id},
    )


# --- Redeem ---------------------------------------------------------------------------------
def _pickup_station(gift: Gift, hive_id: int | None) -> tuple[Hive | None, GiftStation | None]:
    """The pickup station a redemption names (checked against the gift's rule) and, for a listed
    gift, its GiftStation row."""
    if gift.pickup == PickupRule.LISTED:
        stations = list(GiftStation.objects.filter(gift=gift, hive__is_active=True).select_related("hive"))
        if hive_id is None:
            if len(stations) != 1:
                raise InvalidInput.one("hive", _("请选择领取驿站。"))
            return stations[0].hive, stations[0]
        for station in stations:
            if station.hive_id == hive_id:
                return station.hive, station
        raise InvalidInput.one("hive", _("这份礼品不能在该驿站领取，请从列出的驿站中选择。"))
    if hive_id is None:
        return None, None
    hive = Hive.objects.filter(pk=hive_id, is_active=True).first()
    if hive is None:
        raise InvalidInput.one("hive", _("找不到该驿站。"))
    return hive, None


# A fresh code clashes with an issued one about once in 10^14 vouchers: the redemption is then
# rolled back whole and made again under a new code, rather than paying a savepoint every time.
CODE_ATTEMPTS = 5


def gift_redeem(*, worker: User, gift_id: int, hive_id: int | None = None, at: datetime | None = None) -> Voucher:
    """Reserve one of the gift for the worker, debit its points and issue a voucher valid for the
    gift's `voucher_valid_days`, all in one transaction: four statements on PostgreSQL (seven on
    SQLite) and no savepoint for an any-station gift without a per-worker limit (a limit, a named
    or listed station add one or two).

    Refusals: 403 not a registered worker; 404 no such gift on sale; 409 `gift_inactive` (outside
    its redemption window), `limit_reached`, `out_of_stock`, `insufficient_points`; 400 a pickup
    station the gift does not allow.
    """
    at = at or timezone.now()
    for _attempt in range(CODE_ATTEMPTS):
        code = voucher_code_new()
        try:
            return _redeem(worker=worker, gift_id=gift_id, hive_id=hive_id, at=at, code=code)
        except IntegrityError:
            if not Voucher.objects.filter(code=code).exists():
                raise  # not a clash of codes: a real error
    raise DomainError(code="code_exhausted", detail=_("暂时无法生成兑换码，请重试。"), status=503)


_SQL: dict[tuple[str, str], str] = {}
# A redemption's timeline row, in the order link_event_stock_take's parameters give them.
_EVENT_COLUMNS = ("voucher", "at", "actor", "from_status", "to_status", "hive", "note")


def _sql(name: str, using: str) -> str:
    """The redemption's plain statements, made once per database from the models' names."""
    sql = _SQL.get((name, using))
    if sql is None:
        connection = connections[using]
        qn = connection.ops.quote_name
        gift = Gift._meta
        stock = qn(gift.get_field("stock_available").column)
        if name == "gift_and_profile":
            profile = WorkerProfile._meta
            columns = ", ".join(f"g.{qn(f.column)}" for f in gift.concrete_fields)
            # The profile's lock is taken in the same statement as the gift is read; SQLite has
            # no row locks (its writes take the whole database, in turn).
            lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
            sql = (
                f"SELECT {columns}, p.{qn('checkin_status')} FROM {qn(gift.db_table)} g"  # noqa: S608 - model names
                f" LEFT JOIN (SELECT {qn(profile.get_field('checkin_status').column)}"
                f" FROM {qn(profile.db_table)} WHERE {qn(profile.get_field('user').column)} = %s{lock}) p"
                f" ON 1 = 1 WHERE g.{qn(gift.pk.column)} = %s AND g.{qn(gift.get_field('is_active').column)} = %s"
            )
        elif name == "voucher_entry":
            voucher = Voucher._meta
            sql = (
                f"UPDATE {qn(voucher.db_table)} SET {qn(voucher.get_field('points_entry').column)} = %s"  # noqa: S608
                f" WHERE {qn(voucher.pk.column)} = %s"
            )
        else:
            assert name in ("stock_take", "link_event_stock_take")
            sql = (
                f"UPDATE {qn(gift.db_table)} SET {stock} = {stock} - 1"  # noqa: S608 - names from the model
                f" WHERE {qn(gift.pk.column)} = %s AND {stock} > 0"
            )
            if name == "link_event_stock_take":
                event = VoucherEvent._meta
                event_columns = ", ".join(qn(event.get_field(n).column) for n in _EVENT_COLUMNS)  # type: ignore[union-attr,arg-type]
                sql = (
                    f"WITH link AS ({_sql('voucher_entry', using)}),"  # noqa: S608 - names from the models
                    f" event AS (INSERT INTO {qn(event.db_table)} ({event_columns})"
                    f" VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))})) {sql}"
                )
        _SQL[(name, using)] = sql
    return sql


def _gift_and_profile(gift_id: int, worker_id: int) -> tuple[Gift, str | None] | None:
    """The gift on sale (None: no such gift on sale) and the worker's check-in status, their
    profile row locked (1 in the lock order; None: not a worker), in one statement."""
    connection = transaction.get_connection()
    with hot_cursor(connection) as cursor:
        cursor.execute(_sql("gift_and_profile", connection.alias), [worker_id, gift_id, True])
        row = cursor.fetchone()
    if row is None:
        return None
    return instance_from_row(Gift, row, connection.alias), row[-1]


def _execute(name: str, params: list[Any]) -> int:
    connection = transaction.get_connection()
    with hot_cursor(connection) as cursor:
        cursor.execute(_sql(name, connection.alias), params)
        return int(cursor.rowcount)


@transaction.atomic
def _redeem(*, worker: User, gift_id: int, hive_id: int | None, at: datetime, code: str) -> Voucher:
    # Plain statements made once (core.raw_rows, core.raw_insert, _sql above): building and
    # compiling each ORM statement cost several times what PostgreSQL spent running it, and this
    # is the mall's hot write. Four statements (PostgreSQL) for an any-station gift without a limit.
    if not worker.is_authenticated or not worker.is_active:
        raise PermissionDenied(_("只有注册报到的新就业群体可以兑换礼品。"))
    found = _gift_and_profile(gift_id, worker.pk)
    if found is None:
        raise NotFound()
    gift, checkin_status = found
    if gift.active_from is not None and at < gift.active_from:
        raise Conflict("gift_inactive", _("这份礼品还没有开始兑换。"))
    if gift.active_until is not None and at >= gift.active_until:
        raise Conflict("gift_inactive", _("这份礼品的兑换已经结束。"))
    # (1) The worker's profile, locked with the gift's read: eligibility, the check-in, and the
    # guard of the limit.
    if checkin_status is None:
        raise PermissionDenied(_("只有注册报到的新就业群体可以兑换礼品。"))
    if checkin_status != CheckinStatus.CONFIRMED:
        # Looking around is open to all; redeeming waits for the community's confirmation.
        worker_require_checked_in(worker, doing="redeem")
    hive, station = _pickup_station(gift, hive_id)
    if gift.per_worker_limit is not None:
        held = Voucher.objects.filter(worker=worker, gift=gift, status__in=LIVE_STATUSES).count()
        if held >= gift.per_worker_limit:
            raise Conflict(
                "limit_reached",
                _("这份礼品每人限兑 %(limit)d 份，你已兑换过。") % {"limit": gift.per_worker_limit},
            )
    # A fast answer from the row as read; the conditional updates below are what decide.
    if gift.stock_available <= 0:
        raise Conflict("out_of_stock", _("这份礼品已经兑完了。"))
    station_stock = station is not None and station.stock_available is not None
    if station is not None and station.stock_available is not None and station.stock_available <= 0:
        raise Conflict("out_of_stock", _("该驿站的这份礼品已经兑完了，请选择其他驿站。"))
    # (2) The voucher, so the ledger entry can point at it.
    voucher = insert_instance(
        Voucher(
            code=code,
            gift=gift,
            worker=worker,
            hive=hive,
            status=VoucherStatus.RESERVED,
            points=gift.points_cost,
            took_station_stock=station_stock,
            created_at=at,
            expires_at=at + timedelta(days=gift.voucher_valid_days),
        )
    )
    # (3) The points: a conditional debit of the account, or Conflict("insufficient_points").
    entry = points_spend(
        worker=worker,
        amount=gift.points_cost,
        idempotency_key=f"redemption:{voucher.code}",
        source_object=voucher,
        actor=worker,
        # The gift's names in both languages: the history names it in the reader's language.
        note=names(gift.name, gift.name_en),
        at=at,
    )
    voucher.points_entry = entry
    # (4) The stock, last: the gift row is the one every redemption of the gift waits for.
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        # The voucher's link to its entry and its timeline row ride on the stock's UPDATE (one
        # statement with data-modifying WITHs): two round trips fewer. Their order inside it does
        # not matter: the voucher row is not visible to anyone else yet, the timeline row locks
        # nothing, and a refused take rolls all of it back.
        event = [voucher.pk, connection.ops.adapt_datetimefield_value(at), worker.pk, "", VoucherStatus.RESERVED]
        taken = _execute(
            "link_event_stock_take", [entry.pk, voucher.pk, *event, hive.pk if hive else None, "", gift.pk]
        )
    else:
        _execute("voucher_entry", [entry.pk, voucher.pk])
        insert_instance(
            VoucherEvent(
                voucher=voucher, at=at, actor=worker, from_status="", to_status=VoucherStatus.RESERVED, hive=hive
            )
        )
        taken = _execute("stock_take", [gift.pk])
    if not taken:
        raise Conflict("out_of_stock", _("这份礼品已经兑完了。"))
    # (5) The station's own stock, when it has one.
    if station_stock:
        assert station is not None
        taken = GiftStation.objects.filter(pk=station.pk, stock_available__gt=0).update(
            stock_available=F("stock_available") - 1
        )
        if not taken:
            raise Conflict("out_of_stock", _("该驿站的这份礼品已经兑完了，请选择其他驿站。"))
    return voucher


# --- Hand over --------------------------------------------------------------------------------
def _handover_station(found: KeeperVoucher, hive_id: int | None) -> Hive:
    """The station handing the voucher over: the one named (among those the keeper may use), or
    by default the voucher's own station or the keeper's only one."""
    voucher = found.voucher
    if hive_id is None:
        station = found.default_station
        if station is None:
            raise InvalidInput.one("hive", _("请选择在哪个驿站发放。"))
        return station
    for hive in found.stations:
        if hive.pk == hive_id:
            return hive
    if voucher.gift.pickup == PickupRule.LISTED and voucher.hive is not None:
        raise InvalidInput.one("hive", _("这份礼品须在“%(name)s”领取。") % {"name": voucher.hive.name})
    raise InvalidInput.one("hive", _("请选择你管理的驿站。"))


def voucher_fulfil(*, code: str, keeper: User, hive_id: int | None = None, at: datetime | None = None) -> Voucher:
    """The keeper hands the gift over against its code (typed, scanned or the QR's URL).

    404 unless the keeper may hand this voucher over (see pickup_stations); 409 when it is
    fulfilled, cancelled or expired already. A voucher past its date that the sweep has not
    reached yet is expired here (refund committed) and answered 409 `voucher_expired`: call this
    outside any transaction of your own, or a rollback of yours takes the expiry with it.
    """
    at = at or timezone.now()
    found = selectors.voucher_for_keeper(_code_or_invalid(code), keeper)
    # Which station hands it over matters only for a voucher that can still be handed over; one
    # that cannot is answered as such, whatever station was named.
    station = _handover_station(found, hive_id) if found.voucher.can_fulfil(at) else None
    expired = False
    with transaction.atomic():
        voucher = _lock_voucher(found.voucher.pk)
        if voucher.can_expire(at):
            _expire_locked(voucher, at)
            expired = True
        elif not voucher.can_fulfil(at):
            raise _status_conflict(voucher)
        else:
            assert station is not None  # a voucher never returns to "reserved", nor gets younger
            was = voucher.status
            voucher.status = VoucherStatus.FULFILLED
            voucher.fulfilled_at = at
            voucher.fulfilled_by = keeper
            voucher.fulfilled_hive = station
            voucher.save(update_fields=["status", "fulfilled_at", "fulfilled_by", "fulfilled_hive"])
            _event(voucher, at=at, actor=keeper, from_status=was, to_status=VoucherStatus.FULFILLED, hive=station)
            _voucher_notify(voucher, "voucher_fulfilled")
    if expired:
        raise _status_conflict(voucher)
    return voucher


# --- Cancel and expire ------------------------------------------------------------------------
def voucher_cancel(
    *, worker: User, code: str | None = None, voucher_id: int | None = None, at: datetime | None = None
) -> Voucher:
    """The worker gives a voucher back before pickup: points refunded, stock returned.

    404 for anyone else's voucher; 409 when it is fulfilled, cancelled or expired. One past its
    date is expired here instead (refund committed) and answered 409 `voucher_expired`.
    """
    at = at or timezone.now()
    if not worker.is_authenticated:
        raise NotFound()
    vouchers = Voucher.objects.filter(worker=worker)
    if voucher_id is not None:
        vouchers = vouchers.filter(pk=voucher_id)
    else:
        vouchers = vouchers.filter(code=_code_or_invalid(code))
    voucher_pk = vouchers.values_list("pk", flat=True).first()
    if voucher_pk is None:
        raise NotFound()
    expired = False
    with transaction.atomic():
        _lock_profile(worker.pk)
        voucher = _lock_voucher(voucher_pk)
        if voucher.can_expire(at):
            _expire_locked(voucher, at)
            expired = True
        elif not voucher.can_cancel(at):
            raise _status_conflict(voucher)
        else:
            _release(voucher, to_status=VoucherStatus.CANCELLED, actor=worker, at=at, note=_("小哥取消兑换"))
    if expired:
        raise _status_conflict(voucher)
    return voucher


def voucher_expire(*, voucher_id: int, at: datetime | None = None) -> bool:
    """Expire one voucher if it is due (its own transaction). False when it is not (any more)."""
    at = at or timezone.now()
    worker_id = Voucher.objects.filter(pk=voucher_id).values_list("worker_id", flat=True).first()
    if worker_id is None:
        return False
    with transaction.atomic():
        _lock_profile(worker_id)
        voucher = _lock_voucher(voucher_id)
        if not voucher.can_expire(at):
            return False
        _expire_locked(voucher, at)
    return True


def vouchers_expire_due(*, at: datetime | None = None, batch: int = 1000) -> int:
    """The periodic sweep: expire every reserved voucher past its date, refunding points and
    stock, each in its own transaction. Idempotent: a second run (or a concurrent one) finds
    nothing left to do. Returns how many vouchers it expired."""
    at = at or timezone.now()
    expired = 0
    last_id = 0
    while True:
        ids = list(
            Voucher.objects.filter(status=VoucherStatus.RESERVED, expires_at__lte=at, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return expired
        for voucher_id in ids:
            try:
                expired += voucher_expire(voucher_id=voucher_id, at=at)
            except Exception:  # one bad voucher must not stop the others' refunds
                logger.exception("expiring voucher %s failed", voucher_id)
        last_id = ids[-1]


# --- Stock ----------------------------------------------------------------------------------
@transaction.atomic
def gift_restock(*, gift_id: int, change: int) -> Gift:
    """Add to (or, down to what is left, take from) a gift's total stock. Total and available
    move together by one conditional update, so redemptions running meanwhile stay counted."""
    if change == 0:
        return Gift.objects.get(pk=gift_id)
    moved = Gift.objects.filter(pk=gift_id, stock_available__gte=max(0, -change)).update(
        total_stock=F("total_stock") + change, stock_available=F("stock_available") + change
    )
    if not moved:
        raise Conflict("out_of_stock", _("减少的数量不能超过目前可兑的库存。"))
    return Gift.objects.get(pk=gift_id)


@transaction.atomic
def gift_station_restock(*, station_id: int, change: int) -> GiftStation:
    """Change a station's own stock by `change` (never below zero), by one conditional update."""
    if change:
        moved = GiftStation.objects.filter(
            pk=station_id, stock_available__isnull=False, stock_available__gte=max(0, -change)
        ).update(stock_available=F("stock_available") + change)
        if not moved:
            raise Conflict("out_of_stock", _("减少的数量不能超过该驿站目前可兑的库存。"))
    return GiftStation.objects.get(pk=station_id)
