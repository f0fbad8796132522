"""Writes for points. Every change of a balance goes through here, with its ledger entry.

- `points_award`: one service for every earning; it applies the rule, the caps and the
  idempotency key, and explains a refusal instead of raising.
- `points_spend`: a debit guarded by a conditional update (never below zero), for redemptions.
- `points_reverse`: a correction, as a new entry linked to the one it reverses.
- `points_expire_due` and `points_warn_expiring`: the nightly expiry (off unless configured).

The worker's account row is locked (SELECT … FOR UPDATE) for every write, so caps and the
"once per source event" rule hold under concurrency; the balance itself only moves through
`UPDATE … SET balance = balance ± n WHERE …` in the same transaction as the entry.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from littlebee.accounts.models import CheckinStatus, User, WorkerProfile
from littlebee.accounts.selectors import is_city_admin
from littlebee.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, PermissionDenied
from littlebee.notifications.inbox import notify
from littlebee.orgs.models import Region

from . import rules, selectors
from .models import (
    Badge,
    EarningRule,
    ExpiryNotice,
    HonoraryTitle,
    LedgerEntry,
    LedgerReason,
    PointsAccount,
    PointsSource,
)

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


def _insert(**fields: Any) -> tuple[LedgerEntry, bool]:
    """Insert an entry; if its idempotency key exists already, return that entry instead."""
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(**fields), True
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=fields["idempotency_key"]).first()
        if existing is None:
            raise
        return existing, False


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
    note: str = "",
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
        note=note,
        expires_at=_expiry_for(at),
        created_at=at,
    )
    if created:
        PointsAccount.objects.filter(pk=account.pk).update(
            balance=F("balance") + points, lifetime_earned=F("lifetime_earned") + points
        )
        from .badges import badges_check  # badges read the ledger this award just wrote

        badges_check(worker=worker, at=at)
    return AwardResult(entry, created=created)


def points_spend(
    *,
    worker: User,
    amount: int,
    idempotency_key: str,
    source_object: Model | None = None,
    actor: User | None = None,
    note: str = "",
    at: datetime | None = None,
) -> LedgerEntry:
    """Debit `amount` points for a redemption. Runs inside the caller's transaction; raises
    Conflict("insufficient_points") and writes nothing when the balance is short."""
    if amount <= 0:
        raise InvalidInput.one("amount", _("积分数额必须大于 0。"))
    at = at or timezone.now()
    with transaction.atomic():
        account = _account_locked(worker.pk)
        debited = PointsAccount.objects.filter(pk=account.pk, balance__gte=amount).update(balance=F("balance") - amount)
        if not debited:
            raise Conflict("insufficient_points", _("积分不足。"))
        source_type, source_id = source_ref(source_object) if source_object is not None else ("", "")
        entry, created = _insert(
            worker=worker,
            amount=-amount,
            reason=LedgerReason.REDEMPTION,
            source_type=source_type,
            source_id=source_id,
            idempotency_key=idempotency_key,
            actor=actor,
            note=note,
            created_at=at,
        )
        if not created:
            raise Conflict("duplicate", _("这笔积分已经扣除过。"))
    return entry


@transaction.atomic
def points_reverse(
    *, entry_id: int, actor: User | None, note: str = "", at: datetime | None = None, key: str | None = None
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
            return LedgerEntry.objects.create(
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
                note=note,
                created_at=at,
            )
    except IntegrityError as exc:
        raise Conflict("already_reversed", _("这笔积分已经冲正过。")) from exc


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
        from .badges import badges_check  # lifetime milestones count adjustments too

        badges_check(worker=worker, at=at)
    return entry


# --- Expiry ---------------------------------------------------------------------------------
def _expiring_total(worker_id: int, until: datetime) -> int:
    """Points of earnings that expire by `until`, less what reversals took back from them."""
    earned = LedgerEntry.objects.filter(
        worker_id=worker_id, reason=LedgerReason.EARN, expires_at__isnull=False, expires_at__lte=until
    )
    gross = earned.aggregate(total=Sum("amount"))["total"] or 0
    taken_back = LedgerEntry.objects.filter(reverses__in=earned).aggregate(total=Sum("amount"))["total"] or 0
    return int(gross + taken_back)


def _debited_total(worker_id: int) -> int:
    """Points spent or expired so far (positive), less refunds of them."""
    debits = LedgerEntry.objects.filter(worker_id=worker_id, reason__in=(LedgerReason.REDEMPTION, LedgerReason.EXPIRY))
    spent = -(debits.aggregate(total=Sum("amount"))["total"] or 0)
    refunded = LedgerEntry.objects.filter(reverses__in=debits).aggregate(total=Sum("amount"))["total"] or 0
    return int(spent - refunded)


def points_due_to_expire(worker_id: int, until: datetime) -> int:
    """Oldest points are spent first, so what expires by `until` is what those earnings
    brought in beyond everything already spent or expired."""
    return max(0, _expiring_total(worker_id, until) - _debited_total(worker_id))


def points_expire_due(*, at: datetime | None = None) -> int:
    """The nightly job: write the expiry entries due at `at`. Returns how many workers lost points."""
    if not settings.POINTS_EXPIRY_MONTHS:
        return 0
    at = at or timezone.now()
    workers = (
        LedgerEntry.objects.filter(reason=LedgerReason.EARN, expires_at__lte=at)
        .values_list("worker_id", flat=True)
        .distinct()
    )
    expired = 0
    for worker_id in workers.iterator():
        with transaction.atomic():
            account = _account_locked(worker_id)
            due = min(points_due_to_expire(worker_id, at), account.balance)
            if due <= 0:
                continue
            # The entry first: a second run on the same day finds its key taken and must not
            # debit the balance again without an entry to explain it.
            _entry, created = _insert(
                worker_id=worker_id,
                amount=-due,
                reason=LedgerReason.EXPIRY,
                idempotency_key=f"expiry:{worker_id}:{timezone.localdate(at).isoformat()}",
                note=gettext("积分到期"),
                created_at=at,
            )
            if not created:
                continue
            PointsAccount.objects.filter(pk=account.pk, balance__gte=due).update(balance=F("balance") - due)
            expired += 1
    return expired


def points_warn_expiring(*, at: datetime | None = None, within_days: int = 30) -> int:
    """Text workers whose points expire within a month, once per expiry date."""
    if not settings.POINTS_EXPIRY_MONTHS:
        return 0
    at = at or timezone.now()
    until = at + timedelta(days=within_days)
    upcoming = (
        LedgerEntry.objects.filter(reason=LedgerReason.EARN, expires_at__gt=at, expires_at__lte=until)
        .values_list("worker_id", flat=True)
        .distinct()
    )
    warned = 0
    for worker_id in upcoming.iterator():
        amount = points_due_to_expire(worker_id, until) - points_due_to_expire(worker_id, at)
        if amount <= 0:
            continue
        first = (
            LedgerEntry.objects.filter(
                worker_id=worker_id, reason=LedgerReason.EARN, expires_at__gt=at, expires_at__lte=until
            )
            .order_by("expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        expires_on: date = timezone.localdate(first) if first else timezone.localdate(until)
        with translation.override(settings.LANGUAGE_CODE):
            facts = {"amount": amount, "date": expires_on.isoformat()}
            message = gettext("【小蜜蜂】您有 %(amount)d 积分将于 %(date)s 起陆续到期，请尽快到积分商城兑换。") % facts
            title = gettext("%(amount)d 积分即将到期") % facts
            body = gettext("您有 %(amount)d 积分将于 %(date)s 起陆续到期，请尽快到积分商城兑换。") % facts
        try:
            # The notice, the inbox entry and the text (after commit) stand or fall together.
            with transaction.atomic():
                ExpiryNotice.objects.create(worker_id=worker_id, expires_on=expires_on, amount=amount, sent_at=at)
                user = User.objects.filter(pk=worker_id, is_active=True).first()
                if user is not None:
                    notify(
                        user=user,
                        kind="points_expiring",
                        title=title,
                        body=body,
                        link=reverse("points:mine"),
                        data={"amount": amount, "expires_on": expires_on.isoformat()},
                        sms=True,
                        sms_text=message,
                    )
        except IntegrityError:
            continue  # told already
        warned += 1
    return warned


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


# --- Earning rules ----------------------------------------------------------------------------
def earning_rule_save(*, actor: User, rule: EarningRule) -> EarningRule:
    """Create or change a rule after the permission and range checks (rules.rule_editable_by)."""
    rules.rule_check(actor=actor, rule=rule)
    rule.updated_by = actor
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict("duplicate_rule", _("该范围内已有这项积分规则。")) from exc
    return rule


# --- Honorary titles --------------------------------------------------------------------------
TITLE_MAX = 40
CITATION_MAX = 255


def _clean_line(value: str) -> str:
    """One line of text as a person typed it: no control or invisible formatting characters."""
    return "".join(c for c in (value or "") if unicodedata.category(c) not in {"Cc", "Cf", "Cs"}).strip()


@transaction.atomic
def honorary_title_grant(*, actor: User, worker_id: int, title: str, citation: str = "") -> HonoraryTitle:
    """A community (its party organisation's handler or admin) honours a worker checked in there,
    e.g. with the seed's 径心游侠. One live grant of a title per worker and community."""
    title, citation = _clean_line(title), _clean_line(citation)
    errors: list[FieldError] = []
    if not title:
        errors.append(FieldError("title", _("请填写称号。")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("称号不能超过 %(n)d 个字。") % {"n": TITLE_MAX}))
    if len(citation) > CITATION_MAX:
        errors.append(FieldError("citation", _("事迹不能超过 %(n)d 个字。") % {"n": CITATION_MAX}))
    if errors:
        raise InvalidInput(errors)
    orgs = selectors.title_granting_orgs(actor)
    if not orgs:
        raise PermissionDenied(_("只有社区党组织的工作人员可以授予荣誉称号。"))
    profile = WorkerProfile.objects.select_related("user").filter(user_id=worker_id).first()
    org = next((o for o in orgs if profile is not None and o.region_id == profile.community_id), None)
    if profile is None or org is None:
        raise NotFound(_("本社区没有这位小哥。"))
    if profile.checkin_status != CheckinStatus.CONFIRMED:
        raise Conflict("not_checked_in", _("这位小哥尚未完成本社区报到，暂不能授予称号。"))
    already = Conflict("already_granted", _("本社区已授予这位小哥该称号。"))
    live = HonoraryTitle.objects.filter(worker_id=worker_id, title=title, granted_by_org=org, revoked_at__isnull=True)
    if live.exists():
        raise already
    try:
        with transaction.atomic():
            return HonoraryTitle.objects.create(
                worker_id=worker_id, title=title, citation=citation, granted_by_org=org, granted_by=actor
            )
    except IntegrityError as exc:  # a simultaneous grant: the constraint honorary_title_live_once decides
        raise already from exc


@transaction.atomic
def honorary_title_revoke(*, actor: User, title_id: int) -> HonoraryTitle:
    """Withdraw a title: staff of the organisation that granted it (or a city admin)."""
    honour = HonoraryTitle.objects.select_for_update().filter(pk=title_id).first()
    if honour is None or not (
        is_city_admin(actor) or honour.granted_by_org_id in {o.pk for o in selectors.title_granting_orgs(actor)}
    ):
        raise NotFound()
    if honour.revoked_at is not None:
        raise Conflict("invalid_transition", _("该称号已撤销。"))
    honour.revoked_at = timezone.now()
    honour.save(update_fields=["revoked_at", "updated_at"])
    return honour


# --- Defaults -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _RuleDefault:
    source: str
    category: str
    points_min: int
    points_max: int
    daily_cap: int | None = None
    district_max_points: int | None = None


# The seed's defaults: a public-security clue 100, a safety hazard 50, everyday neighbourhood
# issues within a range the handler picks (districts may raise that range up to 50).
RULE_DEFAULTS = (
    _RuleDefault(PointsSource.REPORT, "public_security_clue", 100, 100),
    _RuleDefault(PointsSource.REPORT, "safety_hazard", 50, 50),
    _RuleDefault(PointsSource.REPORT, "", 5, 30, district_max_points=50),
    _RuleDefault(PointsSource.ARTICLE_READ, "", 2, 2, daily_cap=10),
    _RuleDefault(PointsSource.QUIZ_PASSED, "", 10, 10, daily_cap=20),
    _RuleDefault(PointsSource.VOLUNTEER_TASK, "", 10, 100, district_max_points=100),
    # The event's own points (set when it is published) are the amount, within this range.
    _RuleDefault(PointsSource.EVENT_ATTENDANCE, "", 0, 100),
    _RuleDefault(PointsSource.CHECKIN_CONFIRMED, "", 20, 20),
)


@dataclass(frozen=True)
class _BadgeDefault:
    code: str
    name: Promise
    description: Promise
    icon: str
    source: str
    threshold: int


BADGE_DEFAULTS = (
    _BadgeDefault("first-report", _("初次上报"), _("第一次随手拍上报获得积分"), "camera", PointsSource.REPORT, 1),
    _BadgeDefault("ten-reports", _("城市之眼"), _("随手拍上报获得积分 10 次"), "pin", PointsSource.REPORT, 10),
    _BadgeDefault(
        "first-volunteer-task", _("热心志愿者"), _("第一次完成志愿任务"), "heart", PointsSource.VOLUNTEER_TASK, 1
    ),
    _BadgeDefault(
        "first-event", _("活动新人"), _("第一次参加社区或驿站活动"), "users", PointsSource.EVENT_ATTENDANCE, 1
    ),
    _BadgeDefault("points-1000", _("千分蜜蜂"), _("累计获得 1000 积分"), "award", "", 1000),
)


def points_defaults_ensure() -> tuple[int, int]:
    """The city's default earning rules and badges; existing ones are left as they are.
    Returns how many rules and badges were created. Safe to run again."""
    rules_created = badges_created = 0
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for rule in RULE_DEFAULTS:
            _obj, created = EarningRule.objects.get_or_create(
                source=rule.source,
                category=rule.category,
                district=None,
                defaults={
                    "points_min": rule.points_min,
                    "points_max": rule.points_max,
                    "daily_cap": rule.daily_cap,
                    "district_max_points": rule.district_max_points,
                },
            )
            rules_created += created
        for order, badge in enumerate(BADGE_DEFAULTS):
            _badge, created = Badge.objects.get_or_create(
                code=badge.code,
                defaults={
                    "name": str(badge.name),
                    "description": str(badge.description),
                    "icon": badge.icon,
                    "source": badge.source,
                    "threshold": badge.threshold,
                    "order": order,
                },
            )
            badges_created += created
    return rules_created, badges_created


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
