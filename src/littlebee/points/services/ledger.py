"""Writes to the points ledger and the accounts beside it. Every change of a balance goes through
this package, with its ledger entry.

- `points_award`: one service for every earning; it applies the rule, the caps and the
  idempotency key, and explains a refusal instead of raising.
- `points_spend`: a debit guarded by a conditional update (never below zero), for redemptions.
- `points_reverse`: a correction, as a new entry linked to the one it reverses.
- `points_adjust`: a manual adjustment with its reason.
- `points_board_privacy_set`: how the worker appears on the leaderboards.
- `checkin_points_award`: the points for a confirmed check-in (accounts' hook).

The worker's account row is locked (SELECT … FOR UPDATE) for every write, so caps and the
"once per source event" rule hold under concurrency; the balance itself only moves through
`UPDATE … SET balance = balance ± n WHERE …` in the same transaction as the entry. A spend
needs no separate lock: its conditional update takes the row lock and checks the balance at once.
`_account_locked` and `_insert` are shared with `expiry`, which writes entries the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Model, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import User, WorkerProfile
from littlebee.core.counted import Counted, counted_rows_changed
from littlebee.core.errors import Conflict, DomainError, InvalidInput, NotFound
from littlebee.core.raw_insert import insert_instance, insert_instance_if
from littlebee.core.texts import Text, render_in
from littlebee.orgs.models import Region

from .. import rules
from ..models import LedgerEntry, LedgerReason, PointsAccount, PointsSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AwardResult:
    """The entry written (or found: `created` False), or why nothing was awarded."""

    entry: LedgerEntry | None
    created: bool = False
    refusal: str = ""  # a stable code: no_rule, no_points, daily_cap, weekly_cap, inactive_worker
    detail: str = ""

    @property
    def awarded(self) -> int:
        return self.entry.amount if self.entry is not None and self.created else 0


def source_ref(obj: Model) -> tuple[str, str]:
    """("app_label.model", "pk") for an object behind an entry."""
    return obj._meta.label_lower, str(obj.pk)


def _account_locked(worker_id: int) -> PointsAccount:
    """The worker's account row, created on first use, locked for the rest of the transaction."""
    PointsAccount.objects.get_or_create(worker_id=worker_id)
    return PointsAccount.objects.select_for_update().get(worker_id=worker_id)


def _local_day_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _earned_since(worker_id: int, source: str, category: str, since: datetime) -> int:
    earned = LedgerEntry.objects.filter(
        worker_id=worker_id, reason=LedgerReason.EARN, source=source, category=category, created_at__gte=since
    ).aggregate(total=Sum("amount"))["total"]
    return int(earned or 0)


def _expiry_for(at: datetime) -> datetime | None:
    months = settings.POINTS_EXPIRY_MONTHS
    return at + relativedelta(months=months) if months else None


NOTE_MAX = 255


def note_fields(note: Text) -> dict[str, Any]:
    """A line's note as stored: words as written (a str) in `note`; a text of ours (core.texts: a
    key and parameters, a gift's names) in `note_text`, read in the reader's language, with
    `note` its rendering in the city's language for the admin and exports."""
    if isinstance(note, dict):
        return {"note": render_in(note, settings.LANGUAGE_CODE)[:NOTE_MAX], "note_text": note}
    return {"note": ("" if note is None else str(note))[:NOTE_MAX], "note_text": None}


def _insert(**fields: Any) -> tuple[LedgerEntry, bool]:
    """Insert an entry; if its idempotency key exists already, return that entry instead."""
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(**fields)
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=fields["idempotency_key"]).first()
        if existing is None:
            raise
        return existing, False
    counted_rows_changed(Counted.LEDGER_ENTRY, entry)
    return entry, True


@transaction.atomic
def points_award(
    *,
    worker: User,
    source: str,
    idempotency_key: str,
    source_object: Model | None = None,
    category: str = "",
    region: Region | None = None,
    amount: int | None = None,
    actor: User | None = None,
    note: Text = "",
    at: datetime | None = None,
) -> AwardResult:
    """Award points for one source event, once.

    `region` is where it happened (a report's community, an event's station community) and
    picks a district's rule; without it, the worker's community does. `amount` is required for
    ranged rules (the handler picks) and must be left out for fixed ones. Asking twice with the
    same key returns the first entry, however often it is retried.
    """
    at = at or timezone.now()
    found = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        return AwardResult(found, created=False)
    if not worker.is_active:
        return AwardResult(None, refusal="inactive_worker", detail=str(_("该账号已停用，不能获得积分。")))
    rule = rules.rule_for(source=source, category=category, region=region or rules.worker_region(worker), on=at)
    if rule is None:
        return AwardResult(None, refusal="no_rule", detail=str(_("该事项目前没有积分规则。")))
    points = rules.points_for(rule, amount)
    if points <= 0:
        # A ranged rule may start at 0 ("no points this time"); the ledger holds no zero entries.
        return AwardResult(None, refusal="no_points", detail=str(_("这次没有积分。")))
    account = _account_locked(worker.pk)
    # The account lock serialises this worker's awards: a retry racing the first call waits
    # here and then finds the entry, and the caps below count every committed award.
    found = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        return AwardResult(found, created=False)
    day_start = _local_day_start(at)
    week_start = day_start - timedelta(days=day_start.weekday())
    if rule.daily_cap is not None and _earned_since(worker.pk, source, category, day_start) + points > rule.daily_cap:
        return AwardResult(
            None,
            refusal="daily_cap",
            detail=str(_("今日该事项已达积分上限（%(cap)d 分）。") % {"cap": rule.daily_cap}),
        )
    weekly = rule.weekly_cap
    if weekly is not None and _earned_since(worker.pk, source, category, week_start) + points > weekly:
        return AwardResult(
            None,
            refusal="weekly_cap",
            detail=str(_("本周该事项已达积分上限（%(cap)d 分）。") % {"cap": rule.weekly_cap}),
        )
    source_type, source_id = source_ref(source_object) if source_object is not None else ("", "")
    entry, created = _insert(
        worker=worker,
        amount=points,
        reason=LedgerReason.EARN,
        source=source,
        category=category,
        rule=rule,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        actor=actor,
        **note_fields(note),
        expires_at=_expiry_for(at),
        created_at=at,
    )
    if created:
        PointsAccount.objects.filter(pk=account.pk).update(
            balance=F("balance") + points, lifetime_earned=F("lifetime_earned") + points
        )
        from ..badges import badges_check  # badges read the ledger this award just wrote

        badges_check(worker=worker, at=at)
    return AwardResult(entry, created=created)


def points_spend(
    *,
    worker: User,
    amount: int,
    idempotency_key: str,
    source_object: Model | None = None,
    actor: User | None = None,
    note: Text = "",
    at: datetime | None = None,
) -> LedgerEntry:
    """Debit `amount` points for a redemption: Conflict("insufficient_points") and nothing written
    when the balance is short. Inside the caller's transaction it adds no savepoint of its own
    (a redemption is a hot write): a refusal writes nothing, so the caller may go on; otherwise it
    runs in a transaction of its own."""
    if amount <= 0:
        raise InvalidInput.one("amount", _("积分数额必须大于 0。"))
    at = at or timezone.now()
    if transaction.get_connection().in_atomic_block:
        return _spend(worker, amount, idempotency_key, source_object, actor, note, at)
    with transaction.atomic():
        return _spend(worker, amount, idempotency_key, source_object, actor, note, at)


_DEBIT_SQL: dict[str, str] = {}


def _debit_sql(using: str) -> str:
    """UPDATE … SET balance = balance - %s WHERE worker_id = %s AND balance >= %s, as the ORM writes
    PointsAccount.objects.filter(pk=…, balance__gte=n).update(balance=F("balance") - n) (an update
    of a queryset leaves updated_at alone)."""
    sql = _DEBIT_SQL.get(using)
    if sql is None:
        qn = connections[using].ops.quote_name
        meta = PointsAccount._meta
        balance = qn(meta.get_field("balance").column)
        sql = _DEBIT_SQL[using] = (
            f"UPDATE {qn(meta.db_table)} SET {balance} = {balance} - %s"  # noqa: S608 - names from the model
            f" WHERE {qn(meta.pk.column)} = %s AND {balance} >= %s"
        )
    return sql


def _spend(
    worker: User,
    amount: int,
    idempotency_key: str,
    source_object: Model | None,
    actor: User | None,
    note: Text,
    at: datetime,
) -> LedgerEntry:
    # The conditional update is the lock on the account (3 in rewards' lock order) and the guard:
    # a concurrent debit waits for it, then finds the balance it left. No account, no points.
    # Plain SQL made once per database, as the insert below (core.raw_insert): building the ORM's
    # UPDATE and INSERT cost more CPU than the database spent on them, on the mall's hot write.
    connection = transaction.get_connection()
    source_type, source_id = source_ref(source_object) if source_object is not None else ("", "")
    entry = LedgerEntry(
        worker=worker,
        amount=-amount,
        reason=LedgerReason.REDEMPTION,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        actor=actor,
        **note_fields(note),
        created_at=at,
    )
    debit = [amount, worker.pk, amount]
    try:
        if connection.vendor == "postgresql":
            # The debit and its entry in one statement (the entry is written only when the debit
            # took): a round trip fewer on every redemption.
            debited = insert_instance_if(entry, f"{_debit_sql(connection.alias)} RETURNING 1", debit, connection.alias)
        else:
            with connection.cursor() as cursor:
                cursor.execute(_debit_sql(connection.alias), debit)
                debited = bool(cursor.rowcount)
            if debited:
                insert_instance(entry, connection.alias)
    except IntegrityError:
        # Only the idempotency key can clash: this debit was made already. The debit above must
        # not stand without its entry, so the whole transaction rolls back.
        transaction.set_rollback(True)
        raise Conflict("duplicate", _("这笔积分已经扣除过。")) from None
    if not debited:
        raise Conflict("insufficient_points", _("积分不足。"))
    counted_rows_changed(Counted.LEDGER_ENTRY, entry)
    return entry


@transaction.atomic
def points_reverse(
    *, entry_id: int, actor: User | None, note: Text = "", at: datetime | None = None, key: str | None = None
) -> LedgerEntry:
    """Undo an entry with an opposite entry linked to it (refunds, corrections). An entry is
    reversed at most once; reversing an earning the worker has already spent is refused."""
    at = at or timezone.now()
    original = LedgerEntry.objects.filter(pk=entry_id).first()
    if original is None:
        raise NotFound()
    if original.reverses_id is not None:
        raise Conflict("invalid_transition", _("冲正记录不能再冲正。"))
    account = _account_locked(original.worker_id)
    amount = -original.amount
    if amount < 0:
        taken = PointsAccount.objects.filter(pk=account.pk, balance__gte=-amount).update(
            balance=F("balance") + amount, lifetime_earned=F("lifetime_earned") + amount
        )
        if not taken:
            raise Conflict("insufficient_points", _("积分余额不足以冲正这笔积分。"))
    else:
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                worker_id=original.worker_id,
                amount=amount,
                reason=LedgerReason.REVERSAL,
                source=original.source,
                category=original.category,
                source_type=original.source_type,
                source_id=original.source_id,
                idempotency_key=key or f"reversal:{original.pk}",
                reverses=original,
                actor=actor,
                **note_fields(note),
                created_at=at,
            )
    except IntegrityError as exc:
        raise Conflict("already_reversed", _("这笔积分已经冲正过。")) from exc
    counted_rows_changed(Counted.LEDGER_ENTRY, entry)
    return entry


@transaction.atomic
def points_adjust(
    *,
    worker: User,
    amount: int,
    actor: User | None,
    note: str,
    idempotency_key: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """A manual adjustment with its reason (a balance migrated from an earlier system, a
    correction without an entry to reverse). Positive adjustments count towards titles like
    earnings; a negative one never takes the balance below zero. Idempotent by key."""
    if amount == 0:
        raise InvalidInput.one("amount", _("调整的积分不能为 0。"))
    if not note.strip():
        raise InvalidInput.one("note", _("请写明调整原因。"))
    at = at or timezone.now()
    account = _account_locked(worker.pk)
    found = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        return found
    if amount > 0:
        PointsAccount.objects.filter(pk=account.pk).update(
            balance=F("balance") + amount, lifetime_earned=F("lifetime_earned") + amount
        )
    elif not PointsAccount.objects.filter(pk=account.pk, balance__gte=-amount).update(balance=F("balance") + amount):
        raise Conflict("insufficient_points", _("积分余额不足以扣减。"))
    entry, _created = _insert(
        worker=worker,
        amount=amount,
        reason=LedgerReason.ADJUSTMENT,
        idempotency_key=idempotency_key,
        actor=actor,
        note=note.strip(),
        created_at=at,
    )
    if amount > 0:
        from ..badges import badges_check  # lifetime milestones count adjustments too

        badges_check(worker=worker, at=at)
    return entry


def points_set_hidden(*, worker: User, hidden: bool) -> PointsAccount:
    """A worker hides from (or returns to) the public leaderboards."""
    return points_board_privacy_set(worker=worker, hide_from_boards=hidden)


@transaction.atomic
def points_board_privacy_set(
    *, worker: User, hide_from_boards: bool | None = None, show_name_on_boards: bool | None = None
) -> PointsAccount:
    """How the worker appears on the boards: not at all, under a masked name (the default), or
    under their full name. None leaves a setting as it is."""
    PointsAccount.objects.get_or_create(worker=worker)
    changes: dict[str, bool] = {}
    if hide_from_boards is not None:
        changes["hide_from_boards"] = hide_from_boards
    if show_name_on_boards is not None:
        changes["show_name_on_boards"] = show_name_on_boards
    if changes:
        PointsAccount.objects.filter(worker=worker).update(**changes)
    return PointsAccount.objects.get(worker=worker)


def checkin_points_award(*, profile: WorkerProfile, actor: User, at: datetime) -> None:
    """Points for checking in with a community, once per worker ever, in the confirmation's
    transaction (accounts.hooks.checkin_confirmed). A refusal (no rule, say) leaves the
    confirmation standing."""
    try:
        result = points_award(
            worker=profile.user,
            source=PointsSource.CHECKIN_CONFIRMED,
            idempotency_key=f"checkin_confirmed:{profile.pk}",
            source_object=profile,
            region=profile.community,
            actor=actor,
            note=profile.community.name,
            at=at,
        )
    except DomainError as exc:
        logger.warning("check-in points for profile %s refused: %s", profile.pk, exc)
        return
    if result.refusal:
        logger.info("no check-in points for profile %s: %s", profile.pk, result.refusal)
